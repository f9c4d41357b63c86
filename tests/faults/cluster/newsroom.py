"""Steady load for the cluster fault tests: a poster through ingest and many WebSocket readers, and the verdict.

:class:`Newsroom` posts :data:`STORIES_PER_S` new stories a second through
ingest (each made of invented words, so it founds a story of its own), and a
second version of every other story a second later (so a reader sees
``story.new`` then ``story.update``: order per story is checked, not only
arrival). It records every answer. :data:`READERS` Python SDK readers
(:class:`stoppress.shared.client.Stream`, unmodified) record every event
with its arrival time.

:func:`verdict` (pure) turns that into what the issue asks of each fault:
every headline answered 202 reached every reader, once, in order per story;
no reader was disconnected; ingest answered only 202 or 503 with
``Retry-After``, and 503 only inside a fault's election window; and the
longest delivery stall at each fault, over all readers: the longest gap
between two events a reader received that overlaps the fault's window (from
the fault to :data:`ANSWER_GRACE_S` after its election). That is never
shorter than "last event before the fault → first after", and it does not
end early when events already under way arrive just after the fault.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from stoppress.ingest.client import IngestClient
from stoppress.shared.client import Stream, StreamError
from stoppress.shared.protocol import Event, Recovered, Snapshot
from tests.conftest import DEMO_KEY
from tests.faults.newswire import distinct_headline
from tests.faults.readers import wait_until

READERS = 200
STORIES_PER_S = 10.0
"""New stories a second; every other one also gets a second version a second later (15 posts a second)."""
UPDATE_AFTER_S = 1.0
UPDATED = " (updated)"
ANSWER_GRACE_S = 5.0
"""How long after an election ends ingest may still answer 503 (s): a post sent just before it waits out
ingest's 3 s ack timeout, then the producer is replaced (reconnecting takes well under 2 s)."""
DELIVERY_TIMEOUT_S = 90.0


@dataclass(frozen=True)
class Answer:
    """One post: when it was sent and answered (monotonic s), which headline version, ingest's answer."""

    sent_at: float
    answered_at: float
    headline: str
    status: int
    retry_after_s: float | None


@dataclass
class ReaderLog:
    """What one reader received: per event (arrival, monotonic s; event id; story id; revision; headline)."""

    events: list[tuple[float, str, str, int, str]] = field(default_factory=list)
    snapshots: int = 0
    recovered: int = 0
    failure: str | None = None


@dataclass(frozen=True)
class Fault:
    """One step of a fault: what was done, when (monotonic s), and when the cluster had elected new leaders
    around it (``None``: no election is expected, as when a node comes back, so no 503 is allowed)."""

    name: str
    at: float
    elected_at: float | None = None


@dataclass(frozen=True)
class Verdict:
    """What a fault test checks and reports; :meth:`problems` is empty when everything held."""

    statuses: dict[int, int]
    late_503s: list[float]
    """Send times of 503s outside every fault's window (s after the first fault)."""
    missing_retry_after: int
    accepted: int
    missing: dict[int, int]
    """Reader number → accepted headlines it never received."""
    repeated: dict[int, int]
    disordered: dict[int, int]
    """Reader number → stories whose revisions did not arrive strictly increasing."""
    disconnected: dict[int, str]
    stalls_s: dict[str, float]
    """Fault name → the longest gap between two events at any reader that overlaps its window (s)."""
    longest_gap_s: float
    """The longest gap between two events at any reader over the whole run (s)."""
    window_s: dict[str, float]
    """Fault name → from the fault to the end of the election (s), for the faults that had one."""

    def problems(self) -> list[str]:
        found = []
        if set(self.statuses) - {202, 503}:
            found.append(f"ingest answered {self.statuses}")
        if self.late_503s:
            found.append(f"{len(self.late_503s)} posts answered 503 outside the election windows")
        if self.missing_retry_after:
            found.append(f"{self.missing_retry_after} 503 answers without Retry-After")
        for what, per_reader in (("missed", self.missing), ("repeated", self.repeated),
                                 ("out of order", self.disordered)):  # fmt: skip
            if per_reader:
                found.append(f"{len(per_reader)} readers {what} events, e.g. {dict(list(per_reader.items())[:3])}")
        if self.disconnected:
            found.append(f"{len(self.disconnected)} readers were disconnected: {list(self.disconnected.values())[:3]}")
        return found

    def summary(self) -> str:
        stalls = "; ".join(f"{name} {stall:.1f} s" + (f" (election {self.window_s[name]:.1f} s)"
                                                        if name in self.window_s else "")
                           for name, stall in self.stalls_s.items())  # fmt: skip
        return (f"answers {dict(sorted(self.statuses.items()))} ({self.accepted} accepted headline versions); "
                f"stall: {stalls}; longest gap anywhere {self.longest_gap_s:.1f} s")  # fmt: skip


