"""Real PostgreSQL and Redis servers for the scale tests, one each per test run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .servers import Postgres, Redis


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    server = Postgres()
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[Redis]:
    server = Redis()
    try:
        yield server.start()
    finally:
        server.stop()
