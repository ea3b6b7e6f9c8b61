"""One lab machine: a process tree in its own network, mount, UTS, IPC and PID namespaces.

A machine is held by a sleeping process that is PID 1 of a new PID namespace
(``unshare --pid --fork --kill-child``): when the lab kills it, the kernel
kills every daemon started inside, so nothing outlives the lab, even after a
crash of the lab itself (the holder also gets SIGKILL when the lab dies, by
``PR_SET_PDEATHSIG``).

Its files sit at the real paths (``/etc/postfix/main.cf``, ``/var/mail``, ...)
on overlays whose lower layer is the machine's own ``/etc`` and ``/var``: a
write inside goes to the lab's folder and never to the host system, so the
machine's own ``/etc/aliases``, spool and mailboxes are never touched.
``/run``, ``/tmp`` and ``/dev`` are fresh tmpfs mounts; ``/dev`` gets the few
device nodes daemons open, and ``/dev/log`` is a socket of the lab's own, so
the lab reads every host's syslog without a syslog daemon.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)

# The folders a machine writes to, each an overlay on the host's own.
OVERLAID = ("etc", "var", "home", "root", "usr")
# Device nodes that the daemons and their tools open; bound from the host's /dev.
DEVICES = ("null", "zero", "full", "random", "urandom", "tty")
# Where a machine's own lab folder appears inside it.
INSIDE = "/run/lab"


class LabError(Exception):
    """The lab could not be built or run (exit status 2 of ``manage.py lab``)."""


def _die_with_parent() -> None:
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class Machine:
    """A namespaced machine with a name, its own root overlays and a lab folder."""

    def __init__(self, name: str, folder: Path) -> None:
        self.name = name
        self.folder = folder
        self.pid = 0  # PID 1 of the machine, as the lab sees it
        self._holder: subprocess.Popen | None = None
        self.children: list[subprocess.Popen] = []

    # ------------------------------------------------------------------
    # Life cycle

    def start(self, hostname: str) -> None:
        """Create the namespaces and the private file system, and set the host name."""
        for part in OVERLAID + tuple(f"{p}.work" for p in OVERLAID) + ("log",):
            (self.folder / part).mkdir(parents=True, exist_ok=True)
        self._holder = subprocess.Popen(
            [
                "unshare",
                "--pid",
                "--fork",
                "--kill-child",
                "--mount-proc",
                "--net",
                "--mount",
                "--uts",
                "--ipc",
                "--propagation",
                "private",
                "sleep",
                "infinity",
            ],
            preexec_fn=_die_with_parent,
            stdin=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,  # "sigprocmask unblock failed" when it is killed
        )
        self.pid = self._wait_child(self._holder.pid)
        f = self.folder
        devices = " && ".join(
            f"touch /dev/{d} && mount --bind /run/hostdev/{d} /dev/{d}" for d in DEVICES
        )
        overlays = "\n".join(
            f"mount -t overlay overlay -o lowerdir=/{p},upperdir={f}/{p},workdir={f}/{p}.work /{p}"
            for p in OVERLAID
        )
        # The lab's own code and Python stay where they are, even when they live under
        # /tmp (a CI checkout may): the fresh /tmp would hide them from the sink.
        kept = _under_tmp()
        keep_before = "\n".join(
            f"mkdir -p /run/keep/{i} && mount --bind {p} /run/keep/{i}" for i, p in enumerate(kept)
        )
        keep_after = "\n".join(
            f"mkdir -p {p} && mount --bind /run/keep/{i} {p}" for i, p in enumerate(kept)
        )
        script = f"""
