"""What the bot posts, decided from the stream (pure: messages and ``now`` in, ledger and outbox changes out).

Rules, in one place:

- A story is announced once, the first time it is seen at or above the
  bot's minimum level (from a snapshot or an event).
- If its lead headline later changes *materially* (:func:`is_material_change`),
  a correction is posted as a reply to the first post, at most
  ``max_corrections`` times per story, whatever its level is by then: the
  audience saw the first post.
- If an announced story is retracted upstream (its sources canceled it), a
  retraction is posted as a reply, once, quoting the headline the audience
  was last told; nothing more is said about that story.
- If an editor kills a story (``story.retract`` with reason ``killed``), the
  bot takes back everything it posted about it: a take-back lists the ids of
  the first post and every reply, and of the posts about stories merged into
  it, and the sink withdraws them (Mastodon deletes the statuses; a webhook
  gets a signed retraction saying the story was killed). Waiting posts about
  the story are dropped unsent. A take-back goes ahead of waiting posts and
  does not wait for the rate limit: a kill is often legal or safety advice.
  The story is then forgotten, so if an editor restores it, it is announced
  again like any new story (after the take-back).
- If an editor merges a story into another (reason ``merged``), nothing is
  posted: the news goes on under the other story. The merged story is no
  longer followed on its own and its waiting posts are dropped; what was
  already posted stays up (it is not wrong, only filed elsewhere) and is
  remembered with the merged story, so killing the story it went into takes
  it back too. The story it went into is announced by the usual rule, if it
  has not been. If an editor splits the merged story out again, the bot
  follows it again under its first post.
- Expiry is not news: an expired story is simply no longer followed.
- A story whose first post was refused for good, or never sent, gets no
  correction or retraction (there is nothing to reply to).

The ledger forgets stories after ``keep`` (default 7 days) so the state file
stays small; the cursor always moves with the messages handled.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections import Counter
from datetime import datetime, timedelta

from stoppress.bot.outbox import Outbox
from stoppress.bot.state import BotState, LedgerEntry, QueuedPost
from stoppress.shared.models import LEVELS, Level, StoryView
from stoppress.shared.protocol import Event, Snapshot, StreamMessage

log = logging.getLogger(__name__)

_WORD = re.compile(r"\w+")
_IGNORED_WORDS = frozenset({"a", "an", "the"})
SPELLING_SIMILARITY = 0.8
"""Two words at least this similar (difflib ratio) count as one word respelt, not a change."""


def is_material_change(old: str, new: str) -> bool:
    """Whether ``new`` says something ``old`` did not (or drops something it said).

    Material: a word (other than a/an/the) is added or removed, and is not a
    respelling of a word removed or added in its place. Case, punctuation,
    word order and typo fixes are not material; a changed number or an
    added "not" is.
    """
    old_words = Counter(_words(old))
    new_words = Counter(_words(new))
    added = list((new_words - old_words).elements())
    removed = list((old_words - new_words).elements())
    for word in added:
        match = next((r for r in removed if _similarity(word, r) >= SPELLING_SIMILARITY), None)
        if match is None:
            return True
        removed.remove(match)
    return bool(removed)


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


def _words(text: str) -> list[str]:
    return [w for w in (m.casefold() for m in _WORD.findall(text)) if w not in _IGNORED_WORDS]


def at_or_above(level: Level, minimum: Level) -> bool:
    """Whether ``level`` is at least as urgent as ``minimum``."""
    return LEVELS.index(level) <= LEVELS.index(minimum)


class NewsDesk:
    """Turns stream messages into queued posts, and tracks what has been sent, over a :class:`BotState`."""

    def __init__(
        self,
        state: BotState,
        min_level: Level,
        *,
        max_corrections: int = 3,
        keep: timedelta = timedelta(days=7),
        max_outbox: int = 500,
    ) -> None:
        self.state = state
        self.min_level: Level = min_level
        self.max_corrections = max_corrections
        self.keep = keep
        self.outbox = Outbox(state.outbox, max_outbox)

    def on_message(self, message: StreamMessage, now: datetime) -> None:
        """Apply one message from the stream: queue what it calls for and move the cursor."""
        if isinstance(message, Snapshot):
            for story in message.stories:
                self._consider(story, now)
        elif isinstance(message, Event):
            if message.event.type in ("story.new", "story.update"):
                self._consider(message.event.story, now)
            elif message.event.type == "story.retract" and message.event.reason == "killed":
                self._take_back(message.event.story)
            elif message.event.type == "story.retract" and message.event.reason == "merged":
                self._merge(message.event.story.story_id, message.event.merged_into)
            elif message.event.type == "story.retract":
                self._retract(message.event.story)
        if message.cursor is not None:
            self.state.cursor = message.cursor
        self._forget_older_than(now - self.keep)

    def next_post(self) -> QueuedPost | None:
        """The next post to send, or ``None``; call :meth:`sent` or :meth:`gave_up` after trying it."""
        return self.outbox.take()

    def reply_target(self, post: QueuedPost) -> str | None:
        """The platform id to reply to: ``None`` for a first post, else the first post's id.

        A take-back answers the first of the posts it withdraws (for receivers that can only reply).
        """
        if post.kind == "new":
            return None
        if post.kind == "takeback":
            return post.take_back[0] if post.take_back else None
        return self.state.ledger[post.story.story_id].post_id

    def should_send(self, post: QueuedPost) -> bool:
        """False for a reply to a first post that never went out, or a take-back with nothing to withdraw."""
        if post.kind == "new":
            return True
        if post.kind == "takeback":
            return bool(post.take_back)
        entry = self.state.ledger.get(post.story.story_id)
        return entry is not None and entry.post_id is not None

    def sent(self, post_id: str | None) -> None:
        """The post from :meth:`next_post` is out; ``post_id`` is the platform's id for it (``None``: a take-back).

        A post that was being sent when an editor killed its story joins the take-back instead.
        """
        post = self.outbox.done()
        if post_id is None or self.outbox.settle(post.idempotency_key, post_id):
            return
        entry = self.state.ledger.get(post.story.story_id)
        if entry is None:
            return
        if post.kind == "new":
            entry.post_id = post_id
        else:
            entry.replies.append(post_id)

    def gave_up(self) -> None:
        """The post from :meth:`next_post` was refused for good (or skipped): drop it."""
        post = self.outbox.done()
        if self.outbox.settle(post.idempotency_key, None):
            return
        entry = self.state.ledger.get(post.story.story_id)
        if post.kind == "new" and entry is not None:
            entry.failed = True

    def _consider(self, story: StoryView, now: datetime) -> None:
        entry = self.state.ledger.get(story.story_id)
        if entry is not None and entry.merged_into is not None:
            entry.merged_into = None  # split out again by an editor: followed on its own, under its first post
        if entry is None:
            if at_or_above(story.level, self.min_level):
                entry = LedgerEntry(headline=story.headline, level=story.level, queued_at=now)
                self.state.ledger[story.story_id] = entry
                self._queue(QueuedPost(kind="new", story=story))
            return
        if entry.retracted or entry.failed or not is_material_change(entry.headline, story.headline):
            return
        if entry.corrections >= self.max_corrections:
            log.info("not correcting again: limit reached", extra={"story_id": story.story_id})
            return
        entry.headline = story.headline
        entry.corrections += 1
        self._queue(QueuedPost(kind="correction", story=story))

    def _retract(self, story: StoryView) -> None:
        entry = self.state.ledger.get(story.story_id)
        if entry is None or entry.retracted or entry.failed:
            return
        entry.retracted = True
        told = story.model_copy(update={"headline": entry.headline})
        self._queue(QueuedPost(kind="retraction", story=told))

    def _take_back(self, story: StoryView) -> None:
        """An editor killed ``story``: withdraw every post about it and about the stories merged into it."""
        ledger = self.state.ledger
        thread = self._thread(story.story_id)
        being_sent = self.outbox.in_flight
        awaiting = None
        if being_sent is not None and being_sent.kind != "takeback" and being_sent.story.story_id in thread:
            awaiting = being_sent.idempotency_key
        told = ledger[story.story_id].headline if story.story_id in ledger else story.headline
        take_back: list[str] = []
        for story_id in thread:
            take_back += ledger.pop(story_id).posts
        self.outbox.withdraw(story.story_id)
        if take_back or awaiting is not None:
            view = story.model_copy(update={"headline": told})
            self._queue(QueuedPost(kind="takeback", story=view, take_back=take_back, awaiting=awaiting))

    def _thread(self, story_id: str) -> list[str]:
        """``story_id`` and the stories merged into it, directly or through another, that the ledger holds."""
        found = [story_id]
        index = 0
        while index < len(found):
            target = found[index]
            found += [sid for sid, e in self.state.ledger.items() if e.merged_into == target and sid not in found]
            index += 1
        return [sid for sid in found if sid in self.state.ledger]

    def _merge(self, story_id: str, into: str | None) -> None:
        """An editor merged ``story_id`` into ``into``: stop following it; keep what it posted for a kill."""
        entry = self.state.ledger.get(story_id)
        if entry is None:
            return
        self.outbox.withdraw(story_id)
        being_sent = self.outbox.in_flight
        if not entry.posts and (being_sent is None or being_sent.story.story_id != story_id):
            del self.state.ledger[story_id]  # nothing was said about it: nothing to remember
        else:
            entry.merged_into = into

    def _queue(self, post: QueuedPost) -> None:
        for dropped in self.outbox.add(post):
            log.warning("outbox full: dropping a waiting first post", extra={"story_id": dropped.story.story_id})
            entry = self.state.ledger.get(dropped.story.story_id)
            if entry is not None:
                entry.failed = True

    def _forget_older_than(self, cutoff: datetime) -> None:
        queued = {post.story.story_id for post in self.outbox.posts}
        stale = [sid for sid, e in self.state.ledger.items() if e.queued_at < cutoff and sid not in queued]
        for story_id in stale:
            del self.state.ledger[story_id]
