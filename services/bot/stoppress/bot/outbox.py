"""Posts waiting to go out, in order, with newer news folded into older queued posts (pure).

While a post waits (for the rate limit, or a platform that is down), the
story can move on. Rather than queue a second post, the outbox folds the
change into the one already waiting:

- a correction of a story whose first post is still queued just updates
  that post (the audience has seen nothing yet, so there is nothing to correct);
- a second correction replaces a queued first one;
- a retraction of a story whose first post is still queued removes it and is
  itself dropped (nothing was said, nothing to withdraw); otherwise it
  replaces any queued correction.

A take-back (an editor killed the story) is urgent: it goes ahead of every
waiting post, behind only the post being sent and earlier take-backs, and a
second take-back of the same story joins the one waiting. Nothing else
folds into a take-back or removes it: it holds the ids of posts already out.

The post at the head that is being sent right now (:meth:`Outbox.take`) is
never changed; whatever arrives meanwhile queues behind it.
"""

from __future__ import annotations

from stoppress.bot.state import QueuedPost


class Outbox:
    """A FIFO of :class:`QueuedPost` over a list it shares with the persisted state."""

    def __init__(self, posts: list[QueuedPost], max_posts: int = 500) -> None:
        self.posts = posts
        self.max_posts = max_posts
        self._in_flight = False

    def __len__(self) -> int:
        return len(self.posts)

    @property
    def in_flight(self) -> QueuedPost | None:
        """The post being sent right now (between :meth:`take` and :meth:`done`), if any."""
        return self.posts[0] if self._in_flight else None

    def add(self, post: QueuedPost) -> list[QueuedPost]:
        """Queue ``post``, folding it into waiting posts of the same story; returns posts dropped for room."""
        if post.kind == "takeback":
            self._add_takeback(post)
            return []
        story_id = post.story.story_id
        if post.kind == "retraction":
            if any(queued.kind == "new" for queued in self.withdraw(story_id)):
                return []
        elif post.kind == "correction":
            waiting = [i for i in range(len(self.posts)) if self._foldable(i, story_id)]
            if waiting:
                kind = "new" if self.posts[waiting[-1]].kind == "new" else "correction"
                self.posts[waiting[-1]] = QueuedPost(kind=kind, story=post.story)
                return []
        self.posts.append(post)
        return self._trim()

    def withdraw(self, story_id: str) -> list[QueuedPost]:
        """Remove the story's waiting posts (not take-backs, not the one being sent); return them."""
        indices = [i for i in range(len(self.posts)) if self._foldable(i, story_id)]
        return [self.posts.pop(i) for i in reversed(indices)][::-1]

    def settle(self, idempotency_key: str, post_id: str | None) -> bool:
        """A post a waiting take-back awaits is done: its id (``None``: it never went out) joins the take-back.

        Returns whether a take-back was awaiting it.
        """
        for queued in self.posts:
            if queued.kind == "takeback" and queued.awaiting == idempotency_key:
                queued.awaiting = None
                if post_id is not None:
                    queued.take_back.append(post_id)
                return True
        return False

    def take(self) -> QueuedPost | None:
        """The post to send next (it stays queued, untouchable, until :meth:`done`)."""
        if not self.posts:
            return None
        self._in_flight = True
        return self.posts[0]

    def done(self) -> QueuedPost:
        """The post from :meth:`take` has been sent or given up: remove it."""
        if not self._in_flight:
            raise RuntimeError("done() without take()")
        self._in_flight = False
        return self.posts.pop(0)

    def _add_takeback(self, post: QueuedPost) -> None:
        start = 1 if self._in_flight else 0
        for queued in self.posts[start:]:
            if queued.kind == "takeback" and queued.story.story_id == post.story.story_id:
                queued.take_back.extend(post.take_back)
                queued.awaiting = queued.awaiting or post.awaiting
                return
        index = start
        while index < len(self.posts) and self.posts[index].kind == "takeback":
            index += 1
        self.posts.insert(index, post)

    def _foldable(self, index: int, story_id: str) -> bool:
        """Whether the post at ``index`` is about ``story_id`` and newer news may change or remove it."""
        queued = self.posts[index]
        in_flight = index == 0 and self._in_flight
        return queued.story.story_id == story_id and queued.kind != "takeback" and not in_flight

    def _trim(self) -> list[QueuedPost]:
        """Drop the oldest waiting first posts while over ``max_posts`` (stale news is the cheapest loss)."""
        dropped: list[QueuedPost] = []
        start = 1 if self._in_flight else 0
        index = start
        while len(self.posts) > self.max_posts and index < len(self.posts):
            if self.posts[index].kind == "new":
                dropped.append(self.posts.pop(index))
            else:
                index += 1
        return dropped
