"""``python -m bench``: which benchmarks there are; ``python -m bench NAME [ARGS]`` runs one.

Each is one command that prints a table and writes JSON into ``bench/results/``
(figures and how to read them: docs/benchmarks.md).
"""

from __future__ import annotations

import runpy
import sys

BENCHMARKS = {
    "ingest": ("bench.ingest", "HTTP ingest against a naive aiohttp → Kafka peer: items/s, p50/p99"),
    "ingest-cleaning": ("bench.ingest.cleaning", "text cleaning: the HTML-parser cleaner against the old regexes"),
    "ticker-core": ("bench.ticker.core", "clustering core against naive all-pairs Jaccard (no Kafka)"),
    "ticker": ("bench.ticker.stream", "headlines/s through the ticker worker against aiokafka and faust floors"),
    "push": ("bench.push", "gateway fan-out, completion, idle memory, reconnect storm at 10,000 clients"),
    "push-peers": ("bench.push.peers", "the gateway (1 and 2 workers) against Centrifugo v6.9.1, 10,000 clients"),
    "e2e": ("bench.e2e", "POST → 1,000 WebSocket readers, with gateway-only and plain-Kafka floor comparisons"),
    "e2e-floor": ("bench.e2e.floor", "the same readers behind 1, 2 and 3 plain Kafka hops"),
    "e2e-stages": ("bench.e2e.stages", "one reader: where the end-to-end time goes, stage by stage"),
    "desk": ("bench.desk", "editor's action → 1,000 readers, against a headline update in the same run"),
    "e2e-replication": ("bench.e2e.replication", "e2e on one Kafka node, then on three (every topic 3 copies)"),
}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in BENCHMARKS:
        if len(sys.argv) >= 2 and sys.argv[1] not in ("-h", "--help"):
            print(f"bench: no benchmark named {sys.argv[1]!r}\n", file=sys.stderr)
        print("usage: python -m bench NAME [ARGS]   (ARGS: see python -m bench NAME --help)\n")
        for name, (module, what) in BENCHMARKS.items():
            print(f"  {name:15} python -m {module:23} {what}")
        sys.exit(0 if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help") else 2)
    module = BENCHMARKS[sys.argv[1]][0]
    sys.argv = [f"python -m {module}", *sys.argv[2:]]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
