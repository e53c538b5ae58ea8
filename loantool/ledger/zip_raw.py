"""A zip read as raw records and written back with chosen entries replaced (原样复制未改动的部件).

An untouched entry is copied as its original bytes – local header, compressed data, data descriptor and
central-directory record, with names (backslashes included), extra fields, comments and compression
exactly as they were – so a part we do not edit is byte-identical, not just equal after decompression.
Entry order, the bytes between entries and the archive comment are kept. ZIP64, multi-part and encrypted
archives are refused: a ledger never needs them and a wrong guess would damage the file.

A rewritten part that differs from the old one in a few places (rows appended to a 400,000-row sheet) is
not compressed again whole: the old part is inflated with the C zlib stopping at every deflate block
(``inflate_blocks``), and the new data reuses the old compressed blocks that neither hold a change nor
reach back (32 KB) into one; only the blocks around the changes are compressed again (``Splice``). Where
the C zlib cannot be loaded, the part is compressed whole as before. The written file is always inflated
again by Python's zlib and compared when it is verified (``ledger.verify``).
"""

from __future__ import annotations

import ctypes
import struct
import time
import zlib
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import BinaryIO

from ..errors import LedgerUnsafeError
from ..i18n import _

_DEFLATE_LEVEL = 5  # within 3 % of level 6 in size on sheet XML, and about half the time
_WINDOW = 32_768  # how far back a deflate back-reference reaches
_Z_BLOCK = 5


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

    def packed(self, name: str) -> bytes:
        """The entry's data as stored (compressed)."""
        entry = self.by_name[name]
        start = entry.local_start
        n, m = struct.unpack("<2H", self.data[start + 26 : start + 30])
        return self.data[start + 30 + n + m : start + 30 + n + m + entry.csize]

    def read_blocks(self, name: str) -> tuple[bytes, list[tuple[int, int]] | None]:
        """The entry's content, and where its deflate blocks start – (bit offset in the stored data,
        offset in the content) – when the C zlib can tell (else None: the part is compressed whole)."""
        entry = self.by_name[name]
        if entry.method == 8:
            (size,) = struct.unpack("<L", entry.central[24:28])
            found = inflate_blocks(self.packed(name), size)
            if found is not None and zlib.crc32(found[0]) == entry.crc:
                return found
        return self.read(name), None

    def read(self, name: str) -> bytes:
        entry = self.by_name[name]
        raw = self.packed(name)
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
        self, handle: BinaryIO, replaced: dict[str, bytes | Splice], added: list[tuple[str, str, bytes]]
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
                content = replaced[entry.name]
                packed = None
                if isinstance(content, Splice):
                    if entry.method == 8 and content.blocks:
                        packed = content.deflate(self.packed(entry.name))
                    content = content.new
                local, record = _new_records(entry, content, out_pos, data, packed=packed)
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
    entry: _Entry | None, content: bytes, offset: int, data: bytes, name: str | None = None,
    packed: bytes | None = None,
) -> tuple[bytes, bytes]:
    """Local record (header + deflated data) and central record for new content of an entry
    (``packed``: the content already deflated)."""
    if packed is None:
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


# ------------------------------------------------------------------------------- deflate blocks reused


@dataclass
class Splice:
    """New content of an entry that is its old content with a few spans replaced.

    ``spans``: (old start, old end, new start, new end), sorted and apart; outside them ``new`` is
    ``old``. ``blocks``: where the old entry's deflate blocks start (``RawZip.read_blocks``), or None.
    """

    old: bytes = field(repr=False)
    new: bytes = field(repr=False)
    spans: list[tuple[int, int, int, int]]
    blocks: list[tuple[int, int]] | None = field(default=None, repr=False)

    def deflate(self, packed: bytes) -> bytes:
        """``new`` deflated: the old blocks (from ``packed``, the old entry's stored data) that neither
        hold a change nor reach back into one are copied bit for bit, the rest is compressed again.

        A copied run of blocks is shifted to start on a byte and closed with an empty stored block; a
        compressed run starts with the 32 KB before it as its dictionary and ends with a sync flush, so
        the stream reads on from either exactly as the old one did. A stored block is always compressed
        again (its padding to a byte depends on where it starts)."""
        blocks = self.blocks or [(0, 0)]
        if blocks[0] != (0, 0):
            blocks = [(0, 0), *blocks]
        count, old_size = len(blocks), len(self.old)
        starts = [out for _bit, out in blocks]
        firsts = [o1 for o1, _o2, _n1, _n2 in self.spans]
        reach = [max(o2, o1 + 1) for o1, o2, _n1, _n2 in self.spans]  # an insertion touches its place
        dirty = []
        for k in range(count):
            end = starts[k + 1] if k + 1 < count else old_size
            # the spans beginning before the block ends (also at its end, for the last block)
            j = (bisect_right(firsts, end) if k + 1 == count else bisect_left(firsts, end)) - 1
            # a stored block pads to a byte from where it starts: it cannot be moved by bits
            dirty.append(j >= 0 and reach[j] > starts[k] - _WINDOW or _stored(packed, blocks[k][0]))
        out: list[bytes] = []
        k = 0
        while k < count:
            m = k
            while m < count and dirty[m] == dirty[k]:
                m += 1
            if dirty[k]:
                first = self._new_offset(starts[k])
                last = self._new_offset(starts[m]) if m < count else len(self.new)
                options = {"zdict": self.new[max(first - _WINDOW, 0) : first]} if first else {}
                compressor = zlib.compressobj(_DEFLATE_LEVEL, zlib.DEFLATED, -15, **options)
                out.append(compressor.compress(self.new[first:last]))
                out.append(compressor.flush(zlib.Z_SYNC_FLUSH if m < count else zlib.Z_FINISH))
            else:
                out.append(_bits(packed, blocks[k][0], blocks[m][0] if m < count else None))
            k = m
        return b"".join(out)

    def _new_offset(self, old: int) -> int:
        """Where the old content's offset ``old`` (outside every span) lies in the new content."""
        shift = 0
        for o1, o2, n1, n2 in self.spans:
            if o1 >= old:
                break
            shift += (n2 - n1) - (o2 - o1)
        return old + shift


