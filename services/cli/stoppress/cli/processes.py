"""Run the Stop Press services as separate OS processes, and stop them cleanly.

Used by ``stoppress up``, the end-to-end test fixtures and the benchmarks, so
all three run the stack the same way. Each service runs as
``python -m stoppress.<service>`` in its own process group, so a stop (or a
``kill -9`` in a fault test) reaches the whole service and never leaves an
orphan behind.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
STOP_GRACE_S = 10.0
"""How long a service may take to shut down after SIGTERM before it is killed (s)."""


def parent_death_signal_setter() -> Callable[[], None] | None:
    """A ``preexec_fn`` asking Linux to SIGKILL the child when its parent dies (kill -9, ``os._exit``).

    prctl(PR_SET_PDEATHSIG) follows the *thread* that forks, so it is set only from the main
    thread: a child started from a worker thread (``asyncio.to_thread``) would otherwise die
    with that thread. Those rely on an explicit stop and :mod:`atexit` alone.
    """
    if sys.platform != "linux" or threading.current_thread() is not threading.main_thread():
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl

    def set_parent_death_signal() -> None:
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL))

    return set_parent_death_signal


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the OS picks it), for services started side by side."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """``count`` distinct TCP ports nobody listens on right now (all held open while picked, so none repeats)."""
    with contextlib.ExitStack() as held:
        sockets = [held.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind((host, 0))
        return [sock.getsockname()[1] for sock in sockets]


class ServiceError(RuntimeError):
    """A service exited or did not become healthy; the message carries its last log lines."""


@dataclass(eq=False)
class ServiceProcess:
    """One service process: how to start it, where it logs, and how to tell it is healthy.

    ``log_path`` set: output goes to that file (tests, benchmarks). Unset:
    each output line is echoed to this process's stderr behind ``[name]``
    (``stoppress up``).
    """

    name: str
    module: str
    env: Mapping[str, str]
    health_url: str
    log_path: Path | None = None
    args: tuple[str, ...] = ()
    proc: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)
    _log_file: IO[bytes] | None = field(default=None, init=False, repr=False)

    def start(self) -> None:
        """Start the process (it is not healthy yet: see :meth:`wait_healthy`)."""
        if self.proc is not None and self.proc.poll() is None:
            raise RuntimeError(f"{self.name} is already running")
        env = {**os.environ, **self.env, "PYTHONUNBUFFERED": "1"}
        out: IO[bytes] | int
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log_file = self.log_path.open("ab")
            out = self._log_file
        else:
            out = subprocess.PIPE
        self.proc = subprocess.Popen(
            [sys.executable, "-m", self.module, *self.args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=parent_death_signal_setter(),  # noqa: PLW1509 - it only calls prctl(2)
        )
        _RUNNING.add(self)
        if self.log_path is None:
            threading.Thread(target=self._echo, name=f"echo-{self.name}", daemon=True).start()

    def _echo(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        prefix = f"[{self.name}] ".encode()
        for line in self.proc.stdout:
            sys.stderr.buffer.write(prefix + line)
            sys.stderr.flush()

    def wait_healthy(self, timeout_s: float = 60.0) -> None:
        """Poll ``health_url`` until it answers 200; raise :class:`ServiceError` on exit or timeout."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                raise ServiceError(f"{self.name} exited with code {self.returncode}.\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.health_url, timeout=1.0) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        raise ServiceError(f"{self.name} not healthy at {self.health_url} after {timeout_s:.0f} s.\n{self.log_tail()}")

    @property
    def returncode(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def stop(self, grace_s: float = STOP_GRACE_S) -> None:
        """SIGTERM the process group, wait up to ``grace_s`` seconds, then SIGKILL it."""
        self._signal(signal.SIGTERM)
        if self.proc is not None:
            try:
                self.proc.wait(grace_s)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.proc.wait()
        self._close()

    def kill(self) -> None:
        """SIGKILL the process group at once (fault tests: no chance to clean up)."""
        self._signal(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait()
        self._close()

    def restart(self, timeout_s: float = 60.0) -> None:
        """Stop (gracefully) if running, start again and wait until healthy."""
        if self.returncode is None:
            self.stop()
        self.start()
        self.wait_healthy(timeout_s)

    def log_tail(self, lines: int = 40) -> str:
        """The last ``lines`` lines the service wrote (only when it logs to a file)."""
        if self.log_path is None or not self.log_path.exists():
            return ""
        text = self.log_path.read_text(errors="replace").splitlines()[-lines:]
        return "\n".join(f"    {self.name}| {line}" for line in text)

    def _signal(self, sig: signal.Signals) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)

    def _close(self) -> None:
        _RUNNING.discard(self)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None


_RUNNING: set[ServiceProcess] = set()


@atexit.register
def _stop_leftovers() -> None:
    for service in list(_RUNNING):
        service.kill()
