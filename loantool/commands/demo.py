"""loantool demo – the bundled samples copied into a new folder, then the morning run there."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from ..cli import DebugOpt, LangOpt, JsonOpt, QuietOpt, command, make_run
from ..errors import UsageError

HELP = """演示 Copy the sample ledger, slips and statements into 文件夹 (default: ./loantool-demo, which must
not exist yet) with a loantool.toml that fixes the as-of date, then run `morning` there.

The bundled samples themselves are never modified."""

SAMPLE_FILES = ("ledger.xlsx", "客服信息表.xlsx", "loantool.toml")
SAMPLE_FOLDERS = ("inbox",)


@command("demo", HELP)
def demo(
    directory: Annotated[Path, typer.Argument(
        help="演示用的新文件夹 New folder for the demo.", metavar="文件夹")] = Path("loantool-demo"),
    json_: JsonOpt = False, quiet: QuietOpt = False, debug: DebugOpt = False, lang: LangOpt = None,
) -> None:
    from .morning import run_morning

    if directory.exists():
        raise UsageError(f"{directory} already exists; the demo never overwrites.",
                         "Give a new folder: loantool demo NEW_DIR.")
    copy_samples(directory)
    run = make_run(None, directory / "loantool.toml", None, json_, quiet, debug, lang)
    if not run.quiet:
        run.err.print(f"Demo folder {directory.resolve()} (samples as of {run.as_of}); running morning …")
    run_morning(run, fail_on_diff=False)


def copy_samples(target: Path) -> None:
    """Copy the sample data files (not the generator's code) from the installed package."""
    samples = resources.files("loantool.samples")
    try:
        target.mkdir(parents=True)
        for name in SAMPLE_FILES:
            (target / name).write_bytes(samples.joinpath(name).read_bytes())
        for folder in SAMPLE_FOLDERS:
            _copy_tree(samples.joinpath(folder), target / folder)
    except OSError as exc:
        raise UsageError(f"cannot create the demo in {target}: {exc.strerror}.", "Choose a folder you can write to.") from None


def _copy_tree(source, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for entry in source.iterdir():
        if entry.is_dir():
            _copy_tree(entry, target / entry.name)
        elif not entry.name.startswith("."):
            (target / entry.name).write_bytes(entry.read_bytes())

