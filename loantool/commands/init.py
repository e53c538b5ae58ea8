"""loantool init – a blank ledger and loantool.toml from the templates, never overwriting."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from ..cli import DebugOpt, LangOpt, QuietOpt, command
from ..errors import UsageError

HELP = """新建台账 Create a blank ledger (ledger.xlsx) and loantool.toml in 文件夹 (default: here).

Existing files are never overwritten."""


@command("init", HELP)
def init(
    directory: Annotated[Path, typer.Argument(
        help="文件夹（不存在则新建） Folder to set up (created if missing).", metavar="文件夹")] = Path("."),
    quiet: QuietOpt = False, debug: DebugOpt = False, lang: LangOpt = None,
) -> None:
    templates = resources.files("loantool.templates")
    targets = {"ledger.xlsx": directory / "ledger.xlsx", "loantool.toml": directory / "loantool.toml"}
    existing = [str(p) for p in targets.values() if p.exists()]
    if existing:
        raise UsageError(f"{', '.join(existing)} already exist(s); init never overwrites.",
                         "Choose an empty folder, or move the old files away first.")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for name, target in targets.items():
            with open(target, "xb") as handle:  # "x": fail rather than overwrite, even in a race
                handle.write(templates.joinpath(name).read_bytes())
    except OSError as exc:
        raise UsageError(f"cannot create files in {directory}: {exc.strerror}.", "Choose a folder you can write to.") from None
    if not quiet:
        typer.echo(f"Created {targets['ledger.xlsx']} and {targets['loantool.toml']}.")
