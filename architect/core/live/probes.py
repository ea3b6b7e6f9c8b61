"""Network probes: an SMTP session that stops after STARTTLS, and one HTTPS GET.

No probe sends mail or tries to relay: the SMTP session is banner, EHLO, STARTTLS, the
certificate, QUIT. Certificates are verified against the system's authorities and, when
given, a file of more (a private CA). Each read is bounded in bytes and each step in time.
"""

from __future__ import annotations

import datetime as dt
import socket
import ssl
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.x509.oid import ExtensionOID, NameOID

from .guard import Budget

MAX_REPLY = 16_384
MAX_BODY = 65_536  # RFC 8461 policies are small; more than this is not a policy


class ProbeError(Exception):
    """The probe could not connect or talk: the row is "not checked" with this reason."""


@dataclass
class Certificate:
    names: list[str]
    not_after: dt.datetime
    self_signed: bool

    def valid_for(self, host: str) -> bool:
        return any(name_matches(n, host) for n in self.names)


@dataclass
class SmtpResult:
    banner: str = ""
    ehlo_name: str = ""
    extensions: list[str] = field(default_factory=list)
    starttls: bool = False
    tls_error: str = ""
    # Why the chain does not verify ("self-signed certificate"...), "" when it does.
    chain_error: str = ""
    certificate: Certificate | None = None


def name_matches(pattern: str, host: str) -> bool:
    """RFC 6125 §6.4: exact, or a wildcard standing for the whole leftmost label."""
    pattern, host = pattern.lower().rstrip("."), host.lower().rstrip(".")
    if pattern == host:
        return True
    if pattern.startswith("*."):
        head, _, rest = host.partition(".")
        return bool(head) and rest == pattern[2:] and "." in rest
    return False


