"""A zip read as raw records and written back with chosen entries replaced (原样复制未改动的部件).

An untouched entry is copied as its original bytes – local header, compressed data, data descriptor and
central-directory record, with names (backslashes included), extra fields, comments and compression
exactly as they were – so a part we do not edit is byte-identical, not just equal after decompression.
Entry order, the bytes between entries and the archive comment are kept. ZIP64, multi-part and encrypted
archives are refused: a ledger never needs them and a wrong guess would damage the file.
"""

from __future__ import annotations

import struct
import time
import zlib
from dataclasses import dataclass
from typing import BinaryIO

from ..errors import LedgerUnsafeError
from ..i18n import _

_DEFLATE_LEVEL = 5  # within 3 % of level 6 in size on sheet XML, and about half the time


@dataclass
class _Entry:
    name: str
    central: bytes  # the raw central-directory record
    flags: int
    method: int
    crc: int
    csize: int
    local_start: int
    local_end: int = 0  # where the next entry (or the central directory) starts


class RawZip:
    """A zip read as raw records, so untouched entries can be written back exactly."""

    def __init__(self, data: bytes, label: str):
        self.data = data
        eocd = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
        if eocd < 0:
            raise LedgerUnsafeError(
                _("{file} is not a complete zip file (damaged or still being written).").format(file=label))
        _sig, disk, cd_disk, n_disk, n_total, cd_size, cd_offset, _comment = struct.unpack(
            "<4s4H2LH", data[eocd : eocd + 22]
        )
        if disk or cd_disk or n_disk != n_total:
            raise LedgerUnsafeError(
                _("{file} is a multi-part zip; loantool cannot edit it.").format(file=label))
        if (
            0xFFFF in (n_total,)
            or 0xFFFFFFFF in (cd_size, cd_offset)
            or data[eocd - 20 : eocd - 16] == b"PK\x06\x07"
        ):
            raise LedgerUnsafeError(
                _("{file} uses ZIP64; save it again in Excel/WPS before loantool edits it.").format(
                    file=label)
            )
        self.eocd = eocd
        self.cd_offset, self.cd_end = cd_offset, cd_offset + cd_size
        self.entries: list[_Entry] = []  # central-directory order
        pos = cd_offset
        for _record in range(n_total):
            head = data[pos : pos + 46]
            if len(head) < 46 or head[:4] != b"PK\x01\x02":
                raise LedgerUnsafeError(_("{file}: damaged zip central directory.").format(file=label))
            flags, method = struct.unpack("<2H", head[8:12])
            crc, csize, usize = struct.unpack("<3L", head[16:28])
            n, m, k = struct.unpack("<3H", head[28:34])
            (offset,) = struct.unpack("<L", head[42:46])
            raw_name = data[pos + 46 : pos + 46 + n]
            if 0xFFFFFFFF in (csize, usize, offset):
                raise LedgerUnsafeError(
                    _("{file} uses ZIP64; save it again in Excel/WPS before loantool edits it.").format(
                        file=label)
                )
            if flags & 0x1:
                raise LedgerUnsafeError(
                    _("{file} has encrypted zip entries; loantool cannot edit it.").format(file=label))
            name = raw_name.decode("utf-8" if flags & 0x800 else "cp437")
            self.entries.append(
                _Entry(name, data[pos : pos + 46 + n + m + k], flags, method, crc, csize, offset)
            )
            pos += 46 + n + m + k
        if pos != self.cd_end:
            raise LedgerUnsafeError(_("{file}: damaged zip central directory.").format(file=label))
        self.local_order = sorted(self.entries, key=lambda e: e.local_start)
        for entry, following in zip(self.local_order, self.local_order[1:] + [None], strict=False):
            entry.local_end = following.local_start if following else self.cd_offset
            if (
                data[entry.local_start : entry.local_start + 4] != b"PK\x03\x04"
                or entry.local_end < entry.local_start
            ):
                raise LedgerUnsafeError(
                    _("{file}: damaged zip entry {part}.").format(file=label, part=repr(entry.name)))
        self.by_name = {e.name: e for e in self.entries}
        # OPC part names: forward slashes, no leading slash, case-insensitive; some writers use backslashes
        self.by_part = {
            part_name(e.name).casefold(): e.name for e in self.entries if not e.name.endswith(("/", "\\"))
        }

    def find(self, part: str) -> str | None:
        return self.by_part.get(part_name(part).casefold())

    def read(self, name: str) -> bytes:
        entry = self.by_name[name]
        start = entry.local_start
        n, m = struct.unpack("<2H", self.data[start + 26 : start + 30])
        raw = self.data[start + 30 + n + m : start + 30 + n + m + entry.csize]
        if entry.method == 0:
            content = raw
        elif entry.method == 8:
            content = zlib.decompress(raw, -15)
        else:
            raise LedgerUnsafeError(
                _("zip entry {part} uses an unsupported compression method {method}.").format(
                    part=repr(name), method=entry.method)
            )
        if zlib.crc32(content) != entry.crc:
            raise LedgerUnsafeError(
                _("zip entry {part} is damaged (checksum mismatch).").format(part=repr(name)))
        return content

    def write(
        self, handle: BinaryIO, replaced: dict[str, bytes], added: list[tuple[str, str, bytes]]
    ) -> None:
        """Write the zip to ``handle``: ``replaced`` name → content; ``added`` (after name, name, content)."""
        data = self.data
        out_pos = 0
        central: dict[str, bytes] = {}
        new_central: dict[str, bytes] = {}

        def emit(chunk: bytes) -> None:
            nonlocal out_pos
            handle.write(chunk)
            out_pos += len(chunk)

        first = self.local_order[0].local_start if self.local_order else self.cd_offset
        emit(data[:first])
        for entry in self.local_order:
            offset = struct.pack("<L", out_pos)
            if entry.name in replaced:
                local, record = _new_records(entry, replaced[entry.name], out_pos, data)
                emit(local)
                central[entry.name] = record
            else:
                emit(data[entry.local_start : entry.local_end])
                central[entry.name] = entry.central[:42] + offset + entry.central[46:]
            for after, name, content in added:
                if after == entry.name:
                    local, record = _new_records(None, content, out_pos, data, name)
                    emit(local)
                    new_central[name] = record
        cd_start = out_pos
        count = 0
        for entry in self.entries:
            emit(central[entry.name])
            count += 1
            for after, name, _content in added:
                if after == entry.name:
                    emit(new_central[name])
                    count += 1
        cd_size = out_pos - cd_start
        emit(data[self.cd_end : self.eocd])
        tail = data[self.eocd :]
        emit(tail[:8] + struct.pack("<2H2L", count, count, cd_size, cd_start) + tail[20:])


