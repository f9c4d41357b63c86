"""Benchmark the pure clustering core against the naive all-pairs Jaccard baseline.

Run from the repository root::

    .venv/bin/python -m bench.ticker.core [--file CSV] [--passes 4]

Each headline goes through ``signature`` + ``StoryIndex.match`` + ``add``, in
timestamp order, exactly as the ticker places a new item. Three scenarios:

- ``core``: the labelled dev set once (3,183 headlines).
- ``core-grown``: the same headlines replayed ``--passes`` times, each pass
  12 h after the previous one, so every pass stays inside the 48 h window and
  the index holds several times more stories that share vocabulary (candidate
  sets grow the way they would in a busy ticker).
- ``naive-jaccard``: single-link Jaccard of the same terms against every
  earlier headline in the window (O(n) per headline, the obvious first
  implementation), on the single pass only: grown, it would take minutes.

Per headline it records thread CPU time (the cost of the code, unaffected by
other processes on a shared machine) and wall time, and prints headlines/s
(over the whole loop) with p50/p99 per headline. Results go to
``bench/results/ticker-core.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path

from stoppress.cli.evaluate import load_labelled_csv
from stoppress.ticker.clustering import StoryIndex, signature
from stoppress.ticker.clustering_eval import LabelledHeadline, percentile, score

DEFAULT_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "uci-news-dev.csv"
RESULTS = Path(__file__).resolve().parents[1] / "results" / "ticker-core.json"
PASS_GAP = timedelta(hours=12)
NAIVE_THRESHOLD = 0.25
"""Jaccard needed to join; 0.25 puts the baseline at B-cubed precision ≈ 0.90 on the dev set."""


@dataclass(frozen=True)
class Scenario:
    """Throughput and per-headline cost of one scenario (µs; headlines per second)."""

    name: str
    headlines: int
    stories: int
    headlines_per_s_wall: float
    headlines_per_s_cpu: float
    cpu_us_p50: float
    cpu_us_p99: float
    wall_us_p50: float
    wall_us_p99: float
    bcubed_f1: float | None


Placer = Callable[[LabelledHeadline], str]


def measure(name: str, headlines: Sequence[LabelledHeadline], place: Placer, *, scored: bool) -> Scenario:
    """Time ``place`` on every headline; score against the labels when ``scored``."""
    cpu: list[float] = []
    wall: list[float] = []
    predicted: list[str] = []
    loop_wall, loop_cpu = time.perf_counter_ns(), time.thread_time_ns()
    for item in headlines:
        started_wall, started_cpu = time.perf_counter_ns(), time.thread_time_ns()
        predicted.append(place(item))
        cpu.append((time.thread_time_ns() - started_cpu) / 1000)
        wall.append((time.perf_counter_ns() - started_wall) / 1000)
    loop_wall, loop_cpu = time.perf_counter_ns() - loop_wall, time.thread_time_ns() - loop_cpu
    f1 = score(predicted, [h.story for h in headlines]).bcubed_f1 if scored else None
    return Scenario(
        name=name,
        headlines=len(headlines),
        stories=len(set(predicted)),
        headlines_per_s_wall=len(headlines) / (loop_wall / 1e9),
        headlines_per_s_cpu=len(headlines) / (loop_cpu / 1e9),
        cpu_us_p50=percentile(cpu, 50),
        cpu_us_p99=percentile(cpu, 99),
        wall_us_p50=percentile(wall, 50),
        wall_us_p99=percentile(wall, 99),
        bcubed_f1=f1,
    )


def core_placer(window: timedelta) -> Placer:
    """The real core: signature + match + add."""
    index = StoryIndex(window=window)
    counter = iter(range(1 << 62))

    def place(item: LabelledHeadline) -> str:
        sig = signature(item.text, item.language)
        story_id = index.match(sig, item.at) or f"story-{next(counter)}"
        index.add(story_id, sig, item.at)
        return story_id

    return place


def naive_placer(window: timedelta) -> Placer:
    """Single-link Jaccard of the same normalised terms over every earlier headline in the window."""
    seen: list[tuple[frozenset[str], str, float]] = []
    counter = iter(range(1 << 62))

    def place(item: LabelledHeadline) -> str:
        tokens = frozenset(signature(item.text, item.language).terms)
        cutoff = item.at.timestamp() - window.total_seconds()
        best, best_story = NAIVE_THRESHOLD, None
        for other, story_id, at in seen:
            if at >= cutoff and tokens and other:
                similarity = len(tokens & other) / len(tokens | other)
                if similarity >= best:
                    best, best_story = similarity, story_id
        story = best_story or f"story-{next(counter)}"
        seen.append((tokens, story, item.at.timestamp()))
        return story

    return place


def grown(headlines: Sequence[LabelledHeadline], passes: int) -> list[LabelledHeadline]:
    """The headlines replayed ``passes`` times, each pass ``PASS_GAP`` later, with pass-specific labels."""
    return [
        LabelledHeadline(h.text, f"{n}:{h.story}", h.at + n * PASS_GAP, h.language)
        for n in range(passes)
        for h in headlines
    ]


def render(rows: Sequence[Scenario]) -> str:
    """A fixed-width table of the scenarios."""
    header = f"{'scenario':<14} {'headlines':>9} {'stories':>7} {'hl/s wall':>10} {'hl/s CPU':>10} "
    header += f"{'CPU p50 µs':>10} {'CPU p99 µs':>10} {'wall p50 µs':>11} {'wall p99 µs':>11} {'B3 F1':>6}"
    lines = [header, "-" * len(header)]
    for r in rows:
        f1 = f"{r.bcubed_f1:.3f}" if r.bcubed_f1 is not None else "-"
        rate = f"{r.headlines_per_s_wall:>10.0f} {r.headlines_per_s_cpu:>10.0f}"
        cost = f"{r.cpu_us_p50:>10.1f} {r.cpu_us_p99:>10.1f} {r.wall_us_p50:>11.1f} {r.wall_us_p99:>11.1f}"
        lines.append(f"{r.name:<14} {r.headlines:>9} {r.stories:>7} {rate} {cost} {f1:>6}")
    return "\n".join(lines)


def main() -> None:
    """Run all scenarios, print the table and write the JSON results."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", type=Path, default=DEFAULT_DATA, help="labelled CSV (default: the UCI dev set)")
    parser.add_argument("--passes", type=int, default=4, help="passes in the grown-index scenario (default 4)")
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"JSON output (default {RESULTS})")
    args = parser.parse_args()
    window = timedelta(hours=48)
    headlines = load_labelled_csv(args.file, "TITLE", "STORY", "TIMESTAMP")
    load_before = os.getloadavg()[0]
    rows = [
        measure("core", headlines, core_placer(window), scored=True),
        measure("core-grown", grown(headlines, args.passes), core_placer(window), scored=True),
        measure("naive-jaccard", headlines, naive_placer(window), scored=True),
    ]
    load_after = os.getloadavg()[0]
    print(render(rows))
    print(f"\nload average (1 min) before/after: {load_before:.1f} / {load_after:.1f} on {os.cpu_count()} CPUs")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    result = {
        "command": "python -m bench.ticker.core",
        "data": args.file.name,
        "passes": args.passes,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "load_average_1m": [load_before, load_after],
        "scenarios": [asdict(r) for r in rows],
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
