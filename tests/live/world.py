"""A small deployed world for the live check: named and Postfix in a network namespace.

Everything runs in a namespace made here (architect.lab.machine.Machine), whose only
interface is loopback: the addresses of the example design (documentation ranges) are
put on it, so the check talks to real servers on this machine and never to the internet.
"""

from __future__ import annotations

import datetime as dt
import http.server
import json
import os
import shutil
import socket
import ssl
import sys
import threading
import time
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from architect.core import exporters, planner
from architect.core.design import loads
from architect.lab.machine import Machine

EXAMPLE = Path(__file__).resolve().parents[2] / "architect/examples/solo-server.json"
MX_V4, MX_V6 = "192.0.2.10", "2001:db8::10"
# The plan serves mta-sts.example.org from the MX host (a CNAME to mail.example.org).
WEB = MX_V4
TRUE_DNS, DRIFTED_DNS = "127.0.0.1", "127.0.0.2"


def unavailable() -> str | None:
    """Why the world cannot be built here, or None."""
    if sys.platform != "linux" or os.geteuid() != 0:
        return "the live-check world needs root on Linux (network namespaces)"
    missing = [p for p in ("named", "postfix", "unshare", "nsenter", "ip") if not shutil.which(p)]
    return "the live-check world needs " + ", ".join(missing) if missing else None


def need_world() -> None:
    why = unavailable()
    if why:
        if os.environ.get("CI") == "true":
            pytest.fail(why + " (CI=true: never skipped)")
        pytest.skip(why)


def _write(folder: Path, name: str, cert, key) -> tuple[Path, Path]:
    crt, pem = folder / f"{name}.crt", folder / f"{name}.key"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return crt, pem


def _builder(subject: x509.Name, issuer: x509.Name, key) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
    )


def self_signed(name: str, folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for ``name`` (and its key), valid from yesterday for 30 days."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (
        _builder(subject, subject, key)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return _write(folder, name, cert, key)


class Authority:
    """A private certificate authority, as an organisation runs one for its own hosts."""

    def __init__(self, label: str, folder: Path) -> None:
        self.folder = folder
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{label} private CA")])
        cert = (
            _builder(self.name, self.name, self.key)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
            .sign(self.key, hashes.SHA256())
        )
        self.cafile, _ = _write(folder, f"ca-{label}", cert, self.key)

    def issue(self, name: str, folder: Path) -> tuple[Path, Path]:
        """A server certificate for ``name`` signed by this authority, and its key."""
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        cert = (
            _builder(subject, self.name, key)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
            )
            .sign(self.key, hashes.SHA256())
        )
        return _write(folder, name, cert, key)


def dkim_value(bits: int = 2048) -> str:
    """A DKIM key record as a signer prints it: a real RSA public key in base64."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    import base64

    return "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()


def txt(value: str) -> str:
    """A TXT value as zone-file strings of at most 200 bytes: split, as big keys must be."""
    parts = [value[i : i + 200] for i in range(0, len(value), 200)]
    return "( " + " ".join(f'"{p}"' for p in parts) + " )"


def true_zone(bundle_zone: str) -> str:
    """The exported zone as the person publishes it: written the way DNS providers rewrite
    records (case, order of SPF terms, a long TXT split into strings of their own size)."""
    zone = bundle_zone.replace(
        "example.org.                               3600 IN MX    10 mail.example.org.",
        "example.org. 3600 IN MX 10 MAIL.Example.ORG",  # relative to no origin: a trailing dot
    )
    zone = zone.replace("MAIL.Example.ORG", "MAIL.Example.ORG.")
    zone = zone.replace(
        '"v=spf1 ip4:192.0.2.10 ip6:2001:db8::10 -all"',
        '"v=spf1 +ip6:2001:db8:0:0::10/128 " "ip4:192.0.2.10/32 -all"',
    )
    lines = zone.splitlines()
    dkim = [i for i, line in enumerate(lines) if line.startswith("mail._domainkey.")]
    assert len(dkim) == 1, "the export publishes the design's DKIM key on one line"
    value = "".join(lines[dkim[0]].split('"')[1::2])
    lines[dkim[0]] = f"mail._domainkey.example.org. 3600 IN TXT {txt(value)}"
    return "\n".join(lines) + "\n" + SPF_NAMES


# Names outside the plan, for the SPF evaluator's macros and ptr mechanism (test_spf.py).
# No underscore in an owner of an A record: named's check-names refuses them in a primary.
SPF_NAMES = """
ptr.spf.example.org. 3600 IN TXT "v=spf1 ptr:example.org -all"
ptr-self.spf.example.org. 3600 IN TXT "v=spf1 ptr -all"
ptr-elsewhere.spf.example.org. 3600 IN TXT "v=spf1 ptr:example.net -all"
ptr-eleven.spf.example.org. 3600 IN TXT ( "v=spf1 ptr:x1.example ptr:x2.example ptr:x3.example "
    "ptr:x4.example ptr:x5.example ptr:x6.example ptr:x7.example ptr:x8.example "
    "ptr:x9.example ptr:x10.example ptr:x11.example -all" )
