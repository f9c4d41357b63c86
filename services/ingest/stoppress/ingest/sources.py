"""Sources, their API keys and feeds: who may publish, and as whom.

A :class:`Source` is one outlet: a slug (the prefix of every item id it
publishes), a display name, an authority weight (0-1, read by ranking), an
enabled flag, the SHA-256 hashes of its API keys, and the feeds ingest polls
for it. A request's key decides its source, so no source can publish as
another.

A *relay* source (``relay = true``) may publish on behalf of outlets that
have no keys of their own, naming them per item with ``source`` and
``source_name``: an aggregator, a wire desk re-filing member papers, or
``stoppress replay`` feeding a demo with many publishers. A relay can never
publish as a configured source. Relayed items carry the relay's
``relay_authority`` (default: its own authority).

Configuration comes from a TOML or JSON file, inline JSON, and the local
stack's demo key (see ``docs/ingest.md``); a bad configuration stops the
service at start-up with a message naming the problem.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from stoppress.ingest.problems import IngestError, RefusalError, forbidden, invalid_field
from stoppress.ingest.sanitize import Attribution, UncleanTextError, clean_text
from stoppress.shared.codec import describe_validation_error
from stoppress.shared.keys import KeyHash, hash_key
from stoppress.shared.models import HttpUrl, Slug, Tag

DEMO_SLUG = "demo"
DEMO_NAME = "Demo desk"
DEMO_AUTHORITY = 0.5


class FeedConfig(BaseModel):
    """One RSS 2.0, Atom 1.0 or JSON Feed 1.1 document that ingest polls for a source."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: HttpUrl
    interval_s: Annotated[float, Field(ge=10.0, description="Time between polls when all is well (s)")] = 300.0
    timeout_s: Annotated[float, Field(gt=0, le=120, description="Longest a fetch may take (s)")] = 10.0
    max_bytes: Annotated[int, Field(ge=1024, description="Largest accepted document (bytes)")] = 5 * 1024 * 1024
    urgency: Annotated[int, Field(ge=1, le=9)] = 5
    language: str | None = Field(None, description="Used when the feed declares none (else 'en')")
    category: Tag | None = None
    region: Tag | None = None


