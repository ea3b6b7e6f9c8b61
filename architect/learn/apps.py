from __future__ import annotations

from django.apps import AppConfig


class LearnConfig(AppConfig):
    name = "architect.learn"
    label = "learn"
    verbose_name = "Mail Architect tutorial"