def verdict(answers: Sequence[Answer], readers: Sequence[ReaderLog], faults: Sequence[Fault]) -> Verdict:
    """Hold the answers and what the readers received against the rules (pure)."""
    statuses = Counter(answer.status for answer in answers)
    first_fault = min((fault.at for fault in faults), default=0.0)
    unavailable = [answer for answer in answers if answer.status == 503]
    windows = [(fault.at, fault.elected_at + ANSWER_GRACE_S) for fault in faults if fault.elected_at is not None]
    late = [answer.sent_at - first_fault for answer in unavailable
            if not any(start <= answer.answered_at and answer.sent_at <= end for start, end in windows)]  # fmt: skip
    accepted = {answer.headline for answer in answers if answer.status == 202}
    missing, repeated, disordered, disconnected = {}, {}, {}, {}
    for number, log in enumerate(readers):
        received = {headline for *_, headline in log.events}
        if lost := len(accepted - received):
            missing[number] = lost
        ids = Counter(event_id for _, event_id, *_ in log.events)
        if twice := sum(count - 1 for count in ids.values()):
            repeated[number] = twice
        last_revision: dict[str, int] = {}
        bad = set()
        for _, _, story_id, revision, _ in log.events:
            if revision <= last_revision.get(story_id, 0):
                bad.add(story_id)
            last_revision[story_id] = revision
        if bad:
            disordered[number] = len(bad)
        if log.failure or log.snapshots != 1 or log.recovered:
            disconnected[number] = log.failure or f"{log.snapshots} snapshots, {log.recovered} resumes"
    arrivals = [[arrived for arrived, *_ in log.events] for log in readers]

    def stall(fault: Fault) -> float:
        end = (fault.elected_at or fault.at) + ANSWER_GRACE_S
        return max((_longest_gap(times, fault.at, end) for times in arrivals), default=0.0)

    return Verdict(
        statuses=dict(statuses),
        late_503s=late,
        missing_retry_after=sum(1 for answer in unavailable if not answer.retry_after_s),
        accepted=len(accepted),
        missing=missing,
        repeated=repeated,
        disordered=disordered,
        disconnected=disconnected,
        stalls_s={fault.name: stall(fault) for fault in faults},
        longest_gap_s=max((b - a for times in arrivals for a, b in itertools.pairwise(times)), default=0.0),
        window_s={fault.name: fault.elected_at - fault.at for fault in faults if fault.elected_at is not None},
    )


def _longest_gap(times: Sequence[float], start: float, end: float) -> float:
    """The longest gap between consecutive ``times`` that ends after ``start`` and begins before ``end`` (s)."""
    return max((b - a for a, b in itertools.pairwise(times) if b > start and a < end), default=0.0)


class Newsroom:
    """The steady load: :data:`READERS` readers on ``ws_url``, posts through ``ingest_url``; ``async with`` it."""

    def __init__(self, ingest_url: str, ws_url: str, readers: int = READERS) -> None:
        self.ingest_url = ingest_url
        self.ws_url = ws_url
        self.logs = [ReaderLog() for _ in range(readers)]
        self.answers: list[Answer] = []
        self._salt = uuid.uuid4().hex
        self._streams: list[Stream] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._posting: asyncio.Task[None] | None = None
        self._stopped = asyncio.Event()

    async def __aenter__(self) -> Newsroom:
        self._streams = [Stream(self.ws_url) for _ in self.logs]
        self._tasks = [asyncio.create_task(_follow(stream, log)) for stream, log in zip(self._streams, self.logs,
                                                                                      strict=True)]  # fmt: skip
        await wait_until(lambda: all(log.snapshots for log in self.logs), 60.0, "every reader has its snapshot")
        self._posting = asyncio.create_task(self._post_steadily())
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._stopped.set()
        if self._posting is not None:
            await self._posting
        for stream in self._streams:
            await stream.close()
        await asyncio.gather(*self._tasks)

    async def finish(self) -> None:
        """Stop posting, then wait until every reader has every accepted headline (or the timeout passes)."""
        self._stopped.set()
        if self._posting is not None:
            await self._posting
        accepted = {answer.headline for answer in self.answers if answer.status == 202}
        with contextlib.suppress(AssertionError):  # the verdict names what is missing
            await wait_until(lambda: all(accepted <= {e[-1] for e in log.events} for log in self.logs),
                             DELIVERY_TIMEOUT_S, "every reader has every accepted headline")  # fmt: skip
        await asyncio.sleep(2.0)  # anything repeated late shows up too

    def verdict(self, faults: Sequence[Fault]) -> Verdict:
        return verdict(self.answers, self.logs, faults)

    async def _post_steadily(self) -> None:
        posts: set[asyncio.Task[None]] = set()
        async with IngestClient(self.ingest_url, DEMO_KEY, timeout_s=30.0) as ingest:
            start = time.monotonic()
            n = 0
            while not self._stopped.is_set():
                await asyncio.sleep(max(0.0, start + n / STORIES_PER_S - time.monotonic()))
                for version, delay in ((1, 0.0), (2, UPDATE_AFTER_S)) if n % 2 == 0 else ((1, 0.0),):
                    post = asyncio.create_task(self._post(ingest, n, version, delay))
                    posts.add(post)
                    post.add_done_callback(posts.discard)
                n += 1
            await asyncio.gather(*posts)

    async def _post(self, ingest: IngestClient, n: int, version: int, delay_s: float) -> None:
        await asyncio.sleep(delay_s)
        headline = distinct_headline(n, self._salt) + (UPDATED if version > 1 else "")
        sent_at = time.monotonic()
        answer = await ingest.post({"guid": f"cluster-{self._salt[:8]}-{n}", "version": version,
                                    "headline": headline, "urgency": 3})  # fmt: skip
        self.answers.append(Answer(sent_at, time.monotonic(), headline, answer.status, answer.retry_after_s))


async def _follow(stream: Stream, log: ReaderLog) -> None:
    try:
        async for message in stream:
            if isinstance(message, Snapshot):
                log.snapshots += 1
            elif isinstance(message, Event):
                story = message.event.story
                log.events.append((time.monotonic(), message.event.event_id, story.story_id, story.revision,
                                   story.headline))  # fmt: skip
            elif isinstance(message, Recovered):
                log.recovered += 1
    except StreamError as exc:
        log.failure = repr(exc)
