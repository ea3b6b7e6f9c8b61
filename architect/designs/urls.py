"""Addresses of stored designs (designs:), shared designs (share:) and examples (examples:).

The file, trace and read-only addresses are the same under each: /designs/<id>/plan.json,
/s/<token>/plan.json and /examples/<slug>/plan.json are served by one view.
"""

from __future__ import annotations

from django.urls import path

from architect.web.shared_pages import same_for_everyone

from .access import visible_only
from .views import create, dkim, editor, examples, files, live, revisions, share, trace
from .views import list as list_views

app_name = "designs"

PARTS = "<str:part>"


def _file_routes() -> list:
    return [
        path("design.json", files.design_json, name="design_json"),
        path("plan.json", files.plan_json, name="plan_json"),
        path("diagram.svg", files.diagram_svg, name="diagram_svg"),
        path("diagram.png", files.diagram_png, name="diagram_png"),
        path("diagram.dot", files.diagram_dot, name="diagram_dot"),
        path("export.zip", files.export_zip, name="export_zip"),
        path("files/<path:path>", files.bundle_file, name="file"),
        path("trace", trace.trace_view, name="trace"),
    ]


def _under(prefix: str, routes: list) -> list:
    return [path(prefix + str(r.pattern), r.callback, name=r.name) for r in routes]


def _guarded(routes: list) -> list:
    """Every route of a design or a share link answers 404 first to anyone else."""
    return [path(str(r.pattern), visible_only(r.callback), name=r.name) for r in routes]


urlpatterns = [
    path("", list_views.index, name="index"),
    path("new", create.new, name="new"),
    path("import", create.import_design, name="import"),
    *_guarded(
        [
            path("<int:pk>/", editor.designer, name="detail"),
            path("<int:pk>/start", create.start, name="start"),
            path("<int:pk>/parts", editor.parts_partial, name="parts"),
            path("<int:pk>/panel", editor.panel_partial, name="panel"),
            path("<int:pk>/settings", editor.settings_edit, name="settings"),
            path("<int:pk>/policy", editor.policy_edit, name="policy"),
            path(f"<int:pk>/{PARTS}/add", editor.part_add, name="part_add"),
            path(f"<int:pk>/{PARTS}/<str:name>/edit", editor.part_edit, name="part_edit"),
            path(f"<int:pk>/{PARTS}/<str:name>/remove", editor.part_remove, name="part_remove"),
            path("<int:pk>/duplicate", create.duplicate, name="duplicate"),
            path("<int:pk>/delete", list_views.delete, name="delete"),
            path("<int:pk>/undo", revisions.undo, name="undo"),
            path("<int:pk>/redo", revisions.redo, name="redo"),
            path("<int:pk>/history", revisions.history, name="history"),
            path("<int:pk>/history/<int:number>", revisions.revision, name="revision"),
            path("<int:pk>/history/<int:number>/restore", revisions.restore, name="restore"),
            path("<int:pk>/live", live.live_check, name="live"),
            path("<int:pk>/dkim", dkim.keys, name="dkim"),
            path("<int:pk>/dkim/generate", dkim.generate, name="dkim_generate"),
            path("<int:pk>/dkim/key", dkim.paste, name="dkim_key"),
            path("<int:pk>/share", share.create, name="share"),
            path("<int:pk>/share/revoke", share.revoke, name="unshare"),
            *_under("<int:pk>/", _file_routes()),
        ]
    ),
]

share_patterns = _guarded(
    [
        path("<str:token>/", share.detail, name="detail"),
        *_under("<str:token>/", _file_routes()),
    ]
)

# Example designs never change while the server runs: their pages and files are worked out
# once per app process and kept (architect/web/shared_pages.py). Copying is a POST, never kept.
examples_patterns = [
    path(str(r.pattern), same_for_everyone(r.callback), name=r.name)
    for r in [
        path("", examples.index, name="index"),
        path("<slug:slug>/", examples.detail, name="detail"),
        path("<slug:slug>/copy", create.copy_example, name="copy"),
        *_under("<slug:slug>/", _file_routes()),
    ]
]
