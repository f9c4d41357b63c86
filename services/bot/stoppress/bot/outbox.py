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

    def add(self, post: QueuedPost) -> list[QueuedPost]:
        """Queue ``post``, folding it into waiting posts of the same story; returns posts dropped for room."""
        story_id = post.story.story_id
        waiting = [(i, queued) for i, queued in enumerate(self.posts) if self._mutable(i, story_id)]
        if post.kind == "retraction":
            first_unsent = any(queued.kind == "new" for _, queued in waiting)
            for i, _ in reversed(waiting):
                del self.posts[i]
            if first_unsent:
                return []
        elif post.kind == "correction" and waiting:
            index, queued = waiting[-1]
            kind = "new" if queued.kind == "new" else "correction"
            self.posts[index] = QueuedPost(kind=kind, story=post.story)
            return []
        self.posts.append(post)
        return self._trim()

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

    def _mutable(self, index: int, story_id: str) -> bool:
        return self.posts[index].story.story_id == story_id and not (index == 0 and self._in_flight)

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
