"""Requests per second and latency of the site under load, beside a bare WSGI app.

Not a test: run it by hand and copy the figures into docs/settings.md.

    .venv/bin/python benchmarks/bench_http.py [--clients 200] [--seconds 8] [--only mix]

Both servers run under the production image's own command (the Dockerfile's CMD, so
gunicorn.conf.py: its workers, threads and keep-alive) on a loopback port: first the app with
the production settings (debug off, HTTPS redirect on; each request says it came through the
TLS proxy with X-Forwarded-Proto), then a bare WSGI app that answers every request with a few
bytes. The ratio app/bare says what the app costs over gunicorn itself.

The load: ``--clients`` connections at once, each sending one request after another over a
kept-alive connection (as a proxy in front does), for ``--seconds`` after one second of
warm-up; bounded in time and sent to 127.0.0.1 only. Each page of the mix (home, a tutorial
chapter, an example page, its diagram.svg, plan.json and export.zip) is measured alone, then
the mix, each client taking the pages in turn.

Two ratios to bare: requests per second, and server CPU time per answer (the gunicorn
processes' user and system time, from /proc, over the answers). The load generator is one
Python process sharing the machine's cores with the server: once the server is fast, the
client is what limits req/s (for bare and app alike, near 2,000-3,500 req/s on 2 cores), so
the CPU ratio is the one that says what the app costs over gunicorn itself.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.scale.servers import Gunicorn, app_env  # noqa: E402

EXAMPLE = "department-hub"
PAGES = {
    "home": "/",
    "chapter": "/learn/relaying/",
    "example": f"/examples/{EXAMPLE}/",
    "diagram.svg": f"/examples/{EXAMPLE}/diagram.svg",
    "plan.json": f"/examples/{EXAMPLE}/plan.json",
    "export.zip": f"/examples/{EXAMPLE}/export.zip",
}
WARM_UP = 1.0


def bare_app(environ, start_response):
    """The bare WSGI app: the least an app under gunicorn can do."""
    body = b"ok"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [body]


class Result:
    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}
        self.seconds = 0.0
        self.cpu_ms = 0.0  # server CPU time per answer

    def count(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    def rate(self) -> float:
        return self.count() / self.seconds if self.seconds else 0.0


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; return its status and whether the connection may be reused."""
    status_line = await reader.readuntil(b"\r\n")
    status = int(status_line.split()[1])
    length, chunked, keep = None, False, True
    while True:
        line = await reader.readuntil(b"\r\n")
        if line == b"\r\n":
            break
        name, _, value = line.decode("latin-1").partition(":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding" and "chunked" in value:
            chunked = True
        elif name == "connection" and value == "close":
            keep = False
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length is not None:
        await reader.readexactly(length)
    else:
        await reader.read()
        keep = False
    return status, keep


async def _client(
    port: int, paths: list[tuple[str, str]], start: int, ends: tuple[float, float], result: Result
) -> None:
    measure_from, stop_at = ends
    n = start
    reader = writer = None
    while time.monotonic() < stop_at:
        name, path = paths[n % len(paths)]
        n += 1
        began = time.monotonic()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            request = (
                f"GET {path} HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-Proto: https\r\n"
                "Accept-Encoding: identity\r\n\r\n"
            )
            began = time.monotonic()
            writer.write(request.encode())
            status, keep = await asyncio.wait_for(_read_response(reader), 60)
            took = time.monotonic() - began
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            status, keep, took = 0, False, 0.0
        if began >= measure_from:
            if status == 200:
                result.latencies.setdefault(name, []).append(took)
            else:
                result.errors[name] = result.errors.get(name, 0) + 1
        if not keep and writer is not None:
            writer.close()
            writer = None
    if writer is not None:
        writer.close()


async def _load(port: int, paths: list[tuple[str, str]], clients: int, seconds: float) -> Result:
    result = Result()
    now = time.monotonic()
    ends = (now + WARM_UP, now + WARM_UP + seconds)
    await asyncio.gather(*(_client(port, paths, i, ends, result) for i in range(clients)))
    result.seconds = seconds
    return result


def _server_cpu(master_pid: int) -> float:
    """CPU seconds used so far by the gunicorn master and its workers (Linux /proc)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if master_pid in (pid, ppid):
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def load(
    port: int, paths: list[tuple[str, str]], clients: int, seconds: float, master_pid: int = 0
) -> Result:
    before = _server_cpu(master_pid) if master_pid else 0.0
    result = asyncio.run(_load(port, paths, clients, seconds))
    if master_pid:
        # Over warm-up and measurement alike, so per answer it slightly overstates the cost.
        answers = result.count() * (seconds + WARM_UP) / seconds
        result.cpu_ms = (_server_cpu(master_pid) - before) * 1000 / max(answers, 1)
    return result


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def row(label: str, result: Result, bare: Result | None) -> str:
    all_latencies = [t for v in result.latencies.values() for t in v]
    ms = [percentile(all_latencies, p) * 1000 for p in (50, 95, 99)]
    ratio = cpu_ratio = "-"
    if bare is not None and result.rate():
        ratio = f"1/{bare.rate() / result.rate():.1f}"
        cpu_ratio = f"1/{result.cpu_ms / bare.cpu_ms:.1f}" if bare.cpu_ms else "-"
    errors = sum(result.errors.values())
    return (
        f"| {label} | {result.rate():,.0f} | {ms[0]:.0f} | {ms[1]:.0f} | {ms[2]:.0f} | "
        f"{errors} | {ratio} | {result.cpu_ms:.2f} | {cpu_ratio} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument(
        "--only", choices=[*PAGES, "mix"], action="append", help="measure only these (repeat)"
    )
    args = parser.parse_args()
    if args.seconds > 120 or args.clients > 1000:
        parser.error("keep the load bounded: at most 120 seconds and 1,000 clients")

    scenarios = {name: [(name, path)] for name, path in PAGES.items()}
    scenarios["mix"] = list(PAGES.items())
    if args.only:
        scenarios = {k: v for k, v in scenarios.items() if k in args.only}

    with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
        env = app_env(
            DATABASE_URL=f"sqlite:///{tmp}/db.sqlite3",
            DJANGO_SECURE_SSL_REDIRECT="true",
        )
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True
        )
        bare = Gunicorn(env, "benchmarks.bench_http:bare_app")
        try:
            bare_result = load(
                bare.port, [("bare", "/")], args.clients, args.seconds, bare.process.pid
            )
        finally:
            bare.stop()
        app = Gunicorn(env, log=Path(tmp) / "app.log")
        try:
            # Every page once per worker before measuring: imports, first renderings.
            load(app.port, list(PAGES.items()), 12, 0.5)
            results = {
                name: load(app.port, paths, args.clients, args.seconds, app.process.pid)
                for name, paths in scenarios.items()
            }
        finally:
            app.stop()

    cpu = os.cpu_count()
    print(f"{args.clients} clients, {args.seconds:g} s each, {cpu} cores shared with the client")
    print()
    print(
        "| what | req/s | p50 ms | p95 ms | p99 ms | errors | req/s of bare "
        "| server CPU ms | CPU of bare |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(row("bare WSGI app", bare_result, None))
    for name, result in results.items():
        print(row(name, result, bare_result))
    if "mix" in results:
        print()
        print("In the mix, by page:")
        for name, latencies in sorted(results["mix"].latencies.items()):
            ms = [percentile(latencies, p) * 1000 for p in (50, 95, 99)]
            print(f"  {name}: {len(latencies)} answers, p50 {ms[0]:.0f} ms, p99 {ms[2]:.0f} ms")


if __name__ == "__main__":
    main()
