"""How much the ticker trusts a source: its authority, 0 (unknown blog) to 1 (national wire).

Ingest stamps each headline with its source's authority from its sources
configuration (``Headline.source_authority``); that wins. For headlines
without it, the ticker reads the same sources file (TOML or JSON,
``{"sources": [{"slug": ..., "authority": ...}, ...]}``, see
``docs/ingest.md``) and falls back to a default for sources it does not know.
Only ``slug`` and ``authority`` are read here; the rest of the file is
ingest's business.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from stoppress.shared.models import Headline

__all__ = ["AuthorityBook", "SourcesFileError", "load_authorities"]


class SourcesFileError(ValueError):
    """The sources file cannot be read; the message names the file and the problem."""


class AuthorityBook:
    """Authority of each source slug, with ``default`` for sources not listed."""

    def __init__(self, authorities: Mapping[str, float] | None = None, default: float = 0.5) -> None:
        self._authorities = dict(authorities or {})
        self.default = default

    def of(self, headline: Headline) -> float:
        """The authority (0–1) to rank ``headline``'s source with."""
        if headline.source_authority is not None:
            return headline.source_authority
        return self._authorities.get(headline.source, self.default)


def load_authorities(path: Path) -> dict[str, float]:
    """Slug → authority from a sources file (``.toml`` or ``.json``); missing authorities are 0.5."""
    try:
        text = path.read_text(encoding="utf-8")
        document: Any = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except OSError as exc:
        raise SourcesFileError(f"cannot read sources file {path}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise SourcesFileError(f"{path}: not valid {path.suffix.lstrip('.').upper() or 'JSON'}: {exc}") from None
    sources = document.get("sources", []) if isinstance(document, dict) else None
    if not isinstance(sources, list):
        raise SourcesFileError(f"{path}: expected a 'sources' list")
    authorities: dict[str, float] = {}
    for index, entry in enumerate(sources):
        slug = entry.get("slug") if isinstance(entry, dict) else None
        authority = entry.get("authority", 0.5) if isinstance(entry, dict) else None
        if not isinstance(slug, str) or not isinstance(authority, int | float) or not 0 <= authority <= 1:
            raise SourcesFileError(f"{path}: sources[{index}] needs a 'slug' and an 'authority' between 0 and 1")
        authorities[slug] = float(authority)
    return authorities
