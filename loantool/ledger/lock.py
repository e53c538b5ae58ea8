"""The lock that keeps two writers of one ledger apart (台账写锁): a real operating-system lock.

``.loantool/<ledger name>.lock`` is locked with the ``filelock`` package (``flock`` on Linux and macOS, a
byte-range lock on Windows). The operating system drops such a lock when its holder ends, however it
ends – kill -9, a crash, a reboot – so a lock is never judged "stale" from a pid, a host name or an
age: it is free exactly when nobody holds it, and a run on another host is never taken over while it
holds it. Beside it, ``<ledger name>.lock.json`` names the holder (pid, host, user, command, start) for
the message a waiter gets; it is information only and never decides anything. A waiter polls for a
bounded time, then refuses with the holder's details (exit 3).
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import socket
from pathlib import Path

import filelock

from ..errors import LedgerUnsafeError
from ..i18n import _

_POLL_SECONDS = 0.1


def current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (some containers, services)
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"


def info_path(lock_path: Path) -> Path:
    """The file naming the holder of ``lock_path``."""
    return lock_path.with_name(lock_path.name + ".json")


class LedgerLock:
    """A held lock; ``release()`` frees it (the holder file is removed first, while it is still ours)."""

    def __init__(self, path: Path, lock: filelock.BaseFileLock):
        self.path, self._lock = path, lock

    def release(self) -> None:
        if not self._lock.is_locked:
            return
        try:
            info_path(self.path).unlink(missing_ok=True)
        except OSError:
            pass  # a leftover holder file names a run that no longer holds the lock: harmless
        finally:
            self._lock.release()


def acquire(path: Path, timeout: float, ledger: Path, command: str) -> LedgerLock:
    """Take the lock, waiting up to ``timeout`` seconds for another run to finish."""
    lock = filelock.FileLock(str(path))
    try:
        lock.acquire(timeout=max(timeout, 0.0), poll_interval=_POLL_SECONDS)
    except filelock.Timeout:
        raise _busy(path, ledger) from None
    except OSError as exc:
        raise LedgerUnsafeError(
            _("cannot create the lock file {path} ({reason}); nothing was written.").format(
                path=path, reason=exc.strerror or exc
            ),
            _("Make the ledger's folder writable, or work on a copy."),
        ) from None
    holder = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "user": current_user(),
        "command": command,
        "started": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    try:
        _write_info(info_path(path), holder)
    except OSError:
        pass  # the lock is held all the same; a waiter's message just names nobody
    return LedgerLock(path, lock)


def _write_info(target: Path, holder: dict) -> None:
    # one write of a few bytes; a waiter that reads it half-written just names nobody
    target.write_text(json.dumps(holder, ensure_ascii=False), encoding="utf-8")


def read_holder(path: Path) -> dict | None:
    """The details of the run holding the lock ``path`` (None when they cannot be read)."""
    try:
        holder = json.loads(info_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return holder if isinstance(holder, dict) else None


def _busy(path: Path, ledger: Path) -> LedgerUnsafeError:
    holder = read_holder(path) or {}
    who = _("pid {pid}").format(pid=holder.get("pid", "?"))
    if holder.get("host") and holder.get("host") != socket.gethostname():
        who = _("pid {pid} on {host}").format(pid=holder.get("pid", "?"), host=holder["host"])
    details = [str(x) for x in (holder.get("user"), holder.get("command")) if x]
    if details:
        who += _(", ") + _(", ").join(details)
    if holder.get("started"):
        who += _(" since {time}").format(time=holder["started"])
    return LedgerUnsafeError(
        _("another loantool run ({who}) is writing {ledger}; nothing was written.").format(
            who=who, ledger=ledger.name
        ),
        _(
            "Try again when it finishes. The lock is the operating system's: it is freed when that run "
            "ends, even if it crashed, so there is nothing to delete."
        ),
    )
