"""How the process runs, apart from what it computes: garbage collection around bulk work (运行时).

Neutral ground: the reader, the writer and the report renderer all use it, and none of them owns it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block.

    Converting a sheet makes one list per row; with the collector on, each 700 new lists start a
    collection that walks the young lists, and the older generations are walked again and again as the
    rows pile up – half of ``to_python``'s time on a 400,000-row sheet. Rows hold no cycles, so nothing
    is lost by collecting once afterwards (the collector runs on its own when re-enabled)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
