"""Progress of a long command: a workflow says which step it starts; the command decides how it shows.

A workflow takes ``progress: Progress = no_progress`` and calls ``progress(text, number, total)`` when it
starts a step – ``text`` in the reader's language (``_("Reading the ledger")``), ``number`` of ``total``
(1-based). A step may also count its own items (the 250th of 2,000 letters): the same callback with the
item's number and their total. Nothing is shown by the default; the commands supply the display
(reports/console.py ``progress_display``): a rich progress bar on stderr on a terminal, one plain line
per step when stderr is not a terminal (cron logs), nothing with ``--json`` or ``--quiet``.

No import here beyond the standard library: workflows and scripts use it without rich.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int, int], None]
"""``progress(text, number, total)``: starting step (or item) ``number`` of ``total``, told by ``text``."""


def no_progress(text: str, number: int, total: int) -> None:
    """The default: nothing is shown."""
