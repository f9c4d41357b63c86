"""``stoppress replay FILE.csv``: real headlines as a live feed, in timestamp order, compressed in time.

Reads rows of the UCI News Aggregator CSV (``ID, TITLE, URL, PUBLISHER,
CATEGORY, STORY, HOSTNAME, TIMESTAMP``) and posts each through ingest when
its time comes: ``--speed 60`` plays an hour of the original in a minute.

Mapping: TITLE → headline; URL → url; PUBLISHER → the item's ``source``
(a slug such as ``los-angeles-times``) and ``source_name`` (``Los Angeles
Times``); CATEGORY b/t/e/m → ``business``/``technology``/``entertainment``/
``health``; TIMESTAMP → ``first_created``/``version_created`` on the
compressed timeline starting now; ID → guid ``uci-<ID>`` (``uci-<ID>-r<n>``
in the n-th ``--loop`` round, so a loop publishes fresh items rather than
repeats the ticker would drop).

Because a key decides its source, replay posts with a *relay* source's key
(the local stack's ``demo`` source is one), naming each publisher per item;
``Headline.source`` then identifies the independent outlet, as it does for
any directly keyed source. The data set escapes some characters with a
backslash (``\\?``, ``\\(blog\\)``); replay removes those escapes.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import re
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from stoppress.cli.post import ClientSettings
from stoppress.ingest.client import DEFAULT_INGEST_URL, IngestAnswer, IngestClient

CATEGORIES = {"b": "business", "t": "technology", "e": "entertainment", "m": "health"}
MAX_BATCH = 200
"""Rows due at the same moment are posted together, at most this many per request."""
MAX_RETRY_WAIT_S = 10.0
_BACKSLASH_ESCAPE = re.compile(r"\\(.)")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
SLUG_MAX_CHARS = 64


@dataclass(frozen=True)
class ReplayRow:
    """One CSV row, unescaped: what replay needs to post it."""

    row_id: str
    title: str
    url: str | None
    publisher: str
    category: str | None
    timestamp_ms: int


def read_rows(path: Path) -> tuple[list[ReplayRow], int]:
    """The file's usable rows in timestamp order, and how many rows were skipped as unusable."""
    rows: list[ReplayRow] = []
    skipped = 0
    with path.open(newline="", encoding="utf-8") as handle:
        for record in csv.DictReader(handle):
            row = row_from_record(record)
            if row is None:
                skipped += 1
            else:
                rows.append(row)
    rows.sort(key=lambda row: row.timestamp_ms)
    return rows, skipped


def row_from_record(record: Mapping[str, str | None]) -> ReplayRow | None:
    """A row from one CSV record, or ``None`` without a title, publisher or numeric timestamp."""
    title = unescape(record.get("TITLE") or "").strip()
    publisher = unescape(record.get("PUBLISHER") or "").strip()
    timestamp = (record.get("TIMESTAMP") or "").strip()
    if not title or not publisher or not timestamp.isdigit():
        return None
    url = unescape(record.get("URL") or "").strip() or None
    category = CATEGORIES.get((record.get("CATEGORY") or "").strip().lower())
    row_id = (record.get("ID") or "").strip() or timestamp
    return ReplayRow(row_id, title, url, publisher, category, int(timestamp))


def unescape(text: str) -> str:
    """The data set's backslash escapes removed: ``Reuters UK \\(blog\\)`` → ``Reuters UK (blog)``."""
    return _BACKSLASH_ESCAPE.sub(r"\1", text)


def publisher_slug(publisher: str) -> str:
    """A source slug for a publisher name: ``Los Angeles Times`` → ``los-angeles-times``."""
    slug = _NOT_SLUG.sub("-", publisher.lower()).strip("-")[:SLUG_MAX_CHARS].strip("-")
    return slug or "unknown"


def due_offset_s(row: ReplayRow, first_ms: int, speed: float) -> float:
    """Seconds after the start of a round at which ``row`` is posted."""
    return (row.timestamp_ms - first_ms) / 1000.0 / speed


def item_for(row: ReplayRow, created_at: datetime, loop_round: int) -> dict[str, Any]:
    """The canonical item posted for ``row`` (as a relayed outlet), created at ``created_at``."""
    guid = f"uci-{row.row_id}" if loop_round == 0 else f"uci-{row.row_id}-r{loop_round}"
    item: dict[str, Any] = {
        "guid": guid,
        "headline": row.title,
        "source": publisher_slug(row.publisher),
        "source_name": row.publisher[:100],
        "first_created": created_at.isoformat(),
        "version_created": created_at.isoformat(),
    }
    if row.url:
        item["url"] = row.url
    if row.category:
        item["category"] = row.category
    return item


