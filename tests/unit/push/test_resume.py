from __future__ import annotations

from stoppress.push.resume import AHEAD, DELETED, OTHER_INCARNATION, FromRing, ReadBack, Reset, WaitFor, plan_resume
from stoppress.shared.cursor import BEFORE_FIRST, Cursor

RING = {offset: f"{offset:08x}" for offset in range(100, 201)}


def plan(cursor: Cursor, log_start: int = 0, log_end: int = 201, ring: dict[int, str] | None = None):  # type: ignore[no-untyped-def]
    kept = RING if ring is None else ring
    return plan_resume(
        cursor,
        ring_first=min(kept) if kept else None,
        ring_last=max(kept) if kept else None,
        fingerprint_at=kept.get,
        log_start=log_start,
        log_end=log_end,
    )


def test_cursor_in_ring_with_matching_fingerprint_replays_from_memory() -> None:
    assert plan(Cursor(150, RING[150])) == FromRing(after=150)


def test_up_to_date_cursor_replays_nothing() -> None:
    assert plan(Cursor(200, RING[200])) == FromRing(after=200)


def test_fingerprint_mismatch_means_recreated_topic() -> None:
    assert plan(Cursor(150, "deadbeef")) == Reset(OTHER_INCARNATION)


def test_older_cursor_is_read_back_from_kafka_and_verified_there() -> None:
    assert plan(Cursor(40, "0badf00d")) == ReadBack(start=40, verify="0badf00d")


def test_cursor_older_than_kafka_keeps_is_not_recoverable() -> None:
    assert plan(Cursor(40, "0badf00d"), log_start=41) == Reset(DELETED)


def test_before_first_cursor() -> None:
    assert plan(BEFORE_FIRST) == ReadBack(start=0, verify=None)
    assert plan(BEFORE_FIRST, log_start=5) == Reset(DELETED)
    assert plan(BEFORE_FIRST, log_end=0, ring={}) == FromRing(after=-1)


def test_cursor_from_a_replica_that_is_ahead_waits() -> None:
    assert plan(Cursor(203, "00000000"), log_end=210) == WaitFor(203)


def test_cursor_beyond_the_log_means_recreated_topic() -> None:
    assert plan(Cursor(500, "00000000")) == Reset(AHEAD)
    assert plan(Cursor(3, "00000000"), log_end=0, ring={}) == Reset(AHEAD)


def test_cursor_naming_a_hole_in_the_ring_is_refused() -> None:
    ring = {100: "a" * 8, 102: "b" * 8}
    result = plan(Cursor(101, "c" * 8), ring=ring, log_end=103)
    assert isinstance(result, Reset)
