"""``stoppress eval clustering FILE.csv``: score story clustering on labelled headlines.

Replays the CSV in timestamp order through the pure clustering core (no
broker, no worker), deciding each headline on arrival exactly as the ticker
does, and prints B-cubed and pairwise scores against the story column plus
the cost per headline. The CSV needs a headline, a story label and a time
column (UCI News Aggregator layout by default: ``TITLE``, ``STORY``,
``TIMESTAMP`` in epoch milliseconds; epoch seconds and ISO 8601 also work).

``--halves`` also replays each half (by time) on its own, to see whether a
setting holds up on data it was not tuned on; ``--interleave SEED`` gives
every headline a random time within the file's span, so stories overlap in
time and only the text can separate them; the tuning flags override the
:class:`~stoppress.ticker.clustering.StoryIndex` defaults.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from stoppress.ticker.clustering import StoryIndex
from stoppress.ticker.clustering_eval import LabelledHeadline, interleaved, percentile, replay, score

__all__ = ["load_labelled_csv", "register"]

_EPOCH_MS_THRESHOLD = 100_000_000_000  # epoch values above this are milliseconds (after 1973 in ms)


class EvalInputError(Exception):
    """The evaluation file or arguments cannot be used."""


def register(subparsers: Any) -> None:
    """Add ``eval clustering`` to the ``stoppress`` argument parser."""
    eval_parser = subparsers.add_parser("eval", help="evaluate parts of the pipeline on labelled data")
    eval_sub = eval_parser.add_subparsers(dest="eval_command", required=True)
    clustering = eval_sub.add_parser(
        "clustering",
        help="replay labelled headlines through story clustering and score it",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    clustering.add_argument("file", type=Path, help="CSV with headline, story label and timestamp columns")
    clustering.add_argument("--window-hours", type=float, default=48.0, help="clustering window (default 48)")
    clustering.add_argument("--json", type=Path, dest="json_out", help="also write the results as JSON here")
    clustering.add_argument("--halves", action="store_true", help="also replay each half (by time) on its own")
    clustering.add_argument("--interleave", type=int, metavar="SEED", help="replace times by random ones (seeded)")
    clustering.add_argument("--text-column", default="TITLE", help="headline column (default TITLE)")
    clustering.add_argument("--story-column", default="STORY", help="true story label column (default STORY)")
    clustering.add_argument("--time-column", default="TIMESTAMP", help="arrival time column (default TIMESTAMP)")
    tuning = clustering.add_argument_group("tuning (defaults: the StoryIndex defaults)")
    tuning.add_argument("--single-threshold", type=float, help="similarity a one-headline story needs")
    tuning.add_argument("--settled-threshold", type=float, help="floor of a large story's bar")
    tuning.add_argument("--half-life-minutes", type=float, help="time decay of a quiet story's pull; 0 disables")
    clustering.set_defaults(func=run_clustering_eval)


def run_clustering_eval(args: argparse.Namespace) -> int:
    """Run the evaluation; exit status 0 on success, 2 on bad arguments or unreadable input."""
    try:
        make_index = _index_factory(args)
        headlines = load_labelled_csv(args.file, args.text_column, args.story_column, args.time_column)
    except (OSError, UnicodeDecodeError, csv.Error, EvalInputError) as exc:
        print(f"stoppress eval clustering: {exc}", file=sys.stderr)
        return 2
    if args.interleave is not None:
        headlines = interleaved(headlines, args.interleave)
    report: dict[str, object] = {"file": str(args.file), "window_hours": args.window_hours}
    report["settings"] = {k: getattr(args, k) for k in ("single_threshold", "settled_threshold", "half_life_minutes")}
    report["interleave_seed"] = args.interleave
    report.update(_evaluate(headlines, make_index()))
    print(_format_report(report))
    if args.halves:
        middle = len(headlines) // 2
        for name, part in (("first_half", headlines[:middle]), ("second_half", headlines[middle:])):
            half = _evaluate(part, make_index())
            report[name] = half
            print(f"\n{name.replace('_', ' ')} (replayed on its own)")
            print(_format_report(half))
    if args.json_out is not None:
        args.json_out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


def _index_factory(args: argparse.Namespace) -> Callable[[], StoryIndex]:
    """A no-argument callable building the configured index; raises EvalInputError on bad tuning."""
    tuning: dict[str, Any] = {"window": timedelta(hours=args.window_hours)}
    if args.single_threshold is not None:
        tuning["single_threshold"] = args.single_threshold
    if args.settled_threshold is not None:
        tuning["settled_threshold"] = args.settled_threshold
    if args.half_life_minutes is not None:
        tuning["half_life"] = timedelta(minutes=args.half_life_minutes) if args.half_life_minutes else None
    try:
        StoryIndex(**tuning)
    except (ValueError, OverflowError) as exc:
        raise EvalInputError(f"bad setting: {exc}") from None
    return lambda: StoryIndex(**tuning)


def _evaluate(headlines: list[LabelledHeadline], index: StoryIndex) -> dict[str, object]:
    result = replay(headlines, index)
    scores = score(result.predicted, [h.story for h in headlines])
    return {
        **asdict(scores),
        "cpu_us_p50": percentile(result.cpu_us, 50),
        "cpu_us_p99": percentile(result.cpu_us, 99),
        "wall_us_p50": percentile(result.wall_us, 50),
        "wall_us_p99": percentile(result.wall_us, 99),
    }


def load_labelled_csv(path: Path, text_column: str, story_column: str, time_column: str) -> list[LabelledHeadline]:
    """Read labelled headlines from ``path``, sorted by time (ties keep file order).

    Raises :class:`EvalInputError` naming the line of the first bad value.
    """
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {text_column, story_column, time_column} - set(reader.fieldnames or [])
        if missing:
            raise EvalInputError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        headlines = [
            LabelledHeadline(text=row[text_column], story=row[story_column], at=_parse_time(row[time_column], line))
            for line, row in enumerate(reader, start=2)
        ]
    headlines.sort(key=lambda h: h.at)
    return headlines


def _parse_time(value: str | None, line: int) -> datetime:
    text = (value or "").strip()
    try:
        number = float(text)
    except ValueError:
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise EvalInputError(f"line {line}: time {value!r} is neither epoch seconds/ms nor ISO 8601") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    seconds = number / 1000 if abs(number) >= _EPOCH_MS_THRESHOLD else number
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise EvalInputError(f"line {line}: time {value!r} is out of range") from None


def _format_report(report: dict[str, object]) -> str:
    rows = [
        ("headlines", report["headlines"]),
        ("true stories", report["true_stories"]),
        ("predicted stories", report["predicted_stories"]),
        ("B-cubed precision", report["bcubed_precision"]),
        ("B-cubed recall", report["bcubed_recall"]),
        ("B-cubed F1", report["bcubed_f1"]),
        ("pairwise precision", report["pairwise_precision"]),
        ("pairwise recall", report["pairwise_recall"]),
        ("CPU per headline p50 (µs)", report["cpu_us_p50"]),
        ("CPU per headline p99 (µs)", report["cpu_us_p99"]),
        ("wall time per headline p50 (µs)", report["wall_us_p50"]),
        ("wall time per headline p99 (µs)", report["wall_us_p99"]),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {_fmt(value)}" for name, value in rows)


def _fmt(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)
