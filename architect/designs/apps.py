from __future__ import annotations

from django.apps import AppConfig


class DesignsConfig(AppConfig):
    name = "architect.designs"
    label = "designs"
    verbose_name = "Stored designs"
