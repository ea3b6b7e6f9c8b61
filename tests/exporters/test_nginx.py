"""The web host's nginx site: the real ``nginx -t`` accepts it, and nginx serves the files.

nginx reads the generated site file as Debian's nginx.conf would, through an
``include`` inside ``http { }``. The certificate paths are certbot's, which do
not exist here, so each test points them at certificates of its own before
nginx loads the file (nginx -t opens the certificates it names).
"""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest

from architect import examples
from architect.core.exporters import bundle
from architect.core.exporters.deploy import installs
from architect.core.exporters.nginx import SITE, document_root
from architect.core.exporters.postfix import LETSENCRYPT_LIVE
from architect.core.planner import plan as make_plan
from architect.lab.certs import LabCA
from tests.exporters.conftest import find_program

WITH_WEB = [
    slug
    for slug in examples.slugs()
    if any(
        p.startswith("web/") for p in bundle(examples.load(slug), make_plan(examples.load(slug)))
    )
]


def wrapper(site: Path, root: Path, *, user: str = "") -> str:
    """An nginx.conf that includes the site file, with every path under ``root``."""
    temp = "\n".join(
        f"    {kind}_temp_path {root}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"{user}pid {root}/nginx.pid;\n"
        f"error_log {root}/error.log;\n"
        "events { }\n"
        "http {\n"
        f"    access_log {root}/access.log;\n"
        f"{temp}\n"
        f"    include {site};\n"
        "}\n"
    )


def site_with_certs(text: str, host: str, certs: Path) -> str:
    """The site file with certbot's directory for ``host`` replaced by ``certs``."""
    return text.replace(f"{LETSENCRYPT_LIVE}/{host}/", f"{certs}/")


def write_certs(directory: Path, names: list[str], ca: LabCA | None = None) -> LabCA:
    ca = ca or LabCA()
    key, cert = ca.issue(names)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "privkey.pem").write_text(key)
    (directory / "fullchain.pem").write_text(cert)
    return ca


def web_files(slug: str):
    design = examples.load(slug)
    plan = make_plan(design)
    files = bundle(design, plan)
    return design, plan, files


