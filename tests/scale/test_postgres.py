"""The storage, designer and concurrency tests pass on PostgreSQL as well as on SQLite.

A second settings run rather than a parametrisation: Django reads DATABASES once per process,
and pytest-django builds its test database from them before any test runs, so the same tests
cannot switch database inside one process. This test starts a private PostgreSQL
(tests/scale/servers.py) and runs those tests again in a fresh pytest with DATABASE_URL
pointing at it; the first run (SQLite) is the ordinary one. The concurrent-save test starts
its own gunicorn workers on a fresh database of the same server.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

from .servers import ROOT

# Everything that stores, reads and edits designs and revisions, sessions and accounts,
# the concurrent saves (item 2), and the check that this run really is on PostgreSQL.
ON_POSTGRES = [
    "tests/designs",
    "tests/web/test_concurrent_saves.py",
    "tests/web/test_diagram_cache.py",
    "tests/scale/test_database.py",
    # Digests of the exporters' output: no database involved.
    "--ignore=tests/designs/test_output_stable.py",
]


def test_the_storage_designer_and_concurrency_tests_pass_on_postgresql(postgres):
    env = {**os.environ, "DATABASE_URL": postgres.url("architect")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", *ON_POSTGRES],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:] + postgres.tail()
    summary = re.search(r"(\d+) passed", output)
    assert summary and int(summary.group(1)) > 100, output[-2000:]
    # Nothing may be skipped there: a skipped test would not have run on PostgreSQL.
    assert " skipped" not in output.splitlines()[-1], output[-2000:]
