"""Private PostgreSQL, Redis and gunicorn servers for the tests, each in a temporary folder.

Real servers from Debian's packages (``postgresql``, ``redis-server``), started by the tests and
stopped and removed again afterwards, also when a test fails. PostgreSQL listens on a unix
socket only and Redis on a loopback port, so nothing outside this machine can reach them and
no system-wide server is touched. PostgreSQL refuses to run as root: as root (CI) the cluster
belongs to the ``postgres`` user the package creates and its programs run through ``runuser``.
"""

from __future__ import annotations

import glob
import http.cookies
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parents[2]
PG_USER = "architect"


def unavailable(why: str) -> None:
    """Skip with ``why``, or fail under CI=true: CI never skips a missing server."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{why} (CI=true: a missing server is a failure, never a skip)")
    pytest.skip(why + "; bin/test installs it")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_bindir() -> Path | None:
    """The newest installed PostgreSQL's program folder (Debian keeps them per version)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(re.search(r"/(\d+)/bin/", p).group(1)),
    )
    return Path(found[-1]).parent if found else None


class Postgres:
    """A PostgreSQL cluster of its own in a temporary folder, on a unix socket only."""

    def __init__(self) -> None:
        bindir = postgres_bindir()
        if bindir is None:
            unavailable("PostgreSQL is not installed (Debian package postgresql)")
        self.bindir = bindir
        # mkdtemp under /tmp (not pytest's 0700 tree): the postgres user must reach it. The
        # socket path must stay under 108 bytes, so the name is kept short.
        self.dir = Path(tempfile.mkdtemp(prefix="pg-", dir="/tmp"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            if shutil.which("runuser") is None:
                unavailable("runuser is missing (Debian package util-linux)")
            shutil.chown(self.dir, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, program: str, *args: str, timeout: int = 60) -> None:
        result = subprocess.run(
            [*self.as_user, str(self.bindir / program), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{program} failed: {result.stdout}{result.stderr}{self.tail()}")

    def tail(self) -> str:
        try:
            return "\n" + self.log.read_text()[-3000:]
        except OSError:
            return ""

    def start(self) -> Postgres:
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            PG_USER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        # Only the socket: no TCP port to collide with or to be reached on. Durability is
        # traded for speed, as this cluster lives for one test run.
        options = (
            f"-k {self.dir} -c listen_addresses='' -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run("pg_ctl", "start", "-w", "-D", str(self.data), "-l", str(self.log), "-o", options)
        return self

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, name: str = "postgres") -> str:
        """A DATABASE_URL for database ``name`` on this cluster (the host is the socket folder)."""
        return f"postgresql://{PG_USER}@{quote(str(self.dir), safe='')}/{name}"

    def create_database(self, name: str) -> str:
        """Create an empty database and return its DATABASE_URL."""
        self.sql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def sql(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(host=str(self.dir), user=PG_USER, dbname="postgres") as conn:
            conn.autocommit = True
            conn.execute(statement)


def create_database_on(database_url: str, name: str) -> str:
    """Create database ``name`` on the PostgreSQL server of ``database_url``; its URL."""
    import dj_database_url
    import psycopg

    parts = dj_database_url.parse(database_url)
    connect = {"host": parts["HOST"], "user": parts["USER"], "dbname": "postgres"}
    if parts["PORT"]:
        connect["port"] = parts["PORT"]
    if parts["PASSWORD"]:
        connect["password"] = parts["PASSWORD"]
    with psycopg.connect(**connect) as conn:
        conn.autocommit = True
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return database_url.rsplit("/", 1)[0] + "/" + name


class Redis:
    """A Redis of its own on a loopback port, keeping nothing on disk."""

    def __init__(self) -> None:
        self.program = shutil.which("redis-server")
        if self.program is None:
            unavailable("redis-server is not installed (Debian package redis-server)")
        self.dir = Path(tempfile.mkdtemp(prefix="redis-"))
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> Redis:
        self.process = subprocess.Popen(
            [
                self.program,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(self.dir),
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
            ],
            stdout=open(self.dir / "server.log", "w"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("redis-server stopped: " + (self.dir / "server.log").read_text())
            try:
                if self.client().ping():
                    return self
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.1)
        raise RuntimeError("redis-server did not answer within 20 s")

    def client(self):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        try:
            if self.process is not None and self.process.poll() is None:
                self.process.terminate()
                self.process.wait(timeout=20)
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def image_command() -> list[str]:
    """The production image's command (the Dockerfile's CMD), to run the same server."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    match = re.search(r"^CMD\s+(\[.*\])\s*$", text, re.MULTILINE)
    assert match, "the Dockerfile has no CMD in exec form"
    import json

    command = json.loads(match.group(1))
    assert command[0] == "gunicorn", command
    return [str(Path(sys.executable).with_name("gunicorn")), *command[1:]]


class Gunicorn:
    """The app (or another WSGI app) under the production image's gunicorn command."""

    def __init__(self, env: dict[str, str], *extra: str, log: Path | None = None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = image_command()
        if extra:
            # Another app (the benchmark's bare one) under the same settings: it replaces
            # the image's last argument, the app.
            command = command[:-1] + list(extra)
        self.log = log or Path(tempfile.mkstemp(prefix="gunicorn-", suffix=".log")[1])
        self.process = subprocess.Popen(
            [*command, "--bind", f"127.0.0.1:{self.port}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(self.log, "w"),  # noqa: SIM115
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn stopped with exit code {self.process.returncode}:\n"
                    + self.log.read_text()[-3000:]
                )
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not answer /healthz within 60 s")

    def stop(self) -> None:
        try:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
        finally:
            self.log.unlink(missing_ok=True)


def app_env(**extra: str) -> dict[str, str]:
    """The production settings (debug off) for an app process started by a test."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "GUNICORN_", "WEB_CONCURRENCY"))
    }
    env.update(
        {
            "DJANGO_SECRET_KEY": "k7Qm2xV9pL4sT8wZ1rN6yB3cF5hJ0dG2aE9uI4oP7tR1vX8nM3q",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
        }
    )
    env.update(extra)
    return env


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class ProxiedBrowser:
    """One browser talking to the app servers as through the TLS proxy.

    It says it came over HTTPS (X-Forwarded-Proto), so the production settings' secure
    cookies and CSRF origin check apply unchanged; cookies are kept by hand, since a cookie
    jar would not send secure cookies over plain HTTP. With ``address`` it also sends the
    X-Forwarded-For the proxy adds (after a forged entry, which must not count).
    """

    def __init__(self, address: str | None = None, *, follow_redirects: bool = True) -> None:
        self.address = address
        self.cookies: dict[str, str] = {}
        handlers = () if follow_redirects else (_NoRedirect(),)
        self.opener = urllib.request.build_opener(*handlers)

    def request(self, server, path: str, data: dict | None = None):
        """(status, headers, body bytes) of one request to ``server``."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(server.base + path, data=body)
        request.add_header("X-Forwarded-Proto", "https")
        if self.address:
            request.add_header("X-Forwarded-For", f"10.0.0.1, {self.address}")
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if data is not None:
            request.add_header("X-CSRFToken", self.cookies["csrftoken"])
            request.add_header("Origin", f"https://127.0.0.1:{server.port}")
        try:
            response = self.opener.open(request, timeout=60)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in http.cookies.SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return response.status, response.headers, response.read()
