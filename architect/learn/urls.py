"""/learn/, /learn/<chapter>/ and the rule catalogue /learn/findings/ (CONTRACT §5)."""

from __future__ import annotations

from django.urls import path

from . import findings, views

app_name = "learn"

urlpatterns = [
    path("", views.index, name="index"),
    # Before the chapters: "findings" would otherwise be read as a chapter's slug.
    path("findings/", findings.index, name="findings"),
    path("findings/<slug:code>/", findings.detail, name="finding"),
    path("findings/<slug:code>/open", findings.open_example, name="finding_open"),
    path("findings/<slug:code>/<slug:which>.json", findings.design_json, name="finding_design"),
    path("<slug:slug>/", views.chapter, name="chapter"),
]
