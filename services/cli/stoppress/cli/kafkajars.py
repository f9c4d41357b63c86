"""The local broker's jars: fetched once with Maven from ``deploy/kafka/pom.xml`` into a cache per Kafka version.

The pom names the Kafka version (its ``<kafka.version>`` property) and the
jars; :meth:`KafkaJars.ensure` runs ``mvn dependency:copy-dependencies`` into
``<cache root>/kafka-<version>/libs`` the first time and leaves a marker file
there holding the SHA-256 of the pom, so later runs, and runs in other
checkouts, start no Maven at all until the pom changes. Used by
:class:`stoppress.cli.localkafka.LocalKafka`.
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import subprocess
from pathlib import Path
from xml.etree import ElementTree

MAVEN_MISSING = (
    "Apache Maven (`mvn`) is needed once, to fetch the Kafka jars into {libs_dir}, and it is "
    "not on PATH. Install it (Debian/Ubuntu: apt install maven; macOS: brew install maven) and run again."
)


class KafkaJarsError(Exception):
    """The jars could not be fetched, or the pom names no Kafka version; the message says what to do."""


class KafkaJars:
    """The broker jars ``pom`` names, in ``<cache_root>/kafka-<version>/libs``; :meth:`ensure` fetches them."""

    def __init__(self, pom: Path, cache_root: Path) -> None:
        self.pom = pom
        self.version = _kafka_version(pom)
        self.libs_dir = cache_root / f"kafka-{self.version}" / "libs"

    def ensure(self) -> Path:
        """Return the folder of broker jars, running Maven first if no run has completed.

        Maven's download progress goes to this process's stdout. A marker file holding the
        SHA-256 of the pom records a complete copy, so an edited pom fetches again.
        Concurrent callers wait for each other on a lock file.
        """
        version_dir = self.libs_dir.parent
        marker = version_dir / "libs.complete"
        pom_digest = hashlib.sha256(self.pom.read_bytes()).hexdigest()
        version_dir.mkdir(parents=True, exist_ok=True)
        with (version_dir / ".lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (marker.exists() and marker.read_text() == pom_digest):
                self._copy_with_maven()
                marker.write_text(pom_digest)
        return self.libs_dir

    def _copy_with_maven(self) -> None:
        maven = shutil.which("mvn")
        if maven is None:
            raise KafkaJarsError(MAVEN_MISSING.format(libs_dir=self.libs_dir))
        shutil.rmtree(self.libs_dir, ignore_errors=True)
        print(f"Fetching Kafka {self.version} jars with Maven into {self.libs_dir} (first run only)", flush=True)
        command = [
            maven,
            "--batch-mode",
            "-Dstyle.color=never",
            "--file",
            str(self.pom),
            "dependency:copy-dependencies",
            f"-Dlibs.dir={self.libs_dir}",
        ]
        exit_code = subprocess.run(command, stdin=subprocess.DEVNULL, check=False).returncode
        if exit_code != 0:
            raise KafkaJarsError(
                f"Maven could not fetch the Kafka jars (exit {exit_code}); its output is above. Check that "
                "Maven Central is reachable (proxies go in ~/.m2/settings.xml), then run again."
            )


def _kafka_version(pom: Path) -> str:
    """The ``<kafka.version>`` property of a Maven ``pom.xml``."""
    maven_namespace = {"m": "http://maven.apache.org/POM/4.0.0"}
    version = ElementTree.parse(pom).getroot().findtext("m:properties/m:kafka.version", namespaces=maven_namespace)
    if not version:
        raise KafkaJarsError(f"{pom} has no <kafka.version> property")
    return version