def due_batches(rows: Sequence[ReplayRow], speed: float, max_batch: int) -> Iterator[tuple[float, list[ReplayRow]]]:
    """Rows grouped by the moment they fall due (offset in seconds from the round's start)."""
    if not rows:
        return
    first_ms = rows[0].timestamp_ms
    batch: list[ReplayRow] = []
    batch_due = 0.0
    for row in rows:
        due = due_offset_s(row, first_ms, speed)
        if batch and (due - batch_due > 0.05 or len(batch) >= max_batch):
            yield batch_due, batch
            batch = []
        if not batch:
            batch_due = due
        batch.append(row)
    yield batch_due, batch


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add ``stoppress replay`` to the command line."""
    parser = subparsers.add_parser(
        "replay",
        help="replay a CSV of real headlines through ingest as a live feed",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", type=Path, help="CSV such as deploy/demo/uci-news-dev.csv")
    parser.add_argument("--speed", type=float, default=60.0, help="time compression (60: an hour per minute)")
    parser.add_argument("--limit", type=int, help="replay only the first N rows (in timestamp order)")
    parser.add_argument("--loop", action="store_true", help="start again at the end, with fresh guids")
    parser.add_argument("--url", "--ingest", dest="ingest",
                        help=f"ingest's base URL (default $STOPPRESS_INGEST_URL or {DEFAULT_INGEST_URL})")
    parser.add_argument("--key", help="a relay source's API key (default $STOPPRESS_KEY, then $STOPPRESS_DEMO_KEY)")
    parser.add_argument("--quiet", action="store_true", help="print only a summary at the end")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Replay until the rows run out (or forever with ``--loop``): 0 done, 1 items refused, 2 cannot run."""
    settings = ClientSettings()
    key = args.key or settings.key
    if not key:
        print("stoppress replay: no API key: pass --key or set STOPPRESS_KEY (or STOPPRESS_DEMO_KEY)", file=sys.stderr)
        return 2
    if args.speed <= 0:
        print("stoppress replay: --speed must be positive", file=sys.stderr)
        return 2
    try:
        rows, skipped = read_rows(args.file)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        print(f"stoppress replay: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    rows = rows[: args.limit] if args.limit is not None else rows
    if not rows:
        print(f"stoppress replay: no usable rows in {args.file}", file=sys.stderr)
        return 2
    if skipped:
        print(f"stoppress replay: skipped {skipped} rows without title, publisher or timestamp", file=sys.stderr)
    replayer = Replayer(args.ingest or settings.ingest_url, key, args.speed, quiet=args.quiet)
    try:
        return asyncio.run(replayer.replay(rows, loop=args.loop))
    except KeyboardInterrupt:
        return 0


class Replayer:
    """Posts rows when they fall due; waits out 503/429 (``Retry-After``) instead of dropping rows."""

    def __init__(self, ingest_url: str, key: str, speed: float, *, quiet: bool = False) -> None:
        self.ingest_url = ingest_url
        self.key = key
        self.speed = speed
        self.quiet = quiet
        self.accepted = 0
        self.refused = 0

    async def replay(self, rows: Sequence[ReplayRow], *, loop: bool) -> int:
        async with IngestClient(self.ingest_url, self.key) as ingest:
            loop_round = 0
            while True:
                try:
                    await self._one_round(ingest, rows, loop_round)
                except (aiohttp.ClientError, TimeoutError) as exc:
                    print(f"stoppress replay: cannot reach ingest at {self.ingest_url}: {exc}", file=sys.stderr)
                    return 2
                except PermissionError as exc:
                    print(f"stoppress replay: {exc}", file=sys.stderr)
                    return 2
                if not loop:
                    break
                loop_round += 1
        print(f"stoppress replay: {self.accepted} accepted, {self.refused} refused", file=sys.stderr)
        return 1 if self.refused else 0

    async def _one_round(self, ingest: IngestClient, rows: Sequence[ReplayRow], loop_round: int) -> None:
        started_wall = datetime.now(UTC)
        started = time.monotonic()
        for due_s, batch in due_batches(rows, self.speed, MAX_BATCH):
            await asyncio.sleep(max(0.0, started + due_s - time.monotonic()))
            created_at = started_wall + timedelta(seconds=due_s)
            await self._deliver(ingest, [item_for(row, created_at, loop_round) for row in batch])

    async def _deliver(self, ingest: IngestClient, items: list[dict[str, Any]]) -> None:
        """Post a batch; items answered 503 (and whole batches answered 429/503) are posted again."""
        pending = items
        while pending:
            answer = await ingest.post(pending)
            results = _item_results(answer)
            if answer.status in (401, 403):
                first = (results[0].get("problem") or {}).get("detail", "") if results else ""
                raise PermissionError(f"ingest refused the key (replay needs a relay source's key):\n"
                                      f"{answer.problem_text}\n  {first}".rstrip())
            if not results and answer.status in (429, 503):
                await self._wait(answer)
                continue
            if not results:
                self.refused += len(pending)
                print(f"stoppress replay: batch refused:\n{answer.problem_text}", file=sys.stderr)
                return
            retry = [pending[r["index"]] for r in results if r.get("status") == 503]
            for result in results:
                if result.get("status") != 503:
                    self._report(pending[result["index"]], result)
            if retry:
                await self._wait(answer)
            pending = retry

    async def _wait(self, answer: IngestAnswer) -> None:
        wait_s = min(MAX_RETRY_WAIT_S, answer.retry_after_s or 1.0)
        print(f"stoppress replay: ingest answered {answer.status}; retrying in {wait_s:g} s", file=sys.stderr)
        await asyncio.sleep(wait_s)

    def _report(self, item: dict[str, Any], result: dict[str, Any]) -> None:
        if result.get("status") == 202:
            self.accepted += 1
            if not self.quiet:
                print(f"{item['first_created'][11:19]}  {item['source_name'][:24]:24}  {item['headline']}", flush=True)
            return
        self.refused += 1
        problem = result.get("problem") or {}
        print(f"stoppress replay: refused {item['guid']}: {problem.get('detail')}", file=sys.stderr)


def _item_results(answer: IngestAnswer) -> list[dict[str, Any]]:
    """The per-item results of a batch answer (empty when the whole request was refused)."""
    items = answer.body.get("items") if isinstance(answer.body, dict) else None
    if not isinstance(items, list):
        return []
    return [r for r in items if isinstance(r, dict) and isinstance(r.get("index"), int)]
