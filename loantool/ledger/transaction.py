"""All-or-nothing ledger writes: lock, patch a temporary copy, verify it, back up, replace, journal.

Every command that changes the ledger goes through ``ledger_transaction`` (DESIGN.md, safety rule 3)::

    with ledger_transaction(path, settings, command="import-disbursements", arguments=argv,
                            inputs=[slip]) as tx:
        ledger = load_ledger(tx.path, settings)        # read under the lock
        result = tx.commit(edits, rows_added=n, cells_changed=m)

The ledger is either the old file or the new one, never a mix: the new version is written next to
it, re-read with python-calamine and checked cell by cell against the old one, and only then moved
over it with an atomic ``os.replace``. A process killed at any point leaves the old ledger; its
temporary file is removed by the next run.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import re
import shutil
import socket
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..config import Settings
from ..errors import LedgerUnsafeError, UsageError
from ..i18n import _
from . import lock as ledger_lock
from .verify import verify_patch
from .xlsx_patch import PatchResult, SheetEdits, check_ledger_format, patch_xlsx

STATE_DIR = ".loantool"
JOURNAL = "journal.jsonl"
_STAMP = "%Y%m%d-%H%M%S-%f"


@dataclass
class CommitResult:
    """What a commit did. ``backup`` is None when nothing was written."""

    written: bool
    sha256_before: str
    sha256_after: str
    backup: Path | None
    journal: dict[str, Any]
    patch: PatchResult | None = None

    @property
    def columns_added(self) -> dict[str, list[str]]:
        """Sheet → headers of the columns this write added."""
        return dict(self.journal.get("columns_added") or {})


@dataclass
class LedgerTransaction:
    path: Path
    settings: Settings
    command: str
    arguments: list[str]
    sha256: str  # of the ledger when the lock was taken
    inputs: list[dict[str, Any]] = field(default_factory=list)
    committed: CommitResult | None = None
    stamp: tuple[int, int] = (-1, -1)  # (size, mtime_ns) of the ledger when the lock was taken

    @property
    def state_dir(self) -> Path:
        return self.path.parent / STATE_DIR

    def commit(
        self,
        edits: list[SheetEdits],
        rows_added: int = 0,
        cells_changed: int = 0,
        summary: dict[str, Any] | None = None,
    ) -> CommitResult:
        """Write ``edits`` safely, or nothing at all; journal either way. Call at most once."""
        if self.committed is not None:
            raise RuntimeError("a ledger transaction commits once")
        refuse_if_open(self.path)
        self._refuse_if_changed()
        edits = [e for e in edits if e.updates or e.appends or e.create_header]
        patch = None
        if edits:
            temp = self.path.with_name(f"{_temp_prefix(self.path)}{os.getpid()}{self.path.suffix}")
            try:
                try:
                    _create_like(temp, self.path)  # the new ledger is never more readable than the old one
                    patch = patch_xlsx(self.path, temp, edits)
                except OSError as exc:  # a full disk, say: predictable, so exit 3 with what to do
                    raise cannot_write(exc, temp, self.path) from None
                if patch.changed:
                    return self._write(temp, patch, rows_added, cells_changed, summary)
            finally:
                temp.unlink(missing_ok=True)
        journal = self._open_journal()
        try:
            record, line = self._record(self.sha256, None, patch, rows_added, cells_changed, summary,
                                        "nothing to do")
            journal.write(line)
        finally:
            journal.close()
        self.committed = CommitResult(False, self.sha256, self.sha256, None, record, patch)
        return self.committed

    def _write(
        self,
        temp: Path,
        patch: PatchResult,
        rows_added: int,
        cells_changed: int,
        summary: dict[str, Any] | None,
    ) -> CommitResult:
        verify_patch(self.path, temp, patch)
        patch.release()
        after = patch.written_sha256 or sha256_file(temp)  # the verification read (and hashed) the file
        refuse_if_open(self.path)
        journal = self._open_journal()  # no write without its journal line: refused before anything changes
        try:
            backup = self._backup()
            try:
                record, line = self._record(
                    self.sha256, after, patch, rows_added, cells_changed, summary, "written", backup
                )
                # another program's save since the read must never be overwritten: the last look, as
                # close to the replace as it can be
                refuse_if_open(self.path)
                self._refuse_if_changed()
                os.replace(temp, self.path)  # atomic: readers see the old file or the new one
            except OSError as exc:
                backup.unlink(missing_ok=True)
                raise LedgerUnsafeError(
                    _("cannot replace {ledger} ({reason}); the ledger is unchanged.").format(
                        ledger=self.path, reason=exc.strerror or exc),
                    _("If it is open in Excel/WPS, close it; then run again."),
                ) from None
            except BaseException:
                backup.unlink(missing_ok=True)
                raise
            try:
                _fsync_dir(self.path.parent)
            except OSError:
                pass  # the rename is done; a folder that cannot be synced does not undo it
            journal.write(line, written=backup)
        finally:
            journal.close()
        self._prune_backups()
        self.committed = CommitResult(True, self.sha256, after, backup, record, patch)
        return self.committed

    def _refuse_if_changed(self) -> None:
        """Exit 3 unless the ledger on disk is still the file read under the lock (size, mtime, SHA-256)."""
        try:
            info = os.stat(self.path)
            same = (info.st_size, info.st_mtime_ns) == self.stamp and sha256_file(self.path) == self.sha256
        except FileNotFoundError:
            same = False
        if not same:
            raise self._changed_error()

    def _changed_error(self) -> LedgerUnsafeError:
        return LedgerUnsafeError(
            _("{ledger} changed on disk while loantool was working (saved from Excel/WPS or another "
              "program?); nothing was written, and that version is kept.").format(ledger=self.path),
            _("Close the program that saved it, then run the command again."),
        )

    def _backup(self) -> Path:
        """The ledger as read copied to .loantool/backups/<stem>.<time><suffix> (a partial copy never
        carries the final name); refused when the file on disk is no longer the one read."""
        folder = self.state_dir / "backups"
        folder.mkdir(exist_ok=True)
        mode = stat.S_IMODE(os.stat(self.path).st_mode)
        restrict(folder, folder_mode(mode))
        stamp = dt.datetime.now().strftime(_STAMP)
        final = folder / f"{self.path.stem}.{stamp}{self.path.suffix}"
        partial = final.with_name(final.name + ".partial")
        digest = hashlib.sha256()
        try:
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, private_mode(mode) & 0o600)
            with open(fd, "wb") as target, open(self.path, "rb") as source:
                for block in iter(lambda: source.read(1 << 20), b""):
                    digest.update(block)
                    target.write(block)
                target.flush()
                os.fsync(target.fileno())
            if digest.hexdigest() != self.sha256:
                raise self._changed_error()
            shutil.copystat(self.path, partial)  # the ledger's time; its mode only if not looser
            restrict(partial, private_mode(mode))
            os.rename(partial, final)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise cannot_write(exc, partial, self.path) from None
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return final

    def _prune_backups(self) -> None:
        keep = max(int(self.settings.ledger.backups_keep), 1)
        backups = backups_of(self.path)
        for old in backups[:-keep]:
            try:
                old.unlink()
            except OSError:
                pass  # an undeletable old backup does not make this write unsafe
        mode = private_mode(stat.S_IMODE(os.stat(self.path).st_mode))
        for kept in backups[-keep:]:
            restrict(kept, mode)  # backups made before the ledger was made private follow it

    def _open_journal(self) -> _JournalFile:
        """The journal opened for appending – before the ledger is touched, so a write never goes
        unjournaled (exit 3 when it cannot be opened)."""
        target = self.state_dir / JOURNAL
        mode = stat.S_IMODE(os.stat(self.path).st_mode)
        try:
            self.state_dir.mkdir(exist_ok=True)
            fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, private_mode(mode))
            restrict(target, private_mode(mode))
        except OSError as exc:
            raise cannot_write(exc, target, self.path) from None
        return _JournalFile(target, fd, self.path)

    def _record(
        self,
        before: str,
        after: str | None,
        patch: PatchResult | None,
        rows_added: int,
        cells_changed: int,
        summary: dict[str, Any] | None,
        outcome: str,
        backup: Path | None = None,
    ) -> tuple[dict[str, Any], bytes]:
        """The journal record and its line, exactly as it will be written."""
        record: dict[str, Any] = {
            "time": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "user": ledger_lock.current_user(),
            "host": socket.gethostname(),
            "command": self.command,
            "arguments": self.arguments,
            "ledger": str(self.path),
            "result": outcome,
            "ledger_sha256_before": before,
            "ledger_sha256_after": after or before,
            "inputs": self.inputs,
            "rows_added": rows_added,
            "cells_changed": cells_changed,
            "cells_written": patch.cells_written if patch else 0,
            "sheets": {
                s.sheet: {
                    "created": s.created,
                    "rows_appended": len(s.appended_rows),
                    "cells_written": s.cells_written,
                    **({"rows_moved_down_from": s.inserted[0]} if s.inserted else {}),
                }
                for s in (patch.sheets if patch else [])
            },
            "columns_added": {
                s.sheet: list(s.columns_added.values())
                for s in (patch.sheets if patch and after else [])
                if s.columns_added
            },
            "parts_changed": patch.changed_parts if patch and after else [],
            "backup": str(backup.relative_to(self.path.parent)) if backup else None,
            "summary": summary or {},
            "loantool_version": __version__,
        }
        line = json.dumps(record, ensure_ascii=False, default=str) + "\n"
        return json.loads(line), line.encode("utf-8")  # the record exactly as journaled


class _JournalFile:
    """The journal held open for one append."""

    def __init__(self, path: Path, fd: int, ledger: Path):
        self.path, self.fd, self.ledger = path, fd, ledger

    def write(self, line: bytes, written: Path | None = None) -> None:
        try:
            os.write(self.fd, line)  # one write: lines of two runs never interleave
            os.fsync(self.fd)
        except OSError as exc:
            if written is None:
                raise cannot_write(exc, self.path, self.ledger) from None
            # the ledger is already replaced: say so, and give the line that belongs in the journal
            raise LedgerUnsafeError(
                _("{ledger} was written (its previous version is {backup}), but its journal line could not "
                  "be added to {journal} ({reason}).").format(
                    ledger=self.ledger, backup=written, journal=self.path, reason=exc.strerror or exc),
                _("Free some disk space, then add this line to the journal by hand: {line}").format(
                    line=line.decode("utf-8").strip()),
            ) from None

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


@contextmanager
def ledger_transaction(
    ledger_path: Path,
    settings: Settings,
    command: str,
    arguments: Iterable[Any] = (),
    inputs: Iterable[Path] = (),
) -> Iterator[LedgerTransaction]:
    """Hold the ledger's lock for a read-validate-write; refuse (exit 3) when it cannot be written safely."""
    path = Path(ledger_path).expanduser().resolve()
    if not path.is_file():
        raise UsageError(
            _("ledger {path} not found.").format(path=path),
            _("Check --ledger or loantool.toml, or run `loantool init`."),
        )
    check_ledger_format(path)
    refuse_if_open(path)
    _refuse_read_only(path)
    state = path.parent / STATE_DIR
    try:
        state.mkdir(exist_ok=True)
        restrict(state, folder_mode(stat.S_IMODE(path.stat().st_mode)))
    except OSError as exc:
        raise cannot_write(exc, state, path) from None
    held = ledger_lock.acquire(
        state / f"{path.name}.lock", float(settings.ledger.lock_timeout_seconds), path, command
    )
    try:
        _remove_leftovers(path)
        refuse_if_open(path)
        info = os.stat(path)
        tx = LedgerTransaction(
            path,
            settings,
            command,
            [str(a) for a in arguments],
            sha256_file(path),
            [{"path": str(p), "sha256": sha256_file(Path(p)) if Path(p).is_file() else None} for p in inputs],
            stamp=(info.st_size, info.st_mtime_ns),
        )
        yield tx
    finally:
        held.release()


