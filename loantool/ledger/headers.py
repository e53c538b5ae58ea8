"""Finding a table's header row: its cells matched against the columns' aliases (schema.py, plus
``[aliases]`` in loantool.toml), and the sheets named for the table.

No pandas here: the read-ahead (ledger/readahead.py) finds the header row with these while the command is
still importing pandas; ``locate`` in ledger/read.py uses the same, so both find the same row.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from .. import schema
from ..config import Settings

HEADER_SEARCH_ROWS = 30
_UNIT = re.compile(r"\((?:元|万元|人民币元|人民币|rmb|cny|yuan|%|月|个月|期|年|天|日|次)\)$", re.IGNORECASE)


def normalize_header(text: Any) -> str:
    """Header text for matching: NFKC, no spaces/tabs/newlines, no ``="…"`` or ``*``, no trailing
    unit such as ``(元)``/``（元）``, lower case."""
    if not isinstance(text, str):
        return ""
    key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    if key.startswith('="') and key.endswith('"'):
        key = key[2:-1]
    key = key.strip("*").lower()
    return _UNIT.sub("", key) or key


def alias_map(table: schema.Table, settings: Settings | None = None) -> dict[str, tuple[str, int]]:
    """normalized alias → (field key, rank); configured aliases come first, then the schema's in order."""
    mapping: dict[str, tuple[str, int]] = {}
    for f in table.fields:
        for alias in _configured(table, f.key, settings):
            mapping.setdefault(normalize_header(alias), (f.key, -1))
    for f in table.fields:
        for rank, alias in enumerate(f.aliases):
            mapping.setdefault(normalize_header(alias), (f.key, rank))
    return mapping


def _configured(table: schema.Table, key: str, settings: Settings | None) -> list[str]:
    """Extra aliases of a field from loantool.toml's ``[aliases.<table>]`` (a list, or one string)."""
    extra = ((settings.aliases or {}).get(table.key) or {}) if settings is not None else {}
    value = extra.get(key, []) if isinstance(extra, dict) else []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def match_header(row: list[Any], aliases: dict[str, tuple[str, int]]) -> dict[str, int]:
    """field key → 0-based column for the cells of ``row`` that are aliases (the best alias wins)."""
    best: dict[str, tuple[int, int]] = {}
    for col, cell in enumerate(row):
        hit = aliases.get(normalize_header(cell)) if isinstance(cell, str) and cell else None
        if hit and (hit[0] not in best or hit[1] < best[hit[0]][1]):
            best[hit[0]] = (col, hit[1])
    return {key: col for key, (col, _) in best.items()}


def _satisfied(table: schema.Table, key: str, found: dict[str, int]) -> bool:
    return key in found or any(alt in found for alt in table.alternatives.get(key, ()))


def is_header(table: schema.Table, found: dict[str, int]) -> bool:
    return all(_satisfied(table, key, found) for key in table.header_keys)


def named_sheets(table: schema.Table, sheet_names: Sequence[str | None]) -> list[str]:
    """The sheets named for ``table`` (its ``sheet_aliases``, compared as headers are), in the order of
    the aliases."""
    wanted = [normalize_header(a) for a in table.sheet_aliases]
    return sorted((s for s in sheet_names if s is not None and normalize_header(s) in wanted),
                  key=lambda s: wanted.index(normalize_header(s)))
