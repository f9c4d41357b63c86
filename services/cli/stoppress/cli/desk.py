"""``stoppress desk``: the editor's desk from a terminal, and ``stoppress desk serve`` to run the desk service.

::

    stoppress desk list [--state killed] [--level flash,breaking]
    stoppress desk kill STORY_ID --reason "not confirmed"
    stoppress desk level STORY_ID breaking --for 30m --reason "confirmed by our reporter"
    stoppress desk clear STORY_ID [level|hold|edit ...] --reason "back to the machine"
    stoppress desk merge STORY_ID INTO_STORY_ID --reason "same quake"
    stoppress desk log [STORY_ID] [--editor NAME]

The key comes from ``--key``, else ``$STOPPRESS_EDITOR_KEY``; the desk from
``--desk``, else ``$STOPPRESS_DESK_URL``, else http://127.0.0.1:8082. A
command is sent again with the same id while the desk answers 503 or 429,
so a retry never applies it twice. Exit status: 0 applied, 1 refused (the
desk's reason is printed), 2 unusable arguments or the desk unreachable.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import aiohttp
import orjson
from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from stoppress.desk.client import DEFAULT_DESK_URL, DeskAnswer, DeskClient
from stoppress.shared.models import LEVELS

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhd]?)$")
_UNITS_S = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
CLEARABLE = ("level", "hold", "edit")


class EditorSettings(BaseSettings):
    """What ``stoppress desk`` takes from the environment."""

    model_config = SettingsConfigDict(extra="ignore")

    key: str | None = Field(None, validation_alias=AliasChoices("STOPPRESS_EDITOR_KEY"))
    desk_url: str = Field(DEFAULT_DESK_URL, validation_alias=AliasChoices("STOPPRESS_DESK_URL"))


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add ``stoppress desk`` and its verbs to the command line."""
    parser = subparsers.add_parser(
        "desk", help="the editor's desk: list stories, kill, level, pin, correct, merge, split; the audit log",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    verbs = parser.add_subparsers(title="verbs", metavar="VERB", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--key", help="the editor's key (default $STOPPRESS_EDITOR_KEY)")
    common.add_argument("--desk", help=f"the desk's base URL (default $STOPPRESS_DESK_URL or {DEFAULT_DESK_URL})")
    common.add_argument("--json", action="store_true", help="print the desk's JSON answer")
    acting = argparse.ArgumentParser(add_help=False, parents=[common])
    acting.add_argument("story_id", metavar="STORY_ID")
    acting.add_argument("--reason", required=True, help="why (kept in the audit log)")

    listing = verbs.add_parser("list", parents=[common], help="live stories, pinned first, as the ticker ranks them")
    listing.add_argument("--state", help="comma-separated: shown, hidden, killed, withdrawn")
    listing.add_argument("--level", help="comma-separated: " + ", ".join(LEVELS))
    listing.add_argument("--limit", type=int, default=50)
    listing.set_defaults(func=_run_list)

    log = verbs.add_parser("log", parents=[common], help="the audit log: who did what, when, why, and the outcome")
    log.add_argument("story_id", nargs="?", metavar="STORY_ID")
    log.add_argument("--editor", help="only this editor's commands")
    log.add_argument("--limit", type=int, default=30)
    log.set_defaults(func=_run_log)

    for verb, summary in (("kill", "take a story off every ticker"), ("restore", "undo a kill"),
                          ("pin", "pin a story to the top of the ticker"), ("unpin", "undo a pin")):  # fmt: skip
        verbs.add_parser(verb, parents=[acting], help=summary).set_defaults(func=_run_command, action=verb)
    level = verbs.add_parser("level", parents=[acting], help="set the level over the machine's")
    level.add_argument("level", choices=LEVELS)
    timing = level.add_mutually_exclusive_group()
    timing.add_argument("--for", dest="for_", metavar="DURATION", help="for a while: 90s, 30m, 2h, 1d")
    timing.add_argument("--until", help="until this time (RFC 3339, with a zone)")
    level.set_defaults(func=_run_command, action="level")
    hold = verbs.add_parser("hold", parents=[acting], help="never show a story above a level")
    hold.add_argument("level", choices=LEVELS)
    hold.set_defaults(func=_run_command, action="hold")
    clear = verbs.add_parser("clear", parents=[acting], help="back to the machine: clear level and hold (or edit)")
    clear.add_argument("what", nargs="*", metavar="level|hold|edit", help="what to clear (default: level and hold)")
    clear.set_defaults(func=_run_command, action="clear")
    edit = verbs.add_parser("edit", parents=[acting], help="correct the headline (and URL) readers see")
    edit.add_argument("headline")
    edit.add_argument("--url", help="the corrected link (http/https)")
    edit.set_defaults(func=_run_command, action="edit")
    merge = verbs.add_parser("merge", parents=[acting], help="merge STORY_ID into INTO_STORY_ID")
    merge.add_argument("into", metavar="INTO_STORY_ID")
    merge.set_defaults(func=_run_command, action="merge")
    split = verbs.add_parser("split", parents=[acting], help="move ITEM out of the story (or restore a merged story)")
    split.add_argument("item", metavar="ITEM_OR_STORY_ID")
    split.set_defaults(func=_run_command, action="split")

    verbs.add_parser("serve", help="run the desk service (settings: STOPPRESS_DESK_*)").set_defaults(func=_run_serve)


def command_body(args: argparse.Namespace) -> dict[str, Any]:
    """The command body the arguments ask for; ``ValueError`` with a message when they do not fit."""
    body: dict[str, Any] = {"reason": args.reason}
    action = args.action
    if action in ("level", "hold"):
        body["level"] = args.level
    if action == "level" and args.for_ is not None:
        body["for_s"] = parse_duration(args.for_)
    if action == "level" and args.until is not None:
        body["until"] = args.until
    if action == "clear" and args.what:
        wrong = sorted(set(args.what) - set(CLEARABLE))
        if wrong:
            raise ValueError(f"clear takes {', '.join(CLEARABLE)}, not {', '.join(wrong)}")
        body["clear"] = sorted(set(args.what))
    if action == "edit":
        body["headline"] = args.headline
        if args.url is not None:
            body["url"] = args.url
    if action == "merge":
        body["into"] = args.into
    if action == "split":
        body["item"] = args.item
    return body


def parse_duration(text: str) -> float:
    """Seconds in ``90s``, ``30m``, ``2h``, ``1d`` or a plain number of seconds."""
    match = _DURATION.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a duration such as 90s, 30m, 2h or 1d")
    return float(match.group(1)) * _UNITS_S[match.group(2)]


def _run_command(args: argparse.Namespace) -> int:
    try:
        body = command_body(args)
    except ValueError as exc:
        return _usage(str(exc))

    def retrying(answer: DeskAnswer, wait_s: float) -> None:
        print(f"stoppress desk: the desk answered {answer.status}; sending the same command again in {wait_s:g} s",
              file=sys.stderr)  # fmt: skip

    async def send(desk: DeskClient) -> DeskAnswer:
        return await desk.command_until_decided(args.story_id, args.action, body, on_retry=retrying)

    answer = _call(args, send)
    if answer is None:
        return 2
    if args.json:
        print(orjson.dumps(answer.body, option=orjson.OPT_INDENT_2).decode())
    if answer.status == 200 and isinstance(answer.body, dict):
        if not args.json:
            print(_applied_line(answer.body))
        return 0
    print(f"stoppress desk: refused\n{answer.problem_text}", file=sys.stderr)
    return 1


def _applied_line(outcome: dict[str, Any]) -> str:
    line = f"{outcome.get('action')} {outcome.get('story_id')}: {outcome.get('message')}"
    if outcome.get("created"):
        line += f" -> story {outcome['created']}"
    if outcome.get("repeat"):
        line += " (already applied: the same command id)"
    if outcome.get("cursor"):
        line += f"\n  readers holding cursor {outcome['cursor']} have seen it"
    return line


def _run_list(args: argparse.Namespace) -> int:
    params = {"limit": str(args.limit)}
    if args.state:
        params["state"] = args.state
    if args.level:
        params["level"] = args.level
    answer = _call(args, lambda desk: desk.get("/v1/desk/stories", params))
    if answer is None:
        return 2
    if answer.status != 200 or not isinstance(answer.body, dict):
        print(f"stoppress desk: refused\n{answer.problem_text}", file=sys.stderr)
        return 1
    if args.json:
        print(orjson.dumps(answer.body, option=orjson.OPT_INDENT_2).decode())
        return 0
    stories = answer.body.get("stories", [])
    if not stories:
        print("no live stories")
    for story in stories:
        print(story_line(story))
    return 0


def story_line(story: dict[str, Any]) -> str:
    """One story on one line: id, state, level (the machine's if an editor changed it), sources, flags, headline."""
    level = story["level"]
    if story["machine_level"] != level:
        level += f" (machine: {story['machine_level']})"
    shown = story["view"]["headline"] if story.get("view") else story.get("headline") or ""
    flags = [name for name in ("killed", "level", "hold", "pin", "edit") if story["overrides"].get(name)]
    marks = f" [{', '.join(flags)}]" if flags else ""
    return (f"{story['story_id']}  {story['state']:9} {level:9} score {story['score']:5.1f}  "
            f"{story['sources']} src{marks}  {shown}")  # fmt: skip


def _run_log(args: argparse.Namespace) -> int:
    params = {"limit": str(args.limit)}
    if args.story_id:
        params["story_id"] = args.story_id
    if args.editor:
        params["editor"] = args.editor
    answer = _call(args, lambda desk: desk.get("/v1/desk/log", params))
    if answer is None:
        return 2
    if answer.status != 200 or not isinstance(answer.body, dict):
        print(f"stoppress desk: refused\n{answer.problem_text}", file=sys.stderr)
        return 1
    entries = answer.body.get("entries", [])
    if args.json:
        for entry in entries:
            print(orjson.dumps(entry).decode())
        return 0
    if not entries:
        print("no commands yet")
    for entry in entries:
        print(log_line(entry))
    return 0


def log_line(entry: dict[str, Any]) -> str:
    """One audit log entry: when, who, what, on which story, why, and what came of it."""
    command, outcome = entry["command"], entry.get("outcome")
    when = datetime.fromisoformat(command["issued_at"]).strftime("%Y-%m-%d %H:%M:%S %Z")
    what = command["action"]
    for name in ("level", "into", "item", "headline"):
        if command.get(name):
            what += f" {command[name]!r}" if name == "headline" else f" {command[name]}"
    if command.get("until"):
        what += f" until {command['until']}"
    result = "pending" if outcome is None else f"{outcome['code']} {outcome['message']}"
    return f"{when}  {command['editor']}  {what} on {command['story_id']}  because {command['reason']!r}  -> {result}"


def _run_serve(_args: argparse.Namespace) -> int:
    from stoppress.desk.__main__ import main  # noqa: PLC0415 - only this verb needs the service

    main()
    return 0


def _call(args: argparse.Namespace, call: Callable[[DeskClient], Awaitable[DeskAnswer]]) -> DeskAnswer | None:
    """Run ``call`` against the desk; print why and return ``None`` when it cannot be reached or there is no key."""
    settings = EditorSettings()
    key = args.key or settings.key
    if not key:
        _usage("no editor's key: pass --key or set STOPPRESS_EDITOR_KEY")
        return None
    url = args.desk or settings.desk_url

    async def run() -> DeskAnswer:
        async with DeskClient(url, key) as desk:
            return await call(desk)

    try:
        return asyncio.run(run())
    except (aiohttp.ClientError, TimeoutError) as exc:
        print(f"stoppress desk: cannot reach the desk at {url}: {exc}", file=sys.stderr)
        return None


def _usage(message: str) -> int:
    print(f"stoppress desk: {message}", file=sys.stderr)
    return 2
