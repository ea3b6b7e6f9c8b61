"""The tests use the database DATABASE_URL names: SQLite by default, PostgreSQL in the second run.

tests/scale/test_postgres.py runs this file again with DATABASE_URL pointing at a private
PostgreSQL, so that run cannot quietly fall back to SQLite.
"""

from __future__ import annotations

import os

import pytest
from django.db import connection

from tests.designs.factory import Factory


@pytest.mark.django_db
def test_it_stores_designs_in_the_database_that_database_url_names():
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    assert connection.vendor == expected

    # A design document goes in and comes out whole (a JSONField on either database).
    f = Factory()
    design = f.make_design(f.make_visitor())
    design.refresh_from_db()
    assert design.document["format"] == "mail-design"