ptr-ten.spf.example.org. 3600 IN TXT ( "v=spf1 ptr:x1.example ptr:x2.example ptr:x3.example "
    "ptr:x4.example ptr:x5.example ptr:x6.example ptr:x7.example ptr:x8.example "
    "ptr:x9.example ptr:x10.example -all" )
exists.spf.example.org. 3600 IN TXT "v=spf1 exists:%{ir}.%{l1r-}.lp.%{d3} -all"
10.2.0.192.strong.lp.spf.example.org. 3600 IN A 127.0.0.2
version.spf.example.org. 3600 IN TXT "v=spf1 include:%{v}.inc.spf.example.org -all"
in-addr.inc.spf.example.org. 3600 IN TXT "v=spf1 ip4:192.0.2.0/24 -all"
ip6.inc.spf.example.org. 3600 IN TXT "v=spf1 ip6:2001:db8::/32 -all"
redirect.spf.example.org. 3600 IN TXT "v=spf1 redirect=%{v}.inc.%{d}"
in-addr.inc.redirect.spf.example.org. 3600 IN TXT "v=spf1 ip4:192.0.2.10 -all"
helo.spf.example.org. 3600 IN TXT "v=spf1 a:%{h} -all"
nibbles.spf.example.org. 3600 IN TXT "v=spf1 exists:%{ir}.six.spf.example.org -all"
0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.six.spf.example.org. IN A 127.0.0.2
sender.spf.example.org. 3600 IN TXT "v=spf1 exists:%{o}.from.spf.example.org -all"
example.org.from.spf.example.org. 3600 IN A 127.0.0.2
bad-macro.spf.example.org. 3600 IN TXT "v=spf1 exists:%{x}.spf.example.org -all"
"""


def drifted_zone(good: str, dkim: str) -> str:
    """Four drifts: no DMARC, another MX, an SPF of twelve lookups, DKIM at another selector."""
    lines = [
        line
        for line in good.splitlines()
        if not line.startswith(("_dmarc.", "mail._domainkey.", "example.org. 3600 IN MX"))
    ]
    zone = "\n".join(lines) + "\n"
    zone = zone.replace(
        '"v=spf1 +ip6:2001:db8:0:0::10/128 " "ip4:192.0.2.10/32 -all"',
        txt(
            "v=spf1 ip4:192.0.2.10 ip6:2001:db8::10 "
            + " ".join(f"include:s{i}.example.org" for i in range(1, 13))
            + " -all"
        ),
    )
    zone += "example.org. 3600 IN MX 10 mx2.example.org.\n"
    zone += f"mx2.example.org. 3600 IN A {MX_V4}\n"
    zone += "".join(f's{i}.example.org. 3600 IN TXT "v=spf1 -all"\n' for i in range(1, 13))
    zone += f"other._domainkey.example.org. 3600 IN TXT {txt(dkim)}\n"
    return zone


REVERSE = """$TTL 3600
@ IN SOA ns1.example.org. hostmaster.example.org. 1 3600 900 1209600 3600
@ IN NS ns1.example.org.
{ptr}
"""

NAMED = """options {{
    directory "{dir}";
    pid-file "{dir}/named.pid";
    listen-on port 53 {{ {address}; }};
    listen-on-v6 {{ none; }};
    recursion no;
    dnssec-validation no;
}};
controls {{ }};
zone "example.org" {{ type primary; file "{dir}/example.org.zone"; }};
zone "2.0.192.in-addr.arpa" {{ type primary; file "{dir}/v4.zone"; }};
zone "0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa" {{ type primary; file "{dir}/v6.zone"; }};
"""

MAIN_CF = """compatibility_level = 3.6
myhostname = mail.example.org
mydestination =
inet_interfaces = {v4}, [{v6}]
inet_protocols = all
smtpd_tls_security_level = may
smtpd_tls_cert_file = /run/lab/mail.example.org.crt
smtpd_tls_key_file = /run/lab/mail.example.org.key
smtpd_banner = $myhostname ESMTP
"""


class World:
    """The machine, the exported plan, and the zone files it serves."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        # The example with the DKIM key its signer printed, as the designer's DKIM page
        # keeps it: the plan then has no placeholder left, and every row can be checked.
        data = json.loads(EXAMPLE.read_text())
        data["domains"][0].update(
            dkim_selector="mail", dkim_public_key=dkim_value().split("p=", 1)[1]
        )
        self.design_file = folder / "solo-server-with-dkim.json"
        self.design_file.write_text(json.dumps(data, indent=2))
        self.design = loads(self.design_file.read_bytes())
        self.plan = planner.plan(self.design)
        self.bundle = exporters.bundle(self.design, self.plan)
        self.machine = Machine("live", folder / "machine")
        # The organisation's private CA signs the MX's and the web host's certificates;
        # checks trust it through cafile. Another CA stands for a wrong one.
        self.ca = Authority("example", folder)
        self.other_ca = Authority("other", folder)
        self._web: http.server.HTTPServer | None = None

    def start(self) -> None:
        m = self.machine
        m.start("mail.example.org")
        # Daemons block once /dev/log is full, so it is read from the start.
        self.syslog: list[str] = []
        threading.Thread(target=self._read_syslog, daemon=True).start()
        m.sh(
            f"ip addr add {DRIFTED_DNS}/32 dev lo && ip addr add {MX_V4}/32 dev lo && "
            f"ip -6 addr add {MX_V6}/128 dev lo nodad"
        )
        zone = self.bundle["dns/example.org.zone"]
        zone = zone if isinstance(zone, str) else zone.decode()
        good = true_zone(zone)
        bad = drifted_zone(good, dkim_value())
        for address, text, tag in ((TRUE_DNS, good, "true"), (DRIFTED_DNS, bad, "drifted")):
            d = m.folder / f"named-{tag}"
            d.mkdir()
            (d / "example.org.zone").write_text(text)
            (d / "v4.zone").write_text(REVERSE.format(ptr="10 IN PTR mail.example.org."))
            v6 = "0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0"
            (d / "v6.zone").write_text(REVERSE.format(ptr=f"{v6} IN PTR mail.example.org."))
            inside = f"/run/lab/named-{tag}"
            (d / "named.conf").write_text(NAMED.format(dir=inside, address=address))
            m.run(["named-checkzone", "example.org", f"{inside}/example.org.zone"])
            m.spawn(["named", "-g", "-c", f"{inside}/named.conf"], d / "named.log")
        self.ca.issue("mail.example.org", m.folder)
        (m.folder / "self-signed").mkdir()
        self_signed("mail.example.org", m.folder / "self-signed")
        (m.folder / "main.cf").write_text(MAIN_CF.format(v4=MX_V4, v6=MX_V6))
        m.sh(
            # smtpd looks up each client's name before its banner: with no resolver that
            # answers, every session would wait for the lookup to time out.
            f"echo 'nameserver {TRUE_DNS}' > /etc/resolv.conf && "
            "cp /run/lab/main.cf /etc/postfix/main.cf && "
            "mkdir -p /var/spool/postfix/dev && touch /var/spool/postfix/dev/log && "
            "mount --bind /run/lab/log/log /var/spool/postfix/dev/log"
        )
        m.run(["/usr/lib/postfix/configure-instance.sh", "-"])
        m.daemon(["postfix", "start"])
        web_cert, key = self.ca.issue("mta-sts.example.org", self.folder)
        self._serve_policy(web_cert, key)
        self._wait()

    def _read_syslog(self) -> None:
        sock = self.machine.syslog_socket()
        while self.machine.pid:
            try:
                self.syslog.append(sock.recv(4096).decode(errors="replace"))
            except BlockingIOError:
                time.sleep(0.02)
            except OSError:
                return

    def self_signed_mx(self, on: bool) -> None:
        """Postfix presents a self-signed certificate (on) or the CA-signed one (off)."""
        folder = "/run/lab/self-signed" if on else "/run/lab"
        self.machine.sh(
            f"postconf -e smtpd_tls_cert_file={folder}/mail.example.org.crt "
            f"smtpd_tls_key_file={folder}/mail.example.org.key && postfix reload"
        )
        # The reload lets running smtpd processes finish: wait until a new one answers with
        # the certificate asked for.
        want = "self-signed" if on else "signed"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self._mx_certificate() == want:
                return
            time.sleep(0.2)
        raise RuntimeError(f"Postfix did not switch to the {want} certificate")

    def _mx_certificate(self) -> str:
        def probe() -> str:
            with socket.create_connection((MX_V4, 25), timeout=3) as sock:
                sock.recv(1024)
                sock.sendall(b"EHLO probe.invalid\r\n")
                time.sleep(0.1)
                sock.recv(4096)
                sock.sendall(b"STARTTLS\r\n")
                sock.recv(1024)
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
                with context.wrap_socket(sock) as tls:
                    cert = x509.load_der_x509_certificate(tls.getpeercert(binary_form=True))
            return "self-signed" if cert.issuer == cert.subject else "signed"

        try:
            return self.machine.in_netns(probe)
        except (OSError, ssl.SSLError):
            return ""

    def _serve_policy(self, web_cert: Path, key: Path) -> None:
        policy = self.bundle["mta-sts/example.org/mta-sts.txt"]
        body = policy.encode() if isinstance(policy, str) else policy

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the name http.server calls
                if self.path != "/.well-known/mta-sts.txt":
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        def listen() -> socket.socket:
            sock = socket.create_server((WEB, 443))
            return sock

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(web_cert, key)
        server = http.server.HTTPServer((WEB, 443), Handler, bind_and_activate=False)
        server.socket.close()
        server.socket = context.wrap_socket(self.machine.in_netns(listen), server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self._web = server

    def _wait(self, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        for address, port in ((TRUE_DNS, 53), (DRIFTED_DNS, 53), (MX_V4, 25), (MX_V6, 25)):
            while True:
                try:
                    self.machine.connect(address, port, timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{address}:{port} did not start") from None
                    time.sleep(0.1)

    def stop(self) -> None:
        if self._web is not None:
            self._web.shutdown()
        self.machine.stop()
