"""The site's addresses (CONTRACT §5)."""

from __future__ import annotations

from django.urls import include, path

from architect.designs import urls as designs_urls
from architect.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("learn/", include("architect.learn.urls")),
    path("examples/", include((designs_urls.examples_patterns, "examples"))),
    path("designs/", include("architect.designs.urls")),
    path("s/", include((designs_urls.share_patterns, "share"))),
    path("accounts/", include("architect.accounts.urls")),
]

handler404 = "architect.web.views.page_not_found"
handler500 = "architect.web.views.server_error"
