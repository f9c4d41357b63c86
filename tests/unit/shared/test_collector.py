"""The services' garbage-collector settings."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from stoppress.shared import collector


@pytest.fixture
def restored_gc() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("restored_gc")
def test_tune_sets_the_thresholds() -> None:
    collector.tune()
    assert gc.get_threshold() == collector.THRESHOLDS


@pytest.mark.usefixtures("restored_gc")
def test_freeze_startup_keeps_live_objects_out_of_collections_and_drops_garbage() -> None:
    class Node:
        def __init__(self) -> None:
            self.me = self

    Node()  # a garbage cycle: collected, not frozen
    kept = Node()
    collector.freeze_startup()
    assert gc.get_freeze_count() > 0
    assert not any(isinstance(o, Node) for o in gc.get_objects())  # frozen objects are not in any generation
    gc.unfreeze()
    assert [o for o in gc.get_objects() if isinstance(o, Node)] == [kept]
