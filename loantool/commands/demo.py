"""loantool demo – the bundled samples copied into a new folder, then the morning run there."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..cli import DebugOpt, JsonOpt, LangOpt, QuietOpt, command, make_run
from ..i18n import _

HELP = """演示 Copy the sample ledger, slips and statements into 文件夹 (default: ./loantool-demo, which must
not exist yet) with a loantool.toml that fixes the as-of date, then run `morning` there.

The bundled samples themselves are never modified."""


@command("demo", HELP)
def demo(
    directory: Annotated[Path, typer.Argument(
        help="演示用的新文件夹 New folder for the demo.", metavar="文件夹")] = Path("loantool-demo"),
    json_: JsonOpt = False, quiet: QuietOpt = False, debug: DebugOpt = False, lang: LangOpt = None,
) -> None:
    from ..workflows.demo import create_demo, run_demo
    from .morning import finish, progress_of

    config = create_demo(directory)
    run = make_run(None, config, None, json_, quiet, debug, lang)
    if not run.quiet:
        run.err.print(_("Demo folder {folder} (samples as of {day}); running morning …").format(
            folder=directory.resolve(), day=run.as_of.isoformat()), markup=False)
    with progress_of(run) as progress:
        result = run_demo(run.settings, as_of=run.as_of, arguments=run.argv, progress=progress)
    finish(run, result, fail_on_diff=False)
