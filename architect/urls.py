"""The site's addresses (CONTRACT §5)."""

from __future__ import annotations

from django.urls import include, path

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
    path("examples/", _not_built("examples", ("", "index"), ("<slug:slug>/", "detail"))),
    path(
        "designs/",
        _not_built(
            "designs",
            ("", "index"),
            ("new", "new"),
            ("import", "import"),
            ("<int:pk>/", "detail"),
            ("<int:pk>/<path:rest>", "part"),
        ),
    ),
    path("s/", _not_built("share", ("<str:token>/", "detail"))),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    *PLACEHOLDERS,
]

handler404 = "architect.web.views.page_not_found"
handler500 = "architect.web.views.server_error"
