"""Parsing server frames into typed messages, and filters into a query string."""

from __future__ import annotations

import pytest

from stoppress.shared.protocol import (
    Event,
    Filters,
    Ping,
    ProtocolError,
    Recovered,
    ServerError,
    Snapshot,
    Welcome,
    parse_server_message,
)
from tests.unit.client.samples import frame, story, ticker_event


def test_welcome_carries_the_heartbeat_interval_and_ignores_fields_it_does_not_know() -> None:
    message = parse_server_message(
        frame({"type": "welcome", "protocol": 1, "instance": "push-1", "heartbeat_s": 15, "limits": {"x": 1}})
    )
    assert message == Welcome(protocol=1, instance="push-1", heartbeat_s=15.0)


def test_snapshot_stories_are_typed_story_views() -> None:
    view = story()
    message = parse_server_message(
        frame({"type": "snapshot", "cursor": "1-4-00aa00bb", "recovered": False, "filter": {}, "stories": [view]})
    )
    assert isinstance(message, Snapshot)
    assert message.stories == [view]
    assert (message.cursor, message.recovered, message.reason) == ("1-4-00aa00bb", False, None)


def test_event_carries_a_ticker_event_its_cursor_and_whether_it_still_matches() -> None:
    event = ticker_event(story(), "story.update")
    message = parse_server_message(frame({"type": "event", "cursor": "1-5-0a0b0c0d", "matches": False, "event": event}))
    assert isinstance(message, Event)
    assert (message.event, message.cursor, message.matches) == (event, "1-5-0a0b0c0d", False)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"type": "recovered", "cursor": "1-9-00000001", "count": 3}, Recovered(count=3, cursor="1-9-00000001")),
        ({"type": "ping", "at": "2026-11-26T14:00:00Z"}, Ping()),
        (
            {"type": "error", "code": "forbidden", "close_code": 4003, "message": "token does not allow 'internal'"},
            ServerError(code="forbidden", close_code=4003, message="token does not allow 'internal'"),
        ),
    ],
)
def test_other_server_messages(raw: dict[str, object], expected: object) -> None:
    assert parse_server_message(frame(raw)) == expected


def test_an_unknown_message_type_is_skipped_for_forward_compatibility() -> None:
    assert parse_server_message(frame({"type": "stats", "clients": 4})) is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"cursor": "1-1-00000000"}', "no string 'type'"),
        ('{"type": "event", "cursor": "1-1-00000000"}', "invalid 'event' message: event: Field required"),
        ('{"type": "recovered", "count": -1}', "count: Input should be greater than or equal to 0"),
    ],
)
def test_invalid_frames_raise_a_protocol_error_naming_the_problem(text: str, reason: str) -> None:
    with pytest.raises(ProtocolError, match=reason):
        parse_server_message(text)


def test_filters_become_comma_separated_query_parameters_leaving_out_empty_fields() -> None:
    filters = Filters(levels=("flash", "breaking"), languages=("en",))
    assert filters.query() == {"levels": "flash,breaking", "languages": "en"}
    assert Filters().query() == {}


def test_filters_refuse_an_unknown_level() -> None:
    with pytest.raises(ValueError, match="levels"):
        Filters(levels=("apocalyptic",))
