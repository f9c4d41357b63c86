"""Source authority: ingest's stamp first, then the sources file, then the default."""

from __future__ import annotations

from pathlib import Path

import pytest

from stoppress.ticker.authority import AuthorityBook, SourcesFileError, load_authorities
from tests.unit.ticker.builders import headline


def test_ingests_stamp_wins() -> None:
    book = AuthorityBook({"reuters": 0.1}, default=0.5)
    assert book.of(headline("reuters", authority=0.95)) == 0.95


def test_sources_file_then_default_for_unstamped_headlines() -> None:
    book = AuthorityBook({"reuters": 0.9}, default=0.4)
    assert book.of(headline("reuters", authority=None)) == 0.9
    assert book.of(headline("blog", authority=None)) == 0.4


def test_reads_slug_and_authority_from_ingests_toml_sources_file(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(
        '[[sources]]\nslug = "reuters"\nname = "Reuters"\nauthority = 0.95\nkey_hashes = []\n'
        '[[sources]]\nslug = "blog"\nname = "A blog"\n'
    )
    assert load_authorities(path) == {"reuters": 0.95, "blog": 0.5}


def test_reads_json_sources_file(tmp_path: Path) -> None:
    path = tmp_path / "sources.json"
    path.write_text('{"sources": [{"slug": "ap", "authority": 0.9, "feeds": []}]}')
    assert load_authorities(path) == {"ap": 0.9}


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "not valid JSON"),
        ('{"sources": {}}', "'sources' list"),
        ('{"sources": [{"authority": 0.5}]}', r"sources\[0\] needs a .slug."),
        ('{"sources": [{"slug": "x", "authority": 1.5}]}', "between 0 and 1"),
    ],
)
def test_a_bad_sources_file_is_refused_with_a_reason(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "sources.json"
    path.write_text(content)
    with pytest.raises(SourcesFileError, match=problem):
        load_authorities(path)


def test_a_missing_sources_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SourcesFileError, match="cannot read"):
        load_authorities(tmp_path / "absent.toml")
