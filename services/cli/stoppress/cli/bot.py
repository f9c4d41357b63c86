"""``stoppress bot``: post breaking stories to a webhook, a Mastodon account or stdout.

Examples::

    stoppress bot --min-level breaking --sink stdout
    STOPPRESS_BOT_WEBHOOK_SECRET=... stoppress bot --sink webhook https://example.net/hooks/news
    STOPPRESS_BOT_MASTODON_TOKEN=... stoppress bot --sink mastodon https://mastodon.example --state bot.json

Secrets come only from the environment (STOPPRESS_BOT_WEBHOOK_SECRET,
STOPPRESS_BOT_MASTODON_TOKEN, STOPPRESS_BOT_GATEWAY_TOKEN); every option here
also has an STOPPRESS_BOT_* variable. See docs/bot.md.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from stoppress.bot.app import run_bot
from stoppress.bot.settings import BotSettings
from stoppress.bot.textlength import PLATFORMS
from stoppress.shared.codec import describe_validation_error
from stoppress.shared.logs import configure_logging
from stoppress.shared.models import LEVELS


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add ``stoppress bot`` to the command line."""
    parser = subparsers.add_parser(
        "bot",
        help="post breaking stories to a webhook, Mastodon or stdout",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--url", help="the gateway's WebSocket endpoint (default ws://127.0.0.1:8080/v1/ws)")
    parser.add_argument("--min-level", choices=LEVELS, help="post stories at or above this level (default breaking)")
    parser.add_argument(
        "--sink",
        nargs="+",
        metavar=("KIND", "URL"),
        help="stdout | webhook URL | mastodon INSTANCE_URL (default stdout)",
    )
    parser.add_argument("--platform", choices=sorted(PLATFORMS), help="length rules to fit posts to")
    parser.add_argument("--state", type=Path, help="state file: what was posted, the stream cursor")
    parser.add_argument("--posts-per-minute", type=float, help="long-run posting rate (default 2)")
    parser.add_argument("--burst", type=int, help="posts allowed at once before the rate applies (default 5)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the bot until Ctrl-C; 2 for bad options or a refused stream."""
    try:
        settings = settings_from(args)
    except ValueError as exc:
        print(f"stoppress bot: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_format, settings.log_level)
    return asyncio.run(run_bot(settings))


def settings_from(args: argparse.Namespace) -> BotSettings:
    """The bot's settings: the environment, overridden by the options given; ``ValueError`` saying what is wrong."""
    overrides: dict[str, Any] = {
        "url": args.url,
        "min_level": args.min_level,
        "platform": args.platform,
        "state_file": args.state,
        "posts_per_minute": args.posts_per_minute,
        "burst": args.burst,
    }
    if args.sink:
        kind, *rest = args.sink
        if kind not in ("stdout", "webhook", "mastodon") or len(rest) != (0 if kind == "stdout" else 1):
            raise ValueError("--sink takes 'stdout', 'webhook URL' or 'mastodon URL'")
        overrides["sink"] = kind
        overrides["sink_url"] = rest[0] if rest else None
    try:
        return BotSettings(**{key: value for key, value in overrides.items() if value is not None})
    except ValidationError as exc:
        raise ValueError(describe_validation_error(exc)) from None
