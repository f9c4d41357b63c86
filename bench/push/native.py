"""The C client swarm (``swarm.c``), compiled on first use into a cache folder.

``swarm_command()`` returns the command line that starts it; the binary is
rebuilt whenever the source changes (its name carries the source's hash).
Without ``gcc`` (or ``$CC``) it stops with a message saying so and how to use
the Python clients instead.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

SOURCE = Path(__file__).with_name("swarm.c")
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "stoppress-bench"


class CompilerMissingError(SystemExit):
    """No C compiler: the benchmark cannot build its lean clients."""


def swarm_binary() -> Path:
    """Path of the compiled swarm, building it if needed."""
    digest = hashlib.blake2b(SOURCE.read_bytes(), digest_size=8).hexdigest()
    binary = CACHE / f"swarm-{digest}"
    if binary.exists():
        return binary
    compiler = os.environ.get("CC") or shutil.which("gcc") or shutil.which("cc")
    if compiler is None:
        raise CompilerMissingError(
            "bench: the C client swarm needs gcc (or $CC) to build bench/push/swarm.c; install gcc, "
            "or pass --clients-impl python to use the (slower) Python clients"
        )
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = binary.with_suffix(f".{os.getpid()}.tmp")
    built = subprocess.run(
        [compiler, "-O2", "-o", str(partial), str(SOURCE), "-lm"], check=False, capture_output=True, text=True
    )
    if built.returncode != 0:
        raise SystemExit(f"bench: compiling {SOURCE} failed:\n{built.stderr}")
    partial.replace(binary)
    return binary


def swarm_command() -> list[str]:
    """The command that starts one C swarm (options follow)."""
    return [str(swarm_binary())]
