"""``stoppress tail`` rendering: readable lines, colour only when asked, nothing unprintable."""

from __future__ import annotations

from datetime import UTC, datetime

from stoppress.cli.tail import render, story_line
from stoppress.shared.protocol import Event, Recovered, Snapshot
from tests.unit.client.samples import story, ticker_event

LOCAL = datetime(2026, 11, 26, 14, 0, tzinfo=UTC).astimezone().strftime("%H:%M:%S")


def test_a_story_line_has_time_level_what_happened_headline_and_sources() -> None:
    line = story_line(story(headline="Quake hits Tokyo", sources=5), "update", color=False)
    assert line == f"{LOCAL} BREAKING update    Quake hits Tokyo  (5 sources: BBC News, Reuters, The Guardian +2)"


def test_colour_marks_the_level_label_only_when_asked() -> None:
    assert "\x1b[1;97;41mFLASH" in story_line(story(level="flash"), "new", color=True)
    assert "\x1b" not in story_line(story(level="flash"), "new", color=False)


def test_snapshot_events_and_resumes_render_as_lines() -> None:
    snapshot = Snapshot(stories=[story("a"), story("b")], cursor="1-1-00000000")
    assert render(snapshot, color=False)[0] == "── snapshot: 2 stories ──"
    assert len(render(snapshot, color=False)) == 3
    resync = Snapshot(stories=[], cursor="1-9-00000000", reason="events are no longer kept")
    assert render(resync, color=False) == ["── re-sync: events are no longer kept: 0 stories ──"]
    retract = Event(event=ticker_event(story(), "story.retract"), cursor="1-2-00000000")
    assert " RETRACTED " in render(retract, color=False)[0]
    left = Event(event=ticker_event(story(), "story.update"), cursor="1-3-00000000", matches=False)
    assert " left filter " in render(left, color=False)[0]
    assert render(Recovered(count=4), color=False) == ["── resumed: 4 missed events replayed ──"]


def test_escape_sequences_from_the_wire_are_not_passed_to_the_terminal() -> None:
    line = story_line(story(source_names=["Evil\x1b]0;pwned\x07"]), "new", color=False)
    assert "\x1b" not in line and "\x07" not in line
