"""Predictable failures of a write are exit 3 with the file and what to do, never exit 1 (issue 11.16).

A full disk (ENOSPC) is simulated where it strikes: while the temporary ledger is written, while the
backup is copied, while a report is saved. A reports folder that cannot be written is refused the same
way. The ledger is unchanged every time, and no temporary file is left behind.
"""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

import pytest
import xlsxwriter
from typer.testing import CliRunner

from loantool.cli import app
from loantool.config import Settings
from loantool.errors import LedgerUnsafeError, OutputError
from loantool.ledger import zip_raw
from loantool.ledger.transaction import backups_of, ledger_transaction
from loantool.ledger.xlsx_patch import SheetEdits
from loantool.reports import excel

SHEET = "贷款台账"
FULL = OSError(errno.ENOSPC, "No space left on device")


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    path = tmp_path / "desk" / "ledger.xlsx"
    path.parent.mkdir()
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet(SHEET)
    sheet.write_row(0, 0, ["合同编号", "客户姓名", "还款明细已出"])
    sheet.write_row(1, 0, ["HT001", "张三", "否"])
    book.close()
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def temp_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".~") or p.name.endswith(".partial"))


def write_mark(ledger: Path) -> LedgerUnsafeError:
    before = digest(ledger)
    with pytest.raises(LedgerUnsafeError) as caught:
        with ledger_transaction(ledger, Settings(), "mark", [], []) as tx:
            tx.commit([SheetEdits(SHEET, updates={(2, 3): "是"})])
    assert caught.value.exit_code == 3
    assert digest(ledger) == before and temp_files(ledger.parent) == []
    return caught.value


def test_a_full_disk_while_the_new_ledger_is_written(ledger: Path, monkeypatch) -> None:
    real = zip_raw.RawZip.write

    def half_then_full(self, handle, replaced, added):
        handle.write(self.data[:100])
        raise FULL

    monkeypatch.setattr(zip_raw.RawZip, "write", half_then_full)
    error = write_mark(ledger)
    assert "the disk is full" in error.message and ".~ledger.loantool-" in error.message
    assert str(ledger.parent) in error.hint and "Free some space" in error.hint
    assert backups_of(ledger) == []
    monkeypatch.setattr(zip_raw.RawZip, "write", real)
    with ledger_transaction(ledger, Settings(), "mark", [], []) as tx:  # space freed: it goes through
        assert tx.commit([SheetEdits(SHEET, updates={(2, 3): "是"})]).written


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to tell the backup's descriptor")
def test_a_full_disk_while_the_backup_is_copied(ledger: Path, monkeypatch) -> None:
    real = os.fsync

    def full_on_backup(fd: int) -> None:
        if os.readlink(f"/proc/self/fd/{fd}").endswith(".partial"):
            raise FULL
        real(fd)

    monkeypatch.setattr(os, "fsync", full_on_backup)
    error = write_mark(ledger)
    assert "the disk is full" in error.message and "backups" in error.message
    assert backups_of(ledger) == []
    assert temp_files(ledger.parent / ".loantool" / "backups") == []


def test_a_full_disk_while_a_report_is_saved(tmp_path: Path, monkeypatch) -> None:
    def full(self) -> None:
        raise xlsxwriter.exceptions.FileCreateError(FULL)

    monkeypatch.setattr(xlsxwriter.Workbook, "close", full)
    target = tmp_path / "reports" / "催收名单.xlsx"
    book = excel.ReportBook(company="公司", report="测试", as_of=None, sheets=[])
    with pytest.raises(OutputError, match="the disk is full") as caught:
        excel.write_book(target, book)
    assert caught.value.exit_code == 3 and caught.value.code == "output-not-written"
    assert str(target) in caught.value.message and "--out" in caught.value.hint
    assert list(target.parent.iterdir()) == []  # no temporary file left


def test_an_unwritable_reports_folder_is_exit_3_with_the_folder(sample_dir: Path, monkeypatch) -> None:
    monkeypatch.chdir(sample_dir)
    (sample_dir / "reports").write_text("not a folder")  # reports_dir names a file: nothing can go there
    ledger = sample_dir / "ledger.xlsx"
    before = digest(ledger)
    result = CliRunner().invoke(app, ["overdue-report"])
    assert result.exit_code == 3, result.output
    assert "reports" in result.stderr and "cannot write the report" in result.stderr
    assert digest(ledger) == before


def test_a_read_only_reports_folder_in_the_desks_language(tmp_path: Path, monkeypatch, chinese) -> None:
    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(excel.tempfile, "mkstemp", denied)
    target = tmp_path / "报表" / "催收名单.xlsx"
    book = excel.ReportBook(company="公司", report="测试", as_of=None, sheets=[])
    with pytest.raises(OutputError) as caught:
        excel.write_book(target, book)
    assert "文件夹" in caught.value.message and str(target.parent) in caught.value.message
    assert caught.value.exit_code == 3
