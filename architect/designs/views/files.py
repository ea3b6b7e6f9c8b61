"""The files of a design (CONTRACT §5): design.json, plan.json, diagram.*, export.zip, one file.

The same views serve a visitor's own design (by id), a shared one (by token) and an example
(by slug): ``source_or_404`` finds the document or answers 404.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from ..access import Source, source_or_404
from ..diagrams import diagram, dot_source

# Fixed timestamps: the same design gives the same zip, byte for byte.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
TEXT_TYPES = {
    ".json": "application/json",
    ".md": "text/markdown; charset=utf-8",
    ".xml": "application/xml",
    ".svg": "image/svg+xml",
}


def _attachment(response: HttpResponse, filename: str, inline: bool = False) -> HttpResponse:
    kind = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{kind}; filename="{filename}"'
    return response


def _invalid(source: Source) -> HttpResponse | None:
    """A 409 naming the problems when the stored document no longer loads; else None."""
    problems = source.analysis.problems
    if not problems:
        return None
    text = "This design is not valid, so it has no plan:\n" + "\n".join(f"  {p}" for p in problems)
    return HttpResponse(text + "\n", status=409, content_type="text/plain; charset=utf-8")


@require_GET
def design_json(request: HttpRequest, **key: Any) -> HttpResponse:
    source = source_or_404(request, **key)
    response = HttpResponse(source.analysis.design_json, content_type="application/json")
    return _attachment(response, f"{source.filename}.design.json")


@require_GET
def plan_json(request: HttpRequest, **key: Any) -> HttpResponse:
    source = source_or_404(request, **key)
    if (refused := _invalid(source)) is not None:
        return refused
    response = HttpResponse(source.analysis.plan_json, content_type="application/json")
    return _attachment(response, f"{source.filename}.plan.json")


def _diagram(request: HttpRequest, fmt: str, key: dict[str, Any]) -> HttpResponse:
    source = source_or_404(request, **key)
    if (refused := _invalid(source)) is not None:
        return refused
    data, error = diagram(source.analysis.plan, fmt)
    if data is None:
        return HttpResponse(
            f"{error}\nThe plan (plan.json) holds the same information as text.\n",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    content_type = "image/svg+xml" if fmt == "svg" else "image/png"
    response = HttpResponse(data, content_type=content_type)
    return _attachment(response, f"{source.filename}.{fmt}", inline=True)


@require_GET
def diagram_svg(request: HttpRequest, **key: Any) -> HttpResponse:
    return _diagram(request, "svg", key)


@require_GET
def diagram_png(request: HttpRequest, **key: Any) -> HttpResponse:
    return _diagram(request, "png", key)


@require_GET
def diagram_dot(request: HttpRequest, **key: Any) -> HttpResponse:
    source = source_or_404(request, **key)
    if (refused := _invalid(source)) is not None:
        return refused
    text, error = dot_source(source.analysis.plan)
    if text is None:
        return HttpResponse(error + "\n", status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(text, content_type="text/vnd.graphviz; charset=utf-8")
    return _attachment(response, f"{source.filename}.dot")


def zip_bytes(files: dict[str, str]) -> bytes:
    """A zip of the bundle: sorted paths, fixed timestamps and modes, so stable bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(path, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[path].encode("utf-8"))
    return buffer.getvalue()


@require_GET
def export_zip(request: HttpRequest, **key: Any) -> HttpResponse:
    source = source_or_404(request, **key)
    if (refused := _invalid(source)) is not None:
        return refused
    analysis = source.analysis
    if analysis.files_error:
        return HttpResponse(
            analysis.files_error + "\n", status=503, content_type="text/plain; charset=utf-8"
        )
    response = HttpResponse(zip_bytes(analysis.files), content_type="application/zip")
    return _attachment(response, f"{source.filename}.zip")


@require_GET
def bundle_file(request: HttpRequest, path: str, **key: Any) -> HttpResponse:
    """One file of the bundle, by its path in the bundle (postfix/mail.example.org/main.cf)."""
    source = source_or_404(request, **key)
    if (refused := _invalid(source)) is not None:
        return refused
    text = source.analysis.files.get(path)
    if text is None:
        raise Http404("no such file in this design's bundle")
    suffix = "." + path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""
    content_type = TEXT_TYPES.get(suffix, "text/plain; charset=utf-8")
    name = path.replace("/", "_")
    return _attachment(HttpResponse(text, content_type=content_type), name)
