from __future__ import annotations

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "architect.web"
    label = "web"
    verbose_name = "Mail Architect web"

    def ready(self) -> None:
        # Every diagram, also the export bundle's diagram.svg, through the shared cache.
        from architect.core import diagram

        from . import diagram_cache

        diagram.use_cache(diagram_cache.render_cached)
