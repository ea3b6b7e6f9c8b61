from __future__ import annotations

import pytest

from .world import World, need_world


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    need_world()
    w = World(tmp_path_factory.mktemp("live"))
    try:
        w.start()
        yield w
    finally:
        w.stop()
