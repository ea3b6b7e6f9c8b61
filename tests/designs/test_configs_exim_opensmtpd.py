"""The designer's configuration tab: a host switched to Exim or OpenSMTPD shows its files."""

from __future__ import annotations

import json

from django.test import SimpleTestCase

from architect import examples
from architect.core import design as design_model
from architect.designs.analysis import Analysis


def _document(slug: str, mta: str) -> dict:
    doc = json.loads(design_model.dumps(examples.load(slug)))
    for host in doc["hosts"]:
        if host.get("mta", "postfix") != "none":
            host["mta"] = mta
    return doc


class ConfigurationTabTest(SimpleTestCase):
    def test_it_shows_the_same_host_in_exims_words(self):
        hosts = Analysis(_document("solo-server", "exim")).host_files
        (host,) = hosts
        programs = dict(host.programs)
        assert list(programs) == ["Exim", "Dovecot"]
        names = {f.name: f for f in programs["Exim"]}
        assert "exim4.conf" in names and "vmailbox" in names
        assert "/etc/exim4/exim4.conf" in names["exim4.conf"].explanation
        # Exim's lookup files are read as they are: never the Postfix advice.
        assert "postmap" not in names["vmailbox"].explanation
        assert "domainlist mailbox_domains = example.org" in names["exim4.conf"].text

    def test_it_shows_the_same_host_in_opensmtpds_words(self):
        (host,) = Analysis(_document("solo-server", "opensmtpd")).host_files
        programs = dict(host.programs)
        assert list(programs) == ["OpenSMTPD", "Dovecot"]
        names = {f.name: f for f in programs["OpenSMTPD"]}
        assert "smtpd.conf" in names and "/etc/smtpd.conf" in names["smtpd.conf"].explanation
        assert "listen on 0.0.0.0 port 587 tls-require" in names["smtpd.conf"].text
