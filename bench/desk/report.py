"""The editor's desk benchmark's figures, table and verdict, from what the rounds, readers and topics recorded. Pure."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.desk.plan import HEADLINE, PAIRS, Round
from bench.e2e.stats import BUCKET_MS, merge, percentile_ms

GOAL_P99_MS = 1000.0
"""Issue 12: an editor's action reaches all of 1,000 readers within 1 s at p99."""
EDITOR = "editor"
SLOWEST_ROUNDS = 20

STAGES = (
    ("request → record on desk.commands / headlines.raw", "sent", "entered"),
    ("→ forwarded to the ticker's desk topic", "entered", "forwarded"),
    ("→ decided (event's processed_at)", "forwarded", "decided"),
    ("→ event on ticker.events", "decided", "published"),
    ("→ first reader has it", "published", "first"),
    ("→ last reader has it", "published", "last"),
    ("event → outcome on desk.outcomes", "published", "outcome"),
    ("outcome → the desk answers", "outcome", "answered"),
    ("request → answer (desk 200 / ingest 202)", "sent", "answered"),
    ("request → last reader has it", "sent", "last"),
)
"""(name, from, to): the moments (``time.time()``, s) each stage runs between; see :mod:`bench.desk.hops`."""


@dataclass
class Done:
    """One round as the driver ran it: when the request was sent (``time.time()``, s), how long the answer took,
    which events it caused, and the name of its records for :mod:`bench.desk.hops`."""

    round: Round
    story_id: str
    sent: float
    answer_ms: float
    status: int
    events: list[str] = field(default_factory=list)
    records: str = ""
    problem: str | None = None


def quantile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank ``q``-th percentile (0-100) of ``values``, like :func:`bench.e2e.stats.percentile_ms`."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, round(q / 100 * len(ordered))) - 1]


def figures(
    done: Sequence[Done], readers: Sequence[Mapping[str, Any]], moments: Mapping[str, Mapping[str, float]]
) -> dict[str, Any]:
    """Per kind of round: receipts (every reader × event), the last reader per round, answer times, stages."""
    per_event: dict[str, Counter[int]] = {}
    for reader in readers:
        for event_id, histogram in reader["events"].items():
            per_event[event_id] = per_event.get(event_id, Counter()) + merge([histogram])
    clients = sum(reader["clients"] for reader in readers)
    measured = [d for d in done if not d.round.warmup]
    rows = [_round_row(d, per_event, clients, moments) for d in measured]
    actions = [action for pair in PAIRS.values() for action, _ in pair]
    kinds = [*sorted({d.round.kind for d in measured if d.round.editor}, key=actions.index), EDITOR, HEADLINE]
    return {
        "clients": clients,
        "kinds": {kind: _kind(kind, measured, rows, per_event, clients) for kind in kinds},
        "stages_ms": {
            kind: _stages([row for d, row in zip(measured, rows, strict=True) if _is(d, kind)])
            for kind in (EDITOR, HEADLINE)
        },
        "missed": sum(row["missed"] for row in rows),
        "repeats": sum(reader["repeats"] for reader in readers),
        "clients_missing_events": sum(1 for reader in readers for count in reader["missed"] if count),
        "closes": dict(sum((Counter(reader["closes"]) for reader in readers), Counter())),
        "failed_rounds": [
            {"number": d.round.number, "kind": d.round.kind, "status": d.status, "problem": d.problem}
            for d in measured
            if d.problem
        ],
        **by_round(rows),
    }


