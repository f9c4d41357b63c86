"""Sources and keys: configuration files, hashed keys, and who may publish as whom."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stoppress.ingest.problems import RefusalError
from stoppress.ingest.sanitize import Attribution
from stoppress.ingest.sources import (
    Source,
    SourceRegistry,
    SourcesConfigError,
    build_registry,
    demo_source,
    load_sources_file,
)
from stoppress.shared.keys import hash_key, key_label, new_key

TOML = """
[[sources]]
slug = "wire"
name = "The Wire"
authority = 0.9
key_hashes = ["{wire_hash}"]

[[sources.feeds]]
url = "https://wire.example/rss.xml"
interval_s = 60
urgency = 4
category = "world"

[[sources]]
slug = "gazette"
name = "Gazette"
enabled = false
key_hashes = ["{gazette_hash}"]

[[sources]]
slug = "aggregator"
name = "Aggregator"
authority = 0.6
relay = true
relay_authority = 0.3
key_hashes = ["{relay_hash}"]
"""


@pytest.fixture
def registry(tmp_path: Path) -> SourceRegistry:
    path = tmp_path / "sources.toml"
    path.write_text(TOML.format(wire_hash=hash_key("wire-key"), gazette_hash=hash_key("gazette-key"),
                                relay_hash=hash_key("relay-key")))
    return build_registry(path, None, "demo-key")


def test_keys_are_stored_as_sha256_and_logged_by_a_short_label() -> None:
    assert hash_key("abc") == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert key_label(hash_key("abc")) == "sha256:ba7816bf"
    assert new_key() != new_key()
    assert len(new_key()) >= 43


def test_a_key_finds_its_source_and_unknown_keys_find_none(registry: SourceRegistry) -> None:
    wire = registry.by_key("wire-key")
    assert wire is not None
    assert (wire.slug, wire.name, wire.authority) == ("wire", "The Wire", 0.9)
    assert wire.feeds[0].url == "https://wire.example/rss.xml"
    assert wire.feeds[0].interval_s == 60
    assert registry.by_key("nobody") is None
    gazette = registry.by_key("gazette-key")
    assert gazette is not None
    assert not gazette.enabled


def test_the_demo_key_adds_a_relay_source_named_demo(registry: SourceRegistry) -> None:
    demo = registry.by_key("demo-key")
    assert demo == demo_source("demo-key")
    assert (demo.slug, demo.authority, demo.relay) == ("demo", 0.5, True)


def test_json_files_and_inline_json_use_the_same_structure(tmp_path: Path) -> None:
    document = {"sources": [{"slug": "radio", "name": "Radio", "key_hashes": [hash_key("k1")]}]}
    path = tmp_path / "sources.json"
    path.write_text(json.dumps(document))
    assert [s.slug for s in load_sources_file(path)] == ["radio"]
    inline = json.dumps({"sources": [{"slug": "tv", "name": "TV", "key_hashes": [hash_key("k2")]}]})
    registry = build_registry(path, inline, None)
    assert [s.slug for s in registry.sources] == ["radio", "tv"]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"sources": [{"slug": "Bad Slug", "name": "x"}]}, "slug"),
        ({"sources": [{"slug": "a", "name": "x", "key_hashes": ["plaintext"]}]}, "sha256"),
        ({"sources": [{"slug": "a", "name": "x", "authority": 2}]}, "authority"),
        ({"sources": [{"slug": "a", "name": "x", "feeds": [{"url": "ftp://x"}]}]}, "http or https"),
        ({"sources": [{"slug": "a", "name": "x", "colour": "red"}]}, "colour"),
        ({"sources": [{"slug": "a", "name": "x"}, {"slug": "a", "name": "y"}]}, "more than once"),
        ({"sources": [{"slug": "a", "name": "x", "key_hashes": [hash_key("k")]},
                      {"slug": "b", "name": "y", "key_hashes": [hash_key("k")]}]}, "both"),
        ({"feeds": []}, "unknown top-level"),
    ],
)
def test_bad_configuration_stops_start_up_with_a_named_problem(document: object, message: str) -> None:
    with pytest.raises(SourcesConfigError, match=message):
        build_registry(None, json.dumps(document), None)


def test_unreadable_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(SourcesConfigError, match="cannot read"):
        load_sources_file(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[[sources]\n")
    with pytest.raises(SourcesConfigError, match="not valid TOML"):
        load_sources_file(broken)


def test_a_source_publishes_as_itself_only(registry: SourceRegistry) -> None:
    wire = registry.by_slug("wire")
    assert wire is not None
    assert registry.attribution(wire, None, None) == Attribution("wire", "The Wire", 0.9)
    assert registry.attribution(wire, "wire", None) == Attribution("wire", "The Wire", 0.9)
    for requested, name in (("gazette", None), ("someone", None), (None, "Another name")):
        with pytest.raises(RefusalError) as refused:
            registry.attribution(wire, requested, name)
        assert refused.value.problem.status == 403


def test_a_relay_publishes_for_unkeyed_outlets_at_its_relay_authority(registry: SourceRegistry) -> None:
    relay = registry.by_slug("aggregator")
    assert relay is not None
    assert registry.attribution(relay, None, None) == Attribution("aggregator", "Aggregator", 0.6)
    assert registry.attribution(relay, "local-news", "<b>Local</b> News") == Attribution(
        "local-news", "Local News", 0.3
    )
    assert registry.attribution(relay, "local-news", None).source_name == "local-news"


def test_a_relay_can_never_publish_as_a_keyed_source(registry: SourceRegistry) -> None:
    relay = registry.by_slug("aggregator")
    assert relay is not None
    with pytest.raises(RefusalError) as refused:
        registry.attribution(relay, "wire", "The Wire")
    assert refused.value.problem.status == 403
    assert refused.value.problem.errors[0].rule == "relay_may_not_impersonate"


def test_relay_fields_of_the_wrong_type_are_422(registry: SourceRegistry) -> None:
    relay = registry.by_slug("aggregator")
    assert relay is not None
    for requested, name, field in ((5, None, "source"), ("x", ["y"], "source_name"), (None, "Name", "source")):
        with pytest.raises(RefusalError) as refused:
            registry.attribution(relay, requested, name)
        assert (refused.value.problem.status, refused.value.problem.errors[0].field) == (422, field)


def test_sources_are_immutable_values() -> None:
    source = Source(slug="a", name="A")
    with pytest.raises(ValueError, match="frozen"):
        source.authority = 1.0  # type: ignore[misc]
