"""`stoppress eval clustering`: reads a labelled CSV, prints and writes the scores, refuses bad input clearly."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from stoppress.cli.evaluate import load_labelled_csv, register

CSV = """ID,TITLE,STORY,TIMESTAMP
1,Sbarro files for Chapter 11 bankruptcy again,s,1394470371000
2,Titanfall review roundup,t,1394470370000
3,"Sbarro files for Chapter 11 bankruptcy, again",s,1394470372000
4,Titanfall review roundup: critics weigh in,t,2014-03-10T17:00:00+00:00
"""


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="stoppress")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    result: int = args.func(args)
    return result


def test_prints_scores_and_writes_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "labelled.csv"
    data.write_text(CSV, encoding="utf-8")
    out = tmp_path / "out.json"
    assert _run("eval", "clustering", str(data), "--json", str(out), "--halves") == 0
    printed = capsys.readouterr().out
    assert "B-cubed F1" in printed and "first half" in printed
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["headlines"] == 4
    assert report["true_stories"] == 2
    assert report["bcubed_precision"] == 1.0
    assert report["second_half"]["headlines"] == 2


def test_outsiders_are_matched_against_each_half(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "labelled.csv"
    data.write_text(CSV.replace("2014-03-10T17:00:00+00:00", "1394470369000"), encoding="utf-8")  # T, T | S, S
    out = tmp_path / "out.json"
    assert _run("eval", "clustering", str(data), "--outsiders", "--json", str(out)) == 0
    assert "outsiders:" in capsys.readouterr().out
    outsiders = json.loads(out.read_text(encoding="utf-8"))["outsiders"]
    # each half holds one story whole: the other half's two headlines, probed after each of its two
    assert outsiders["first_half"]["probes"] == outsiders["second_half"]["probes"] == 4
    assert outsiders["first_half"]["joins"] == 0 and outsiders["first_half"]["rate"] == 0.0


def test_rows_are_sorted_by_time_in_ms_seconds_or_iso(tmp_path: Path) -> None:
    data = tmp_path / "labelled.csv"
    data.write_text(CSV, encoding="utf-8")
    titles = [h.text for h in load_labelled_csv(data, "TITLE", "STORY", "TIMESTAMP")]
    assert titles[0] == "Titanfall review roundup"
    assert titles[-1] == "Titanfall review roundup: critics weigh in"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("ID,TITLE,TIMESTAMP\n1,x,1\n", "missing column(s) STORY"),
        ("TITLE,STORY,TIMESTAMP\nx,s,yesterday\n", "line 2: time 'yesterday'"),
    ],
)
def test_bad_files_exit_2_with_a_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    data = tmp_path / "bad.csv"
    data.write_text(content, encoding="utf-8")
    assert _run("eval", "clustering", str(data)) == 2
    assert message in capsys.readouterr().err


def test_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run("eval", "clustering", str(tmp_path / "nope.csv")) == 2
    assert "nope.csv" in capsys.readouterr().err


@pytest.mark.parametrize(
    "flags",
    [
        ["--window-hours", "0"],
        ["--single-threshold", "0.01"],
        ["--settled-threshold", "-1"],
        ["--half-life-minutes", "-5"],
    ],
)
def test_bad_settings_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str]) -> None:
    data = tmp_path / "labelled.csv"
    data.write_text(CSV, encoding="utf-8")
    assert _run("eval", "clustering", str(data), *flags) == 2
    assert "bad setting" in capsys.readouterr().err


def test_tuning_flags_and_interleave_are_recorded(tmp_path: Path) -> None:
    data = tmp_path / "labelled.csv"
    data.write_text(CSV, encoding="utf-8")
    out = tmp_path / "out.json"
    flags = ["--half-life-minutes", "0", "--single-threshold", "0.4", "--interleave", "3", "--json", str(out)]
    assert _run("eval", "clustering", str(data), *flags) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["settings"] == {
        "single_threshold": 0.4, "settled_threshold": None, "half_life_minutes": 0.0, "no_everyday_rule": False
    }  # fmt: skip
    assert report["interleave_seed"] == 3
