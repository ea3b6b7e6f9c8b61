from __future__ import annotations

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "architect.web"
    label = "web"
    verbose_name = "Mail Architect web"