set -e
{overlays}
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p /run/hostdev {INSIDE}
mount --bind /dev /run/hostdev
mount -t tmpfs -o mode=755 tmpfs /dev
{devices}
mkdir -p /dev/pts /dev/shm
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
ln -s /proc/self/fd /dev/fd
ln -s /proc/self/fd/0 /dev/stdin
ln -s /proc/self/fd/1 /dev/stdout
ln -s /proc/self/fd/2 /dev/stderr
umount -l /run/hostdev
mount --bind {f} {INSIDE}
touch /dev/log
mount --bind {INSIDE}/log/log /dev/log
{keep_before}
mount -t tmpfs -o mode=1777 tmpfs /tmp
{keep_after}
hostname {hostname}
ip link set lo up
"""
        self.syslog_socket()  # the socket must exist before it is bound to /dev/log
        self.sh(script, timeout=30)

    @staticmethod
    def _wait_child(pid: int) -> int:
        deadline = time.monotonic() + 10
        path = Path(f"/proc/{pid}/task/{pid}/children")
        while time.monotonic() < deadline:
            try:
                kids = path.read_text().split()
            except OSError:
                kids = []
            if kids:
                return int(kids[0])
            time.sleep(0.01)
        raise LabError("unshare did not start its child (are you root, on Linux?)")

    def stop(self) -> None:
        """Kill the machine's PID 1, and with it every process inside."""
        for child in self.children:
            if child.poll() is None:
                child.kill()
        if self.pid:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self._holder is not None:
            try:
                self._holder.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._holder.kill()
        for child in self.children:
            try:
                child.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if self._syslog is not None:
            self._syslog.close()
            self._syslog = None
        self.pid = 0

    # ------------------------------------------------------------------
    # Running commands inside

    def _enter(self, namespaces: str = "all") -> list[str]:
        flags = ["-n"] if namespaces == "net" else ["-m", "-u", "-n", "-i", "-p"]
        return ["nsenter", "-t", str(self.pid), *flags, "--"]

    def run(
        self,
        argv: Sequence[str],
        *,
        input: str | None = None,
        timeout: float = 30,
        check: bool = True,
        namespaces: str = "all",
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess:
        """Run a program inside the machine; ``check`` raises LabError on a non-zero exit."""
        try:
            done = subprocess.run(
                [*self._enter(namespaces), *argv],
                input=input,
                capture_output=True,
                text=True,
                timeout=timeout,
                env=env or _ENV,
            )
        except subprocess.TimeoutExpired as exc:
            raise LabError(f"{self.name}: {' '.join(argv)} took over {timeout} s") from exc
        if check and done.returncode != 0:
            raise LabError(
                f"{self.name}: {' '.join(argv)} failed (exit {done.returncode}):\n"
                + (done.stdout + done.stderr).strip()
            )
        return done

    def sh(self, script: str, **kwargs) -> subprocess.CompletedProcess:
        """Run a shell script inside the machine, as a person at its prompt would."""
        return self.run(["sh", "-c", script], **kwargs)

    def daemon(self, argv: Sequence[str], *, timeout: float = 30, log: str = "daemons.log") -> str:
        """Run a program that puts itself in the background (``postfix start``, ``dovecot``).

        Its output goes to a file, not a pipe: a daemon keeps the descriptors it
        inherits, and a pipe would never close. Returns what it printed.
        """
        log = self.folder / log
        start = log.stat().st_size if log.exists() else 0
        with open(log, "ab") as out:
            try:
                code = subprocess.run(
                    [*self._enter(), *argv],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    timeout=timeout,
                    env=_ENV,
                ).returncode
            except subprocess.TimeoutExpired as exc:
                raise LabError(f"{self.name}: {' '.join(argv)} took over {timeout} s") from exc
        if code != 0:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-10:])
            raise LabError(f"{self.name}: {' '.join(argv)} failed (exit {code}):\n{tail}")
        with open(log, "rb") as out:
            out.seek(start)
            return out.read().decode("utf-8", "replace")

    def spawn(self, argv: Sequence[str], log: Path, env: dict[str, str] | None = None):
        """Start a long-running program inside; it is killed with the machine."""
        out = open(log, "ab")  # noqa: SIM115 - owned by the child for its whole life
        child = subprocess.Popen(
            [*self._enter(), *argv],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
            env=env or _ENV,
        )
        out.close()
        self.children.append(child)
        return child

    def path(self, inside: str) -> Path:
        """Where a file the machine wrote under /etc or /var lies in the lab's folder."""
        for top in (f"/{p}/" for p in OVERLAID):
            if inside.startswith(top):
                upper = self.folder / top.strip("/") / inside[len(top) :]
                if upper.exists():
                    return upper
                return Path(inside)  # unchanged: still the lower layer's file
        raise ValueError(f"{inside} is not on an overlay")

    # ------------------------------------------------------------------
    # Sockets in the machine's network namespace

    def in_netns(self, fn: Callable[[], T]) -> T:
        """Call ``fn`` in a thread that has entered this machine's network namespace.

        setns(CLONE_NEWNET) changes only the calling thread, and a socket keeps
        the namespace it was made in: sockets made by ``fn`` can then be used
        from any thread of the lab.
        """
        box: dict[str, object] = {}

        def target() -> None:
            fd = os.open(f"/proc/{self.pid}/ns/net", os.O_RDONLY)
            try:
                if _libc.setns(fd, CLONE_NEWNET) != 0:
                    err = ctypes.get_errno()
                    raise OSError(err, f"setns: {os.strerror(err)}")
                box["value"] = fn()
            except BaseException as exc:  # noqa: BLE001 - handed back to the caller
                box["error"] = exc
            finally:
                os.close(fd)

        thread = threading.Thread(target=target, name=f"netns-{self.name}")
        thread.start()
        thread.join()
        if "error" in box:
            raise box["error"]  # type: ignore[misc]
        return box["value"]  # type: ignore[return-value]

    def connect(
        self, address: str, port: int, *, timeout: float = 10, source: str | None = None
    ) -> socket.socket:
        """A TCP connection from inside this machine, from ``source`` if given."""

        def make() -> socket.socket:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            try:
                if source:
                    sock.bind((source, 0))
                sock.connect((address, port))
            except BaseException:
                sock.close()
                raise
            return sock

        return self.in_netns(make)

    # ------------------------------------------------------------------
    # Syslog

    _syslog: socket.socket | None = None

    def syslog_socket(self) -> socket.socket:
        """The datagram socket that is this machine's /dev/log."""
        if self._syslog is None:
            path = self.folder / "log" / "log"
            if path.exists():
                path.unlink()
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            sock.bind(str(path))
            os.chmod(path, 0o666)
            sock.setblocking(False)
            self._syslog = sock
        return self._syslog


def _under_tmp() -> list[str]:
    """The lab's code and Python, where they lie under /tmp (outermost folders only)."""
    repo = Path(__file__).resolve().parents[2]
    found: list[str] = []
    for path in sorted({str(repo), str(Path(sys.prefix).resolve()), sys.prefix}):
        if path.startswith("/tmp/") and not any(path.startswith(f + "/") for f in found):
            found.append(path)
    return found


# A plain environment for programs run inside: no variables of the lab's own process
# (virtualenv, Django settings) leak into the daemons.
_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "LANG": "C.UTF-8",
    "HOME": "/root",
}
