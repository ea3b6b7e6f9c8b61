"""The files of a design (CONTRACT §5): design.json, plan.json, diagram.*, export.zip, one file.

The same views serve a visitor's own design (by id), a shared one (by token) and an example
(by slug): ``source_or_404`` finds the document or answers 404.

Each file is made once per document and code and then served from Django's cache (the
diagram cache's pattern): a design at the size limits takes seconds to load, plan and
export, and an unchanged one should cost that once, not on every download.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import io
import logging
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

import architect.core

from ..access import Source, source_or_404
from ..analysis import Analysis, document_digest
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


# Above this many bytes of files a bundle is compressed at zlib's fastest level: a design
# at the limits writes 40 MB, which took 3.5 s at the default level (6) and takes well
# under a second at level 1, for a zip about a third larger.
FAST_ZIP_BYTES = 4_000_000


def zip_bytes(files: dict[str, str]) -> bytes:
    """A zip of the bundle: sorted paths, fixed timestamps and modes, so stable bytes."""
    encoded = {path: text.encode("utf-8") for path, text in files.items()}
    total = sum(len(data) for data in encoded.values())
    level = 1 if total > FAST_ZIP_BYTES else None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(encoded):
            info = zipfile.ZipInfo(path, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, encoded[path], compresslevel=level)
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


def content_key(kind: str, document: Any, digest: str | None = None) -> str:
    """``<kind>:<code version>:<document digest>``: the same key for the same file."""
    return f"{kind}:{code_version()}:{digest or document_digest(document)}"


def bundle_key(document: Any, digest: str | None = None) -> str:
    """The cache key of a document's export.zip: ``bundle:<code>:<document>``."""
    return content_key("bundle", document, digest)


def _digest(source: Source) -> str:
    # Worked out once per request: the document of a design at the limits is 4 MB.
    return source.analysis.digest


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


# -- bundles built off the request ------------------------------------------------------
#
# The bundle of a large design takes longer to write than a request should wait (a design
# at the limits: seconds to load and plan, more to write 40 MB of files). Its first
# download starts a build in a small pool of threads, as the live check does, and answers
# 202 with a page that shows how far the build is and refreshes itself; the build puts the
# zip in the cache under its content key, where every later download (on any app server
# sharing the cache) finds it. A mark in the cache says a build is under way, with its
# progress, so one build runs per content however many visitors ask.


def background_bytes() -> int:
    """Designs whose canonical JSON is longer than this get their bundle built off the request."""
    return int(getattr(settings, "BUNDLE_BACKGROUND_BYTES", 500_000))


BUILDERS = 2  # threads per app server that build bundles
QUEUED = 8  # builds waiting or running per app server; beyond it the visitor retries later
# A build's mark lasts this long unless renewed: a worker that dies mid-build frees it.
BUILD_SECONDS = 600
RETRY_SECONDS = 2

_builders = ThreadPoolExecutor(max_workers=BUILDERS, thread_name_prefix="bundle")
_queued = threading.BoundedSemaphore(QUEUED)


def _building_key(key: str) -> str:
    return key + ":building"


def _mark(key: str, started: float, words: str) -> None:
    cache.set(_building_key(key), {"started": started, "progress": words}, BUILD_SECONDS)


def progress(key: str) -> Callable[[str], None]:
    """A function that records how far the job building ``key`` is, for its waiting page."""
    started = time.time()
    return lambda words: _mark(key, started, words)


def job_mark(key: str) -> dict[str, Any] | None:
    """The mark of the job under way that makes ``key`` (its start and progress), or None."""
    return cache.get(_building_key(key))


def start_job(key: str, job: Callable[..., None], *args: Any) -> dict[str, Any] | None:
    """The mark of the job that makes ``key``, submitting ``job(*args)`` when none is under way.

    One job runs per key on all app servers sharing the cache. The mark (its start and
    progress) is removed when the job ends, however it ends. None when this app server
    has as many jobs waiting as it takes (QUEUED).
    """
    mark = cache.get(_building_key(key))
    if mark is not None:
        return mark
    if not _queued.acquire(blocking=False):
        return None
    mark = {"started": time.time(), "progress": "Waiting for a free builder"}
    if not cache.add(_building_key(key), mark, BUILD_SECONDS):
        _queued.release()  # another request started it a moment ago
        return cache.get(_building_key(key)) or mark
    try:
        _builders.submit(_run, key, job, *args)
    except BaseException:
        cache.delete(_building_key(key))
        _queued.release()
        raise
    return mark


