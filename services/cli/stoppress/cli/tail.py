"""``stoppress tail``: the live stream in the terminal, until Ctrl-C.

Each story prints as one line: local time of its last update, level label
(coloured when stdout is a terminal), what happened, the headline and its
sources. ``--json`` prints every protocol message as one JSON line instead,
for piping into ``jq``. The stream reconnects and resumes by itself; after a
resume the gateway could not honour, the fresh snapshot is printed under a
"re-sync" rule so a reader knows events may have been missed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import sys
from typing import Any, TextIO

from stoppress.shared.client import Stream, StreamError
from stoppress.shared.models import LEVELS, StoryView
from stoppress.shared.protocol import Event, Filters, Recovered, Snapshot, StreamMessage

DEFAULT_URL = "ws://127.0.0.1:8080/v1/ws"

_LEVEL_STYLE = {"flash": "\x1b[1;97;41m", "breaking": "\x1b[1;31m", "urgent": "\x1b[33m", "normal": ""}
_DIM, _RESET = "\x1b[2m", "\x1b[0m"
_EVENT_WORD = {"story.new": "new", "story.update": "update", "story.retract": "RETRACTED", "story.expire": "expired"}
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
MAX_SOURCE_NAMES = 3


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add ``stoppress tail`` to the command line."""
    parser = subparsers.add_parser(
        "tail",
        help="print the live stream of stories in the terminal",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--url", default=DEFAULT_URL, help=f"the gateway's WebSocket endpoint (default {DEFAULT_URL})")
    parser.add_argument("--levels", type=_comma_list, default=(), help="only these levels, e.g. breaking,flash")
    parser.add_argument("--categories", type=_comma_list, default=(), help="only these categories")
    parser.add_argument("--regions", type=_comma_list, default=(), help="only these regions")
    parser.add_argument("--languages", type=_comma_list, default=(), help="only these languages, e.g. en,fr")
    parser.add_argument("--json", action="store_true", help="print each message as one JSON line")
    parser.add_argument(
        "--color", choices=("auto", "always", "never"), default="auto", help="colour level labels (auto: on a tty)"
    )
    parser.set_defaults(func=run)


def _comma_list(text: str) -> tuple[str, ...]:
    return tuple(part.strip().lower() for part in text.split(",") if part.strip())


def run(args: argparse.Namespace) -> int:
    """Tail until Ctrl-C (exit 0) or until the gateway refuses us (exit 2)."""
    try:
        filters = Filters(
            levels=args.levels, categories=args.categories, regions=args.regions, languages=args.languages
        )
    except ValueError:
        print(f"stoppress tail: --levels takes {', '.join(LEVELS)}", file=sys.stderr)
        return 2
    color = args.color == "always" or (args.color == "auto" and sys.stdout.isatty() and "NO_COLOR" not in os.environ)
    try:
        return asyncio.run(
            _tail(Stream(args.url, filters, resync="silent"), sys.stdout, as_json=args.json, color=color)
        )
    except KeyboardInterrupt:
        return 0


async def _tail(stream: Stream, out: TextIO, *, as_json: bool, color: bool) -> int:
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, lambda: asyncio.ensure_future(stream.close()))
    try:
        async for message in stream:
            lines = [message.model_dump_json()] if as_json else render(message, color=color)
            out.write("".join(f"{line}\n" for line in lines))
            out.flush()
    except StreamError as exc:
        print(f"stoppress tail: {exc}", file=sys.stderr)
        return 2
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    return 0


def render(message: StreamMessage, *, color: bool) -> list[str]:
    """The terminal lines for one message (pure)."""
    if isinstance(message, Snapshot):
        title = f"re-sync: {message.reason}" if message.reason else "snapshot"
        rule = _dim(f"── {_printable(title)}: {len(message.stories)} stories ──", color)
        return [rule, *(story_line(story, "", color=color) for story in message.stories)]
    if isinstance(message, Event):
        word = _EVENT_WORD[message.event.type] if message.matches else "left filter"
        return [story_line(message.event.story, word, color=color)]
    assert isinstance(message, Recovered)
    return [_dim(f"── resumed: {message.count} missed events replayed ──", color)]


def story_line(story: StoryView, what: str, *, color: bool) -> str:
    """``14:03:12 BREAKING  update  Headline  (3 sources: bbc, reuters, ap)``."""
    when = story.updated_at.astimezone().strftime("%H:%M:%S")
    label = f"{story.level.upper():<8}"
    if color and _LEVEL_STYLE[story.level]:
        label = f"{_LEVEL_STYLE[story.level]}{label}{_RESET}"
    names = ", ".join(_printable(name) for name in story.source_names[:MAX_SOURCE_NAMES])
    more = story.sources - min(len(story.source_names), MAX_SOURCE_NAMES)
    if more > 0 and names:
        names += f" +{more}"
    plural = "source" if story.sources == 1 else "sources"
    sources = f"({story.sources} {plural}: {names})" if names else f"({story.sources} {plural})"
    prefix = f"{when} {label} {what:<9} " if what else f"{when} {label} "
    return f"{prefix}{_printable(story.headline)}  {_dim(sources, color)}"


def _dim(text: str, color: bool) -> str:
    return f"{_DIM}{text}{_RESET}" if color else text


def _printable(text: str) -> str:
    """No terminal escape sequences from the wire, whatever upstream let through."""
    return _UNPRINTABLE.sub("\ufffd", text)
