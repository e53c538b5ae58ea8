"""ledger_transaction: whatever happens to a run, the ledger is the old file or the verified new one."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import stat
import subprocess
import sys
import textwrap
import time
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

import loantool
from loantool.config import Settings
from loantool.errors import LedgerUnsafeError, UsageError
from loantool.ledger import transaction
from loantool.ledger.transaction import backups_of, ledger_transaction
from loantool.ledger.xlsx_patch import SheetEdits, patch_xlsx

SHEET = "贷款台账"
REPO = Path(loantool.__file__).resolve().parents[1]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cell(path: Path, row: int, col: int):
    return (
        CalamineWorkbook.from_path(str(path))
        .get_sheet_by_name(SHEET)
        .to_python(skip_empty_area=False)[row - 1][col - 1]
    )


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    path = tmp_path / "desk" / "ledger.xlsx"
    path.parent.mkdir()
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet(SHEET)
    sheet.write_row(0, 0, ["合同编号", "客户姓名", "银行月还金额", "还款明细已出"])
    sheet.write_row(1, 0, ["HT001", "张三", 3000, "否"])
    sheet.write_row(2, 0, ["HT002", "李四", 2500.5, "否"])
    sheet.write_formula(3, 2, "=SUM(C2:C3)", None, 5500.5)
    book.close()
    return path


@pytest.fixture
def settings() -> Settings:
    result = Settings()
    result.ledger.lock_timeout_seconds = 0.3
    return result


def mark(row: int, value: str = "是") -> list[SheetEdits]:
    return [SheetEdits(SHEET, updates={(row, 4): value})]


def journal(path: Path) -> list[dict]:
    lines = (path.parent / ".loantool" / "journal.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def leftovers(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name.startswith(".~"))


def run_child(code: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(path: Path, child: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if child.poll() is not None:
            raise AssertionError(f"child ended early: {child.communicate()}")
        assert time.monotonic() < deadline, "child did not get ready"
        time.sleep(0.02)


# ------------------------------------------------------------------------------------------ writing


def test_commit_writes_verifies_backs_up_and_journals(
    ledger: Path, settings: Settings, tmp_path: Path
) -> None:
    slip = tmp_path / "slip.csv"
    slip.write_text("姓名,金额\n张三,3000\n", encoding="utf-8")
    before = sha(ledger)
    original = ledger.read_bytes()
    with ledger_transaction(ledger, settings, "import-disbursements", ["--ledger", ledger], [slip]) as tx:
        assert tx.path == ledger and tx.sha256 == before
        result = tx.commit(
            mark(2) + [SheetEdits(SHEET, appends=[{1: "HT003", 3: Decimal("1800.25")}])],
            rows_added=1,
            cells_changed=1,
            summary={"loans": 1, "amount": Decimal("1800.25")},
        )
    assert result.written and result.sha256_before == before and result.sha256_after == sha(ledger)
    assert cell(ledger, 2, 4) == "是" and cell(ledger, 5, 1) == "HT003" and cell(ledger, 5, 3) == 1800.25
    assert result.backup is not None and result.backup.read_bytes() == original
    assert result.backup.parent == ledger.parent / ".loantool" / "backups"
    assert result.backup.name.startswith("ledger.") and result.backup.suffix == ".xlsx"
    [record] = journal(ledger)
    assert record == result.journal
    assert record["command"] == "import-disbursements" and record["arguments"] == ["--ledger", str(ledger)]
    assert record["result"] == "written" and record["user"] and record["time"]
    assert record["ledger_sha256_before"] == before and record["ledger_sha256_after"] == sha(ledger)
    assert record["inputs"] == [{"path": str(slip), "sha256": sha(slip)}]
    assert record["rows_added"] == 1 and record["cells_changed"] == 1 and record["cells_written"] == 3
    assert record["sheets"] == {SHEET: {"created": False, "rows_appended": 1, "cells_written": 3}}
    assert record["summary"] == {"loans": 1, "amount": "1800.25"}
    assert record["backup"] == str(result.backup.relative_to(ledger.parent))
    assert not (ledger.parent / ".loantool" / "ledger.xlsx.lock.json").exists()  # the lock: free
    assert leftovers(ledger) == []


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
@pytest.mark.parametrize(("ledger_mode", "file_mode", "folder_mode"),
                         [(0o600, 0o600, 0o700), (0o640, 0o640, 0o750), (0o660, 0o660, 0o750)])
def test_the_new_ledger_keeps_its_mode_and_backups_are_no_more_readable(
    ledger: Path, settings: Settings, ledger_mode: int, file_mode: int, folder_mode: int
) -> None:
    """The ledger holds ID numbers: a private ledger stays private, and so do its copies (issue 11.14)."""
    state = ledger.parent / ".loantool"
    (state / "backups").mkdir(parents=True)
    state.chmod(0o755)
    (state / "backups").chmod(0o755)
    (state / "journal.jsonl").write_text("")
    (state / "journal.jsonl").chmod(0o644)
    older = state / "backups" / "ledger.20250101-000000-000000.xlsx"  # made before the ledger was private
    older.write_bytes(ledger.read_bytes())
    older.chmod(0o644)
    ledger.chmod(ledger_mode)
    with ledger_transaction(ledger, settings, "mark", [], []) as tx:
        result = tx.commit(mark(2))
    assert result.written and cell(ledger, 2, 4) == "是"
    assert mode(ledger) == ledger_mode
    assert result.backup is not None and mode(result.backup) == file_mode
    assert mode(older) == 0o644 & file_mode  # taken away, never added
    assert mode(state / "journal.jsonl") == 0o644 & file_mode
    assert mode(state) == folder_mode and mode(state / "backups") == folder_mode


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
def test_a_private_ledgers_first_journal_and_backup_are_private(ledger: Path, settings: Settings) -> None:
    ledger.chmod(0o600)
    with ledger_transaction(ledger, settings, "mark", [], []) as tx:
        backup = tx.commit(mark(2)).backup
    state = ledger.parent / ".loantool"
    assert backup is not None and mode(backup) == 0o600 and mode(state / "journal.jsonl") == 0o600
    assert mode(state) == 0o700 and mode(state / "backups") == 0o700 and mode(ledger) == 0o600


@pytest.mark.skipif(os.name == "nt" or os.geteuid() != 0, reason="only root may give a file away")
def test_the_new_ledger_keeps_its_owner_and_group(ledger: Path, settings: Settings) -> None:
    os.chown(ledger, 4321, 5432)
    ledger.chmod(0o660)
    with ledger_transaction(ledger, settings, "mark", [], []) as tx:
        assert tx.commit(mark(2)).written
    info = ledger.stat()
    assert (info.st_uid, info.st_gid, mode(ledger)) == (4321, 5432, 0o660)


def test_nothing_to_do_writes_no_file_and_no_backup(ledger: Path, settings: Settings) -> None:
    original, mtime = ledger.read_bytes(), ledger.stat().st_mtime_ns
    with ledger_transaction(ledger, settings, "compute-schedule", [], []) as tx:
        empty = tx.commit([])
    with ledger_transaction(ledger, settings, "compute-schedule", [], []) as tx:
        same = tx.commit([SheetEdits(SHEET, updates={(4, 3): Decimal("5500.50")})])  # the formula's own value
    assert ledger.read_bytes() == original and ledger.stat().st_mtime_ns == mtime
    assert not empty.written and not same.written and empty.backup is None and same.backup is None
    assert backups_of(ledger) == []
    records = journal(ledger)
    assert [r["result"] for r in records] == ["nothing to do", "nothing to do"]
    assert all(r["ledger_sha256_before"] == r["ledger_sha256_after"] == sha(ledger) for r in records)
    assert leftovers(ledger) == []


def test_backups_keep_the_newest_n(ledger: Path, settings: Settings) -> None:
    settings.ledger.backups_keep = 3
    versions = []
    for n in range(5):
        versions.append(ledger.read_bytes())
        with ledger_transaction(ledger, settings, "mark", [], []) as tx:
            tx.commit(mark(2, f"第{n}次"))
    kept = backups_of(ledger)
    assert len(kept) == 3
    assert [p.read_bytes() for p in kept] == versions[-3:]
    assert len(journal(ledger)) == 5


def test_commit_only_once(ledger: Path, settings: Settings) -> None:
    with ledger_transaction(ledger, settings, "mark", [], []) as tx:
        tx.commit(mark(2))
        with pytest.raises(RuntimeError):
            tx.commit(mark(3))


# -------------------------------------------------------------------------------------- refusals


def refused(
    ledger: Path, settings: Settings, match: str, edits: list[SheetEdits] | None = None
) -> LedgerUnsafeError:
    original = ledger.read_bytes()
    with pytest.raises(LedgerUnsafeError, match=match) as caught:
        with ledger_transaction(ledger, settings, "mark", [], []) as tx:
            tx.commit(edits or mark(2))
    assert caught.value.exit_code == 3
    assert ledger.read_bytes() == original
    assert leftovers(ledger) == []
    return caught.value


def test_refused_while_open_in_excel_or_wps(ledger: Path, settings: Settings) -> None:
    owner = ledger.with_name("~$ledger.xlsx")
    owner.write_bytes(b"\x05user")
    refused(ledger, settings, r"open in Excel/WPS \(~\$ledger.xlsx exists\)")
    owner.unlink()
    original = ledger.read_bytes()
    with ledger_transaction(ledger, settings, "mark", [], []) as tx:  # opened during the run
        owner.write_bytes(b"\x05user")
        with pytest.raises(LedgerUnsafeError, match="open in Excel/WPS"):
            tx.commit(mark(2))
    assert ledger.read_bytes() == original and backups_of(ledger) == []


def test_refused_in_a_read_only_folder(ledger: Path, settings: Settings) -> None:
    folder = ledger.parent
    mode = folder.stat().st_mode
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP)
    try:
        refused(ledger, settings, "read-only")
        assert not (folder / ".loantool").exists()
    finally:
        folder.chmod(mode)


def test_a_formula_cell_is_refused_with_its_name(ledger: Path, settings: Settings) -> None:
    error = refused(
        ledger,
        settings,
        r"cell C4 holds a formula \(=SUM\(C2:C3\)\)",
        [SheetEdits(SHEET, updates={(4, 3): Decimal(1)})],
    )
    assert "will not overwrite formulas" in error.message and error.hint
    assert backups_of(ledger) == []


def test_a_ledger_changed_on_disk_during_the_run_is_not_overwritten(ledger: Path, settings: Settings) -> None:
    with ledger_transaction(ledger, settings, "mark", [], []) as tx:
        patch_xlsx(ledger, ledger.with_name("other.xlsx"), mark(3, "Excel 里改的"))
        os.replace(ledger.with_name("other.xlsx"), ledger)  # someone saved over it meanwhile
        saved = ledger.read_bytes()
        with pytest.raises(LedgerUnsafeError, match="changed on disk"):
            tx.commit(mark(2))
    assert ledger.read_bytes() == saved


@pytest.mark.parametrize("same_size_and_time", [False, True])
def test_another_programs_save_during_the_write_is_never_overwritten(
    ledger: Path, settings: Settings, monkeypatch, same_size_and_time: bool
) -> None:
    """Excel/WPS saving a copy into place while the temp file is written and verified (issue 11.13)."""
    real = transaction.verify_patch
    saved: list[bytes] = []

    def meanwhile(original: Path, written: Path, patch) -> None:
        real(original, written, patch)
        if same_size_and_time:  # a save that keeps the size and the time: only the SHA-256 tells
            before = os.stat(ledger)
            data = bytearray(ledger.read_bytes())
            data[len(data) // 2] ^= 0xFF
            ledger.write_bytes(bytes(data))
            os.utime(ledger, ns=(before.st_atime_ns, before.st_mtime_ns))
        else:
            other = ledger.with_name("other.xlsx")
            patch_xlsx(ledger, other, mark(3, "Excel 里改的"))
            os.replace(other, ledger)
        saved.append(ledger.read_bytes())

    monkeypatch.setattr(transaction, "verify_patch", meanwhile)
    with pytest.raises(LedgerUnsafeError, match="changed on disk") as caught:
        with ledger_transaction(ledger, settings, "mark", [], []) as tx:
            tx.commit(mark(2))
    assert caught.value.exit_code == 3
    assert ledger.read_bytes() == saved[0]
    assert leftovers(ledger) == [] and backups_of(ledger) == []
    assert not (ledger.parent / ".loantool" / "journal.jsonl").read_bytes()  # no line: nothing written


def test_a_failed_verification_leaves_the_ledger(ledger: Path, settings: Settings, monkeypatch) -> None:
    real = transaction.patch_xlsx

    def sloppy(src: Path, dst: Path, edits: list[SheetEdits]):
        result = real(src, dst, edits)
        extra = dst.with_name("extra.xlsx")
        real(dst, extra, [SheetEdits(SHEET, updates={(3, 2): "被改了"})])  # a cell nobody asked for
        os.replace(extra, dst)
        return result

    monkeypatch.setattr(transaction, "patch_xlsx", sloppy)
    refused(ledger, settings, r"cell B3 would change from '李四' to '被改了'")
    assert backups_of(ledger) == [] and not (ledger.parent / ".loantool" / "journal.jsonl").exists()


def _rewrite_sheet(path: Path, change) -> None:
    """The written temp file with its sheet XML changed by ``change`` (a writer bug, a bad disk)."""
    import re as _re

    from loantool.ledger.zip_raw import RawZip

    archive = RawZip(path.read_bytes(), path.name)
    name = "xl/worksheets/sheet1.xml"
    xml = archive.read(name).decode("utf-8")
    changed = change(xml, _re)
    assert changed != xml, "the corruption must change something"
    with open(path, "wb") as handle:
        archive.write(handle, {name: changed.encode("utf-8")}, [])


CORRUPTIONS = {
    "a wrong value": (lambda x, re: x.replace("<t>是</t>", "<t>否</t>"),
                      r"cell D2 reads back as '否', not '是'"),
    "a dropped row": (lambda x, re: re.sub(r'<row r="3".*?</row>', "", x, flags=re.S),
                      r"cell A3 would change from 'HT002' to ''"),
    "a damaged unchanged row": (lambda x, re: x.replace("<v>2500.5</v>", "<v>2500.6</v>"),
                                r"cell C3 would change from 2500.5 to 2500.6"),
    "a dropped appended row": (lambda x, re: re.sub(r'<row r="5".*?</row>', "", x, flags=re.S),
                               r"cell A5 reads back as '', not 'HT003'"),
    "an extra cell": (lambda x, re: x.replace('<c r="A3"', '<c r="F3" t="inlineStr"><is><t>x</t></is></c>'
                                                             '<c r="A3"'),
                      r"differs outside the cells written|would change"),
    "bytes changed outside the cells": (lambda x, re: x.replace("<sheetData>", "<sheetData> "),
                                        r"differs outside the cells written"),
}


@pytest.mark.parametrize("corruption", list(CORRUPTIONS))
def test_a_corrupted_write_is_refused_and_the_ledger_untouched(
    ledger: Path, settings: Settings, monkeypatch, corruption: str
) -> None:
    """The verification parses only the rewritten rows, yet catches any wrong write (issue 15)."""
    change, message = CORRUPTIONS[corruption]
    real = transaction.patch_xlsx

    def corrupting(src: Path, dst: Path, edits: list[SheetEdits]):
        result = real(src, dst, edits)
        _rewrite_sheet(dst, change)
        return result

    monkeypatch.setattr(transaction, "patch_xlsx", corrupting)
    edits = mark(2) + [SheetEdits(SHEET, appends=[{1: "HT003", 3: Decimal("1800.25")}])]
    refused(ledger, settings, message, edits)
    assert backups_of(ledger) == []


def test_a_failed_replace_leaves_the_ledger(ledger: Path, settings: Settings, monkeypatch) -> None:
    def broken(src, dst):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "replace", broken)
    refused(ledger, settings, "the ledger is unchanged")
    monkeypatch.undo()
    with ledger_transaction(ledger, settings, "mark", [], []) as tx:  # the lock was released
        assert tx.commit(mark(2)).written


def test_no_write_without_its_journal_line(ledger: Path, settings: Settings, monkeypatch) -> None:
    """A journal that cannot be appended to (read-only journal.jsonl) refuses before the ledger changes."""
    real_open = os.open

    def read_only_journal(path, flags, *args, **kwargs):
        if str(path).endswith("journal.jsonl") and flags & (os.O_WRONLY | os.O_RDWR):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", read_only_journal)
    error = refused(ledger, settings, r"cannot write .*journal.jsonl \(Permission denied\); "
                                      r"the ledger .*ledger.xlsx is unchanged")
    assert error.exit_code == 3 and backups_of(ledger) == []
    with pytest.raises(LedgerUnsafeError, match="cannot write .*journal"):  # nothing to do: journaled too
        with ledger_transaction(ledger, settings, "mark", [], []) as tx:
            tx.commit([])
    monkeypatch.undo()
    with ledger_transaction(ledger, settings, "mark", [], []) as tx:
        assert tx.commit(mark(2)).written
    assert [r["result"] for r in journal(ledger)] == ["written"]


def test_a_journal_line_that_cannot_be_written_after_the_replace_says_the_ledger_was_written(
    ledger: Path, settings: Settings, monkeypatch
) -> None:
    real_write = os.write

    def full_disk(fd, data):
        if data.startswith(b'{"time"'):
            raise OSError(28, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", full_disk)
    with pytest.raises(LedgerUnsafeError, match="ledger.xlsx was written") as caught:
        with ledger_transaction(ledger, settings, "mark", [], []) as tx:
            tx.commit(mark(2))
    assert '"command": "mark"' in caught.value.hint and cell(ledger, 2, 4) == "是"
    assert len(backups_of(ledger)) == 1


def test_unsupported_ledgers_and_missing_files(tmp_path: Path, settings: Settings) -> None:
    old = tmp_path / "ledger.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))
    with pytest.raises(LedgerUnsafeError, match="save it as .xlsx"):
        with ledger_transaction(old, settings, "mark", [], []):
            pass
    with pytest.raises(UsageError, match="not found"):
        with ledger_transaction(tmp_path / "none.xlsx", settings, "mark", [], []):
            pass


# ------------------------------------------------------------------------------------------ locking


HOLDER = """
    import sys, time, pathlib
    from loantool.config import Settings
    from loantool.ledger.transaction import ledger_transaction
    from loantool.ledger.xlsx_patch import SheetEdits
    ledger, ready, release = map(pathlib.Path, sys.argv[1:4])
    with ledger_transaction(ledger, Settings(), "child-writer", [], []) as tx:
        ready.write_text("ready")
        deadline = time.time() + 60
        while not release.exists() and time.time() < deadline:
            time.sleep(0.02)
        tx.commit([SheetEdits("贷款台账", updates={(2, 2): "子进程"})])
