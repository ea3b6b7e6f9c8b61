"""Test data for the designer, built in code by named actors: visitors, users, designs.

f = Factory()
alice = f.make_visitor()                # a browser with its own session
design = f.make_design(alice)           # a design that belongs to that session
bob = f.make_user_client("bob")         # a signed-in browser
"""

from __future__ import annotations

import copy
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.urls import reverse

from architect.designs.access import SESSION_MARK
from architect.designs.models import Design

SMALL = {
    "format": "mail-design",
    "version": 1,
    "name": "Small office",
    "domains": [{"name": "example.org"}],
    "networks": [
        {"name": "hosting", "zone": "internet", "cidrs": ["192.0.2.0/24"]},
        {"name": "roaming", "zone": "remote"},
    ],
    "hosts": [
        {
            "name": "mail.example.org",
            "network": "hosting",
            "addresses": ["192.0.2.10"],
            "stores_mailboxes": True,
            "services": ["imap", "submission"],
        }
    ],
    "clients": [{"name": "laptops", "kind": "desktop", "count": 3, "network": "roaming"}],
    "policy": {"reports_to": "postmaster@example.org"},
}


class Factory:
    def make_document(self, **changes: Any) -> dict[str, Any]:
        """A small valid design: one server on the internet, laptops on the road."""
        document = copy.deepcopy(SMALL)
        document.update(changes)
        return document

    def make_visitor(self) -> Client:
        """A browser without an account, with a session of its own."""
        session = SessionStore()
        session[SESSION_MARK] = True
        session.create()
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
        return client

    def make_user(self, username: str = "alice", password: str = "a long pass phrase 42"):
        return get_user_model().objects.create_user(username=username, password=password)

    def make_user_client(self, username: str = "alice") -> Client:
        """A browser signed in to a new account."""
        user = self.make_user(username)
        client = Client()
        client.force_login(user)
        client.user = user
        return client

    def make_design(self, client: Client | None = None, document: dict | None = None) -> Design:
        """A design owned by ``client`` (its account, or its session), with one revision."""
        design = Design()
        user = getattr(client, "user", None)
        if user is not None:
            design.owner = user
        elif client is not None:
            design.session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
        design.commit(document or self.make_document(), "Made by the test factory.")
        return design

    def url(self, name: str, *args: Any) -> str:
        return reverse(f"designs:{name}", args=args)
