"""``stoppress post``: publish one headline through ingest's HTTP API and print the answer.

From flags (``stoppress post "Quake hits the coast" --urgency 2 --url https://…``)
or from a file holding one item in the canonical JSON format or IPTC ninjs
(``--file item.json``; a top-level ``uri`` marks ninjs). The API key comes
from ``--key``, else ``STOPPRESS_KEY``, else ``STOPPRESS_DEMO_KEY`` (the
local stack's demo source). A guid is generated when none is given, and the
same guid is used for retries, so a retried post cannot publish twice.
While ingest answers 503 or 429, the post is retried after ``Retry-After``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from stoppress.ingest.client import DEFAULT_INGEST_URL, IngestAnswer, IngestClient

RETRY_STATUSES = (429, 503)
MAX_RETRY_WAIT_S = 10.0


class ClientSettings(BaseSettings):
    """What ``stoppress post`` and ``stoppress replay`` take from the environment."""

    model_config = SettingsConfigDict(extra="ignore")

    key: str | None = Field(None, validation_alias=AliasChoices("STOPPRESS_KEY", "STOPPRESS_DEMO_KEY"))
    ingest_url: str = Field(DEFAULT_INGEST_URL, validation_alias=AliasChoices("STOPPRESS_INGEST_URL"))


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add ``stoppress post`` to the command line."""
    parser = subparsers.add_parser(
        "post",
        help="publish one headline through ingest",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("text", nargs="?", help="the headline (omit with --file)")
    parser.add_argument("--file", type=Path, help="a JSON file with one item (canonical format or ninjs)")
    parser.add_argument("--urgency", type=int, help="IPTC urgency, 1 (flash) to 9")
    parser.add_argument("--url", help="the story's web address (http/https)")
    parser.add_argument("--summary", help="a short summary")
    parser.add_argument("--language", help="BCP 47 tag (default en)")
    parser.add_argument("--category", help="e.g. business")
    parser.add_argument("--region", help="e.g. GB")
    parser.add_argument("--subject", action="append", dest="subjects", help="a subject (repeatable)")
    parser.add_argument("--guid", help="the item's id at its source (to publish a new version, reuse it)")
    parser.add_argument("--version", type=int, help="the item's version (higher replaces lower)")
    parser.add_argument("--pubstatus", choices=("usable", "withheld", "canceled"))
    parser.add_argument("--embargo-until", help="hold the item until this time (RFC 3339, with a zone)")
    parser.add_argument("--ingest", help=f"ingest's base URL (default $STOPPRESS_INGEST_URL or {DEFAULT_INGEST_URL})")
    parser.add_argument("--key", help="the source's API key (default $STOPPRESS_KEY, then $STOPPRESS_DEMO_KEY)")
    parser.set_defaults(func=run)


def item_from_args(args: argparse.Namespace) -> tuple[dict[str, Any], bool]:
    """The item to post and whether it is ninjs; ``ValueError`` with a message when the arguments do not fit."""
    if args.file is not None:
        if args.text is not None:
            raise ValueError("give the headline text or --file, not both")
        try:
            document = orjson.loads(args.file.read_bytes())
        except (OSError, orjson.JSONDecodeError) as exc:
            raise ValueError(f"cannot read {args.file}: {exc}") from None
        if not isinstance(document, dict):
            raise ValueError(f"{args.file} must hold one JSON object (one item)")
        ninjs = "uri" in document
        if not ninjs:
            document.setdefault("guid", uuid.uuid4().hex)
        return document, ninjs
    if not args.text:
        raise ValueError("give the headline text, or --file")
    item: dict[str, Any] = {"guid": args.guid or uuid.uuid4().hex, "headline": args.text}
    optional = {
        "urgency": args.urgency, "url": args.url, "summary": args.summary, "language": args.language,
        "category": args.category, "region": args.region, "subjects": args.subjects, "version": args.version,
        "pubstatus": args.pubstatus, "embargo_until": args.embargo_until,
    }
    item.update({name: value for name, value in optional.items() if value is not None})
    return item, False


def run(args: argparse.Namespace) -> int:
    """Post and print: 0 accepted, 1 refused, 2 unusable arguments or ingest unreachable."""
    settings = ClientSettings()
    try:
        item, ninjs = item_from_args(args)
    except ValueError as exc:
        print(f"stoppress post: {exc}", file=sys.stderr)
        return 2
    key = args.key or settings.key
    if not key:
        print("stoppress post: no API key: pass --key or set STOPPRESS_KEY (or STOPPRESS_DEMO_KEY)", file=sys.stderr)
        return 2
    ingest_url = args.ingest or settings.ingest_url
    try:
        answer = asyncio.run(post_with_retries(ingest_url, key, item, ninjs=ninjs))
    except (aiohttp.ClientError, TimeoutError) as exc:
        print(f"stoppress post: cannot reach ingest at {ingest_url}: {exc}", file=sys.stderr)
        return 2
    if answer.status == 202 and isinstance(answer.body, dict):
        body = answer.body
        print(f"accepted {body.get('id')} version {body.get('version')} (received {body.get('received_at')})")
        return 0
    print(f"stoppress post: refused\n{answer.problem_text}", file=sys.stderr)
    return 1


async def post_with_retries(ingest_url: str, key: str, item: dict[str, Any], *, ninjs: bool,
                            attempts: int = 4) -> IngestAnswer:
    """Post once, and again after ``Retry-After`` while the answer is 429 or 503 (at most ``attempts``)."""
    async with IngestClient(ingest_url, key) as ingest:
        answer = await ingest.post(item, ninjs=ninjs)
        for _ in range(attempts - 1):
            if answer.status not in RETRY_STATUSES:
                break
            wait_s = min(MAX_RETRY_WAIT_S, answer.retry_after_s or 1.0)
            print(f"stoppress post: ingest answered {answer.status}; retrying in {wait_s:g} s", file=sys.stderr)
            await asyncio.sleep(wait_s)
            answer = await ingest.post(item, ninjs=ninjs)
        return answer
