"""The read-ahead (ledger/readahead.py): 还款记录 parsed in a background thread while overdue-report is
still importing. It must never change a result: the same report with and without it, a ledger changed
after the read-ahead read it is read again, a header below title rows or under configured names is found
where the reading finds it, and a file it cannot read is reported by the reading as always.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from test_overdue_cli import AS_OF, PAYMENT_HEADER, PAYMENTS, build_ledger
from typer.testing import CliRunner

from loantool.cli import app
from loantool.config import Settings, load_settings
from loantool.errors import InputError
from loantool.ledger import readahead
from loantool.ledger.read import load_ledger

DAY = dt.date.fromisoformat(AS_OF)


@pytest.fixture(autouse=True)
def _forget_readaheads():
    """A test that stops early leaves no read-ahead behind for the next."""
    yield
    while readahead._PENDING:
        readahead._PENDING.popitem()[1].loaded()


@pytest.fixture
def used(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """One entry per read-ahead the reading asked for: True when it took one (its bytes and parse)."""
    handed: list[bool] = []
    take = readahead.take

    def spy(path: object) -> object:
        result = take(path)
        handed.append(result is not None)
        return result

    monkeypatch.setattr(readahead, "take", spy)
    monkeypatch.delenv("LOANTOOL_READAHEAD", raising=False)
    return handed


def _frames(ledger) -> dict[str, object]:
    return {name: getattr(ledger, name).frame for name in ("loans", "payments", "rates", "collections")}


def _same_ledger(a, b) -> None:
    assert a.sha256 == b.sha256
    for name, frame in _frames(a).items():
        other = _frames(b)[name]
        assert list(frame.columns) == list(other.columns), name
        assert frame.equals(other), name
    assert [w.as_dict() for w in a.loans.warnings] == [w.as_dict() for w in b.loans.warnings]


def _report(tmp_path: Path, ledger: Path, name: str) -> dict:
    result = CliRunner().invoke(app, ["overdue-report", "--ledger", str(ledger), "--as-of", AS_OF,
                                      "--out", str(tmp_path / name / "report.xlsx"), "--json"])
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    for key in ("report", "letters"):
        document.pop(key)
    return document


def test_overdue_report_is_the_same_with_the_readahead(tmp_path, monkeypatch, used):
    ledger = build_ledger(tmp_path / "ledger.xlsx")
    ahead = _report(tmp_path, ledger, "ahead")
    assert used == [True]  # the report's 还款记录 was the read-ahead's parse
    monkeypatch.setenv("LOANTOOL_READAHEAD", "0")
    assert _report(tmp_path, ledger, "plain") == ahead
    assert used == [True, False]


def test_a_ledger_changed_after_the_readahead_is_read_again(tmp_path, used):
    path = build_ledger(tmp_path / "ledger.xlsx")
    other = build_ledger(tmp_path / "other.xlsx", payments=PAYMENTS[:3])
    readahead.start(path, Settings())
    pending = readahead._PENDING[path.resolve()]
    pending.located.wait(30)
    assert pending.sha256 is not None  # it has read the first file
    shutil.copyfile(other, path)  # saved again meanwhile
    ledger = load_ledger(path, Settings(), as_of=DAY)
    assert used == [False]  # its parse was dropped, never handed to the reading
    _same_ledger(ledger, load_ledger(other, Settings(), as_of=DAY))
    assert len(ledger.payments.frame) == 3


def test_the_header_below_title_rows_and_configured_names(tmp_path, used):
    """The read-ahead finds 还款记录's header where the reading does: under two title rows, and under
    names given in loantool.toml's [aliases]."""
    path = build_ledger(tmp_path / "ledger.xlsx", payment_header=["合同号码", *PAYMENT_HEADER[1:]],
                        rows_above_payments=[["某某汽车金融 还款记录"], []])  # 合同编号 by a desk's own name
    (tmp_path / "loantool.toml").write_text('[aliases.payments]\ncontract_no = ["合同号码"]\n',
                                            encoding="utf-8")
    settings = load_settings(tmp_path / "loantool.toml")
    readahead.start(path, settings)
    pending = readahead._PENDING[path.resolve()]
    pending.located.wait(30)
    assert (pending.sheet, pending.header_index) == ("还款记录", 2)
    ahead = load_ledger(path, settings, as_of=DAY)
    assert used == [True]
    _same_ledger(ahead, load_ledger(path, settings, as_of=DAY))
    assert used == [True, False]
    assert len(ahead.payments.frame) == len(PAYMENTS)


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 not a zip", "合同编号,金额\nHT1,1\n".encode("gbk")])
def test_a_file_the_readahead_cannot_read_is_reported_by_the_reading(tmp_path, used, content):
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(content)
    readahead.start(path, Settings())
    with pytest.raises(InputError) as ahead:
        load_ledger(path, Settings(), as_of=DAY)
    with pytest.raises(InputError) as plain:
        load_ledger(path, Settings(), as_of=DAY)
    assert str(ahead.value) == str(plain.value)
    assert used == [False, False]
    assert not readahead._PENDING


