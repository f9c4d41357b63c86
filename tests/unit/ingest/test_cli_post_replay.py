"""``stoppress post`` and ``stoppress replay``: arguments into items, CSV rows into a timed feed (pure parts)."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from stoppress.cli import post, replay
from stoppress.cli.replay import ReplayRow, due_batches, item_for, publisher_slug, read_rows, row_from_record, unescape

DEMO_CSV = Path(__file__).parents[3] / "deploy" / "demo" / "uci-news-dev.csv"


def post_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    post.register(parser.add_subparsers())
    return parser.parse_args(["post", *argv])


def test_post_builds_an_item_from_flags_with_a_fresh_guid() -> None:
    item, ninjs = post.item_from_args(post_args("Quake hits the coast", "--urgency", "2", "--url",
                                                "https://x.example/q", "--subject", "quake", "--subject", "chile"))
    assert not ninjs
    assert item["headline"] == "Quake hits the coast"
    assert (item["urgency"], item["url"], item["subjects"]) == (2, "https://x.example/q", ["quake", "chile"])
    assert len(item["guid"]) == 32
    assert "summary" not in item


def test_post_reads_canonical_and_ninjs_files(tmp_path: Path) -> None:
    canonical = tmp_path / "item.json"
    canonical.write_text(json.dumps({"headline": "From a file"}))
    item, ninjs = post.item_from_args(post_args("--file", str(canonical)))
    assert (item["headline"], ninjs) == ("From a file", False)
    assert "guid" in item
    wire = tmp_path / "wire.json"
    wire.write_text(json.dumps({"uri": "urn:x", "headline": "Wire"}))
    item, ninjs = post.item_from_args(post_args("--file", str(wire)))
    assert ninjs
    assert "guid" not in item


@pytest.mark.parametrize("argv", [(), ("text", "--file", "x.json"), ("--file", "/nonexistent/item.json")])
def test_post_explains_unusable_arguments(argv: tuple[str, ...]) -> None:
    with pytest.raises(ValueError):
        post.item_from_args(post_args(*argv))


def test_the_uci_escapes_are_removed_and_publishers_become_slugs() -> None:
    assert unescape(r"Reuters UK \(blog\)") == "Reuters UK (blog)"
    assert unescape(r"http://x.example/a\?b=1") == "http://x.example/a?b=1"
    assert publisher_slug("Los Angeles Times") == "los-angeles-times"
    assert publisher_slug("24/7 Wall St.") == "24-7-wall-st"
    assert publisher_slug("Proactive Investors USA & Canada") == "proactive-investors-usa-canada"
    assert publisher_slug("!!!") == "unknown"
    assert len(publisher_slug("x" * 100)) == 64


def test_rows_without_title_publisher_or_timestamp_are_skipped() -> None:
    good = {"ID": "7", "TITLE": "T", "URL": "", "PUBLISHER": "P", "CATEGORY": "m", "TIMESTAMP": "1000"}
    row = row_from_record(good)
    assert row == ReplayRow("7", "T", None, "P", "health", 1000)
    for missing in ("TITLE", "PUBLISHER", "TIMESTAMP"):
        assert row_from_record({**good, missing: ""}) is None
    assert row_from_record({**good, "TIMESTAMP": "yesterday"}) is None


def test_the_demo_file_reads_in_timestamp_order() -> None:
    rows, skipped = read_rows(DEMO_CSV)
    assert (len(rows), skipped) == (3183, 0)
    assert [r.timestamp_ms for r in rows] == sorted(r.timestamp_ms for r in rows)
    assert {r.category for r in rows} <= {"business", "technology", "entertainment", "health"}
    assert not any("\\" in (r.url or "") + r.publisher for r in rows)


def test_time_is_compressed_and_simultaneous_rows_travel_together() -> None:
    rows = [ReplayRow(str(i), f"t{i}", None, "P", None, ts) for i, ts in enumerate((0, 10, 60_000, 60_020, 120_000))]
    batches = [(round(due, 3), [r.row_id for r in batch]) for due, batch in due_batches(rows, speed=60.0, max_batch=10)]
    assert batches == [(0.0, ["0", "1"]), (1.0, ["2", "3"]), (2.0, ["4"])]
    capped = [len(batch) for _, batch in due_batches(rows, speed=1e9, max_batch=2)]
    assert capped == [2, 2, 1]


def test_items_are_relayed_as_their_publisher_with_fresh_guids_per_loop() -> None:
    row = ReplayRow("42", "Fed holds rates", "https://x.example/fed", "Los Angeles Times", "business", 0)
    at = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    item = item_for(row, at, loop_round=0)
    assert item == {
        "guid": "uci-42", "headline": "Fed holds rates", "source": "los-angeles-times",
        "source_name": "Los Angeles Times", "first_created": at.isoformat(), "version_created": at.isoformat(),
        "url": "https://x.example/fed", "category": "business",
    }
    assert item_for(row, at, loop_round=2)["guid"] == "uci-42-r2"


def test_replay_registers_the_options_the_stack_uses() -> None:
    parser = argparse.ArgumentParser()
    replay.register(parser.add_subparsers())
    args = parser.parse_args(["replay", "f.csv", "--speed", "60", "--loop", "--url", "http://127.0.0.1:1", "--limit",
                              "5"])
    assert (args.speed, args.loop, args.ingest, args.limit) == (60.0, True, "http://127.0.0.1:1", 5)
