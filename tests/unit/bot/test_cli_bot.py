"""``stoppress bot`` options: how they become settings, and what is refused with a readable reason."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from stoppress.cli import bot


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    bot.register(parser.add_subparsers())
    return parser.parse_args(["bot", *argv])


def test_options_override_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STOPPRESS_BOT_MASTODON_TOKEN", "secret-token")
    settings = bot.settings_from(
        parse("--min-level", "flash", "--sink", "mastodon", "https://mastodon.example", "--state", "b.json")
    )
    assert (settings.min_level, settings.sink, settings.sink_url) == ("flash", "mastodon", "https://mastodon.example")
    assert settings.state_file == Path("b.json")
    assert settings.platform_name == "mastodon"
    assert settings.mastodon_token is not None and "secret-token" not in repr(settings)


def test_a_webhook_fits_posts_to_x_unless_told_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STOPPRESS_BOT_WEBHOOK_SECRET", "s")
    assert bot.settings_from(parse("--sink", "webhook", "https://h.example/x")).platform_name == "x"
    settings = bot.settings_from(parse("--sink", "webhook", "https://h.example/x", "--platform", "bluesky"))
    assert settings.platform_name == "bluesky"


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        (["--sink", "webhook"], "--sink takes"),
        (["--sink", "stdout", "https://x.example"], "--sink takes"),
        (["--sink", "fax", "123"], "--sink takes"),
        (["--sink", "webhook", "https://h.example/x"], "STOPPRESS_BOT_WEBHOOK_SECRET"),
        (["--sink", "mastodon", "https://m.example"], "STOPPRESS_BOT_MASTODON_TOKEN"),
        (["--posts-per-minute", "0"], "posts_per_minute"),
    ],
)
def test_bad_options_are_refused_with_a_reason(argv: list[str], reason: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STOPPRESS_BOT_WEBHOOK_SECRET", raising=False)
    monkeypatch.delenv("STOPPRESS_BOT_MASTODON_TOKEN", raising=False)
    with pytest.raises(ValueError, match=reason):
        bot.settings_from(parse(*argv))
