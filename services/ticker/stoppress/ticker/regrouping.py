"""Editors correcting the clusterer: merge one story into another, split an item out, undo a merge.

- **merge A into B**: every member of A moves to B, A leaves a stub (its
  retraction can be published again after a crash, and it can be restored),
  and A's clustering groups now lead to B, so a headline that would have
  joined A joins B. Refused (409) when either story is killed, or the two are
  in different languages (stories never span desks).
- **split item X out of S**: X moves to a story of its own (its id derived
  from the command, so a replay makes the same one), and X, with every later
  version of it, never rejoins S: a cannot-link the clusterer respects
  (:mod:`stoppress.ticker.editorial`). Refused when X is not a member (422)
  or is S's only member (409).
- **split A out of B** (A a story merged into B): the opposite of the merge:
  the members that came through A's groups, including those that joined
  B through them since, go back to A, which is live again.

Each returns the :class:`ClusterFeedback` that makes the correction
labelled data for judging the clusterer (``stoppress eval clustering
--feedback``). The desk publishes what changed (:mod:`stoppress.ticker.desk`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from stoppress.shared.models import ClusterFeedback, FeedbackItem
from stoppress.ticker.book import StoryBook
from stoppress.ticker.editing import refuse
from stoppress.ticker.editorial import EditorialLedger
from stoppress.ticker.members import Member
from stoppress.ticker.story import Story
from stoppress.ticker.views import as_datetime

__all__ = ["FEEDBACK_ITEMS", "merge", "split_item", "split_story", "split_story_id"]

FEEDBACK_ITEMS = 200
"""Most items listed per side of a correction (the newest): enough to judge by, bounded in size."""


def split_story_id(command_id: str) -> str:
    """The id of the story a split command makes (deterministic, so a replay makes the same story)."""
    digest = hashlib.blake2b(f"split\x00{command_id}".encode(), digest_size=10).hexdigest()
    return f"st-{digest}"


def merge(book: StoryBook, ledger: EditorialLedger, story: Story, into: Story, at: float) -> ClusterFeedback:
    """Move every member of ``story`` into ``into``; ``story`` becomes a stub merged into it."""
    if story.overrides.killed is not None or into.overrides.killed is not None:
        killed = story if story.overrides.killed is not None else into
        refuse(409, f"story {killed.story_id} is killed; restore it before merging")
    if story.desk != into.desk:
        refuse(409, f"stories in different languages ({story.desk}, {into.desk}) cannot be merged")
    feedback = ClusterFeedback(kind="merge", left=_items(story.members.values()), right=_items(into.members.values()))
    groups = sorted({story.group_of(member) for member in story.members.values()} | {story.story_id})
    for member in list(story.members.values()):
        book.move(member.item_id, story, into, story.group_of(member))
        ledger.allow(member.item_id, into.story_id, at)
    into.in_join_order()
    book.hand_over(groups, into)
    story.merged_into = into.story_id
    story.groups = groups
    into.merged.append(story.story_id)
    return feedback


def split_item(
    book: StoryBook, ledger: EditorialLedger, story: Story, item_id: str, *, new_story_id: str, at: float
) -> tuple[Story, ClusterFeedback]:
    """Move member ``item_id`` of ``story`` into a new story ``new_story_id``; keep it apart from ``story``."""
    member = story.members.get(item_id)
    if member is None:
        refuse(422, f"{item_id} is not a member of story {story.story_id}, nor a story merged into it")
    if len(story.members) == 1:
        refuse(409, f"{item_id} is the only item of story {story.story_id}; there is nothing to split it from")
    rest = [m for m in story.members.values() if m.item_id != item_id]
    feedback = ClusterFeedback(kind="split", left=_items([member]), right=_items(rest))
    old_group = story.group_of(member)
    created = book.found(new_story_id, story.desk, at)
    book.move(item_id, story, created, created.story_id)
    book.reindex(story, {old_group})
    book.reindex(created)
    ledger.keep_apart(item_id, story.story_id, at)
    return created, feedback


def split_story(book: StoryBook, story: Story, absorbed: Story) -> ClusterFeedback:
    """Undo the merge of ``absorbed`` into ``story``: its groups' members go back, and it is live again."""
    groups = set(absorbed.groups)
    moving = [m for m in story.members.values() if story.group_of(m) in groups]
    if not moving:
        refuse(409, f"nothing of story {absorbed.story_id} is left in {story.story_id} (its items were split out)")
    rest = [m for m in story.members.values() if story.group_of(m) not in groups]
    feedback = ClusterFeedback(kind="split", left=_items(moving), right=_items(rest))
    for member in moving:
        book.move(member.item_id, story, absorbed, story.group_of(member))
    absorbed.in_join_order()
    book.hand_over(groups, absorbed)
    absorbed.merged_into = None
    absorbed.groups = []
    story.merged.remove(absorbed.story_id)
    return feedback


def _items(members: Iterable[Member]) -> list[FeedbackItem]:
    newest = sorted(members, key=lambda m: (m.joined_at, m.item_id))[-FEEDBACK_ITEMS:]
    return [
        FeedbackItem(item_id=m.item_id, headline=m.headline, language=m.language, joined_at=as_datetime(m.joined_at))
        for m in newest
    ]

