"""`stoppress eval clustering --feedback LOG`: judges the clusterer by an audit log file, alone or with a CSV."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import pytest

from stoppress.cli.evaluate import register
from tests.support.corrections import SAMPLE, audit_log

CSV = """ID,TITLE,STORY,TIMESTAMP
1,Sbarro files for Chapter 11 bankruptcy again,s,1394470371000
2,"Sbarro files for Chapter 11 bankruptcy, again",s,1394470372000
"""


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="stoppress")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    result: int = args.func(args)
    return result


def test_feedback_alone_prints_and_writes_the_scores(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "desk-log.jsonl"
    log.write_text(audit_log(SAMPLE), encoding="utf-8")
    out = tmp_path / "out.json"
    assert _run("eval", "clustering", "--feedback", str(log), "--json", str(out)) == 0
    printed = capsys.readouterr().out
    assert re.search(r"corrections +2 \(merges 1, splits 1\)", printed)
    assert re.search(r"put together +1 \(100\.0 %\)", printed)
    assert re.search(r"kept apart +1 \(100\.0 %\)", printed)
    assert "st-merge-quake" in printed and "st-merge-refused" not in printed
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["file"] is None
    feedback = report["feedback"]
    assert (feedback["source"], feedback["outcomes_read"]) == (str(log), 4)
    assert (feedback["corrections"], feedback["items"]) == (2, 4)
    assert (feedback["must_link_pairs"], feedback["together_share"]) == (1, 1.0)
    assert (feedback["cannot_link_pairs"], feedback["apart_share"]) == (1, 1.0)
    assert [c["command_id"] for c in feedback["per_correction"]] == ["merge-quake", "split-rates"]
    assert feedback["per_correction"][0]["decided_at"] == "2026-03-10T17:30:00+00:00"


def test_csv_and_feedback_together(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, log, out = tmp_path / "labelled.csv", tmp_path / "desk-log.jsonl", tmp_path / "out.json"
    data.write_text(CSV, encoding="utf-8")
    log.write_text(audit_log(SAMPLE), encoding="utf-8")
    assert _run("eval", "clustering", str(data), "--feedback", str(log), "--json", str(out)) == 0
    printed = capsys.readouterr().out
    assert printed.index("B-cubed F1") < printed.index("editors' corrections from")
    report = json.loads(out.read_text(encoding="utf-8"))
    assert (report["headlines"], report["bcubed_f1"]) == (2, 1.0)
    assert report["feedback"]["corrections"] == 2


def test_a_log_without_corrections_has_nothing_to_judge(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "desk-log.jsonl"
    log.write_text(audit_log([SAMPLE[2], SAMPLE[3]]), encoding="utf-8")
    assert _run("eval", "clustering", "--feedback", str(log)) == 0
    printed = capsys.readouterr().out
    assert re.search(r"put together +0 \(n/a\)", printed)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json\n", "line 1: not JSON"),
        ('\n{"command": {}}\n', "line 2: not an audit log entry"),
        ('{"command": {}, "outcome": {"code": 200}}\n', "line 1: invalid outcome: command_id: Field required"),
        ("ID,TITLE,STORY,TIMESTAMP\n", "line 1: not JSON"),
    ],
)
def test_bad_logs_exit_2_naming_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    log = tmp_path / "bad.jsonl"
    log.write_text(content, encoding="utf-8")
    assert _run("eval", "clustering", "--feedback", str(log)) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "give a labelled CSV, --feedback LOG or --feedback-from-kafka"),
        (["--feedback", "{dir}/log.jsonl", "--halves"], "--halves, --outsiders and --interleave replay a labelled CSV"),
        (["--feedback", "{dir}/log.jsonl", "--bootstrap", "127.0.0.1:1"], "--bootstrap and --outcomes-topic go with"),
        (["--feedback", "{dir}/missing.jsonl"], "missing.jsonl"),
    ],
)
def test_unusable_arguments_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    (tmp_path / "log.jsonl").write_text(audit_log(SAMPLE), encoding="utf-8")
    assert _run("eval", "clustering", *(arg.format(dir=tmp_path) for arg in argv)) == 2
    assert message in capsys.readouterr().err
