"""Where the stories of one desk partition live: the stories, which item is in which, and the clustering index.

The durable truth is the ``stories`` table (a header and one record per
member, see :mod:`stoppress.ticker.story`); everything else here is derived
from it when a book is opened, so a book rebuilt after a crash is the one
that crashed.

The clustering index holds *groups*, not stories: a story's own members form
the group named after it, and when an editor merges story A into story B,
A's group keeps its place in the index but now leads to B (a member records
the group it came through, :attr:`Member.group`). So a headline that would
have joined A joins B, and an unmerge can hand A's group back to A
(:mod:`stoppress.ticker.regrouping`). A group's members are always in one
story. Times are POSIX seconds (UTC).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, MutableMapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

from stoppress.ticker.clustering import StoryIndex
from stoppress.ticker.members import Member
from stoppress.ticker.story import Story, member_key, story_id_for, story_key, story_of_key
from stoppress.ticker.views import as_datetime

__all__ = ["StoryBook", "desk_key"]


def desk_key(language: str) -> str:
    """The desk a headline in ``language`` is handled by: its primary language subtag (``en-GB`` → ``en``).

    Stories never span languages, so this is the finest split that still
    keeps every possible story on one desk.
    """
    return language.partition("-")[0].lower()


class StoryBook:
    """The stories of one desk partition, kept in ``table`` (see the module docstring)."""

    def __init__(self, table: MutableMapping[str, Any], window_s: float) -> None:
        self._table = table
        self._window = timedelta(seconds=window_s)
        self.stories: dict[str, Story] = {}
        """Every story, live or a stub (expired or merged), by id."""
        self._placed: dict[str, str] = {}
        """Item id → the live story it is a member of."""
        self._groups: dict[str, str] = {}
        """Clustering group → the live story holding its members."""
        self._indexes: dict[str, StoryIndex] = {}
        headers: dict[str, Any] = {}
        members: dict[str, list[Member]] = {}
        for key, record in table.items():
            story_id, is_header = story_of_key(key)
            if is_header:
                headers[story_id] = record
            else:
                members.setdefault(story_id, []).append(Member.from_record(record))
        for story_id, header in headers.items():
            story = Story.from_record(header, members.get(story_id, ()))
            self.stories[story_id] = story
            if story.live:
                self.reindex(story)
                self._placed.update(dict.fromkeys(story.members, story_id))

    def __iter__(self) -> Iterator[Story]:
        """Every story, stubs included."""
        return iter(list(self.stories.values()))

    def live(self) -> Iterator[Story]:
        """Every live story."""
        return (story for story in self.stories.values() if story.live)

    def holding(self, item_id: str) -> Story | None:
        """The live story ``item_id`` is a member of, if any."""
        story_id = self._placed.get(item_id)
        return None if story_id is None else self.stories[story_id]

    def story_of_group(self, group: str) -> Story | None:
        """The live story a clustering group leads to, if any."""
        story_id = self._groups.get(group)
        story = None if story_id is None else self.stories.get(story_id)
        return story if story is not None and story.live else None

    def place(self, member: Member, at: float, avoid: frozenset[str] = frozenset()) -> tuple[Story, bool]:
        """Cluster a new item: the story it joins (``False``) or founds (``True``), never one in ``avoid``."""
        desk = desk_key(member.language)
        index = self._index(desk)
        when = as_datetime(at)

        def avoided(group: str) -> bool:
            return self._groups.get(group) in avoid

        match = index.match(member.signature, when, avoided if avoid else None)
        joined = None if match is None else self.story_of_group(match)
        if joined is not None and match is not None:
            story, founded, group = joined, False, match
        else:
            story = Story(story_id_for(member.item_id, member.version), desk=desk, first_seen=at)
            self.stories[story.story_id] = story
            founded, group = True, story.story_id
        through = None if group == story.story_id else group
        if member.group != through:  # a member is built without one: most joins need no copy
            member = replace(member, group=through)
        story.put(member)
        index.add(group, member.signature, when)
        self._groups[group] = story.story_id
        self._placed[member.item_id] = story.story_id
        self.save_member(story, member)
        return story, founded

    def found(self, story_id: str, desk: str, at: float) -> Story:
        """A new, empty story (an editor is about to move members into it)."""
        story = Story(story_id, desk=desk, first_seen=at)
        self.stories[story_id] = story
        return story

    def update(self, story: Story, member: Member) -> None:
        """A new version of one of ``story``'s members; the index follows its signature."""
        previous = story.members[member.item_id]
        member = replace(member, group=previous.group)
        story.put(member)
        self.save_member(story, member)
        if member.signature != previous.signature:
            self.reindex(story, {story.group_of(previous)})

    def move(self, item_id: str, source: Story, target: Story, group: str | None) -> Member:
        """Move a member from ``source`` to ``target``, counted in clustering group ``group`` (``None``: target's)."""
        member = source.take(item_id)
        self._table.pop(member_key(source.story_id, item_id), None)
        moved = replace(member, group=None if group == target.story_id else group)
        target.put(moved)
        self._placed[item_id] = target.story_id
        self.save_member(target, moved)
        return moved

    def hand_over(self, groups: Iterable[str], story: Story) -> None:
        """Clustering groups ``groups`` now lead to ``story`` (their members moved there)."""
        for group in groups:
            self._groups[group] = story.story_id

    def reindex(self, story: Story, dropped: Iterable[str] = ()) -> None:
        """Rebuild the index entries of ``story``'s groups (and of ``dropped`` groups it no longer holds)."""
        index = self._index(story.desk)
        groups: dict[str, list[Member]] = {}
        for member in story.members.values():
            groups.setdefault(story.group_of(member), []).append(member)
        for group in {*groups, *dropped}:
            index.remove(group)
            if self._groups.get(group) == story.story_id and group not in groups:
                del self._groups[group]
        for group, members in groups.items():
            for member in members:
                index.add(group, member.signature, as_datetime(member.joined_at))
            self._groups[group] = story.story_id

    def unindex(self, story: Story) -> None:
        """Take ``story``'s groups out of the index (it is ending)."""
        index = self._index(story.desk)
        for group in {story.group_of(member) for member in story.members.values()} | {story.story_id}:
            index.remove(group)
            if self._groups.get(group) == story.story_id:
                del self._groups[group]

    def clear(self, story: Story) -> list[Member]:
        """Drop the members of an ending story (records and placements); return them."""
        members = list(story.members.values())
        for member in members:
            self._table.pop(member_key(story.story_id, member.item_id), None)
            self._placed.pop(member.item_id, None)
        story.clear()
        return members

    def drop(self, story: Story) -> None:
        """Forget a story that has no members left, and its header."""
        self.stories.pop(story.story_id, None)
        self._table.pop(story_key(story.story_id), None)

    def save_member(self, story: Story, member: Member) -> None:
        self._table[member_key(story.story_id, member.item_id)] = member.to_record()

    def save_header(self, story: Story) -> None:
        self._table[story_key(story.story_id)] = story.to_record()

    def expire_index(self, at: float) -> None:
        """Let the index forget groups quiet for longer than the window (a periodic full scan)."""
        for index in self._indexes.values():
            index.expire(as_datetime(at))

    def _index(self, desk: str) -> StoryIndex:
        index = self._indexes.get(desk)
        if index is None:
            index = StoryIndex(window=self._window)
            self._indexes[desk] = index
        return index