def test_a_ledger_without_payments_and_one_turned_off(tmp_path, monkeypatch, used):
    path = build_ledger(tmp_path / "ledger.xlsx", payments=None)
    readahead.start(path, Settings())
    assert load_ledger(path, Settings(), as_of=DAY).payments.frame.empty
    assert used == [False]
    monkeypatch.setenv("LOANTOOL_READAHEAD", "0")
    readahead.start(path, Settings())
    assert not readahead._PENDING


def test_the_entry_point_reads_ahead_from_the_command_line_as_written(tmp_path, monkeypatch):
    """``loantool overdue-report --ledger X`` starts the read-ahead before typer parses the options;
    help, another command or a missing value do not; --config's settings are the ones it uses."""
    from loantool import entry

    monkeypatch.delenv("LOANTOOL_READAHEAD", raising=False)
    monkeypatch.chdir(tmp_path)
    ledger = build_ledger(tmp_path / "账本.xlsx")
    started: list[tuple[Path, object]] = []
    monkeypatch.setattr(readahead, "start", lambda path, settings: started.append((Path(path), settings)))
    for args in (["overdue-report", "--help", "--ledger", str(ledger)], ["settle", "--ledger", str(ledger)],
                 ["overdue-report", "--ledger"], ["overdue-report", "--ledger="], [],
                 ["--lang", "en", "overdue-report", "--ledger", str(ledger)]):
        entry.read_ahead(args)
    assert started == []
    config = tmp_path / "desk.toml"
    config.write_text('[aliases.payments]\ncontract_no = ["合同号码"]\n', encoding="utf-8")
    entry.read_ahead(["overdue-report", "--as-of", AS_OF, "--ledger", "other.xlsx", f"--ledger={ledger}",
                     "--config", str(config), "--json"])
    (path, settings), = started
    assert path == ledger
    assert settings.aliases["payments"]["contract_no"] == ["合同号码"]
    started.clear()
    (tmp_path / "loantool.toml").write_text(f'[ledger]\npath = "{ledger.name}"\n', encoding="utf-8")
    entry.read_ahead(["overdue-report", "--json"])  # the ledger loantool.toml names
    assert [p.resolve() for p, _s in started] == [ledger.resolve()]


def test_a_wrong_guess_is_ended_before_the_right_file_is_read_ahead(tmp_path, used):
    first = build_ledger(tmp_path / "first.xlsx")
    second = build_ledger(tmp_path / "second.xlsx", payments=PAYMENTS[:4])
    readahead.start(first, Settings())
    guess = readahead._PENDING[first.resolve()]
    readahead.start(second, Settings())
    assert list(readahead._PENDING) == [second.resolve()]
    assert guess.parsed.is_set() and guess.data == b""  # its parse ended, and dropped
    guess.thread.join(10)  # (the thread may still be handing its freed pages back: readahead.trim)
    assert not guess.thread.is_alive()
    ledger = load_ledger(second, Settings(), as_of=DAY)
    assert used == [True]
    assert len(ledger.payments.frame) == 4


