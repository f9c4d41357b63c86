"""The rounds of the editor's desk benchmark, in the order they run. Pure.

Editor actions and headline updates alternate: editor, headline, editor,
headline, ... so both kinds meet the same machine, the same readers and the
same noise. Editor actions take the chosen pairs of actions in turn
(``level`` flash then ``clear``, ``pin`` then ``unpin``, ``kill`` then
``restore``), each pair on the next story of a small pool, so every action
changes what readers see and therefore causes an event. Each headline update goes to a
story of its own that nothing has touched since it was published: a second
change of one story within the ticker's ``update_interval_s`` (30 s) would be
held back by design, and that wait is not what this benchmark measures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PAIRS: dict[str, tuple[tuple[str, dict[str, Any]], tuple[str, dict[str, Any]]]] = {
    "level": (("level", {"level": "flash"}), ("clear", {})),
    "pin": (("pin", {}), ("unpin", {})),
    "kill": (("kill", {}), ("restore", {})),
}
"""Each pair: an editor's action and the one that undoes it, both seen by every reader (``story.update``,
``story.retract`` or ``story.new``). The benchmark's headlines are IPTC urgency 2 (level ``breaking``), so
``level flash`` is always a change."""
HEADLINE = "headline"
"""The kind of a round that posts a new version of a story's only item through ingest."""


@dataclass(frozen=True)
class Round:
    """One measured action: ``kind`` is ``HEADLINE`` or the desk action; ``story`` indexes its pool."""

    number: int
    kind: str
    story: int
    body: dict[str, Any] = field(default_factory=dict)
    warmup: bool = False

    @property
    def editor(self) -> bool:
        return self.kind != HEADLINE


def rounds(per_kind: int, warmup: int, pairs: list[str], desk_stories: int) -> list[Round]:
    """``warmup`` + ``per_kind`` editor actions interleaved with as many headline updates, editor first.

    Editor actions go through the actions of ``pairs`` in turn (``level``, ``clear``, ``pin``, ``unpin``, ...),
    each pair on the next desk story, so every story is back as it was after its pair; headline round ``n``
    updates headline story ``n`` (one fresh story each).
    """
    if not pairs or any(pair not in PAIRS for pair in pairs):
        raise ValueError(f"pairs must be among {', '.join(PAIRS)}: {pairs}")
    if desk_stories < 1:
        raise ValueError("at least one desk story is needed")
    cycle = [action for pair in pairs for action in PAIRS[pair]]
    planned = []
    for n in range(warmup + per_kind):
        action, body = cycle[n % len(cycle)]
        planned.append(Round(2 * n, action, (n // 2) % desk_stories, dict(body), n < warmup))
        planned.append(Round(2 * n + 1, HEADLINE, n, warmup=n < warmup))
    return planned
