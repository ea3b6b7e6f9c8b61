"""Slow clients do not stall the production server (issue 15, item 7).

The image's own command (the Dockerfile's CMD, gunicorn.conf.py) on loopback. Two visitors
send a request one header line a second, as in the report where sync workers made /healthz
wait 14 s. /healthz must be answered while both are still sending: the check is the order of
events, not a time limit, so a loaded machine cannot make it flaky. With the old command
(`--workers 2`, sync workers) the health check only answers once a slow client has finished,
and this test fails.
"""

from __future__ import annotations

import socket
import threading
import urllib.request

import pytest

from .servers import Gunicorn, app_env

SLOW_CLIENTS = 2
# Header lines each slow client sends, one a second, before ending its request.
LINES = 8


class SlowClient(threading.Thread):
    """Sends GET / one header line a second, then reads the answer."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.lines_sent = threading.Semaphore(0)
        self.stop = threading.Event()
        self.finished = threading.Event()
        self.status_line = b""

    def run(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=60) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n")
            self.lines_sent.release()
            for n in range(LINES):
                if self.stop.wait(1):
                    return
                sock.sendall(f"X-Slow-{n}: {n}\r\n".encode())
                self.lines_sent.release()
            self.finished.set()
            sock.sendall(b"Connection: close\r\n\r\n")
            self.status_line = sock.makefile("rb").readline()


@pytest.fixture
def server(tmp_path):
    site = Gunicorn(app_env(DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3"))
    yield site
    site.stop()


def test_healthz_answers_while_slow_clients_hold_their_connections(server):
    clients = [SlowClient(server.port) for _ in range(SLOW_CLIENTS)]
    for client in clients:
        client.start()
    # Each has sent its request line and two header lines: the server is reading them.
    for client in clients:
        for _ in range(3):
            assert client.lines_sent.acquire(timeout=30)

    answers = []
    for _ in range(3):
        with urllib.request.urlopen(server.base + "/healthz", timeout=60) as response:
            body = response.read()
        answers.append((response.status, body, [c.finished.is_set() for c in clients]))

    for client in clients:
        client.join(timeout=60)
    assert all(c.status_line.startswith(b"HTTP/1.1 200") for c in clients), [
        c.status_line for c in clients
    ]
    # Every health check was answered before either slow client had ended its request.
    assert answers == [(200, b"ok", [False] * SLOW_CLIENTS)] * 3, answers
