"""Cursor bookkeeping across reconnects, without a socket or an event loop."""

from __future__ import annotations

import pytest

from stoppress.shared.client import ResyncRequired, StreamSession
from stoppress.shared.protocol import Event, Filters, Ping, Recovered, ServerError, Snapshot, Welcome
from tests.unit.client.samples import story, ticker_event


def snapshot(cursor: str, recovered: bool = False, reason: str | None = None) -> Snapshot:
    return Snapshot(stories=[story()], cursor=cursor, recovered=recovered, reason=reason)


def event(cursor: str) -> Event:
    return Event(event=ticker_event(story()), cursor=cursor)


def test_first_connection_asks_for_the_filter_only_and_takes_the_snapshot_cursor() -> None:
    session = StreamSession(Filters(levels=("breaking",)))
    session.opened()
    assert session.connect_query() == {"levels": "breaking"}
    assert session.receive(Welcome(heartbeat_s=10)) is None
    delivered = session.receive(snapshot("1-4-aaaaaaaa"))
    assert delivered is not None and session.cursor == "1-4-aaaaaaaa"


def test_each_event_moves_the_cursor_and_the_next_connection_resumes_from_it() -> None:
    session = StreamSession(Filters())
    session.opened()
    session.receive(snapshot("1-4-aaaaaaaa"))
    session.receive(event("1-5-bbbbbbbb"))
    session.receive(event("1-6-cccccccc"))
    session.opened()
    assert session.connect_query() == {"cursor": "1-6-cccccccc"}


def test_a_successful_resume_replays_events_then_reports_recovered() -> None:
    session = StreamSession(Filters(), cursor="1-6-cccccccc")
    session.opened()
    assert session.receive(event("1-7-dddddddd")) is not None
    recovered = Recovered(count=1, cursor="1-7-dddddddd")
    assert session.receive(recovered) == recovered
    assert session.cursor == "1-7-dddddddd"


def test_a_failed_resume_raises_resync_required_with_the_fresh_snapshot() -> None:
    session = StreamSession(Filters(), cursor="1-6-cccccccc")
    session.opened()
    fresh = snapshot("1-90-eeeeeeee", reason="events after the cursor are no longer kept")
    with pytest.raises(ResyncRequired, match="recovered=false") as caught:
        session.receive(fresh)
    assert caught.value.snapshot == fresh
    assert session.cursor == "1-6-cccccccc"


def test_silent_resync_hands_over_the_fresh_snapshot_and_carries_on_from_it() -> None:
    session = StreamSession(Filters(), cursor="1-6-cccccccc", resync="silent")
    session.opened()
    fresh = snapshot("1-90-eeeeeeee")
    assert session.receive(fresh) == fresh
    assert session.cursor == "1-90-eeeeeeee"


def test_a_snapshot_for_a_new_filter_after_the_resume_completed_is_not_a_failed_resume() -> None:
    session = StreamSession(Filters(), cursor="1-6-cccccccc")
    session.opened()
    session.receive(Recovered(count=0, cursor="1-6-cccccccc"))
    assert session.receive(snapshot("1-6-cccccccc")) is not None


def test_the_heartbeat_sets_how_long_silence_may_last_before_the_link_counts_as_dead() -> None:
    session = StreamSession(Filters())
    session.opened()
    assert session.silence_limit() is None
    session.receive(Welcome(heartbeat_s=15))
    assert session.silence_limit() == 45.0
    assert session.receive(Ping()) is None


def test_the_servers_error_is_kept_for_the_close_that_follows() -> None:
    session = StreamSession(Filters())
    session.opened()
    error = ServerError(code="forbidden", close_code=4003, message="token does not allow 'internal'")
    assert session.receive(error) is None
    assert session.server_error == error
    session.opened()
    assert session.server_error is None
