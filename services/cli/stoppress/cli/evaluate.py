"""``stoppress eval clustering [FILE.csv] [--feedback LOG | --feedback-from-kafka]``: score story clustering.

Replays the CSV in timestamp order through the pure clustering core (no
broker, no worker), deciding each headline on arrival exactly as the ticker
does, and prints B-cubed and pairwise scores against the story column plus
the cost per headline. The CSV needs a headline, a story label and a time
column (UCI News Aggregator layout by default: ``TITLE``, ``STORY``,
``TIMESTAMP`` in epoch milliseconds; epoch seconds and ISO 8601 also work).

``--feedback LOG`` judges the clusterer against the newsroom's own
corrections instead, or as well when a CSV is given: LOG is what ``stoppress
desk log --json`` prints, and ``--feedback-from-kafka`` reads every outcome on
``desk.outcomes`` from the broker (the full history; the desk service's log
keeps only its most recent entries). Each applied merge makes must-link pairs
and each split cannot-link pairs; the corrected items are replayed through a
fresh index in the order they arrived, and the report gives the share of
must-link pairs put together and of cannot-link pairs kept apart, overall and
per correction (:mod:`stoppress.ticker.clustering_feedback`).

``--halves`` also replays each half (by time) on its own, to see whether a
setting holds up on data it was not tuned on; ``--outsiders`` replays each
half and matches the other half's headlines of stories it never saw against
it at ten points: each one that joins a story is a wrong join, the mistake
a closed set of labelled stories cannot show; ``--interleave SEED`` gives
every headline a random time within the file's span, so stories overlap in
time and only the text can separate them; the tuning flags override the
:class:`~stoppress.ticker.clustering.StoryIndex` defaults.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import logging
import sys
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from stoppress.cli.deskfeedback import FeedbackInputError, read_log_file, read_outcomes_topic
from stoppress.shared.models import DeskOutcome
from stoppress.shared.settings import DEFAULT_BOOTSTRAP
from stoppress.shared.topics import DESK_OUTCOMES
from stoppress.ticker.clustering import StoryIndex
from stoppress.ticker.clustering_eval import (
    LabelledHeadline,
    OutsiderJoins,
    interleaved,
    outsider_joins,
    percentile,
    replay,
    score,
)
from stoppress.ticker.clustering_feedback import FeedbackScores, evaluate_feedback

__all__ = ["load_labelled_csv", "register"]

_EPOCH_MS_THRESHOLD = 100_000_000_000  # epoch values above this are milliseconds (after 1973 in ms)


class EvalInputError(Exception):
    """The evaluation file or arguments cannot be used."""


class EvalSettings(BaseSettings):
    """What ``stoppress eval`` takes from the environment: the broker, for ``--feedback-from-kafka``."""

    model_config = SettingsConfigDict(extra="ignore")

    kafka_bootstrap: str = Field(DEFAULT_BOOTSTRAP, validation_alias=AliasChoices("STOPPRESS_KAFKA_BOOTSTRAP"))


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
    clustering.add_argument(
        "file", nargs="?", type=Path, help="CSV with headline, story label and timestamp columns (optional with "
        "--feedback or --feedback-from-kafka)",
    )  # fmt: skip
    clustering.add_argument("--window-hours", type=float, default=48.0, help="clustering window (default 48)")
    clustering.add_argument("--json", type=Path, dest="json_out", help="also write the results as JSON here")
    clustering.add_argument("--halves", action="store_true", help="also replay each half (by time) on its own")
    clustering.add_argument(
        "--outsiders", action="store_true", help="match each half's unseen stories against the other half's index"
    )
    clustering.add_argument("--interleave", type=int, metavar="SEED", help="replace times by random ones (seeded)")
    clustering.add_argument("--text-column", default="TITLE", help="headline column (default TITLE)")
    clustering.add_argument("--story-column", default="STORY", help="true story label column (default STORY)")
    clustering.add_argument("--time-column", default="TIMESTAMP", help="arrival time column (default TIMESTAMP)")
    tuning = clustering.add_argument_group("tuning (defaults: the StoryIndex defaults)")
    tuning.add_argument("--single-threshold", type=float, help="similarity a one-headline story needs")
    tuning.add_argument("--settled-threshold", type=float, help="floor of a large story's bar")
    tuning.add_argument("--half-life-minutes", type=float, help="time decay of a quiet story's pull; 0 disables")
    tuning.add_argument(
        "--no-everyday-rule", action="store_true", help="let one shared everyday word join a headline to a story"
    )
    corrections = clustering.add_argument_group("editors' corrections (merges and splits from the desk)")
    source = corrections.add_mutually_exclusive_group()
    source.add_argument("--feedback", type=Path, metavar="LOG", help="audit log lines from 'stoppress desk log --json'")
    source.add_argument("--feedback-from-kafka", action="store_true", help=f"every outcome on {DESK_OUTCOMES}")
    corrections.add_argument(
        "--bootstrap", help=f"host:port of a broker (default $STOPPRESS_KAFKA_BOOTSTRAP or {DEFAULT_BOOTSTRAP})"
    )
    corrections.add_argument("--outcomes-topic", help=f"the outcomes topic (default {DESK_OUTCOMES})")
    clustering.set_defaults(func=run_clustering_eval)


def run_clustering_eval(args: argparse.Namespace) -> int:
    """Run the evaluation; exit status 0 on success, 2 on bad arguments or unreadable input."""
    try:
        _check_inputs(args)
        make_index = _index_factory(args)
        headlines = None
        if args.file is not None:
            headlines = load_labelled_csv(args.file, args.text_column, args.story_column, args.time_column)
        feedback = _read_feedback(args)
    except (OSError, UnicodeDecodeError, csv.Error, EvalInputError, FeedbackInputError) as exc:
        print(f"stoppress eval clustering: {exc}", file=sys.stderr)
        return 2
    report: dict[str, object] = {"file": None if args.file is None else str(args.file)}
    report["window_hours"] = args.window_hours
    settings = ("single_threshold", "settled_threshold", "half_life_minutes", "no_everyday_rule")
    report["settings"] = {k: getattr(args, k) for k in settings}
    report["interleave_seed"] = args.interleave
    if headlines is not None:
        _evaluate_csv(headlines, make_index, args, report)
    if feedback is not None:
        source, outcomes = feedback
        judged = _feedback_report(evaluate_feedback(outcomes, make_index))
        report["feedback"] = {"source": source, "outcomes_read": len(outcomes), **judged}
        if headlines is not None:
            print()
        print(f"editors' corrections from {source}")
        print(_format_feedback(judged))
    if args.json_out is not None:
        args.json_out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


def _check_inputs(args: argparse.Namespace) -> None:
    """Refuse combinations that would silently ignore a flag."""
    has_feedback = args.feedback is not None or args.feedback_from_kafka
    if args.file is None and not has_feedback:
        raise EvalInputError("give a labelled CSV, --feedback LOG or --feedback-from-kafka (or a CSV and one of them)")
    if args.file is None and (args.halves or args.outsiders or args.interleave is not None):
        raise EvalInputError("--halves, --outsiders and --interleave replay a labelled CSV; give one")
    if not args.feedback_from_kafka and (args.bootstrap is not None or args.outcomes_topic is not None):
        raise EvalInputError("--bootstrap and --outcomes-topic go with --feedback-from-kafka")


def _evaluate_csv(
    headlines: list[LabelledHeadline],
    make_index: Callable[[], StoryIndex],
    args: argparse.Namespace,
    report: dict[str, object],
) -> None:
    """Score the labelled CSV (and its halves, if asked) into ``report``, printing each table."""
    if args.interleave is not None:
        headlines = interleaved(headlines, args.interleave)
    report.update(_evaluate(headlines, make_index()))
    print(_format_report(report))
    if args.halves:
        middle = len(headlines) // 2
        for name, part in (("first_half", headlines[:middle]), ("second_half", headlines[middle:])):
            half = _evaluate(part, make_index())
            report[name] = half
            print(f"\n{name.replace('_', ' ')} (replayed on its own)")
            print(_format_report(half))
    if args.outsiders:
        middle = len(headlines) // 2
        first, second = headlines[:middle], headlines[middle:]
        halves = {"first_half": (first, second), "second_half": (second, first)}
        joined = {name: outsider_joins(part, others, make_index()) for name, (part, others) in halves.items()}
        report["outsiders"] = {name: {**asdict(found), "rate": found.rate} for name, found in joined.items()}
        print("\noutsiders: the other half's headlines of stories a half never saw, matched against it at 10 points")
        print(_format_outsiders(joined))


def _read_feedback(args: argparse.Namespace) -> tuple[str, list[DeskOutcome]] | None:
    """Where the corrections came from (for the report) and the outcomes read there; ``None`` if not asked."""
    if args.feedback is not None:
        return str(args.feedback), read_log_file(args.feedback)
    if not args.feedback_from_kafka:
        return None
    bootstrap = args.bootstrap or EvalSettings().kafka_bootstrap
    topic = args.outcomes_topic or DESK_OUTCOMES
    logging.getLogger("aiokafka").addHandler(logging.NullHandler())  # its connection errors are in our message
    read = asyncio.run(read_outcomes_topic(bootstrap, topic))
    if read.unreadable:
        print(f"stoppress eval clustering: skipped {read.unreadable} record(s) of {topic} that are not desk outcomes",
              file=sys.stderr)  # fmt: skip
    return f"kafka://{bootstrap}/{topic}", read.outcomes


def _index_factory(args: argparse.Namespace) -> Callable[[], StoryIndex]:
    """A no-argument callable building the configured index; raises EvalInputError on bad tuning."""
    tuning: dict[str, Any] = {"window": timedelta(hours=args.window_hours)}
    if args.single_threshold is not None:
        tuning["single_threshold"] = args.single_threshold
    if args.settled_threshold is not None:
        tuning["settled_threshold"] = args.settled_threshold
    if args.half_life_minutes is not None:
        tuning["half_life"] = timedelta(minutes=args.half_life_minutes) if args.half_life_minutes else None
    if args.no_everyday_rule:
        tuning["everyday_rule"] = False
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


def _feedback_report(scores: FeedbackScores) -> dict[str, object]:
    """The scores as JSON-able values, with each share next to its counts (``None``: nothing to judge)."""
    report = asdict(scores)
    report["together_share"] = scores.together_share
    report["apart_share"] = scores.apart_share
    report["per_correction"] = [
        {**asdict(c), "decided_at": c.decided_at.isoformat(), "honoured_share": c.honoured_share}
        for c in scores.per_correction
    ]
    return report


def _format_feedback(report: dict[str, Any]) -> str:
    """The overall figures, then one line per correction, oldest first."""
    rows = [
        ("corrections", f"{report['corrections']} (merges {report['merges']}, splits {report['splits']})"),
        ("items replayed", report["items"]),
        ("must-link pairs (from merges)", report["must_link_pairs"]),
        ("  put together", _part(report["together"], report["together_share"])),
        ("cannot-link pairs (from splits)", report["cannot_link_pairs"]),
        ("  kept apart", _part(report["apart"], report["apart_share"])),
        ("pairs relabelled by a later correction", report["relabelled_pairs"]),
    ]
    width = max(len(name) for name, _ in rows)
    lines = [f"{name:<{width}}  {value}" for name, value in rows]
    if report["per_correction"]:
        lines += ["", f"{'decided (UTC)':<19}  {'kind':<5}  {'story':<24}  {'editor':<16}  {'pairs':>5}  honoured"]
    for c in report["per_correction"]:
        decided = datetime.fromisoformat(c["decided_at"]).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        later = f"; {c['relabelled']} relabelled later" if c["relabelled"] else ""
        lines.append(f"{decided:<19}  {c['kind']:<5}  {c['story_id']:<24}  {c['editor']:<16}  {c['pairs']:>5}  "
                     f"{_part(c['honoured'], c['honoured_share'])}{later}")  # fmt: skip
    return "\n".join(lines)


def _part(count: int, share: float | None) -> str:
    """``6 (75.0 %)``; a share of nothing is ``n/a``."""
    return f"{count} (n/a)" if share is None else f"{count} ({share * 100:.1f} %)"


def _format_outsiders(joined: dict[str, OutsiderJoins]) -> str:
    """One line per half (wrong joins of all probes), then the first few wrong joins of each."""
    lines = [f"{name.replace('_', ' '):<11}  joined a story: {_part(found.joins, found.rate)} of {found.probes} probes"
             for name, found in joined.items()]  # fmt: skip
    for found in joined.values():
        lines += [f"  e.g. {text!r} joined the story of {story!r} on {', '.join(terms)}"
                  for text, story, terms in found.examples]  # fmt: skip
    return "\n".join(lines)


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
