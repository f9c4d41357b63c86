"""Turning the readers' reports and the gateway samples into the benchmark's figures, table and verdict. Pure."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from bench.e2e.stats import merge, percentile_ms, rss_trend

GOAL_P50_MS = 10.0
GOAL_P99_MS = 50.0
"""The push gateway's end-to-end goal (issue 5): POST to client receipt at 2 events/s with 1,000 clients."""
GOAL_FLOOR_RATIO_P50 = 1.2
"""Issue 15: the e2e p50 at most this many times the floor's p50 measured in the same run."""
FLAT_GROWTH = 1.10
"""The soak's memory is flat if the last minute's median RSS is within 10 % of the first settled minute's."""


def figures(
    *,
    readers: Sequence[Mapping[str, Any]],
    accepted: Mapping[int, float],
    statuses: Mapping[int, int],
    withdrawn: int,
    answers_s: Sequence[float],
    gateway: Sequence[tuple[float, float, float]],
    warmup_s: float,
    stage_means_ms: Mapping[str, float | None],
    floor: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything the run measured. ``gateway`` samples are (s since the load started, RSS bytes, CPU %).

    ``floor``: the same readers behind plain Kafka hops (:mod:`bench.e2e.floor`), if that comparison ran.
    """
    histogram = merge(reader["histogram"] for reader in readers)
    direct = merge(reader["direct_histogram"] for reader in readers)
    missed = [count for reader in readers for count in reader["missed"]]
    closes: Counter[str] = Counter()
    for reader in readers:
        closes.update(reader["closes"])
    first_sent = min(accepted.values(), default=0.0)
    last_arrival = max((reader["last_arrival"] for reader in readers), default=0.0)
    frames = sum(reader["frames"] for reader in readers)
    during = [(t, rss, cpu) for t, rss, cpu in gateway if t >= 0]
    cpu = [c for _, _, c in during]
    return {
        "clients": sum(reader["clients"] for reader in readers),
        "posts": sum(statuses.values()),
        "accepted": statuses.get(202, 0),
        "headlines": len(accepted),
        "withdrawn": withdrawn,
        "statuses": {str(status): count for status, count in sorted(statuses.items())},
        "ingest_answer_ms_p50": 1e3 * statistics.median(answers_s) if answers_s else None,
        "stage_means_ms": dict(stage_means_ms),
        "latency_ms": {f"p{q}": percentile_ms(histogram, q) for q in (50, 95, 99)}
        | {"max": percentile_ms(histogram, 100), "samples": sum(histogram.values())},
        "gateway_only_latency_ms": {f"p{q}": percentile_ms(direct, q) for q in (50, 95, 99)}
        | {"max": percentile_ms(direct, 100), "samples": sum(direct.values())},
        "floor_latency_ms": dict(floor) if floor is not None else None,
        "floor_ratio": _ratios(histogram, floor),
        "delivered_frames_per_s": frames / (last_arrival - first_sent) if last_arrival > first_sent else 0.0,
        "frames": frames,
        "missed_events": sum(missed),
        "clients_missing_events": sum(1 for count in missed if count),
        "repeated_events": sum(reader["repeats"] for reader in readers),
        "unexpected_closes": dict(closes),
        "gateway": {
            "rss_mib_at_start": _mib(during[0][1]) if during else None,
            "rss_mib_max": _mib(max(rss for _, rss, _ in during)) if during else None,
            "rss_mib_at_end": _mib(during[-1][1]) if during else None,
            "cpu_percent_mean": statistics.fmean(cpu) if cpu else None,
            "cpu_percent_max": max(cpu) if cpu else None,
            "rss_trend": rss_trend([(t, rss) for t, rss, _ in during], warmup_s),
        },
    }


def failures(result: Mapping[str, Any], soak: bool) -> list[str]:
    """What went wrong: lost or repeated events, errors, non-202 answers, and (soak) memory that grew."""
    found = []
    if result["missed_events"]:
        found.append(f"{result['missed_events']} events missed by {result['clients_missing_events']} clients")
    if result["repeated_events"]:
        found.append(f"{result['repeated_events']} events received twice")
    if result["unexpected_closes"]:
        found.append(f"connections closed: {result['unexpected_closes']}")
    if result["accepted"] != result["posts"]:
        found.append(f"ingest answers {result['statuses']}")
    growth = result["gateway"]["rss_trend"]["growth_ratio"]
    if soak and growth > FLAT_GROWTH:
        found.append(f"gateway memory grew {100 * (growth - 1):.0f} % after warm-up")
    return found


def table(result: Mapping[str, Any], settings: Mapping[str, Any]) -> str:
    """The figures as a plain-text table."""
    latency, only, gateway = result["latency_ms"], result["gateway_only_latency_ms"], result["gateway"]
    trend = gateway["rss_trend"]
    rows = [
        ("clients", f"{result['clients']:,}"),
        ("rate", f"{settings['rate']} /s" + (f" + {settings['burst_size']} in 1 s every {settings['burst_every']} s"
                                            if settings["burst_size"] else "")),
        ("duration", f"{settings['duration']} s"),
        ("posts accepted", f"{result['accepted']} of {result['posts']} ({result['headlines']} headlines, "
                           f"{result['withdrawn']} withdrawn; POST→202 p50 {_ms(result['ingest_answer_ms_p50'])})"),
        ("e2e latency p50", f"{_ms(latency['p50'])}   (goal ≤ {GOAL_P50_MS:g} ms)"),
        ("e2e latency p95", _ms(latency["p95"])),
        ("e2e latency p99", f"{_ms(latency['p99'])}   (goal ≤ {GOAL_P99_MS:g} ms)"),
        ("e2e latency max", _ms(latency["max"])),
        ("gateway only", f"Kafka write → reader: p50 {_ms(only['p50'])}, p95 {_ms(only['p95'])}, "
                         f"p99 {_ms(only['p99'])}"),
        ("floor", _floor(result["floor_latency_ms"])),
        ("e2e / floor", _ratio_text(result.get("floor_ratio"), latency["p99"])),
        ("stage means", f"receipt→ticker decision {_ms(result['stage_means_ms']['receipt_to_ticker_decision'])}, "
                        f"receipt→gateway write {_ms(result['stage_means_ms']['receipt_to_gateway_write'])}"),
        ("delivered frames/s", f"{result['delivered_frames_per_s']:,.0f}"),
        ("missed / repeated", f"{result['missed_events']} / {result['repeated_events']}"),
        ("unexpected closes", str(sum(result["unexpected_closes"].values()))),
        ("gateway RSS", f"{gateway['rss_mib_at_start']:.0f} → max {gateway['rss_mib_max']:.0f} → "
                        f"{gateway['rss_mib_at_end']:.0f} MiB"),
        ("gateway RSS trend", f"{trend['slope_mib_per_min']:+.2f} MiB/min, last/first minute "
                              f"{trend['growth_ratio']:.3f}"),
        ("gateway CPU", f"mean {gateway['cpu_percent_mean']:.1f} %, max {gateway['cpu_percent_max']:.0f} % "
                        "of one core"),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} ms"


def _mib(value: float) -> float:
    return value / 2**20


def _ratios(histogram: Mapping[int, int], floor: Mapping[str, Any] | None) -> dict[str, float] | None:
    """e2e latency over the floor's, per quantile (p50, p95, p99), when the floor ran and has figures."""
    if floor is None:
        return None
    ratios = {}
    for name, q in (("p50", 50), ("p95", 95), ("p99", 99)):
        mine, theirs = percentile_ms(histogram, q), floor.get(name)
        if mine is not None and theirs:
            ratios[name] = round(mine / theirs, 3)
    return ratios or None


def _ratio_text(ratios: Mapping[str, float] | None, p99_ms: float | None) -> str:
    if not ratios or "p50" not in ratios:
        return "not measured"
    met = ratios["p50"] <= GOAL_FLOOR_RATIO_P50 and p99_ms is not None and p99_ms <= GOAL_P99_MS
    return (f"p50 ×{ratios['p50']:.2f} (goal ≤ ×{GOAL_FLOOR_RATIO_P50:g}), p99 ×{ratios.get('p99', 0):.2f}; "
            f"p99 {_ms(p99_ms)} (goal ≤ {GOAL_P99_MS:g} ms): issue 15 {'met' if met else 'not met'} in this run")


def _floor(floor: Mapping[str, Any] | None) -> str:
    if floor is None:
        return "not measured"
    return (f"{floor['hops']} plain Kafka hops → the same readers: p50 {_ms(floor['p50'])}, p95 {_ms(floor['p95'])}, "
            f"p99 {_ms(floor['p99'])} (no HTTP, validation, faust or gateway work; {floor['missed_events']} missed)")