def by_round(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The per-round figures worth keeping: each round's last receipt (ms, in the order they ran, by editor and
    headline), and the slowest rounds with every moment (ms after the request was sent), to see where they lost
    time."""
    last = {
        kind: [_tenth(row["last_reader_ms"]) for row in rows if (row["kind"] == HEADLINE) == (kind == HEADLINE)]
        for kind in (EDITOR, HEADLINE)
    }
    slowest = sorted(rows, key=lambda row: -(row["last_reader_ms"] or float("inf")))[:SLOWEST_ROUNDS]
    traces = []
    for row in slowest:
        sent = row["moments"]["sent"]
        after = {name: _tenth(1e3 * (at - sent)) for name, at in sorted(row["moments"].items(), key=lambda m: m[1])}
        traces.append(
            {
                "number": row["number"],
                "kind": row["kind"],
                "story_id": row["story_id"],
                "events": row["events"],
                "missed": row["missed"],
                "ms_after_request": after,
            }
        )
    return {"last_reader_ms_by_round": last, "slowest_rounds": traces}


def _tenth(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _is(done: Done, kind: str) -> bool:
    return done.round.kind == kind or (kind == EDITOR and done.round.editor)


def _round_row(
    done: Done, per_event: Mapping[str, Counter[int]], clients: int, moments: Mapping[str, Mapping[str, float]]
) -> dict[str, Any]:
    histograms = [per_event.get(event_id, Counter()) for event_id in done.events]
    received = [sum(h.values()) for h in histograms]
    complete = bool(histograms) and all(n == clients for n in received)
    at: dict[str, float] = {"sent": done.sent, "answered": done.sent + done.answer_ms / 1e3}
    if histograms and all(received):
        at["first"] = done.sent + min(min(h) for h in histograms) * BUCKET_MS / 1e3
        if complete:
            at["last"] = done.sent + max(max(h) for h in histograms) * BUCKET_MS / 1e3
    found = moments.get(done.records, {})
    at |= {name: found[name] for name in ("entered", "forwarded", "outcome") if name in found}
    if done.events:
        last_event = moments.get(f"event:{done.events[-1]}", {})
        at |= {name: last_event[name] for name in ("decided", "published") if name in last_event}
    return {
        "number": done.round.number,
        "kind": done.round.kind,
        "story_id": done.story_id,
        "events": done.events,
        "status": done.status,
        "answer_ms": done.answer_ms,
        "first_reader_ms": 1e3 * (at["first"] - done.sent) if "first" in at else None,
        "last_reader_ms": 1e3 * (at["last"] - done.sent) if "last" in at else None,
        "missed": sum(clients - n for n in received),
        "moments": at,
    }


def _kind(
    kind: str,
    measured: Sequence[Done],
    rows: Sequence[Mapping[str, Any]],
    per_event: Mapping[str, Counter[int]],
    clients: int,
) -> dict[str, Any]:
    chosen = [(d, row) for d, row in zip(measured, rows, strict=True) if _is(d, kind)]
    receipts = merge(per_event.get(event_id, Counter()) for d, _ in chosen for event_id in d.events)
    last = [row["last_reader_ms"] for _, row in chosen if row["last_reader_ms"] is not None]
    answers = [d.answer_ms for d, _ in chosen if not d.problem]
    return {
        "rounds": len(chosen),
        "rounds_complete": len(last),
        "events": sum(len(d.events) for d, _ in chosen),
        "receipts": sum(receipts.values()),
        "missed": sum(row["missed"] for _, row in chosen),
        "all_readers_ms": {
            "p50": percentile_ms(receipts, 50),
            "p99": percentile_ms(receipts, 99),
            "max": percentile_ms(receipts, 100),
        },
        "last_reader_ms": {"p50": quantile(last, 50), "p99": quantile(last, 99), "max": quantile(last, 100)},
        "answer_ms": {"p50": quantile(answers, 50), "p99": quantile(answers, 99), "max": quantile(answers, 100)},
        "clients": clients,
    }


def _stages(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    stages = []
    for name, start, end in STAGES:
        spans = [
            1e3 * (row["moments"][end] - row["moments"][start])
            for row in rows
            if start in row["moments"] and end in row["moments"]
        ]
        stages.append(
            {
                "stage": name,
                "rounds": len(spans),
                "p50": quantile(spans, 50),
                "p99": quantile(spans, 99),
                "max": quantile(spans, 100),
            }
        )
    return stages


def failures(result: Mapping[str, Any]) -> list[str]:
    """What went wrong: refused or unfinished rounds, events missed or repeated, connections lost."""
    found = []
    if result["failed_rounds"]:
        found.append(f"{len(result['failed_rounds'])} rounds failed (first: {result['failed_rounds'][0]})")
    if result["missed"]:
        found.append(f"{result['missed']} receipts missed by {result['clients_missing_events']} readers")
    if result["repeats"]:
        found.append(f"{result['repeats']} events received twice")
    if result["closes"]:
        found.append(f"connections closed: {result['closes']}")
    return found


def verdict(result: Mapping[str, Any]) -> str:
    """The editor's actions against the goal, next to a headline update in the same run."""
    editor, headline = result["kinds"][EDITOR]["last_reader_ms"], result["kinds"][HEADLINE]["last_reader_ms"]
    if editor["p99"] is None:
        return "no editor action reached every reader"
    met = "met" if editor["p99"] <= GOAL_P99_MS else "NOT met"
    return (
        f"editor action → all {result['clients']:,} readers: p99 {_ms(editor['p99'])}, goal ≤ {GOAL_P99_MS:g} ms "
        f"{met} (headline update in the same run: p99 {_ms(headline['p99'])})"
    )


def table(result: Mapping[str, Any]) -> str:
    """The figures as two plain-text tables: per kind of round, and per stage."""
    head = (
        "kind",
        "rounds",
        "receipts",
        "missed",
        "all readers p50 / p99",
        "last reader p50 / p99 / max",
        "answer p50 / p99",
    )
    lines = [head]
    for kind, row in result["kinds"].items():
        every, last, answer = row["all_readers_ms"], row["last_reader_ms"], row["answer_ms"]
        label = {EDITOR: "editor: all", HEADLINE: "headline update"}.get(kind, f"editor: {kind}")
        lines.append(
            (
                label,
                str(row["rounds"]),
                f"{row['receipts']:,}",
                str(row["missed"]),
                f"{_ms(every['p50'])} / {_ms(every['p99'])}",
                f"{_ms(last['p50'])} / {_ms(last['p99'])} / {_ms(last['max'])}",
                f"{_ms(answer['p50'])} / {_ms(answer['p99'])}",
            )
        )
    text = _columns(lines)
    stage_lines: list[tuple[str, ...]] = [("stage (p50 / p99)", "editor action", "headline update")]
    editor, headline = result["stages_ms"][EDITOR], result["stages_ms"][HEADLINE]
    for mine, theirs in zip(editor, headline, strict=True):
        stage_lines.append((mine["stage"], _pair(mine), _pair(theirs)))
    load = result.get("load_average") or {}
    cpu = ", ".join(f"{name} {percent:.1f} %" for name, percent in (result.get("cpu_percent_mean") or {}).items())
    machine = (
        (
            f"load average {load['start'][0]:.1f} at the start, {load['end'][0]:.1f} at the end; "
            f"mean CPU of one core during the rounds: {cpu}"
        )
        if load
        else ""
    )
    return text + "\n\n" + _columns(stage_lines) + ("\n\n" + machine if machine else "")


def _pair(stage: Mapping[str, Any]) -> str:
    return "-" if not stage["rounds"] else f"{_ms(stage['p50'])} / {_ms(stage['p99'])}"


def _columns(lines: Sequence[tuple[str, ...]]) -> str:
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    rendered = []
    for n, line in enumerate(lines):
        cells = [cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(line)]
        rendered.append("  ".join(cells))
        if n == 0:
            rendered.append("  ".join("-" * w for w in widths))
    return "\n".join(rendered)


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} ms"
