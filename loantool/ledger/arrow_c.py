"""Arrow columns → numpy, through the Arrow C data interface (no pyarrow).

fastexcel hands a sheet over as an Arrow record batch behind two PyCapsules (``__arrow_c_array__``, the
Arrow PyCapsule interface). The C structures are small and fixed by the Arrow specification
("The Arrow C data interface"), so reading them with ctypes costs a few lines instead of pyarrow's
~100 MB: each column's buffers are copied into numpy arrays while the capsules are alive, and the
capsules release the batch when they are dropped.

Only the layouts fastexcel produces are read: ``g`` float64, ``l`` int64, ``b`` boolean, ``u``/``U``
UTF-8 strings, ``tsm:`` timestamps in milliseconds, ``n`` null. Any other format raises
:class:`UnsupportedArrow` (the caller then reads the sheet the careful way).
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd


class UnsupportedArrow(ValueError):
    """A layout this module does not read."""


class _Schema(ctypes.Structure):
    pass


_Schema._fields_ = [
    ("format", ctypes.c_char_p), ("name", ctypes.c_char_p), ("metadata", ctypes.c_char_p),
    ("flags", ctypes.c_int64), ("n_children", ctypes.c_int64),
    ("children", ctypes.POINTER(ctypes.POINTER(_Schema))), ("dictionary", ctypes.POINTER(_Schema)),
    ("release", ctypes.c_void_p), ("private_data", ctypes.c_void_p),
]


class _Array(ctypes.Structure):
    pass


_Array._fields_ = [
    ("length", ctypes.c_int64), ("null_count", ctypes.c_int64), ("offset", ctypes.c_int64),
    ("n_buffers", ctypes.c_int64), ("n_children", ctypes.c_int64),
    ("buffers", ctypes.POINTER(ctypes.c_void_p)), ("children", ctypes.POINTER(ctypes.POINTER(_Array))),
    ("dictionary", ctypes.POINTER(_Array)), ("release", ctypes.c_void_p), ("private_data", ctypes.c_void_p),
]

_GET_POINTER = ctypes.pythonapi.PyCapsule_GetPointer
_GET_POINTER.restype = ctypes.c_void_p
_GET_POINTER.argtypes = [ctypes.py_object, ctypes.c_char_p]

_FIXED = {"g": np.float64, "l": np.int64}
_FACTORIZE_MAX_BYTES = 48
_HASH_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_LOW_BYTES = np.array([(1 << (8 * i)) - 1 for i in range(8)] + [(1 << 64) - 1], dtype=np.uint64)


@dataclass
class ArrowColumn:
    """One column: ``kind`` is the Arrow format ("g", "l", "b", "u", "tsm", "n"), ``valid`` a bool per
    row (None: every row holds a value). Strings keep their UTF-8 ``data`` and ``offsets``; the other
    kinds their ``numbers`` (float64, int64, bool, int64 milliseconds)."""

    name: str
    kind: str
    length: int
    valid: np.ndarray | None
    numbers: np.ndarray | None = None
    offsets: np.ndarray | None = None
    data: bytes = b""

    @property
    def null_count(self) -> int:
        return 0 if self.valid is None else int(self.length - np.count_nonzero(self.valid))

    def strings(self) -> list[str]:
        """Every row's text as a Python ``str`` ("" where the row holds none)."""
        assert self.offsets is not None
        n = self.length
        if n and b"\x00" not in self.data:
            # one C pass: a NUL after every text, then str.split (NUL is in no cell: XML cannot hold it)
            raw = np.frombuffer(self.data, dtype=np.uint8)
            joined = np.zeros(len(raw) + n, dtype=np.uint8)
            keep = np.ones(len(joined), dtype=bool)
            keep[self.offsets[1:] + np.arange(n)] = False
            joined[keep] = raw
            del keep
            text = str(memoryview(joined)[:-1], "utf-8")  # decoded in place: no copy of the bytes first
            del joined
            texts = text.split("\x00")
        else:
            texts = self._sliced()
        if self.valid is not None and not self.valid.all():
            for position in np.flatnonzero(~self.valid).tolist():
                texts[position] = ""
        return texts

    def _sliced(self) -> list[str]:
        assert self.offsets is not None
        offsets = self.offsets
        text = self.data.decode("utf-8")
        if len(text) != len(self.data):  # not ASCII: byte offsets → character offsets
            raw = np.frombuffer(self.data, dtype=np.uint8)
            continuation = np.zeros(len(raw) + 1, dtype=np.int64)
            np.cumsum((raw & 0xC0) == 0x80, out=continuation[1:])
            offsets = offsets - continuation[offsets]
        bounds = offsets.tolist()
        return [text[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]

    def sample_distinct(self, size: int) -> bool:
        """Whether ``size`` rows spread over the column hold ``size`` different texts (none empty)."""
        assert self.offsets is not None
        step = max(1, self.length // size)
        rows = np.arange(0, self.length, step)
        if self.valid is not None and not self.valid[rows].all():
            return False
        starts, ends = self.offsets[rows].tolist(), self.offsets[rows + 1].tolist()
        data = self.data
        sample = {data[a:b] for a, b in zip(starts, ends, strict=True)}
        return len(sample) == len(rows) and b"" not in sample

    def alnum(self) -> bool:
        """Whether the texts are ASCII letters and digits only (and not all empty): every byte of them is
        (``bytes.isalnum`` knows only ASCII)."""
        return self.data.isalnum()

    def blank_texts(self) -> np.ndarray:
        """Per row: no text, or only spaces (``str.isspace``) – worked out on the bytes; only texts that
        start with neither a visible ASCII character nor nothing are made strings to ask."""
        assert self.offsets is not None
        starts = self.offsets[:-1]
        lengths = self.offsets[1:] - starts
        blank = lengths == 0
        raw = np.frombuffer(self.data, dtype=np.uint8)
        present = np.flatnonzero(~blank)
        first = raw[starts[present]] if len(raw) else np.zeros(0, dtype=np.uint8)
        unsure = present[(first < 0x21) | (first > 0x7E)]
        for position in unsure.tolist():
            a, b = int(self.offsets[position]), int(self.offsets[position + 1])
            blank[position] = self.data[a:b].decode("utf-8").isspace()
        if self.valid is not None:
            blank |= ~self.valid
        return blank

    def factorize(self) -> tuple[np.ndarray, list[str]] | None:
        """Strings as codes (−1 for a row without a value) into their distinct texts, in order of first
        appearance – worked out on the UTF-8 bytes, so only the distinct texts become Python strings.
        None when the texts are too long for that (the caller then uses :meth:`strings`)."""
        assert self.offsets is not None
        n = self.length
        starts = self.offsets[:-1]
        lengths = self.offsets[1:] - starts
        if n == 0 or self.null_count == n:
            return np.full(n, -1, dtype=np.intp), []
        longest = int(lengths.max())
        if -(-longest // 8) * 8 > _FACTORIZE_MAX_BYTES:
            return None
        # every text as whole little-endian 8-byte words, the bytes past its end zeroed: read through a
        # view of the (padded) buffer that starts a word at every byte
        padded = self.data + bytes(16)
        at_every_byte = np.ndarray(shape=(len(padded) - 7,), dtype="<u8", buffer=padded, strides=(1,))
        if longest <= 16 and b"\x00" not in self.data:
            found = _short_codes(at_every_byte, starts, lengths)
        else:
            found = _hashed_codes(at_every_byte, starts, lengths)
        if found is None:
            return None  # two texts with one hash: never guessed
        codes, first = found
        bounds = self.offsets[np.concatenate([first, first + 1])].tolist()
        k = len(first)
        if self.data.isascii():
            text = self.data.decode("ascii")
            uniques = [text[a:b] for a, b in zip(bounds[:k], bounds[k:], strict=True)]
        else:
            data = self.data
            uniques = [data[a:b].decode("utf-8") for a, b in zip(bounds[:k], bounds[k:], strict=True)]
        codes = codes.astype(np.intp, copy=False)
        if self.valid is not None:
            codes[~self.valid] = -1
        return codes, uniques


def _short_codes(at_every_byte: np.ndarray, starts: np.ndarray, lengths: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Codes of texts of at most 16 bytes, none holding a NUL: the text is its two words (its bytes, then
    zeros), so the words themselves are the key – exact, no hash to check. Returns the codes and each
    code's first row."""
    key = _word(at_every_byte, starts, lengths, 0)
    if int(lengths.max()) <= 8:
        return _in_order(pd.factorize(key)[0])
    second = _word(at_every_byte, starts, lengths, 1)
    first_codes, first_words = pd.factorize(key)
    second_codes, second_words = pd.factorize(second)
    pairs = first_codes * len(second_words) + second_codes  # the pair of words, numbered exactly
    space = len(first_words) * len(second_words)
    if space <= len(pairs):  # (its tables then hold no more entries than the column has rows)
        return _dense_in_order(pairs, space)
    return _in_order(pd.factorize(pairs)[0])


def _hashed_codes(at_every_byte: np.ndarray, starts: np.ndarray, lengths: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray] | None:
    """Codes of texts of up to :data:`_FACTORIZE_MAX_BYTES` bytes by a hash of their words and length,
    every row then compared with its code's first row; None when two texts share a hash."""
    n = len(starts)
    words_per_text = -(-int(lengths.max()) // 8)
    words = np.empty((n, words_per_text), dtype=np.uint64)
    key = lengths.astype(np.uint64)
    for k in range(words_per_text):
        word = _word(at_every_byte, starts, lengths, k)
        words[:, k] = word
        with np.errstate(over="ignore"):
            key = (key ^ word) * _HASH_MULTIPLIER
            key ^= key >> np.uint64(29)
    codes, first = _in_order(pd.factorize(key)[0])
    if not (lengths == lengths[first[codes]]).all() or not (words == words[first[codes]]).all():
        return None
    return codes, first


def _word(at_every_byte: np.ndarray, starts: np.ndarray, lengths: np.ndarray, k: int) -> np.ndarray:
    """The ``k``-th 8-byte word of every text, the bytes past its end zeroed. Words 0 and 1 start within
    the buffer and its 16 bytes of padding; a later one past its end is read at its last word."""
    at = starts + 8 * k if k else starts
    if k > 1:
        at = np.minimum(at, len(at_every_byte) - 1)
    word = at_every_byte[at]
    left = lengths - 8 * k
    if int(left.min()) < 8:  # (a column of texts that all fill the word needs no mask)
        word &= _LOW_BYTES[np.clip(left, 0, 8)]
    return word


def _in_order(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """pd.factorize's codes (numbered in order of first appearance) and each code's first row: where the
    running maximum of the codes grows."""
    before = np.maximum.accumulate(np.concatenate([[-1], codes[:-1]]))
    return codes, np.flatnonzero(codes > before)


def _dense_in_order(keys: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray]:
    """Keys 0 ≤ key < ``space`` numbered in order of first appearance, without hashing (a table of
    ``space`` entries), and each code's first row."""
    n = len(keys)
    first = np.full(space, n, dtype=np.int64)
    np.minimum.at(first, keys, np.arange(n))
    used = np.flatnonzero(first < n)
    order = used[np.argsort(first[used], kind="stable")]
    rank = np.empty(space, dtype=np.intp)
    rank[order] = np.arange(len(order))
    return rank[keys], first[order]


def _buffer(array: _Array, index: int, nbytes: int) -> bytes:
    address = array.buffers[index]
    if not address or nbytes <= 0:
        return b""
    return ctypes.string_at(address, nbytes)


def _validity(array: _Array) -> np.ndarray | None:
    if array.null_count == 0 or not array.buffers[0]:
        return None
    nbytes = (array.offset + array.length + 7) // 8
    bits = np.unpackbits(np.frombuffer(_buffer(array, 0, nbytes), dtype=np.uint8), bitorder="little")
    return bits[array.offset:array.offset + array.length].astype(bool)


def _column(schema: _Schema, array: _Array) -> ArrowColumn:
    fmt = schema.format.decode("ascii")
    name = schema.name.decode("utf-8") if schema.name else ""
    n, offset = int(array.length), int(array.offset)
    if fmt == "n":
        return ArrowColumn(name, "n", n, np.zeros(n, dtype=bool))
    valid = _validity(array)
    if fmt in _FIXED or fmt.startswith("tsm:"):
        dtype = np.dtype(_FIXED.get(fmt, np.int64))
        raw = _buffer(array, 1, (offset + n) * dtype.itemsize)
        values = np.frombuffer(raw, dtype=dtype)[offset:offset + n] if n else np.zeros(0, dtype=dtype)
        return ArrowColumn(name, "tsm" if fmt.startswith("tsm:") else fmt, n, valid, values)
    if fmt == "b":
        raw = _buffer(array, 1, (offset + n + 7) // 8)
        bits = np.unpackbits(np.frombuffer(raw, dtype=np.uint8), bitorder="little")
        return ArrowColumn(name, "b", n, valid, bits[offset:offset + n].astype(bool))
    if fmt in ("u", "U"):
        dtype = np.dtype(np.int32 if fmt == "u" else np.int64)
        raw = _buffer(array, 1, (offset + n + 1) * dtype.itemsize)
        offsets = np.frombuffer(raw, dtype=dtype)[offset:offset + n + 1].astype(np.int64)
        data = _buffer(array, 2, int(offsets[-1])) if n else b""  # offsets index the whole buffer
        return ArrowColumn(name, "u", n, valid, offsets=offsets, data=data)
    raise UnsupportedArrow(f"Arrow format {fmt!r} of column {name!r}")


def record_batch(source: Any) -> list[ArrowColumn]:
    """The columns of an object with ``__arrow_c_array__`` that exports a record batch (a struct)."""
    schema_capsule, array_capsule = source.__arrow_c_array__()
    schema = _Schema.from_address(_GET_POINTER(schema_capsule, b"arrow_schema"))
    array = _Array.from_address(_GET_POINTER(array_capsule, b"arrow_array"))
    if schema.format != b"+s":
        raise UnsupportedArrow(f"Arrow format {schema.format!r} is not a record batch")
    columns = [_column(schema.children[i].contents, array.children[i].contents)
               for i in range(int(schema.n_children))]
    del schema, array  # the capsules own the structures: they release them when collected
    return columns
