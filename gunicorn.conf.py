"""gunicorn settings for Mail Architect in production (the Docker image runs ``gunicorn -c``).

Threaded workers (gthread): a connection holds a thread only while its request is being read
and answered; idle kept-alive connections wait in the worker's poller. A client that sends its
request slowly (one header line a second) ties up one thread, not a whole worker as with sync
workers, so /healthz and every other visitor are still answered by the other threads
(tests/web/test_slow_clients.py). A proxy in front that reads the whole request before passing
it on (nginx does by default) keeps slow clients away from gunicorn altogether; the threads are
what holds when it does not. Sizing and the variables: docs/settings.md.
"""

from __future__ import annotations

import os


def _count(name: str, default: int) -> int:
    # As strict as architect/env.py: a typo stops the server instead of being guessed at.
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise SystemExit(f"{name}={value!r} must be a whole number of at least 1.")
    return int(value)


bind = [os.environ.get("GUNICORN_BIND", "").strip() or "0.0.0.0:8000"]
worker_class = "gthread"
# Processes: run Python code in parallel, one per core is a good start. WEB_CONCURRENCY is
# the name gunicorn and most hosting platforms already use.
workers = _count("WEB_CONCURRENCY", 2)
# Threads per process: requests in flight at once (a slow client holds one). Each thread keeps
# its own database connection open (CONN_MAX_AGE), so PostgreSQL sees up to
# workers x threads connections per app server.
threads = _count("GUNICORN_THREADS", 8)
# Connections a worker keeps open at once, idle kept-alive ones included.
worker_connections = 1000
# Idle kept-alive connections close after this many seconds: enough for a proxy or a browser
# to reuse one, short enough that idle clients do not pile up.
keepalive = 5
# A worker whose main loop stops answering for this long is restarted; heavy pages are
# bounded well below it (docs/settings.md).
timeout = 30
graceful_timeout = 30
accesslog = "-"
# No runtime control socket (gunicornc): by default every gunicorn of a user shares one path
# ($HOME/.gunicorn/gunicorn.ctl), so two app servers on one machine would take it from each
# other, and the image has no use for it.
control_socket_disable = True
