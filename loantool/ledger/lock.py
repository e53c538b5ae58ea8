"""The exclusive lock file that keeps two writers of one ledger apart (台账写锁).

``.loantool/<ledger name>.lock`` is created with O_CREAT|O_EXCL, so only one run can hold it, and holds
the pid, host, user, command and start time of its holder. Where ``fcntl`` exists the holder also keeps
an flock on it: a lock file whose flock is free belongs to a run that died, whatever its pid says now.
Without fcntl (Windows) a lock whose pid is dead on this host is stale. A waiter polls for a bounded
time, then refuses with the holder's details (exit 3).
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import socket
import time
from pathlib import Path

from ..errors import LedgerUnsafeError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

_POLL_SECONDS = 0.1
_EMPTY_LOCK_GRACE = 5.0  # a holder writes its details right after creating the file


def current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (some containers, services)
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if os.name == "nt":
        import ctypes

        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return ctypes.windll.kernel32.GetLastError() == 5  # access denied: it exists
        code = ctypes.c_ulong()
        ctypes.windll.kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        ctypes.windll.kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)  # signal 0 only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class LedgerLock:
    """A held lock; ``release()`` removes the lock file (only if it is still ours)."""

    def __init__(self, path: Path, fd: int):
        self.path, self.fd = path, fd
        self.inode = os.fstat(fd).st_ino

    def release(self) -> None:
        if self.fd < 0:
            return
        try:
            if os.stat(self.path).st_ino == self.inode:
                os.unlink(self.path)
        except FileNotFoundError:
            pass
        finally:
            os.close(self.fd)  # closing also drops the flock
            self.fd = -1


def acquire(path: Path, timeout: float, ledger: Path, command: str) -> LedgerLock:
    """Take the lock, waiting up to ``timeout`` seconds for another run to finish."""
    deadline = time.monotonic() + max(timeout, 0.0)
    while True:
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o644)
        except FileExistsError:
            if _take_over_if_stale(path):
                continue
            if time.monotonic() >= deadline:
                raise _busy(path, ledger) from None
            time.sleep(min(_POLL_SECONDS, max(deadline - time.monotonic(), 0.01)))
            continue
        except OSError as exc:
            raise LedgerUnsafeError(
                f"cannot create the lock file {path} ({exc.strerror}); the folder may be read-only.",
                "Make the ledger's folder writable, or work on a copy.",
            ) from None
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a fresh file: nobody else can hold it
            except OSError:
                pass  # a file system without flock: the pid check below still guards the lock
        holder = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "user": current_user(),
            "command": command,
            "started": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        }
        os.write(fd, json.dumps(holder, ensure_ascii=False).encode("utf-8"))
        os.fsync(fd)
        return LedgerLock(path, fd)


def read_holder(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _take_over_if_stale(path: Path) -> bool:
    """Remove a lock left by a run that died; True when the caller should try to create it again."""
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    try:
        info = os.fstat(fd)
        holder = read_holder(path)
        age = time.time() - info.st_mtime
        alive_here = (
            bool(holder)
            and holder.get("host") == socket.gethostname()
            and pid_alive(int(holder.get("pid") or 0))
        )
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return False  # the holder is alive and holds it
            # details are written after the flock is taken, so details + a free flock = a dead holder
            # (unless its pid still runs here: then the file system may not support flock; keep waiting)
            stale = (holder is not None and not alive_here) or (holder is None and age > _EMPTY_LOCK_GRACE)
        else:
            same_host = bool(holder) and holder.get("host") == socket.gethostname()
            stale = (same_host and not alive_here) or (holder is None and age > _EMPTY_LOCK_GRACE)
        if not stale:
            return False
        try:
            # while we hold the flock on this inode nobody else can judge it stale; unlink it only if
            # the name still points at it (another run may already have taken over)
            current = os.stat(path)
            if current.st_ino == info.st_ino and current.st_dev == info.st_dev:
                os.unlink(path)
        except FileNotFoundError:
            pass
        return True
    finally:
        os.close(fd)


def _busy(path: Path, ledger: Path) -> LedgerUnsafeError:
    holder = read_holder(path) or {}
    who = f"pid {holder.get('pid', '?')}"
    if holder.get("host") and holder.get("host") != socket.gethostname():
        who += f" on {holder['host']}"
    details = ", ".join(str(x) for x in (holder.get("user"), holder.get("command")) if x)
    since = f" since {holder['started']}" if holder.get("started") else ""
    return LedgerUnsafeError(
        f"another loantool run ({who}{', ' + details if details else ''}{since}) is writing {ledger.name}; "
        "nothing was written.",
        f"Try again when it finishes. If no loantool is running, delete {path}.",
    )