def test_the_command_as_a_process_gives_the_same_document(tmp_path):
    """The real entry point (python -m loantool), read-ahead and all, against the same without it."""
    import os
    import subprocess
    import sys

    ledger = build_ledger(tmp_path / "ledger.xlsx")
    documents = []
    for flag in ("1", "0"):
        out = tmp_path / flag / "report.xlsx"
        done = subprocess.run([sys.executable, "-m", "loantool", "overdue-report", "--ledger", str(ledger),
                               "--as-of", AS_OF, "--out", str(out), "--json"], capture_output=True,
                              cwd=tmp_path, env={**os.environ, "LOANTOOL_READAHEAD": flag}, check=False)
        assert done.returncode == 0, done.stderr.decode()
        document = json.loads(done.stdout)
        for key in ("report", "letters"):
            document.pop(key)
        documents.append(document)
    assert documents[0] == documents[1]


def _morning(desk: Path) -> dict:
    """morning's --json document, without what names the desk's folder or the hour."""
    result = CliRunner().invoke(app, ["morning", "--config", str(desk / "loantool.toml"), "--json"])
    assert result.exit_code == 0, result.stderr
    text = result.stdout.replace(str(desk), "<desk>")
    document = json.loads(text)
    document.pop("log")
    return document


@pytest.mark.parametrize("slips", [True, False], ids=["import-first", "reconcile-first"])
def test_morning_reads_ahead_and_gives_the_same_day(tmp_path, monkeypatch, used, slips):
    """morning reads its ledger ahead too: the first step that reads the ledger – the import of the slips,
    or the reconciliation when there are none – takes the read-ahead's parse, and the day is the one
    read without it."""
    from conftest import SAMPLES

    from loantool import entry

    documents = []
    for flag in ("1", "0"):
        desk = tmp_path / flag
        shutil.copytree(SAMPLES, desk, ignore=shutil.ignore_patterns("*.py", "__pycache__", "README.md"))
        if not slips:
            for slip in (desk / "inbox" / "slips").iterdir():
                slip.unlink()
        monkeypatch.chdir(desk)
        monkeypatch.setenv("LOANTOOL_READAHEAD", flag)
        entry.read_ahead(["morning", "--config", str(desk / "loantool.toml"), "--json"])
        documents.append(_morning(desk))
    assert documents[0] == documents[1]
    assert used[0] is True and not any(used[1:])  # taken once, by the first reading; never without


def test_the_entry_point_keeps_exit_codes_and_messages(tmp_path):
    """entry.main ends by freezing the collector: the exit code and the message still come out whole."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "LOANTOOL_LANG": "en"}
    done = subprocess.run([sys.executable, "-m", "loantool", "overdue-report", "--ledger",
                           str(tmp_path / "missing.xlsx")], capture_output=True, cwd=tmp_path, env=env,
                          check=False)
    assert done.returncode == 2
    assert b"missing.xlsx" in done.stderr and done.stderr.endswith(b"\n")
    done = subprocess.run([sys.executable, "-m", "loantool", "--version"], capture_output=True, cwd=tmp_path,
                          env=env, check=False)
    assert done.returncode == 0 and done.stdout.startswith(b"loantool ")


def test_an_option_as_written_on_the_command_line():
    from loantool.entry import option_value

    args = ["overdue-report", "--ledger", "a.xlsx", "--json", "--ledger=b.xlsx", "--lang", "en"]
    assert option_value(args, ("--ledger",)) == "b.xlsx"  # the last one given, as click takes it
    assert option_value(args, ("--lang",)) == "en"
    assert option_value(args, ("--config",)) is None
    assert option_value(["x", "--ledger"], ("--ledger",)) == ""
    assert option_value(["x", "--ledger="], ("--ledger",)) == ""
    assert option_value(["x", "--", "--ledger", "a.xlsx"], ("--ledger",)) is None
