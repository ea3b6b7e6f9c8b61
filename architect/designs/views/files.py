"""The files of a design (CONTRACT §5): design.json, plan.json, diagram.*, export.zip, one file.

The same views serve a visitor's own design (by id), a shared one (by token) and an example
(by slug): ``source_or_404`` finds the document or answers 404.

Each file is made once per document and code and then served from Django's cache (the
diagram cache's pattern): a design at the size limits takes seconds to load, plan and
export, and an unchanged one should cost that once, not on every download.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import logging
import zipfile
from pathlib import Path
from typing import Any

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

import architect.core

from ..access import Source, source_or_404
from ..diagrams import diagram, dot_source

log = logging.getLogger(__name__)

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
    data = _cached(source, "design.json")
    if data is None:
        data = source.analysis.design_json.encode("utf-8")
        _remember(source, "design.json", data)
    response = HttpResponse(data, content_type="application/json")
    return _attachment(response, f"{source.filename}.design.json")


@require_GET
def plan_json(request: HttpRequest, **key: Any) -> HttpResponse:
    source = source_or_404(request, **key)
    # Only a valid document's plan is ever cached: a hit needs no loading or checking.
    data = _cached(source, "plan.json")
    if data is None:
        if (refused := _invalid(source)) is not None:
            return refused
        data = source.analysis.plan_json.encode("utf-8")
        _remember(source, "plan.json", data)
    response = HttpResponse(data, content_type="application/json")
    return _attachment(response, f"{source.filename}.plan.json")


def _diagram(request: HttpRequest, fmt: str, key: dict[str, Any]) -> HttpResponse:
    source = source_or_404(request, **key)
    data = _cached(source, f"diagram.{fmt}")
    if data is None:
        if (refused := _invalid(source)) is not None:
            return refused
        data, error = diagram(source.analysis.plan, fmt)
        if data is not None:
            _remember(source, f"diagram.{fmt}", data)
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


# The bundle cache. An entry is named by what the bundle is made from, the document and
# the code (see ``bundle_key``), so it never goes stale: the limit only frees space.
BUNDLE_SECONDS = 7 * 24 * 3600
# A bundle that could not be written is not tried again for this long, so a design that
# breaks an exporter costs one attempt per minute, not one per download.
BUNDLE_FAILURE_SECONDS = 60


@functools.cache
def code_version() -> str:
    """A digest of the code that makes bundles: every file of ``architect.core``.

    Worked out once per process. A deployment that changes the planner or an exporter
    gets new cache keys, so no server hands out a bundle that older code wrote.
    """
    root = Path(architect.core.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:20]


def document_digest(document: Any) -> str:
    """The SHA-256 of a document in a canonical form (sorted keys, no spaces).

    A design, its share link and an example with the same content have the same digest.
    """
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def content_key(kind: str, document: Any, digest: str | None = None) -> str:
    """``<kind>:<code version>:<document digest>``: the same key for the same file."""
    return f"{kind}:{code_version()}:{digest or document_digest(document)}"


def bundle_key(document: Any, digest: str | None = None) -> str:
    """The cache key of a document's export.zip: ``bundle:<code>:<document>``."""
    return content_key("bundle", document, digest)


def _digest(source: Source) -> str:
    # Worked out once per request: the document of a design at the limits is 4 MB.
    if "_digest" not in source.__dict__:
        source.__dict__["_digest"] = document_digest(source.document)
    return source.__dict__["_digest"]


def _cached(source: Source, kind: str) -> bytes | None:
    """A file of the source made earlier from the same document by the same code."""
    return cache.get(content_key(kind, source.document, _digest(source)))


def _remember(source: Source, kind: str, data: bytes) -> None:
    try:
        cache.set(content_key(kind, source.document, _digest(source)), data, BUNDLE_SECONDS)
    except Exception:
        # A cache that refuses a large value (or is down) costs a rebuild next time,
        # never the download.
        log.warning("%s of %r was not cached", kind, source.title, exc_info=True)


def bundle_zip(source: Source) -> tuple[bytes | None, str | None]:
    """The source's export.zip as ``(bytes, None)``, or ``(None, why not)``, via the cache.

    The first download of a design builds the zip; every later one of the same content, on
    any app server that shares the cache, reads it back. The caller has checked that the
    document is valid, unless the cache already holds its bundle.
    """
    key = bundle_key(source.document, _digest(source))
    data = cache.get(key)
    if data is not None:
        return data, None
    failed = cache.get(key + ":failed")
    if failed is not None:
        return None, failed
    analysis = source.analysis
    if analysis.files_error:
        cache.set(key + ":failed", analysis.files_error, BUNDLE_FAILURE_SECONDS)
        return None, analysis.files_error
    data = zip_bytes(analysis.files)
    _remember(source, "bundle", data)
    return data, None


def _cached_zip(source: Source) -> bytes | None:
    """The cached export.zip of the source's document, if the cache holds it."""
    return _cached(source, "bundle")


@require_GET
def export_zip(request: HttpRequest, **key: Any) -> HttpResponse:
    source = source_or_404(request, **key)
    # A cached bundle was made from a valid document: it needs no loading or checking.
    data = _cached_zip(source)
    if data is None:
        if (refused := _invalid(source)) is not None:
            return refused
        data, error = bundle_zip(source)
        if data is None:
            return HttpResponse(f"{error}\n", status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(data, content_type="application/zip")
    return _attachment(response, f"{source.filename}.zip")


def _file_from_zip(data: bytes, path: str) -> str | None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        try:
            return archive.read(path).decode("utf-8")
        except KeyError:
            return None


@require_GET
def bundle_file(request: HttpRequest, path: str, **key: Any) -> HttpResponse:
    """One file of the bundle, by its path in the bundle (postfix/mail.example.org/main.cf).

    Read from the cached export.zip, so the files of one design are written once for all
    of their downloads, not once per file.
    """
    source = source_or_404(request, **key)
    data = _cached_zip(source)
    if data is None:
        if (refused := _invalid(source)) is not None:
            return refused
        data, _error = bundle_zip(source)
    text = _file_from_zip(data, path) if data is not None else None
    if text is None:
        raise Http404("no such file in this design's bundle")
    suffix = "." + path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""
    content_type = TEXT_TYPES.get(suffix, "text/plain; charset=utf-8")
    name = path.replace("/", "_")
    return _attachment(HttpResponse(text, content_type=content_type), name)
