"""What a feed poller remembers and decides: versions, validators, backoff, and the state on disk."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from stoppress.ingest.feeds.schedule import (
    FeedState,
    SeenItem,
    after_document,
    after_failure,
    after_not_modified,
    next_delay_s,
    remember,
    version_to_publish,
)
from stoppress.ingest.feeds.state_store import FeedStateStore, feed_state_key

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def test_a_new_guid_is_version_one_and_a_newer_update_the_next_version() -> None:
    assert version_to_publish(None, T0) == 1
    assert version_to_publish(None, None) == 1
    seen = SeenItem(version=2, changed_at=T0)
    assert version_to_publish(seen, T0 + timedelta(seconds=1)) == 3
    assert version_to_publish(seen, T0) is None
    assert version_to_publish(seen, T0 - timedelta(hours=1)) is None
    assert version_to_publish(seen, None) is None
    assert version_to_publish(SeenItem(1, None), T0) == 2


def test_validators_move_only_when_a_whole_document_was_handled() -> None:
    state = remember(FeedState(etag='"v1"', failures=3), "a", 1, T0)
    assert state.etag == '"v1"'
    assert state.failures == 3
    done = after_document(state, '"v2"', "Thu, 26 Nov 2026 12:00:00 GMT", ["a"], keep=100)
    assert (done.etag, done.last_modified, done.failures) == ('"v2"', "Thu, 26 Nov 2026 12:00:00 GMT", 0)
    assert done.items == {"a": SeenItem(1, T0)}


def test_failures_count_up_and_a_304_resets_them() -> None:
    state = after_failure(after_failure(FeedState()))
    assert state.failures == 2
    assert after_not_modified(state).failures == 0


def test_old_guids_no_longer_in_the_feed_are_forgotten_beyond_the_limit() -> None:
    state = FeedState()
    for i in range(10):
        state = remember(state, f"g{i}", 1, T0 + timedelta(minutes=i))
    state = after_document(state, None, None, ["g0", "g9"], keep=4)
    assert set(state.items) == {"g0", "g9", "g7", "g8"}


def test_healthy_feeds_poll_at_their_interval() -> None:
    assert next_delay_s(0, 300.0, 3600.0, 0.99) == 300.0


@given(failures=st.integers(1, 100), interval=st.floats(10, 3600), cap=st.floats(3600, 86400), jitter=st.floats(0, 1,
       exclude_max=True))
def test_backoff_grows_exponentially_within_jitter_and_never_past_the_cap(
    failures: int, interval: float, cap: float, jitter: float
) -> None:
    delay = next_delay_s(failures, interval, cap, jitter)
    step = min(cap, interval * 2**failures)
    assert step / 2 <= delay <= step
    assert delay <= cap
    assert delay >= interval / 2 or delay >= step / 2


def test_backoff_spreads_a_fleet_over_half_a_step() -> None:
    delays = {round(next_delay_s(3, 60.0, 3600.0, j / 10), 3) for j in range(10)}
    assert len(delays) == 10
    assert min(delays) == 240.0
    assert max(delays) < 480.0


def test_state_round_trips_through_json() -> None:
    state = FeedState('"e"', "lm", 2, {"a": SeenItem(3, T0), "b": SeenItem(1, None)})
    assert FeedState.from_json(json.loads(json.dumps(state.to_json()))) == state


def test_the_store_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "state" / "feeds.json"
    key = feed_state_key("radio", "https://radio.example/feed")
    store = FeedStateStore(path)
    assert store.get(key) == FeedState()
    store.put(key, remember(FeedState(etag='"x"'), "a", 1, T0))
    reopened = FeedStateStore(path)
    assert reopened.get(key).items == {"a": SeenItem(1, T0)}
    assert reopened.get(key).etag == '"x"'
    assert not path.with_suffix(".json.tmp").exists()


def test_an_unreadable_store_is_set_aside_not_lost(tmp_path: Path) -> None:
    path = tmp_path / "feeds.json"
    path.write_text("{not json")
    store = FeedStateStore(path)
    assert store.get("any") == FeedState()
    assert path.with_suffix(".json.corrupt").read_text() == "{not json"
