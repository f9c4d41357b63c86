"""TickerSettings: environment names, and the policy and authorities built from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from stoppress.ticker.settings import TickerSettings
from tests.unit.ticker.builders import headline


def test_defaults_follow_design_md(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("STOPPRESS_TICKER_WEB_PORT", "STOPPRESS_KAFKA_BOOTSTRAP"):
        monkeypatch.delenv(name, raising=False)
    settings = TickerSettings()
    assert (settings.web_port, settings.kafka_bootstrap, settings.headlines_topic) == (
        6066,
        "127.0.0.1:9092",
        "headlines.raw",
    )


def test_editorial_knobs_reach_the_desk_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STOPPRESS_TICKER_STORY_WINDOW_H", "24")
    monkeypatch.setenv("STOPPRESS_TICKER_UPDATE_INTERVAL_S", "10")
    monkeypatch.setenv("STOPPRESS_TICKER_SEEN_RETENTION_H", "48")
    policy = TickerSettings().desk_policy()
    assert policy.lifecycle.story_window_s == 24 * 3600
    assert policy.lifecycle.update_interval_s == 10
    assert policy.seen_retention_s == 48 * 3600


def test_authorities_come_from_the_sources_file_with_a_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "sources.json"
    path.write_text('{"sources": [{"slug": "ap", "authority": 0.9}]}')
    monkeypatch.setenv("STOPPRESS_TICKER_SOURCES_FILE", str(path))
    monkeypatch.setenv("STOPPRESS_TICKER_DEFAULT_AUTHORITY", "0.3")
    book = TickerSettings().authority_book()
    assert book.of(headline("ap", authority=None)) == 0.9
    assert book.of(headline("blog", authority=None)) == 0.3