class Source(BaseModel):
    """One outlet that publishes into Stop Press."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    slug: Slug
    name: Annotated[str, Field(min_length=1, max_length=100)]
    authority: Annotated[float, Field(ge=0.0, le=1.0)] = 0.5
    enabled: bool = True
    key_hashes: tuple[KeyHash, ...] = ()
    relay: bool = False
    relay_authority: Annotated[float, Field(ge=0.0, le=1.0)] | None = None
    rate_per_s: Annotated[float, Field(gt=0)] | None = None
    rate_burst: Annotated[int, Field(ge=1)] | None = None
    feeds: tuple[FeedConfig, ...] = ()

    @property
    def own_attribution(self) -> Attribution:
        return Attribution(self.slug, self.name, self.authority)


class SourcesConfigError(IngestError):
    """The sources configuration is unusable; the message names the problem."""


class SourceRegistry:
    """All configured sources, looked up by API key (via its hash) or by slug."""

    def __init__(self, sources: Iterable[Source]) -> None:
        self._by_slug: dict[str, Source] = {}
        self._by_key_hash: dict[str, Source] = {}
        for source in sources:
            if source.slug in self._by_slug:
                raise SourcesConfigError(f"source '{source.slug}' is defined more than once")
            self._by_slug[source.slug] = source
            for key_hash in source.key_hashes:
                if key_hash in self._by_key_hash:
                    other = self._by_key_hash[key_hash].slug
                    raise SourcesConfigError(f"one API key is given to both '{other}' and '{source.slug}'")
                self._by_key_hash[key_hash] = source

    @property
    def sources(self) -> Sequence[Source]:
        return tuple(self._by_slug.values())

    def by_key(self, key: str) -> Source | None:
        """The source owning API key ``key`` (compared by hash), or ``None``."""
        return self._by_key_hash.get(hash_key(key))

    def by_slug(self, slug: str) -> Source | None:
        return self._by_slug.get(slug)

    def attribution(self, source: Source, requested: Any, requested_name: Any) -> Attribution:
        """Whom an item from ``source`` is published as, given the item's ``source``/``source_name``.

        Raises :class:`RefusalError`: 403 when a non-relay names another source (or
        any ``source_name``) or a relay names a configured source; 422 when
        the names are not strings or the name cannot be cleaned.
        """
        if not source.relay:
            if requested not in (None, source.slug):
                raise RefusalError(
                    forbidden(
                        f"this key publishes as '{source.slug}' only; "
                        "publishing for other outlets needs a relay source",
                        "source_is_decided_by_key",
                    )
                )
            if requested_name is not None:
                raise RefusalError(forbidden("only a relay source may set source_name", "relay_only"))
            return source.own_attribution
        if requested in (None, source.slug):
            if requested_name is not None:
                raise invalid_field("source", "missing", "is required with source_name: the relayed outlet's slug")
            return source.own_attribution
        if not isinstance(requested, str):
            raise invalid_field("source", "string_type", "must be a string (a source slug)")
        if requested in self._by_slug:
            raise RefusalError(
                forbidden(
                    f"'{requested}' is a configured source with its own keys; a relay may not publish as it",
                    "relay_may_not_impersonate",
                )
            )
        return Attribution(requested, _relayed_name(requested, requested_name), _relayed_authority(source))


def _relayed_name(slug: str, name: Any) -> str:
    if name is None:
        return slug
    if not isinstance(name, str):
        raise invalid_field("source_name", "string_type", "must be a string")
    try:
        cleaned = clean_text(name)
    except UncleanTextError as exc:
        raise invalid_field("source_name", "unclean_text", str(exc)) from None
    return cleaned or slug


def _relayed_authority(relay: Source) -> float:
    return relay.authority if relay.relay_authority is None else relay.relay_authority


def parse_sources(document: Any, origin: str) -> list[Source]:
    """Sources from a parsed ``{"sources": [...]}`` document; ``origin`` names it in error messages."""
    if not isinstance(document, dict) or not isinstance(document.get("sources", []), list):
        raise SourcesConfigError(f"{origin}: expected a table/object with a 'sources' list")
    unknown = set(document) - {"sources"}
    if unknown:
        raise SourcesConfigError(f"{origin}: unknown top-level keys {sorted(unknown)}")
    sources = []
    for index, entry in enumerate(document.get("sources", [])):
        try:
            sources.append(Source.model_validate(entry))
        except ValidationError as exc:
            raise SourcesConfigError(f"{origin}: sources[{index}]: {describe_validation_error(exc)}") from None
    return sources


def load_sources_file(path: Path) -> list[Source]:
    """Sources from a ``.toml`` or ``.json`` file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourcesConfigError(f"cannot read sources file {path}: {exc.strerror}") from None
    try:
        document = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise SourcesConfigError(f"{path}: not valid {path.suffix.lstrip('.').upper() or 'JSON'}: {exc}") from None
    return parse_sources(document, str(path))


def demo_source(key: str) -> Source:
    """The local stack's ``demo`` source: a relay (so ``stoppress replay`` can publish many outlets)."""
    return Source(slug=DEMO_SLUG, name=DEMO_NAME, authority=DEMO_AUTHORITY, key_hashes=(hash_key(key),), relay=True)


def build_registry(sources_file: Path | None, sources_json: str | None, demo_key: str | None) -> SourceRegistry:
    """Every configured source: from the file, the inline JSON and the demo key, in that order."""
    sources: list[Source] = []
    if sources_file is not None:
        sources.extend(load_sources_file(sources_file))
    if sources_json:
        try:
            document = json.loads(sources_json)
        except json.JSONDecodeError as exc:
            raise SourcesConfigError(f"STOPPRESS_INGEST_SOURCES_JSON: not valid JSON: {exc}") from None
        sources.extend(parse_sources(document, "STOPPRESS_INGEST_SOURCES_JSON"))
    if demo_key:
        sources.append(demo_source(demo_key))
    return SourceRegistry(sources)