"""


def test_a_second_writer_waits_then_refuses_with_the_holder(
    ledger: Path, settings: Settings, tmp_path: Path
) -> None:
    ready, release = tmp_path / "ready", tmp_path / "release"
    child = run_child(HOLDER, str(ledger), str(ready), str(release))
    try:
        wait_for(ready, child)
        start = time.monotonic()
        error = refused(ledger, settings, rf"another loantool run \(pid {child.pid}.*child-writer")
        assert 0.25 <= time.monotonic() - start < 10
        assert "Try again when it finishes" in error.render()
    finally:
        release.touch()
        out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    with ledger_transaction(ledger, settings, "mark", [], []) as tx:  # free again: no update is lost
        tx.commit(mark(2))
    assert cell(ledger, 2, 2) == "子进程" and cell(ledger, 2, 4) == "是"


def test_a_second_writer_gets_its_turn_within_the_timeout(
    ledger: Path, settings: Settings, tmp_path: Path
) -> None:
    ready, release = tmp_path / "ready", tmp_path / "release"
    child = run_child(HOLDER, str(ledger), str(ready), str(release))
    try:
        wait_for(ready, child)
        settings.ledger.lock_timeout_seconds = 30
        release.touch()
        with ledger_transaction(ledger, settings, "mark", [], []) as tx:
            tx.commit(mark(3))
    finally:
        release.touch()
        child.communicate(timeout=60)
    assert cell(ledger, 2, 2) == "子进程" and cell(ledger, 3, 4) == "是"
    assert [r["command"] for r in journal(ledger)] == ["child-writer", "mark"]


def test_a_lock_held_by_a_run_on_another_host_is_never_taken_over(
    ledger: Path, settings: Settings, tmp_path: Path
) -> None:
    ready, release = tmp_path / "ready", tmp_path / "release"
    child = run_child(HOLDER, str(ledger), str(ready), str(release))
    info = ledger.parent / ".loantool" / "ledger.xlsx.lock.json"
    try:
        wait_for(ready, child)
        # the holder as a run on another desk's PC would name itself: its pid means nothing here
        info.write_text(json.dumps({"pid": 999_999_999, "host": "desk-pc-2", "user": "wang",
                                    "command": "morning"}))
        refused(ledger, settings, r"pid 999999999 on desk-pc-2, wang, morning")
        assert json.loads(info.read_text())["host"] == "desk-pc-2"  # someone else's lock is never touched
    finally:
        release.touch()
        out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    with ledger_transaction(ledger, settings, "mark", [], []) as tx:  # freed by its holder
        tx.commit(mark(2))


def test_a_lock_is_free_when_nobody_holds_it_whatever_its_file_says(ledger: Path, settings: Settings) -> None:
    """A run that crashed leaves its lock file naming a pid that may since belong to another process."""
    lock = ledger.parent / ".loantool" / "ledger.xlsx.lock"
    lock.parent.mkdir()
    alive = {"pid": os.getpid(), "host": socket.gethostname(), "command": "morning"}
    lock.write_text(json.dumps(alive))
    (lock.parent / "ledger.xlsx.lock.json").write_text(json.dumps(alive))
    with ledger_transaction(ledger, settings, "mark", [], []) as tx:
        tx.commit(mark(2))
    assert cell(ledger, 2, 4) == "是"
    lock.write_text(json.dumps({**alive, "host": "desk-pc-2"}))  # another host's crashed run
    with ledger_transaction(ledger, settings, "mark", [], []) as tx:
        tx.commit(mark(3))
    assert cell(ledger, 3, 4) == "是"


CRASHED = """
    import os, signal, sys, pathlib
    from loantool.config import Settings
    from loantool.ledger.transaction import ledger_transaction
    with ledger_transaction(pathlib.Path(sys.argv[1]), Settings(), "crashed", [], []) as tx:
        os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.skipif(os.name == "nt", reason="SIGKILL")
