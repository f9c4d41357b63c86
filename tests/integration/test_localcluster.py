"""``stoppress kafka --brokers 3`` for real: three JVMs, a node that dies is started again, Ctrl-C stops them all."""

from __future__ import annotations

import queue
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import psutil
import pytest

from tests.integration.test_localkafka import wait_until_gone

LINE_TIMEOUT_S = 120.0


def free_block(count: int) -> int:
    """A port P such that P … P+count-1 are all free now (node k of a cluster listens on P+2(k-1), P+2k-1)."""
    for _ in range(200):
        base = random.randrange(20_000, 60_000)
        with ExitStack() as held:
            try:
                for port in range(base, base + count):
                    sock = held.enter_context(socket.socket())
                    sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return base
    raise AssertionError(f"no {count} consecutive free ports found")


class Output:
    """The command's output lines, read in a thread so that waiting for one can time out."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        assert process.stdout is not None
        stream = process.stdout
        threading.Thread(target=lambda: [self.lines.put(line) for line in stream], daemon=True).start()

    def wait_for(self, wanted: Callable[[str], bool], what: str) -> str:
        deadline = time.monotonic() + LINE_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1.0).rstrip("\n")
            except queue.Empty:
                continue
            self.seen.append(line)
            if wanted(line):
                return line
        raise AssertionError(f"no line {what} within {LINE_TIMEOUT_S:.0f} s; output:\n" + "\n".join(self.seen))


def node_jvm(jvms: list[psutil.Process], node_id: int) -> psutil.Process:
    """The JVM whose server.properties is node ``node_id``'s."""
    [jvm] = [p for p in jvms if any(f"node-{node_id}/server.properties" in part for part in p.cmdline())]
    return jvm


@pytest.mark.slow
def test_three_nodes_run_until_interrupted_and_a_dead_node_is_started_again(tmp_path: Path) -> None:
    port = free_block(6)
    command = [sys.executable, "-m", "stoppress.cli.kafka", "--brokers", "3", "--port", str(port)]
    command += ["--controller-port", str(port + 1), "--data-dir", str(tmp_path)]
    cli = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # As in a terminal: a harness may have started pytest with SIGINT ignored, which children inherit.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # noqa: PLW1509
    )
    try:
        output = Output(cli)
        bootstrap = ",".join(f"127.0.0.1:{port + 2 * k}" for k in range(3))
        output.wait_for(lambda line: line == f"Kafka ready on {bootstrap}", "saying the cluster is ready")
        assert any("node 3 of 3 ready" in line for line in output.seen), "progress is shown per node"
        jvms = psutil.Process(cli.pid).children()
        assert len(jvms) == 3
        assert sorted(path.name for path in tmp_path.iterdir()) == ["node-1", "node-2", "node-3"]

        node_jvm(jvms, 2).kill()
        output.wait_for(lambda line: "node 2" in line and "exited with code" in line, "reporting node 2's death")
        output.wait_for(lambda line: "node 2 started again" in line, "saying node 2 was started again")
        jvms = psutil.Process(cli.pid).children()
        assert len(jvms) == 3, "node 2 runs again beside the two others"

        cli.send_signal(signal.SIGINT)

        assert cli.wait(timeout=60) == 0
        output.wait_for(lambda line: line == "Kafka stopped", "saying Kafka stopped")
        assert all(wait_until_gone(jvm.pid) for jvm in jvms), "every JVM is gone"
    finally:
        cli.kill()
        cli.wait()
