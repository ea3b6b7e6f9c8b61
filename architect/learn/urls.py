"""/learn/ and /learn/<chapter>/ (CONTRACT §5)."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "learn"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.chapter, name="chapter"),
]