@pytest.mark.parametrize("slug", WITH_WEB)
def test_it_writes_a_site_that_nginx_accepts_for_every_example_with_a_web_host(slug, tmp_path):
    nginx = find_program("nginx", "nginx")
    _design, plan, files = web_files(slug)
    host = plan.web.host
    names = [n.name for n in plan.web.names]
    write_certs(tmp_path / "certs", [host, *names])
    site = tmp_path / "site.conf"
    site.write_text(site_with_certs(files[f"web/{host}/nginx.conf"], host, tmp_path / "certs"))
    conf = tmp_path / "nginx.conf"
    conf.write_text(wrapper(site, tmp_path))

    result = nginx_test(nginx, conf, tmp_path)

    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def nginx_test(nginx: str, conf: Path, prefix: Path) -> subprocess.CompletedProcess:
    """``nginx -t`` on ``conf``, logging under ``prefix`` rather than /var/log/nginx."""
    return subprocess.run(
        [nginx, "-t", "-e", str(prefix / "error.log"), "-p", str(prefix), "-c", str(conf)],
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_it_gives_every_example_with_an_mta_sts_policy_a_site():
    # Autoconfig files of hosted mailboxes name the provider's servers; the provider
    # publishes its own autoconfig, so only our own mailbox domains need a web host.
    for slug in examples.slugs():
        _design, plan, files = web_files(slug)
        wanted = any(p.startswith("mta-sts/") for p in files) or plan.web is not None
        assert wanted == (slug in WITH_WEB), slug


def test_it_serves_each_name_its_own_file_from_the_document_root():
    _design, plan, files = web_files("multi-domain")
    text = files[f"web/{plan.web.host}/nginx.conf"]

    for n in plan.web.names:
        block = text.split(f"server_name {n.name};", 1)[1].split("\nserver {", 1)[0]
        assert f"ssl_certificate {LETSENCRYPT_LIVE}/{plan.web.host}/fullchain.pem;" in block
        if n.serves == "mta-sts":
            assert "location = /.well-known/mta-sts.txt" in block
            assert f"alias {document_root(n.domain)}/mta-sts.txt;" in block
            assert "default_type text/plain;" in block
        else:
            assert "location = /mail/config-v1.1.xml" in block
            assert "location = /.well-known/autoconfig/mail/config-v1.1.xml" in block
            assert "default_type text/xml;" in block
    # Port 80 answers the ACME challenge and sends everything else to HTTPS.
    plain = text.split("listen 80;", 1)[1].split("\nserver {", 1)[0]
    assert "location /.well-known/acme-challenge/" in plain
    assert "return 301 https://$host$request_uri;" in plain


def test_it_installs_the_site_and_the_files_it_serves():
    _design, plan, files = web_files("solo-server")
    step = next(i for i in installs(files) if i.program == "nginx")

    targets = {c.source: c.target for c in step.copies}
    assert targets["web/mail.example.org/nginx.conf"] == SITE
    assert (
        targets["mta-sts/example.org/mta-sts.txt"]
        == "/var/www/mail-architect/example.org/mta-sts.txt"
    )
    assert (
        targets["autoconfig/example.org/config-v1.1.xml"]
        == "/var/www/mail-architect/example.org/config-v1.1.xml"
    )
    assert step.packages == ("nginx",)
    assert "nginx -t" in step.commands
    assert step.apply == ("systemctl reload-or-restart nginx",)
    assert any("sites-enabled" in c for c in step.commands)


# --------------------------------------------------------------------------
# Real nginx answering over HTTPS, in a namespaced machine


def _machine_unavailable() -> str | None:
    if sys.platform != "linux" or os.geteuid() != 0:
        return "needs root on Linux (network namespaces)"
    if not shutil.which("unshare") or not shutil.which("ip"):
        return "needs unshare and ip"
    return None


def _get(machine, ca: LabCA, name: str, path: str, port: int = 443) -> tuple[str, bytes]:
    """The status line, headers and body nginx sends for ``https://name/path``."""
    sock = machine.connect("127.0.0.1", port)
    if port == 443:
        context = ssl.create_default_context(cadata=ca.pem)
        sock = context.wrap_socket(sock, server_hostname=name)
    with sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return head.decode("latin-1"), body


def test_it_answers_the_policy_and_the_autoconfig_file_over_https(tmp_path):
    why = _machine_unavailable()
    if why:
        if os.environ.get("CI") == "true":
            pytest.fail(why + " (CI=true: never skipped)")
        pytest.skip(why)
    find_program("nginx", "nginx")
    from architect.lab.machine import INSIDE, Machine

    _design, plan, files = web_files("solo-server")
    host = plan.web.host
    ca = write_certs(tmp_path / "lab" / "certs", [host, *(n.name for n in plan.web.names)])
    lab = tmp_path / "lab"
    (lab / "site.conf").write_text(files[f"web/{host}/nginx.conf"])
    (lab / "policy.txt").write_text(files["mta-sts/example.org/mta-sts.txt"])
    (lab / "config.xml").write_text(files["autoconfig/example.org/config-v1.1.xml"])
    (lab / "nginx.conf").write_text(wrapper(Path(SITE), Path("/tmp/nginx"), user="user root;\n"))
    machine = Machine("web", lab)  # its folder is mounted inside at INSIDE
    machine.start(host)
    try:
        root = document_root("example.org")
        live = f"{LETSENCRYPT_LIVE}/{host}"
        machine.sh(
            f"""set -e
mkdir -p /tmp/nginx {live} {root} /etc/nginx/sites-available
cp {INSIDE}/certs/fullchain.pem {INSIDE}/certs/privkey.pem {live}/
cp {INSIDE}/site.conf {SITE}
cp {INSIDE}/policy.txt {root}/mta-sts.txt
cp {INSIDE}/config.xml {root}/config-v1.1.xml
""",
            timeout=30,
        )
        machine.daemon(["nginx", "-e", "/tmp/nginx/error.log", "-c", f"{INSIDE}/nginx.conf"])
        for _ in range(50):
            try:
                machine.connect("127.0.0.1", 443).close()
                break
            except OSError:
                time.sleep(0.1)

        head, body = _get(machine, ca, "mta-sts.example.org", "/.well-known/mta-sts.txt")
        assert head.startswith("HTTP/1.1 200"), head
        assert "Content-Type: text/plain" in head
        assert body.decode() == files["mta-sts/example.org/mta-sts.txt"]

        for path in ("/mail/config-v1.1.xml", "/.well-known/autoconfig/mail/config-v1.1.xml"):
            head, body = _get(machine, ca, "autoconfig.example.org", path)
            assert head.startswith("HTTP/1.1 200"), head
            assert "Content-Type: text/xml" in head
            assert body.decode() == files["autoconfig/example.org/config-v1.1.xml"]

        # Nothing else is served, and plain HTTP leads to HTTPS.
        head, _ = _get(machine, ca, "mta-sts.example.org", "/etc/passwd")
        assert head.startswith("HTTP/1.1 404"), head
        head, _ = _get(machine, ca, "mta-sts.example.org", "/.well-known/mta-sts.txt", port=80)
        assert head.startswith("HTTP/1.1 301"), head
        assert "Location: https://mta-sts.example.org/.well-known/mta-sts.txt" in head
    finally:
        machine.stop()