def part_name(name: str) -> str:
    """An entry name as an OPC part name: forward slashes, no leading slash."""
    return name.replace("\\", "/").lstrip("/")


def _strip_zip64(extra: bytes) -> bytes:
    """Extra fields without a ZIP64 block (sizes of a rewritten entry always fit in 32 bits)."""
    kept, pos = b"", 0
    while pos + 4 <= len(extra):
        tag, size = struct.unpack("<2H", extra[pos : pos + 4])
        if tag != 0x0001:
            kept += extra[pos : pos + 4 + size]
        pos += 4 + size
    return kept


def _new_records(
    entry: _Entry | None, content: bytes, offset: int, data: bytes, name: str | None = None
) -> tuple[bytes, bytes]:
    """Local record (header + deflated data) and central record for new content of an entry."""
    compressor = zlib.compressobj(_DEFLATE_LEVEL, zlib.DEFLATED, -15)
    packed = compressor.compress(content) + compressor.flush()
    crc = zlib.crc32(content)
    if entry is not None:
        old = entry.central
        n, m, k = struct.unpack("<3H", old[28:34])
        raw_name, extra, comment = old[46 : 46 + n], _strip_zip64(old[46 + n : 46 + n + m]), old[46 + n + m :]
        ln, lm = struct.unpack("<2H", data[entry.local_start + 26 : entry.local_start + 30])
        local_extra = _strip_zip64(data[entry.local_start + 30 + ln : entry.local_start + 30 + ln + lm])
        made_by, needed = struct.unpack("<2H", old[4:8])
        flags = entry.flags & ~0x8
        mtime, mdate = struct.unpack("<2H", old[12:16])
        disk, internal, external = struct.unpack("<2HL", old[34:42])
    else:
        raw_name = (name or "").encode("utf-8")
        extra = local_extra = comment = b""
        made_by, needed = 20, 20
        flags = 0 if raw_name.isascii() else 0x800
        now = time.localtime()
        mtime = now.tm_hour << 11 | now.tm_min << 5 | now.tm_sec // 2
        mdate = (now.tm_year - 1980) << 9 | now.tm_mon << 5 | now.tm_mday
        disk, internal, external = 0, 0, 0
    sizes = struct.pack("<3L", crc, len(packed), len(content))
    local = (
        struct.pack("<4s5H", b"PK\x03\x04", needed, flags, 8, mtime, mdate)
        + sizes
        + struct.pack("<2H", len(raw_name), len(local_extra))
        + raw_name
        + local_extra
        + packed
    )
    record = (
        struct.pack("<4s6H", b"PK\x01\x02", made_by, needed, flags, 8, mtime, mdate)
        + sizes
        + struct.pack("<5HLL", len(raw_name), len(extra), len(comment), disk, internal, external, offset)
        + raw_name
        + extra
        + comment
    )
    return local, record