def _run(key: str, job: Callable[..., None], *args: Any) -> None:
    try:
        job(*args)
    except Exception:  # noqa: BLE001 - the job records its own failure; this one is a bug
        log.exception("the background job for %s failed", key)
    finally:
        cache.delete(_building_key(key))
        _queued.release()


def build(document: Any, key: str) -> None:
    """Write the bundle of ``document`` into the cache under ``key``, saying how far it is.

    Runs in a pool thread. A design that is not valid or whose files cannot be written
    leaves its reason under ``key + ":failed"`` for a while, as ``bundle_zip`` does.
    """
    say = progress(key)
    try:
        analysis = Analysis(document)
        say("Checking the design")
        if analysis.problems:
            problems = "; ".join(str(p) for p in analysis.problems[:5])
            failure = f"This design is not valid, so it has no files: {problems}"
            cache.set(key + ":failed", failure, BUNDLE_FAILURE_SECONDS)
            return
        say("Planning")
        analysis.plan  # noqa: B018
        say("Writing the configuration files")
        with _collector_paused():
            failed = analysis.files_error
        if failed:
            cache.set(key + ":failed", failed, BUNDLE_FAILURE_SECONDS)
            return
        say("Compressing the bundle")
        data = zip_bytes(analysis.files)
        cache.set(key, data, BUNDLE_SECONDS)
    except Exception:  # noqa: BLE001 - shown as a failure, never lost in the thread
        log.exception("building the bundle %s failed", key)
        cache.set(
            key + ":failed",
            "The configuration files could not be written for this design.",
            BUNDLE_FAILURE_SECONDS,
        )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Hold off Python's cycle collector while the files are written, as ``plan()`` does.

    The exporters keep nearly everything they allocate until the bundle is done, so the
    collector's passes over it are wasted: a tenth of the build at the size limits. It
    runs again afterwards (whichever build ends first turns it back on).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _preparing(request: HttpRequest, source: Source, key: str, what: str) -> HttpResponse:
    """202 and a page saying the bundle is being prepared (or 503 when no build can start)."""
    failed = cache.get(key + ":failed")
    if failed is not None:
        return _failed_page(request, source, what, failed)
    mark = start_job(key, build, source.document, key)
    if mark is None:
        context = {"source": source, "what": what, "busy": True}
        response = render(request, "designs/preparing.html", context, status=503)
    else:
        context = {
            "source": source,
            "what": what,
            "url": request.path,
            "progress": mark.get("progress", ""),
            "seconds": seconds_since(mark),
            "refresh": RETRY_SECONDS,
        }
        template = "designs/preparing.html#progress" if request.htmx else "designs/preparing.html"
        response = render(request, template, context, status=202)
    response["Retry-After"] = str(RETRY_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def seconds_since(mark: dict[str, Any]) -> int:
    """How long the job of ``mark`` has been under way, in whole seconds."""
    return max(0, int(time.time() - mark.get("started", time.time())))


def _failed_page(request: HttpRequest, source: Source, what: str, why: str) -> HttpResponse:
    context = {"source": source, "what": what, "failed": why}
    template = "designs/preparing.html#progress" if request.htmx else "designs/preparing.html"
    # htmx swaps only successful answers: the failure is shown in place with 200 there.
    response = render(request, template, context, status=200 if request.htmx else 503)
    response["Cache-Control"] = "no-store"
    return response


def _ready_fragment(request: HttpRequest, source: Source, what: str) -> HttpResponse:
    """What the waiting page's poll gets once the bundle is ready: a link to download it."""
    context = {"source": source, "what": what, "ready": True, "url": request.path}
    response = render(request, "designs/preparing.html#progress", context)
    response["Cache-Control"] = "no-store"
    return response


def _in_background(source: Source) -> bool:
    return source.analysis.size > background_bytes()


@require_GET
def export_zip(request: HttpRequest, **key: Any) -> HttpResponse:
    source = source_or_404(request, **key)
    # A cached bundle was made from a valid document: it needs no loading or checking.
    data = _cached_zip(source)
    if data is None and _in_background(source):
        return _preparing(request, source, bundle_key(source.document, _digest(source)), "bundle")
    if data is not None and request.htmx and request.GET.get("waiting"):
        return _ready_fragment(request, source, "bundle")
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
    if data is None and _in_background(source):
        return _preparing(request, source, bundle_key(source.document, _digest(source)), path)
    if data is not None and request.htmx and request.GET.get("waiting"):
        return _ready_fragment(request, source, path)
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
