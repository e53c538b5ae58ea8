"""loantool init – a blank ledger and loantool.toml from the templates, never overwriting."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..cli import DebugOpt, LangOpt, QuietOpt, command
from ..i18n import _

HELP = """新建台账 Create a blank ledger (ledger.xlsx) and loantool.toml in 文件夹 (default: here), and the
inbox folders of loantool.toml's [morning].

Existing files are never overwritten."""


@command("init", HELP)
def init(
    directory: Annotated[Path, typer.Argument(
        help="文件夹（不存在则新建） Folder to set up (created if missing).", metavar="文件夹")] = Path("."),
    quiet: QuietOpt = False, debug: DebugOpt = False, lang: LangOpt = None,
) -> None:
    from ..workflows.init import init_desk

    result = init_desk(directory)
    if not quiet:
        typer.echo(_("Created {ledger} and {config}; inbox folders {folders}.").format(
            ledger=result.files[0], config=result.files[1], folders=", ".join(map(str, result.folders))))