def parse_certificate(der: bytes) -> Certificate:
    cert = x509.load_der_x509_certificate(der)
    try:
        names = cert.extensions.get_extension_for_oid(
            ExtensionOID.SUBJECT_ALTERNATIVE_NAME
        ).value.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        # Only without a subjectAltName does the common name count (RFC 6125 §6.4.4).
        names = [a.value for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    return Certificate(
        [str(n) for n in names][:50], cert.not_valid_after_utc, cert.issuer == cert.subject
    )


def _connect(address: str, port: int, budget: Budget) -> socket.socket:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(budget.timeout())
    try:
        sock.connect((address, port))
    except OSError as exc:
        sock.close()
        reason = "timed out" if isinstance(exc, TimeoutError) else (exc.strerror or str(exc))
        raise ProbeError(f"could not connect to {_where(address, port)}: {reason}") from None
    return sock


def _where(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


class _Lines:
    def __init__(self, sock, budget: Budget) -> None:
        self.sock, self.budget, self.buffer = sock, budget, b""

    def reply(self) -> tuple[int, list[str]]:
        """One SMTP reply (RFC 5321 §4.2): its code and its lines."""
        lines = []
        total = 0
        while True:
            while b"\n" not in self.buffer:
                self.sock.settimeout(self.budget.timeout())
                try:
                    chunk = self.sock.recv(4096)
                except (OSError, ssl.SSLError) as exc:
                    raise ProbeError(f"no reply: {exc}") from None
                if not chunk:
                    raise ProbeError("the server closed the connection")
                self.buffer += chunk
                total += len(chunk)
                if total > MAX_REPLY:
                    raise ProbeError("the reply is too long")
            line, _, self.buffer = self.buffer.partition(b"\n")
            text = line.decode("utf-8", "replace").rstrip("\r")
            lines.append(text[4:])
            if len(text) < 4 or text[3] != "-":
                try:
                    return int(text[:3]), lines
                except ValueError:
                    raise ProbeError(f"not an SMTP reply: {text[:80]!r}") from None

    def send(self, line: str) -> None:
        self.sock.settimeout(self.budget.timeout())
        try:
            self.sock.sendall(line.encode() + b"\r\n")
        except OSError as exc:
            raise ProbeError(f"could not send: {exc}") from None


def trust(cafile: str | None = None) -> ssl.SSLContext:
    """A verifying TLS context: the system's authorities, and those in ``cafile`` too.

    The host name is not checked by OpenSSL here: the callers check it on the certificate
    themselves, so that a wrong name and an untrusted chain are told apart.
    """
    context = ssl.create_default_context()
    if cafile:
        context.load_verify_locations(cafile=cafile)
    context.check_hostname = False
    return context


def smtp(
    address: str,
    host: str,
    budget: Budget,
    *,
    port: int = 25,
    ehlo: str,
    cafile: str | None = None,
) -> SmtpResult:
    """Banner, EHLO, STARTTLS and the certificate of ``host`` at ``address``; then QUIT.

    The chain is verified against the system's authorities (and ``cafile``): when it does
    not verify, OpenSSL ends the handshake, so a second session without verification reads
    the certificate, and ``chain_error`` says why the first one failed.
    """
    verify = trust(cafile)
    out = _smtp_session(address, host, budget, port, ehlo, verify)
    if out.chain_error:
        unverified = ssl.create_default_context()
        unverified.check_hostname = False
        unverified.verify_mode = ssl.CERT_NONE
        second = _smtp_session(address, host, budget, port, ehlo, unverified)
        second.chain_error = out.chain_error
        out = second
    return out


def _smtp_session(
    address: str, host: str, budget: Budget, port: int, ehlo: str, context: ssl.SSLContext
) -> SmtpResult:
    out = SmtpResult()
    sock = _connect(address, port, budget)
    try:
        talk = _Lines(sock, budget)
        code, lines = talk.reply()
        out.banner = lines[0] if lines else ""
        if code != 220:
            raise ProbeError(f"the server refused the session: {code} {out.banner}")
        talk.send(f"EHLO {ehlo}")
        code, lines = talk.reply()
        if code != 250:
            raise ProbeError(f"EHLO was refused: {code} {' '.join(lines)}")
        out.ehlo_name = (lines[0].split() or [""])[0]
        out.extensions = [line.split(" ")[0].upper() for line in lines[1:]]
        out.starttls = "STARTTLS" in out.extensions
        if out.starttls:
            talk.send("STARTTLS")
            code, lines = talk.reply()
            if code != 220:
                out.tls_error = f"STARTTLS answered {code} {' '.join(lines)}"
                return out
            sock.settimeout(budget.timeout())
            try:
                sock = context.wrap_socket(sock, server_hostname=host)
                der = sock.getpeercert(binary_form=True)
            except ssl.SSLCertVerificationError as exc:
                out.chain_error = exc.verify_message or str(exc)
                return out
            except (OSError, ssl.SSLError) as exc:
                out.tls_error = f"the TLS handshake failed: {exc}"
                return out
            out.certificate = parse_certificate(der) if der else None
            talk.sock = sock
            talk.buffer = b""
        try:
            talk.send("QUIT")
        except ProbeError:
            pass
        return out
    finally:
        sock.close()


@dataclass
class HttpResult:
    status: int
    headers: dict[str, str]
    body: str


def https_get(
    address: str,
    host: str,
    path: str,
    budget: Budget,
    *,
    port: int = 443,
    cafile: str | None = None,
) -> HttpResult:
    """GET https://host/path from ``address`` (already checked by the caller); no redirects.

    The certificate must be valid for ``host`` (RFC 8461 §3.3). A redirect is returned as
    it is, never followed: MTA-STS forbids following one, and so the guard on addresses
    needs no second pass.
    """
    context = trust(cafile)
    context.check_hostname = True  # RFC 8461 §3.3: the policy host's name, by OpenSSL
    sock = _connect(address, port, budget)
    try:
        sock.settimeout(budget.timeout())
        try:
            sock = context.wrap_socket(sock, server_hostname=host)
        except ssl.SSLCertVerificationError as exc:
            raise ProbeError(
                f"the certificate of {host} is not valid: {exc.verify_message}"
            ) from None
        except (OSError, ssl.SSLError) as exc:
            raise ProbeError(f"the TLS handshake with {host} failed: {exc}") from None
        request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: mail-architect-check\r\n"
        sock.sendall((request + "Connection: close\r\n\r\n").encode())
        data = b""
        while len(data) <= MAX_BODY:
            sock.settimeout(budget.timeout())
            try:
                chunk = sock.recv(8192)
            except (OSError, ssl.SSLError) as exc:
                raise ProbeError(f"no answer from {host}: {exc}") from None
            if not chunk:
                break
            data += chunk
    finally:
        sock.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    try:
        status = int(lines[0].split()[1])
    except (IndexError, ValueError):
        raise ProbeError(f"{host} did not answer HTTP") from None
    headers = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = _unchunk(body)
    return HttpResult(status, headers, body[:MAX_BODY].decode("utf-8", "replace"))


def _unchunk(data: bytes) -> bytes:
    out = b""
    while data:
        size, _, data = data.partition(b"\r\n")
        n = int(size.split(b";")[0] or b"0", 16)
        if n == 0:
            break
        out, data = out + data[:n], data[n + 2 :]
    return out
