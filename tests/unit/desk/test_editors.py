"""Editors and their keys: one role, hashed keys, a bad configuration named at start-up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stoppress.desk.editors import DEMO_EDITOR, EditorsConfigError, build_editors
from stoppress.shared.keys import hash_key


def test_a_key_finds_its_editor_and_only_its_hash_is_kept(tmp_path: Path) -> None:
    file = tmp_path / "editors.toml"
    file.write_text(f'[[editors]]\nname = "alice"\nkey_hashes = ["{hash_key("alice-key-0123456789")}"]\n')
    registry = build_editors(file, None, "demo-editor-key-0123")
    alice = registry.by_key("alice-key-0123456789")
    assert alice is not None and alice.name == "alice"
    assert registry.by_key("demo-editor-key-0123").name == DEMO_EDITOR  # type: ignore[union-attr]
    assert registry.by_key("someone-else") is None
    assert "alice-key" not in repr(registry.editors)


@pytest.mark.parametrize(
    ("document", "complaint"),
    [
        ({"editors": [{"name": "Alice Smith", "key_hashes": []}]}, "name"),
        ({"editors": [{"name": "alice", "key_hashes": ["alice-key"]}]}, "sha256"),
        ({"editors": [{"name": "alice"}, {"name": "alice"}]}, "configured twice"),
        ({"editors": [{"name": "a", "key_hashes": [hash_key("k")]}, {"name": "b", "key_hashes": [hash_key("k")]}]},
         "also a key of"),
        ({"editors": [{"name": "alice", "role": "admin"}]}, "role"),
    ],
)
def test_a_bad_configuration_is_refused_with_the_reason(document: object, complaint: str) -> None:
    with pytest.raises(EditorsConfigError, match=complaint):
        build_editors(None, json.dumps(document), None)


def test_unreadable_files_say_so(tmp_path: Path) -> None:
    with pytest.raises(EditorsConfigError, match="cannot read"):
        build_editors(tmp_path / "missing.toml", None, None)
    broken = tmp_path / "editors.json"
    broken.write_text("{")
    with pytest.raises(EditorsConfigError, match="not valid JSON"):
        build_editors(broken, None, None)