def test_a_run_killed_while_holding_the_lock_frees_it(ledger: Path, settings: Settings) -> None:
    child = run_child(CRASHED, str(ledger))
    child.communicate(timeout=60)
    assert child.returncode == -9
    holder = json.loads((ledger.parent / ".loantool" / "ledger.xlsx.lock.json").read_text())
    assert holder["pid"] == child.pid and holder["command"] == "crashed"
    start = time.monotonic()
    with ledger_transaction(ledger, settings, "mark", [], []) as tx:
        tx.commit(mark(2))
    assert time.monotonic() - start < 5
    assert not (ledger.parent / ".loantool" / "ledger.xlsx.lock.json").exists()


KILLED = """
    import os, signal, sys, pathlib
    from loantool.config import Settings
    from loantool.ledger.transaction import ledger_transaction
    from loantool.ledger.xlsx_patch import SheetEdits
    def killed(src, dst):
        os.kill(os.getpid(), signal.SIGKILL)   # the power goes out between temp-write and replace
    os.replace = killed
    with ledger_transaction(pathlib.Path(sys.argv[1]), Settings(), "doomed", [], []) as tx:
        tx.commit([SheetEdits("贷款台账", updates={(2, 4): "是"})])
"""


@pytest.mark.skipif(os.name == "nt", reason="SIGKILL")
def test_a_run_killed_before_the_replace_leaves_the_old_ledger(ledger: Path, settings: Settings) -> None:
    original = ledger.read_bytes()
    child = run_child(KILLED, str(ledger))
    child.communicate(timeout=60)
    assert child.returncode == -9
    assert ledger.read_bytes() == original
    assert leftovers(ledger) == [f".~ledger.loantool-{child.pid}.xlsx"]  # the verified temp it never moved
    assert (ledger.parent / ".loantool" / "ledger.xlsx.lock").exists()
    with ledger_transaction(ledger, settings, "mark", [], []) as tx:  # the next run cleans up and proceeds
        assert leftovers(ledger) == []
        tx.commit(mark(3))
    assert cell(ledger, 2, 4) == "否" and cell(ledger, 3, 4) == "是"


def test_the_holder_is_named_in_the_desks_language(ledger: Path, settings: Settings, chinese) -> None:
    from loantool.ledger import lock as ledger_lock

    (ledger.parent / ".loantool").mkdir()
    held = ledger_lock.acquire(ledger.parent / ".loantool" / "ledger.xlsx.lock", 0, ledger, "morning")
    try:
        error = refused(ledger, settings, r"另一个 loantool 运行（进程 \d+，.*morning.*）正在写入 ledger")
        assert "无需手工删除" in error.render()
    finally:
        held.release()
