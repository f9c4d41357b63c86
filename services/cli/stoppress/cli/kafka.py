"""``stoppress kafka``: a local Kafka node, or a cluster of them, in the foreground until Ctrl-C.

Also ``python -m stoppress.cli.kafka`` (``--fetch-only``: just fetch the broker jars, as
``make kafka-jars`` does). The nodes are :class:`~stoppress.cli.localcluster.LocalKafkaCluster`'s:
node *k* on ``--port + 2(k-1)`` and ``--controller-port + 2(k-1)``, its storage in ``--data-dir``
(one node) or ``--data-dir/node-k``. A node that dies is reported and started again
(:meth:`~stoppress.cli.localcluster.LocalKafkaCluster.tend`); Ctrl-C or SIGTERM stops them all.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from stoppress.cli.localcluster import LocalKafkaCluster, node_ports
from stoppress.cli.localkafka import (
    DEFAULT_CONTROLLER_PORT,
    DEFAULT_DATA_DIR,
    DEFAULT_PORT,
    LocalKafka,
    LocalKafkaError,
)

TEND_INTERVAL_S = 0.5


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add ``stoppress kafka`` to the command line."""
    parser = subparsers.add_parser(
        "kafka",
        help="run a local Kafka broker or cluster (KRaft, from Maven jars) in the foreground until Ctrl-C",
        description="Run a local Kafka (KRaft) node or cluster from Maven jars, with the Stop Press topics, "
        "until Ctrl-C.",
    )
    add_arguments(parser)
    parser.set_defaults(func=run)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command's options (shared with ``python -m stoppress.cli.kafka``)."""
    parser.add_argument(
        "--brokers",
        type=int,
        default=1,
        help="nodes, each broker and controller: 1 (default), or 3 or more for a cluster that survives losing one",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"client port of node 1 (default {DEFAULT_PORT}); node k listens on PORT + 2(k-1)",
    )
    parser.add_argument(
        "--controller-port",
        type=int,
        default=DEFAULT_CONTROLLER_PORT,
        help=f"KRaft controller port of node 1 (default {DEFAULT_CONTROLLER_PORT}); node k on CONTROLLER_PORT + 2(k-1)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help=f"storage, server.properties and broker.log, kept between runs (default {DEFAULT_DATA_DIR}; "
        "a cluster's node k in DATA_DIR/node-k)",
    )
    parser.add_argument("--fetch-only", action="store_true", help="only fetch the broker jars into the cache")


def run(arguments: argparse.Namespace) -> int:
    """Run the nodes until Ctrl-C or SIGTERM (exit 0); exit 1 if they cannot be started."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    cluster: LocalKafkaCluster | None = None
    try:
        if arguments.fetch_only:
            print(f"Kafka jars in {LocalKafka(arguments.data_dir).ensure_jars()}")
            return 0
        ports = node_ports(arguments.brokers, arguments.port, arguments.controller_port)
        cluster = LocalKafkaCluster(arguments.data_dir, arguments.brokers, ports=ports)
        if len(cluster.nodes) > 1:
            _say(f"starting {len(cluster.nodes)} Kafka nodes under {cluster.data_dir}")
        cluster.launch(say=_say)
        print(f"Kafka ready on {cluster.bootstrap}", flush=True)
        while True:
            cluster.tend(_say)
            time.sleep(TEND_INTERVAL_S)
    except KeyboardInterrupt:
        if cluster is not None:
            cluster.stop()  # before saying so
        print("Kafka stopped", flush=True)
        return 0
    except LocalKafkaError as error:
        print(error, file=sys.stderr)
        return 1
    finally:
        if cluster is not None:
            cluster.stop()


def _say(message: str) -> None:
    print(f"stoppress kafka: {message}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m stoppress.cli.kafka [--brokers N] [--port N] [--controller-port N] [--data-dir D]
    [--fetch-only]``."""
    parser = argparse.ArgumentParser(prog="python -m stoppress.cli.kafka", description=run.__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
