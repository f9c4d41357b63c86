"""The load: headlines posted to ingest on schedule, each remembered with the moment it was sent.

Every headline is made of invented words no other headline shares (by
construction, see :func:`headline`), so each becomes a story of its own and reaches every reader as a ``story.new``; it
ends with the run's tag and its sequence number, which is how readers
recognise it. Posts run concurrently (one task each), so a slow answer never
delays the next post.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from stoppress.ingest.client import IngestClient

SYLLABLES = ("ka", "lo", "mi", "ru", "ve", "zan", "tor", "qui", "bel", "dra", "sen", "hox", "pim", "wul", "yes", "fer")
WORDS_PER_HEADLINE = 5
SYLLABLES_PER_WORD = 5
WORD_SPACE = len(SYLLABLES) ** SYLLABLES_PER_WORD


def headline(tag: str, seq: int) -> str:
    """Five invented words, the run's tag, the sequence number.

    Word ``k`` of headline ``seq`` spells the number ``salt + 5·seq + k`` in
    syllables, so no two headlines of a run share a word (up to 200,000
    headlines) and the clustering can never merge two of them; the salt,
    from the tag, keeps runs on one broker apart.
    """
    salt = int.from_bytes(hashlib.blake2b(tag.encode(), digest_size=4).digest(), "big")
    words = []
    for k in range(WORDS_PER_HEADLINE):
        number = (salt + WORDS_PER_HEADLINE * seq + k) % WORD_SPACE
        digits = [(number // len(SYLLABLES) ** p) % len(SYLLABLES) for p in range(SYLLABLES_PER_WORD)]
        words.append("".join(SYLLABLES[d] for d in digits).capitalize())
    return f"{' '.join(words)} {tag} {seq}"


@dataclass
class Posted:
    """What the load did: per sequence number, when it was sent (``time.time()``, s) if ingest answered 202."""

    accepted: dict[int, float] = field(default_factory=dict)
    statuses: Counter[int] = field(default_factory=Counter)
    answer_s: list[float] = field(default_factory=list)
    withdrawn: int = 0
    """Earlier headlines canceled (``retract_after``), each answered 202."""


async def drive(
    ingest_url: str, key: str, tag: str, offsets: Sequence[float], *, retract_after: int = 0, urgency: int = 2
) -> Posted:
    """Post one headline at each offset (s from now); return what was accepted and when it was sent.

    With ``retract_after`` = K, each post also cancels the headline posted K posts earlier (its version 2,
    ``pubstatus: canceled``), so the ticker retracts that story and the number of live stories stays near K:
    the steady state a soak needs to tell a leak from state that is still filling up.
    """
    posted = Posted()
    async with IngestClient(ingest_url, key) as ingest:

        async def post(seq: int) -> None:
            sent_at = time.time()
            started = time.perf_counter()
            item = {"guid": f"{tag}-{seq}", "headline": headline(tag, seq), "urgency": urgency}
            answer = await ingest.post(item)
            posted.answer_s.append(time.perf_counter() - started)
            posted.statuses[answer.status] += 1
            if answer.status == 202:
                posted.accepted[seq] = sent_at
            if retract_after and seq >= retract_after:
                old = seq - retract_after
                cancel = {"guid": f"{tag}-{old}", "headline": headline(tag, old), "urgency": urgency, "version": 2,
                          "pubstatus": "canceled"}  # fmt: skip
                withdrawal = await ingest.post(cancel)
                posted.statuses[withdrawal.status] += 1
                posted.withdrawn += withdrawal.status == 202

        start = time.monotonic()
        tasks = []
        for seq, offset in enumerate(offsets):
            await asyncio.sleep(max(0.0, start + offset - time.monotonic()))
            tasks.append(asyncio.create_task(post(seq)))
        await asyncio.gather(*tasks)
    return posted
