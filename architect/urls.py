"""The site's addresses (CONTRACT §5)."""

from __future__ import annotations

from django.urls import include, path

from architect.designs import urls as designs_urls
from architect.web import views


def _not_built(namespace: str, *routes: tuple[str, str]):
    """include() routes (route, name) that all answer "not built yet", in ``namespace``."""
    patterns = [path(route, views.not_built_yet, name=name) for route, name in routes]
    return include((patterns, namespace))


# Addresses that later work fills in. A feature replaces its line with its own urls, e.g.
# path("learn/", include("architect.learn.urls")) with app_name = "learn" in that module,
# keeping these names so that reverse("learn:index") in templates and tests still works.
PLACEHOLDERS = [
    path("learn/", include("architect.learn.urls")),
    path("examples/", include((designs_urls.examples_patterns, "examples"))),
    path("designs/", include("architect.designs.urls")),
    path("s/", include((designs_urls.share_patterns, "share"))),
    path("accounts/", include("architect.accounts.urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    *PLACEHOLDERS,
]

handler404 = "architect.web.views.page_not_found"
handler500 = "architect.web.views.server_error"