def _stored(packed: bytes, bit: int) -> bool:
    """Whether the deflate block starting at ``bit`` is a stored one (BTYPE 00, after BFINAL)."""
    kind = 0
    for i in (1, 2):
        at = bit + i
        kind |= (packed[at >> 3] >> (at & 7) & 1) << (i - 1) if at >> 3 < len(packed) else 0
    return kind == 0


def _bits(packed: bytes, first: int, last: int | None) -> bytes:
    """Bits ``first``..``last`` of a deflate stream moved to start on a byte, then an empty stored block
    (three zero bits, the padding to the byte, LEN 0, NLEN 0xFFFF) so the next run starts on a byte;
    ``last`` None: to the end of the stream (its final block), nothing after it."""
    chunk = packed[first // 8 : len(packed) if last is None else (last + 7) // 8]
    size = len(chunk) * 8 - first % 8 if last is None else last - first
    value = int.from_bytes(chunk, "little") >> (first % 8)
    if last is None:
        return value.to_bytes((size + 7) // 8, "little")
    value &= (1 << size) - 1
    return value.to_bytes((size + 3 + 7) // 8, "little") + b"\x00\x00\xff\xff"


class _ZStream(ctypes.Structure):
    _fields_ = [  # zlib.h's z_stream
        ("next_in", ctypes.c_void_p), ("avail_in", ctypes.c_uint), ("total_in", ctypes.c_ulong),
        ("next_out", ctypes.c_void_p), ("avail_out", ctypes.c_uint), ("total_out", ctypes.c_ulong),
        ("msg", ctypes.c_char_p), ("state", ctypes.c_void_p), ("zalloc", ctypes.c_void_p),
        ("zfree", ctypes.c_void_p), ("opaque", ctypes.c_void_p), ("data_type", ctypes.c_int),
        ("adler", ctypes.c_ulong), ("reserved", ctypes.c_ulong),
    ]


_zlib: list = []  # [the C zlib or None], loaded once


def _c_zlib():
    if not _zlib:
        lib = None
        for name in ("libz.so.1", "libz.so", "libz.1.dylib", "libz.dylib"):
            try:
                lib = ctypes.CDLL(name)
                lib.zlibVersion.restype = ctypes.c_char_p
                lib.inflateInit2_.argtypes = [ctypes.POINTER(_ZStream), ctypes.c_int, ctypes.c_char_p,
                                              ctypes.c_int]
                lib.inflate.argtypes = [ctypes.POINTER(_ZStream), ctypes.c_int]
                lib.inflateEnd.argtypes = [ctypes.POINTER(_ZStream)]
                break
            except (OSError, AttributeError):
                lib = None
        _zlib.append(lib)
    return _zlib[0]


def inflate_blocks(packed: bytes, size: int) -> tuple[bytes, list[tuple[int, int]]] | None:
    """Raw deflate data inflated, with (bit offset, content offset) of the start of every block; None
    when the C zlib is not there or the data does not inflate to exactly ``size`` bytes."""
    lib = _c_zlib()
    # deflate cannot expand more than 1032-fold: a larger size in the zip is not believed (nor allocated)
    if lib is None or size <= 0 or len(packed) >= 1 << 32 or size > 1100 * len(packed) + 4096:
        return None
    stream = _ZStream()
    if lib.inflateInit2_(ctypes.byref(stream), -15, lib.zlibVersion(), ctypes.sizeof(_ZStream)) != 0:
        return None
    out = bytearray(size)
    target = (ctypes.c_char * size).from_buffer(out)
    source = ctypes.c_char_p(packed)  # points into ``packed``, which outlives the stream
    stream.next_in = ctypes.cast(source, ctypes.c_void_p)
    stream.avail_in = len(packed)
    stream.next_out = ctypes.addressof(target)
    stream.avail_out = size
    blocks = [(0, 0)]
    try:
        while True:
            status = lib.inflate(ctypes.byref(stream), _Z_BLOCK)
            if status == 1:  # Z_STREAM_END
                break
            if status != 0:
                return None
            kind = stream.data_type  # unused bits of the last byte read, +64 last block, +128 at a block
            if kind & 56:
                return None  # more than 7 unused bits: not what zlib documents, so not relied on
            if kind & 128 and not kind & 64:  # at the start of a block that is not the last
                place = (stream.total_in * 8 - (kind & 7), stream.total_out)
                if place != blocks[-1]:
                    blocks.append(place)
        if stream.total_out != size:
            return None
    finally:
        lib.inflateEnd(ctypes.byref(stream))
        del target
    return bytes(out), blocks
