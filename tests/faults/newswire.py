"""Headlines for fault and scale-out tests, as ingest would publish them.

:func:`uci_headlines` gives real ones: the UCI News Aggregator sample in the
repository, in timestamp order (``stoppress replay``'s reader), each from its
own outlet, so stories form the way they do in production: several outlets
covering one event in different words. :func:`distinct_headline` gives
made-up ones that never join another story, for tests that count stories.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from stoppress.cli.replay import publisher_slug, read_rows
from stoppress.shared.codec import encode
from stoppress.shared.models import Headline

SYLLABLES = ("ka", "lo", "mi", "ru", "ve", "zan", "tor", "qui", "bel", "dra", "sen", "hox", "pim", "wul", "yes", "fer")
SAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "demo" / "uci-news-dev.csv"


def uci_headlines(count: int) -> list[Headline]:
    """The first ``count`` usable rows of the sample as ``Headline`` values received now."""
    rows, _ = read_rows(SAMPLE)
    if len(rows) < count:
        raise AssertionError(f"{SAMPLE} has only {len(rows)} usable rows, {count} wanted")
    now = datetime.now(UTC)
    headlines = []
    for row in rows[:count]:
        source = publisher_slug(row.publisher)
        headlines.append(
            Headline(
                id=f"{source}:uci-{row.row_id}",
                source=source,
                source_name=row.publisher[:100],
                headline=row.title[:300].strip(),
                url=row.url if row.url and len(row.url) <= 2048 else None,
                category=row.category,
                first_created=now,
                version_created=now,
                received_at=now,
            )
        )
    return headlines


def raw_record(headline: Headline) -> tuple[bytes, bytes]:
    """The ``headlines.raw`` record ingest writes for ``headline``: key ``source:guid``, the JSON value."""
    return headline.id.encode(), encode(headline)


def distinct_headline(n: int, salt: str) -> str:
    """Headline ``n`` of a series: five invented words that no other headline of the series shares (word ``k``
    spells ``hash(salt) + 5n + k`` in syllables), so it founds a story of its own."""
    start = int.from_bytes(hashlib.blake2b(salt.encode(), digest_size=4).digest(), "big")
    words = []
    for k in range(5):
        number = (start + 5 * n + k) % len(SYLLABLES) ** 5
        digits = [(number // len(SYLLABLES) ** p) % len(SYLLABLES) for p in range(5)]
        words.append("".join(SYLLABLES[d] for d in digits).capitalize())
    return f"{' '.join(words)} report {n}"
