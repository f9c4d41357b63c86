"""The jar cache's bookkeeping: which Kafka version a pom names, and when Maven is (not) needed."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from stoppress.cli.kafkajars import KafkaJars, KafkaJarsError
from stoppress.cli.localkafka import DEPLOY_DIR

POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <properties><kafka.version>{version}</kafka.version></properties>
</project>
"""


def test_the_cache_folder_is_named_after_the_version_in_the_pom(tmp_path: Path) -> None:
    pom = tmp_path / "pom.xml"
    pom.write_text(POM.format(version="9.8.7"))
    jars = KafkaJars(pom, tmp_path / "cache")
    assert jars.version == "9.8.7"
    assert jars.libs_dir == tmp_path / "cache" / "kafka-9.8.7" / "libs"


def test_the_project_pom_names_a_version() -> None:
    assert KafkaJars(DEPLOY_DIR / "pom.xml", Path("/unused")).version


def test_a_pom_without_a_version_is_refused_with_its_path(tmp_path: Path) -> None:
    pom = tmp_path / "pom.xml"
    pom.write_text('<project xmlns="http://maven.apache.org/POM/4.0.0"/>')
    with pytest.raises(KafkaJarsError, match=r"pom\.xml has no <kafka\.version> property"):
        KafkaJars(pom, tmp_path)


def test_a_marker_for_this_pom_means_no_maven_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pom = tmp_path / "pom.xml"
    pom.write_text(POM.format(version="1.2.3"))
    jars = KafkaJars(pom, tmp_path / "cache")
    jars.libs_dir.mkdir(parents=True)
    (jars.libs_dir.parent / "libs.complete").write_text(hashlib.sha256(pom.read_bytes()).hexdigest())
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools-here"))
    assert jars.ensure() == jars.libs_dir


def test_an_edited_pom_fetches_again_and_says_so_when_maven_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pom = tmp_path / "pom.xml"
    pom.write_text(POM.format(version="1.2.3"))
    jars = KafkaJars(pom, tmp_path / "cache")
    jars.libs_dir.mkdir(parents=True)
    (jars.libs_dir.parent / "libs.complete").write_text("digest of an older pom")
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools-here"))
    with pytest.raises(KafkaJarsError, match="Apache Maven"):
        jars.ensure()
