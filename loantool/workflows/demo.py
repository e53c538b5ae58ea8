"""demo: the bundled samples copied into a new folder, with a loantool.toml that fixes the as-of date;
then the morning run there (the same workflow the morning command runs). The samples are never modified."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import UsageError
from ..i18n import _
from .morning import MorningResult, morning

SAMPLE_FILES = ("ledger.xlsx", "客服信息表.xlsx", "loantool.toml")
SAMPLE_FOLDERS = ("inbox",)


def create_demo(directory: Path) -> Path:
    """Copy the sample data (not the generator's code) into the new folder ``directory``; its
    loantool.toml is returned."""
    target = Path(directory)
    if target.exists():
        raise UsageError(_("{folder} already exists; the demo never overwrites.").format(folder=target),
                         _("Give the demo a new folder."))
    samples = resources.files("loantool.samples")
    try:
        target.mkdir(parents=True)
        for name in SAMPLE_FILES:
            (target / name).write_bytes(samples.joinpath(name).read_bytes())
        for folder in SAMPLE_FOLDERS:
            _copy_tree(samples.joinpath(folder), target / folder)
    except OSError as exc:
        raise UsageError(_("Cannot create the demo in {folder}: {reason}.").format(folder=target,
                                                                                  reason=exc.strerror),
                         _("Choose a folder you can write to.")) from None
    return target / "loantool.toml"


def run_demo(settings: Settings, *, as_of: dt.date, arguments: Sequence[str] = (),
             progress: Callable[[str], None] = lambda _name: None) -> MorningResult:
    """The morning run in the demo folder (``settings`` read from the loantool.toml create_demo wrote)."""
    return morning(settings, settings.ledger_path, as_of=as_of, arguments=["demo", *arguments],
                   progress=progress)


def _copy_tree(source: Any, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for entry in source.iterdir():
        if entry.is_dir():
            _copy_tree(entry, target / entry.name)
        elif not entry.name.startswith("."):
            (target / entry.name).write_bytes(entry.read_bytes())
