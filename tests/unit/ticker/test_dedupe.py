"""Exact repeats: id+version (from the live story or the ledger) and canonical URLs, forgotten after retention."""

from __future__ import annotations

from typing import Any

from stoppress.ticker.canonical_url import canonical_url
from stoppress.ticker.dedupe import SeenLedger, Verdict
from tests.unit.ticker.builders import headline, ts

DAY_S = 24 * 3600.0


def ledger(table: dict[str, Any] | None = None) -> SeenLedger:
    return SeenLedger({} if table is None else table, retention_s=7 * DAY_S)


def test_a_new_item_is_fresh() -> None:
    assert ledger().judge(headline(), None, None) is Verdict.FRESH


def test_the_same_or_an_older_version_than_remembered_is_a_repeat() -> None:
    seen = ledger()
    seen.remember("reuters:1", 2, ts(0))
    assert seen.judge(headline(version=2), None, None) is Verdict.REPEAT
    assert seen.judge(headline(version=1), None, None) is Verdict.REPEAT
    assert seen.judge(headline(version=3), None, None) is Verdict.FRESH


def test_the_version_in_the_live_story_counts_as_seen() -> None:
    seen = ledger()
    assert seen.judge(headline(version=2), None, member_version=2) is Verdict.REPEAT
    assert seen.judge(headline(version=3), None, member_version=2) is Verdict.FRESH


def test_version_0_is_a_first_version_and_its_repeat_is_a_repeat() -> None:
    seen = ledger()
    assert seen.judge(headline(version=0), None, None) is Verdict.FRESH
    assert seen.judge(headline(version=0), None, member_version=0) is Verdict.REPEAT
    seen.remember("reuters:1", 0, ts(0))
    assert seen.judge(headline(version=0), None, None) is Verdict.REPEAT
    assert seen.judge(headline(version=1), None, None) is Verdict.FRESH


def test_the_newer_of_story_and_ledger_wins() -> None:
    seen = ledger()
    seen.remember("reuters:1", 5, ts(0))
    assert seen.judge(headline(version=4), None, member_version=2) is Verdict.REPEAT


def test_the_same_article_from_another_feed_is_a_repeat() -> None:
    seen = ledger()
    first = canonical_url("https://www.Reuters.com/world/quake/?utm_source=rss")
    again = canonical_url("https://www.reuters.com/world/quake")
    seen.claim(first, "reuters:rss-1", ts(0))
    assert seen.judge(headline(guid="atom-9"), again, None) is Verdict.URL_REPEAT


def test_the_first_claim_on_a_url_wins_and_its_owner_is_not_a_repeat() -> None:
    seen = ledger()
    seen.claim("https://example.com/a", "reuters:1", ts(0))
    seen.claim("https://example.com/a", "ap:1", ts(1))
    assert seen.judge(headline(version=2), "https://example.com/a", 1) is Verdict.FRESH
    assert seen.judge(headline("ap"), "https://example.com/a", None) is Verdict.URL_REPEAT


def test_state_lives_in_the_table_so_a_new_ledger_over_it_remembers() -> None:
    table: dict[str, Any] = {}
    first = ledger(table)
    first.remember("reuters:1", 1, ts(0))
    first.claim("https://example.com/a", "reuters:1", ts(0))
    again = ledger(table)
    assert again.judge(headline(), None, None) is Verdict.REPEAT
    assert again.judge(headline("ap", "2"), "https://example.com/a", None) is Verdict.URL_REPEAT


def test_entries_are_forgotten_after_retention_counted_from_their_last_touch() -> None:
    seen = ledger()
    seen.remember("reuters:old", 1, ts(0))
    seen.claim("https://example.com/old", "reuters:old", ts(0))
    seen.remember("reuters:busy", 1, ts(0))
    seen.remember("reuters:busy", 2, ts(3 * 24 * 60))
    assert seen.forget_expired(ts(7 * 24 * 60) - 1) == 0
    assert seen.forget_expired(ts(7 * 24 * 60)) == 2
    assert len(seen) == 1
    assert seen.judge(headline(guid="old"), None, None) is Verdict.FRESH
    assert seen.judge(headline(guid="busy", version=2), None, None) is Verdict.REPEAT
