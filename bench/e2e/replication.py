"""What replication costs: the end-to-end benchmark on one Kafka node and on a three-node cluster, in one run.

::

    python -m bench.e2e.replication                       # 1,000 readers, 2 headlines/s, 60 s, on 1 then 3 nodes
    python -m bench.e2e.replication --rounds 2            # 1, 3, 1, 3: the machine's drift shows
    python -m bench.e2e.replication --clients 100 --duration 30

Each run is :func:`bench.e2e.run.measure` with the same readers and load,
on Kafka of its own: one node (every topic one copy), then three nodes (every
topic three copies, ``min.insync.replicas`` 2, so each ``acks=all`` write
waits for a follower). Besides the end-to-end latency (POST → reader, three
Kafka hops), each run measures its gateway-only comparison (one hop: a write
to ``ticker.events`` → readers) and its floor (three plain aiokafka hops →
the same readers), so the difference between the two runs is what
replication costs, end to end and per hop. Prints a table, writes
``bench/results/e2e-replication.json``; exits 1 if any run missed or repeated
an event, dropped a reader or had a post refused.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
from pathlib import Path
from typing import Any

import orjson

from bench.e2e.procs import ROOT
from bench.e2e.report import failures
from bench.e2e.run import FLOOR_HOPS, measure, parse

SIZES = (1, 3)


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def table(runs: list[dict[str, Any]]) -> str:
    """One row per run, then the cost of replication (means of the three-node runs minus the one-node runs)."""
    lines = [f"{'brokers':>7}  {'e2e p50':>7}  {'p95':>6}  {'p99':>6}  {'1 hop p50':>9}  {'p99':>6}  "
             f"{'3 plain hops p50':>16}  {'p99':>6}  {'POST→202 p50':>12}  missed/repeated  (ms)"]  # fmt: skip
    for run in runs:
        result = run["result"]
        e2e, hop, floor = result["latency_ms"], result["gateway_only_latency_ms"], result["floor_latency_ms"] or {}
        lines.append(f"{run['brokers']:>7}  {_ms(e2e['p50']):>7}  {_ms(e2e['p95']):>6}  {_ms(e2e['p99']):>6}  "
                     f"{_ms(hop['p50']):>9}  {_ms(hop['p99']):>6}  {_ms(floor.get('p50')):>16}  "
                     f"{_ms(floor.get('p99')):>6}  {_ms(result['ingest_answer_ms_p50']):>12}  "
                     f"{result['missed_events']}/{result['repeated_events']}")  # fmt: skip
    cost = replication_cost(runs)
    lines.append(f"replication (3 nodes − 1 node): e2e p50 {cost['e2e_p50_ms']:+.1f} ms, "
                 f"p99 {cost['e2e_p99_ms']:+.1f} ms; per hop at p50: {cost['hop_p50_ms']:+.1f} ms (gateway-only), "
                 f"{cost['floor_per_hop_p50_ms']:+.1f} ms (plain hops / {FLOOR_HOPS}); "
                 f"POST→202 {cost['post_p50_ms']:+.1f} ms")  # fmt: skip
    return "\n".join(lines)


def replication_cost(runs: list[dict[str, Any]]) -> dict[str, float]:
    """Mean of the three-node runs minus mean of the one-node runs, per figure (ms)."""

    def mean(brokers: int, pick: Any) -> float:
        values = [pick(run["result"]) for run in runs if run["brokers"] == brokers]
        values = [value for value in values if value is not None]
        return sum(values) / len(values) if values else float("nan")

    figures = {
        "e2e_p50_ms": lambda r: r["latency_ms"]["p50"],
        "e2e_p99_ms": lambda r: r["latency_ms"]["p99"],
        "hop_p50_ms": lambda r: r["gateway_only_latency_ms"]["p50"],
        "floor_per_hop_p50_ms": lambda r: (r["floor_latency_ms"] or {}).get("p50", 0.0) / FLOOR_HOPS,
        "post_p50_ms": lambda r: r["ingest_answer_ms_p50"],
    }
    return {name: mean(3, pick) - mean(1, pick) for name, pick in figures.items()}


def main(argv: list[str] | None = None) -> None:
    description = (__doc__ or "").splitlines()[0]
    parser = argparse.ArgumentParser(prog="python -m bench.e2e.replication", description=description)
    parser.add_argument("--clients", type=int, default=1000, help="WebSocket readers (default 1000)")
    parser.add_argument("--rate", type=float, default=2.0, help="headlines per second (default 2)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load per run (default 60)")
    parser.add_argument("--rounds", type=int, default=1, help="runs per cluster size, alternating (default 1)")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "e2e-replication.json",
                        help="where to write the JSON (default bench/results/e2e-replication.json)")
    arguments = parser.parse_args(argv)
    common = ["--clients", str(arguments.clients), "--rate", str(arguments.rate), "--duration", str(arguments.duration)]
    runs: list[dict[str, Any]] = []
    for round_number in range(arguments.rounds):
        for brokers in SIZES:
            print(f"round {round_number + 1}: {brokers} Kafka node(s)", file=sys.stderr)
            result = asyncio.run(measure(parse([*common, "--brokers", str(brokers)])))
            runs.append({"brokers": brokers, "round": round_number + 1, "result": result,
                         "failures": failures(result, soak=False), "load_average": os.getloadavg()})  # fmt: skip
    print(table(runs))
    problems = [f"{run['brokers']} node(s), round {run['round']}: {'; '.join(run['failures'])}"
                for run in runs if run["failures"]]  # fmt: skip
    print("verdict: " + ("; ".join(problems) if problems else "every reader got every event once, no errors"))
    machine = {"python": platform.python_version(), "cpus": os.cpu_count(), "load_average_at_end": os.getloadavg()}
    document = {"command": "python -m bench.e2e.replication " + " ".join(sys.argv[1:] if argv is None else argv),
                "settings": vars(arguments) | {"output": str(arguments.output)}, "machine": machine,
                "runs": runs, "replication_cost_ms": replication_cost(runs)}  # fmt: skip
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))
    print(f"wrote {arguments.output.relative_to(ROOT) if arguments.output.is_relative_to(ROOT) else arguments.output}")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
