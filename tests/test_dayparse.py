"""One date parser for cells and options (issue 16.5): ``--as-of 2026年11月30日`` means what the same text
means in a cell, and an option that is no date keeps its own message."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loantool.cli import app, parse_date_option
from loantool.dayparse import DateError, parse_day
from loantool.errors import UsageError
from loantool.ledger.coerce import CoerceError, coerce_value

DAY = dt.date(2026, 11, 30)


@pytest.mark.parametrize("text", ["2026-11-30", "2026/11/30", "2026.11.30", "2026年11月30日", "20261130",
                                  " 2026-11-30 ", "２０２６－１１－３０", "2026/11/30  14:06:51",
                                  "2026-11-30T08:00"])
def test_an_option_reads_as_a_cell_does(text: str) -> None:
    assert parse_date_option(text, "--as-of") == DAY
    assert coerce_value("date", text) == DAY
    assert parse_day(text) == DAY


@pytest.mark.parametrize("text", ["2026-02-30", "30/11/2026", "tomorrow", "1899-12-31", "2300-01-01", "-",
                                  "无", "45000"])
def test_an_option_that_is_no_date_keeps_its_message(text: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_date_option(text, "--as-of")
    assert caught.value.message == f"--as-of '{text}' is not a date."
    assert "YYYY-MM-DD" in caught.value.hint


def test_the_cell_reader_keeps_its_reasons() -> None:
    with pytest.raises(CoerceError, match="not a calendar date"):
        coerce_value("date", "2026-02-30")
    with pytest.raises(CoerceError, match="1900–2199"):
        coerce_value("date", "2300-01-01")
    with pytest.raises(CoerceError, match="TRUE/FALSE"):
        coerce_value("date", True)
    with pytest.raises(CoerceError, match="time of day"):
        coerce_value("date", dt.time(8, 0))
    assert coerce_value("date", 46356.0) == DAY  # an Excel day number
    with pytest.raises(DateError):
        parse_day(float("nan"))


def test_as_of_option_in_the_desk_s_own_spelling(sample_dir: Path, monkeypatch) -> None:
    monkeypatch.chdir(sample_dir)
    result = CliRunner().invoke(app, ["overdue-report", "--as-of", "2026年11月30日", "--json",
                                      "--out", str(sample_dir / "r.xlsx")])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["as_of"] == "2026-11-30"


def test_gc_paused_lives_in_a_neutral_module() -> None:
    import loantool.ledger.grid as grid
    import loantool.runtime as runtime

    assert "def gc_paused" not in Path(grid.__file__).read_text(encoding="utf-8")
    assert callable(runtime.gc_paused)
