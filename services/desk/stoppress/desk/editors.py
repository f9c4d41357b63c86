"""Editors and their keys: who may command the desk, and as whom.

An :class:`Editor` has a name (a slug: the identity every command and the
audit log carry), a display name, an enabled flag, the SHA-256 hashes of
their keys (never the keys) and an optional rate of their own. A request's
key decides the editor, so no one can act in another's name. Editors'
keys are a role of their own: sources' keys (ingest) mean nothing here.

Configuration comes from a TOML or JSON file (``[[editors]]``), inline JSON,
and the local stack's demo key; a bad configuration stops the service at
start-up with a message naming the problem.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from stoppress.shared.codec import describe_validation_error
from stoppress.shared.keys import KeyHash, hash_key
from stoppress.shared.models import EditorName

DEMO_EDITOR = "demo-editor"


class EditorsConfigError(ValueError):
    """The editors configuration is unusable; the message says where and why."""


class Editor(BaseModel):
    """One person (or tool) allowed to command the desk."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: EditorName
    display_name: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    enabled: bool = True
    key_hashes: tuple[KeyHash, ...] = ()
    commands_per_s: Annotated[float, Field(gt=0)] | None = None
    commands_burst: Annotated[int, Field(ge=1)] | None = None


class _EditorsFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    editors: tuple[Editor, ...] = ()


class EditorRegistry:
    """Editors by key hash."""

    def __init__(self, editors: Iterable[Editor]) -> None:
        self.editors = tuple(editors)
        self._by_hash: dict[str, Editor] = {}
        names: set[str] = set()
        for editor in self.editors:
            if editor.name in names:
                raise EditorsConfigError(f"editor {editor.name!r} is configured twice")
            names.add(editor.name)
            for key_hash in editor.key_hashes:
                holder = self._by_hash.get(key_hash)
                if holder is not None:
                    raise EditorsConfigError(f"a key of {editor.name!r} is also a key of {holder.name!r}")
                self._by_hash[key_hash] = editor

    def by_key(self, key: str) -> Editor | None:
        """The editor holding ``key``, if any."""
        return self._by_hash.get(hash_key(key))


def build_editors(file: Path | None, inline: str | None, demo_key: str | None) -> EditorRegistry:
    """The registry from the editors file, inline JSON and the demo key (any may be absent)."""
    editors: list[Editor] = []
    if file is not None:
        editors += _parse(_read_file(file), str(file))
    if inline is not None:
        try:
            document = json.loads(inline)
        except json.JSONDecodeError as exc:
            raise EditorsConfigError(f"STOPPRESS_DESK_EDITORS_JSON is not JSON: {exc}") from None
        editors += _parse(document, "STOPPRESS_DESK_EDITORS_JSON")
    if demo_key:
        editors.append(Editor(name=DEMO_EDITOR, display_name="Demo editor", key_hashes=(hash_key(demo_key),)))
    return EditorRegistry(editors)


def _read_file(path: Path) -> Any:
    try:
        text = path.read_text()
    except OSError as exc:
        raise EditorsConfigError(f"cannot read {path}: {exc}") from None
    try:
        return json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise EditorsConfigError(f"{path} is not valid {'JSON' if path.suffix == '.json' else 'TOML'}: {exc}") from None


def _parse(document: Any, where: str) -> list[Editor]:
    try:
        return list(_EditorsFile.model_validate(document).editors)
    except ValidationError as exc:
        raise EditorsConfigError(f"{where}: {describe_validation_error(exc)}") from None