# ----------------------------------------------------------------------------------------- checks


def refuse_if_open(path: Path) -> None:
    """Excel/WPS keep ``~$<name>`` beside an open workbook (LibreOffice ``.~lock.<name>#``)."""
    for marker in (path.with_name(f"~${path.name}"), path.with_name(f".~lock.{path.name}#")):
        if marker.exists():
            raise LedgerUnsafeError(
                _("{ledger} is open in Excel/WPS ({marker} exists); nothing was written.").format(
                    ledger=path, marker=marker.name),
                _("Close it and run again (if it is not open, delete the leftover {marker}).").format(
                    marker=marker),
            )


def _refuse_read_only(path: Path) -> None:
    texts = {
        "folder": (_("the ledger's folder {path} is read-only; nothing was written."),
                   _("Make the folder writable, or work on a copy.")),
        "file": (_("the ledger {path} is read-only; nothing was written."),
                 _("Make the file writable, or work on a copy.")),
    }
    for target, what in ((path.parent, "folder"), (path, "file")):
        if not os.access(target, os.W_OK) or not target.stat().st_mode & 0o222:
            message, hint = texts[what]
            raise LedgerUnsafeError(message.format(path=target), hint)


def cannot_write(exc: OSError, target: Path, ledger: Path) -> LedgerUnsafeError:
    """Exit 3 for a write that failed predictably (a full disk, a folder without write access), naming
    the file and what to do; the ledger is unchanged."""
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        size = max(ledger.stat().st_size // 1_000_000, 1) if ledger.is_file() else 1
        return LedgerUnsafeError(
            _("the disk is full: cannot write {file} ({reason}); the ledger {ledger} is unchanged.").format(
                file=target, reason=reason, ledger=ledger),
            _("Free some space on the disk of {folder} (a write needs about {size} MB for the new file and "
              "{size} MB for the backup; old backups in {backups} may go), then run again.").format(
                folder=ledger.parent, size=size, backups=ledger.parent / STATE_DIR / "backups"),
        )
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return LedgerUnsafeError(
            _("cannot write {file} ({reason}); the ledger {ledger} is unchanged.").format(
                file=target, reason=reason, ledger=ledger),
            _("Make {folder} writable for this user, or work on a copy.").format(folder=target.parent),
        )
    return LedgerUnsafeError(
        _("cannot write {file} ({reason}); the ledger {ledger} is unchanged.").format(
            file=target, reason=reason, ledger=ledger),
        _("Check the disk of {folder}, then run again.").format(folder=target.parent),
    )


# ------------------------------------------------------------------------------------ permissions


def private_mode(ledger_mode: int) -> int:
    """The mode of a file holding the ledger's data (backup, journal): the ledger's, owner read-write."""
    return (ledger_mode & 0o666) | 0o600


def folder_mode(ledger_mode: int) -> int:
    """The mode of a folder of such files: its owner's, plus search where the ledger may be read."""
    mode = 0o700
    for read, write, search in ((0o040, 0o020, 0o010), (0o004, 0o002, 0o001)):
        mode |= (read | search if ledger_mode & read else 0) | (write if ledger_mode & write else 0)
    return mode


def restrict(path: Path, allowed: int) -> None:
    """Take away from ``path`` any permission ``allowed`` lacks (never adds one; another owner's file
    is left as it is)."""
    try:
        current = stat.S_IMODE(os.stat(path).st_mode)
        if current & ~allowed & 0o777:
            os.chmod(path, current & (allowed | ~0o777))
    except OSError:
        pass  # not ours to change, or gone meanwhile


def _create_like(target: Path, model: Path) -> None:
    """An empty ``target`` with ``model``'s mode – from its first byte – and its owner and group where
    this process may set them."""
    info = os.stat(model)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        if hasattr(os, "fchown") and (info.st_uid, info.st_gid) != (os.geteuid(), os.getegid()):
            for uid, gid in ((info.st_uid, info.st_gid), (-1, info.st_gid)):
                try:
                    os.fchown(fd, uid, gid)
                    break
                except OSError:
                    continue  # not allowed: a member of the group may still set the group
        if hasattr(os, "fchmod"):
            os.fchmod(fd, stat.S_IMODE(info.st_mode) & 0o777)
    finally:
        os.close(fd)


def _temp_prefix(path: Path) -> str:
    return f".~{path.stem}.loantool-"


def _remove_leftovers(path: Path) -> None:
    """Temporary files of runs that were killed (we hold the lock, so none is in use)."""
    pattern = re.compile(re.escape(_temp_prefix(path)) + r"\d+" + re.escape(path.suffix) + "$")
    partial = re.compile(
        re.escape(path.stem) + r"\.\d{8}-\d{6}-\d{6}" + re.escape(path.suffix) + r"\.partial$"
    )
    folders = [(path.parent, pattern), (path.parent / STATE_DIR / "backups", partial)]
    for folder, match in folders:
        if folder.is_dir():
            for leftover in folder.iterdir():
                if match.match(leftover.name):
                    leftover.unlink(missing_ok=True)


def backups_of(path: Path) -> list[Path]:
    """The ledger's backups, oldest first."""
    folder = path.parent / STATE_DIR / "backups"
    pattern = re.compile(re.escape(path.stem) + r"\.\d{8}-\d{6}-\d{6}" + re.escape(path.suffix) + "$")
    return sorted(p for p in folder.iterdir() if pattern.match(p.name)) if folder.is_dir() else []


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_dir(folder: Path) -> None:
    if os.name == "nt":
        return  # directories cannot be opened for fsync on Windows; NTFS journals the rename
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
