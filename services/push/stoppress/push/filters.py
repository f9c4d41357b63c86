"""Subscription filters: which stories a client wants (levels, categories, regions, languages).

A :class:`Filter` is an immutable, hashable value, so the gateway can group
connections by filter and decide once per event and distinct filter instead
of once per connection. An empty field means "any". Restricted categories
(``internal``, embargo previews) are only ever delivered to a filter that names
them explicitly, so "everything" never leaks a restricted story.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from stoppress.push.refusals import BadRequest
from stoppress.shared.models import LEVELS, StoryView, check_language

FILTER_FIELDS = ("levels", "categories", "regions", "languages")
MAX_VALUES_PER_FIELD = 32
MAX_VALUE_CHARS = 64


@dataclass(frozen=True, slots=True)
class Filter:
    """What one subscription matches; every field is a frozenset, empty = any."""

    levels: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()

    def matches(self, story: StoryView, restricted: frozenset[str]) -> bool:
        """Whether ``story`` belongs to this subscription (restricted categories only if named)."""
        return self.matches_fields(story.level, story.category, story.region, story.language, restricted)

    def matches_fields(
        self, level: str, category: str | None, region: str | None, language: str, restricted: frozenset[str]
    ) -> bool:
        """:meth:`matches` on the four attributes alone (what the event ring keeps per event)."""
        if self.levels and level not in self.levels:
            return False
        if self.categories:
            if category is None or category.lower() not in self.categories:
                return False
        elif category is not None and category.lower() in restricted:
            return False
        if self.regions and (region is None or region.lower() not in self.regions):
            return False
        return not self.languages or _language_matches(language.lower(), self.languages)

    def restricted_categories(self, restricted: frozenset[str]) -> frozenset[str]:
        """The restricted categories this filter asks for (each one needs a token that allows it)."""
        return self.categories & restricted

    def as_dict(self) -> dict[str, list[str]]:
        """The filter as sorted lists, as echoed to clients in ``welcome``/``snapshot``."""
        return {name: sorted(getattr(self, name)) for name in FILTER_FIELDS}


def _language_matches(language: str, wanted: frozenset[str]) -> bool:
    """BCP 47 prefix match: a filter ``en`` matches ``en`` and ``en-GB``; ``en-GB`` matches only that."""
    if language in wanted:
        return True
    prefix = language
    while "-" in prefix:
        prefix = prefix.rsplit("-", 1)[0]
        if prefix in wanted:
            return True
    return False


EVERYTHING = Filter()

_INTERNED: dict[Filter, Filter] = {}
MAX_INTERNED = 10_000


def interned(subscription: Filter) -> Filter:
    """The one shared instance equal to ``subscription``.

    Most clients of a site use a handful of filters; sharing one object per
    distinct filter saves four frozensets per connection (about 0.9 KiB).
    """
    shared = _INTERNED.get(subscription)
    if shared is None:
        if len(_INTERNED) >= MAX_INTERNED:
            return subscription
        _INTERNED[subscription] = shared = subscription
    return shared


def filter_from_query(params: Mapping[str, Sequence[str]]) -> Filter:
    """Build a filter from query parameters: ``levels=flash,breaking&regions=eu`` (repeats allowed)."""
    fields: dict[str, list[str]] = {}
    for name in FILTER_FIELDS:
        values: list[str] = []
        for raw in params.get(name, ()):
            values.extend(part for part in raw.split(",") if part.strip())
        fields[name] = values
    return filter_from_fields(fields)


def filter_from_fields(fields: Mapping[str, object]) -> Filter:
    """Build a filter from a ``subscribe`` message's fields; raise :class:`BadRequest` naming the field."""
    cleaned: dict[str, frozenset[str]] = {}
    for name in FILTER_FIELDS:
        raw = fields.get(name)
        if raw is None:
            cleaned[name] = frozenset()
            continue
        if not isinstance(raw, list | tuple) or not all(isinstance(v, str) for v in raw):
            raise BadRequest(f"{name}: must be a list of strings")
        cleaned[name] = _clean_values(name, raw)
    return interned(Filter(**cleaned))


def _clean_values(name: str, raw: Iterable[str]) -> frozenset[str]:
    values = [v.strip().lower() for v in raw if v.strip()]
    if len(values) > MAX_VALUES_PER_FIELD:
        raise BadRequest(f"{name}: at most {MAX_VALUES_PER_FIELD} values")
    for value in values:
        if len(value) > MAX_VALUE_CHARS:
            raise BadRequest(f"{name}: values are at most {MAX_VALUE_CHARS} characters")
        if name == "levels" and value not in LEVELS:
            raise BadRequest(f"levels: unknown level {value!r} (expected one of {', '.join(LEVELS)})")
        if name == "languages":
            try:
                check_language(value)
            except ValueError as exc:
                raise BadRequest(f"languages: {value!r} {exc}") from None
    return frozenset(values)
