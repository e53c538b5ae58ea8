"""init: a new desk folder – a blank ledger and loantool.toml from the templates, and the inbox folders
that loantool.toml's [morning] names. Existing files are never overwritten."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ..errors import UsageError
from ..i18n import _

TEMPLATE_FILES = ("ledger.xlsx", "loantool.toml")


@dataclass
class InitResult:
    directory: Path
    files: list[Path]
    folders: list[Path] = field(default_factory=list)  # the inbox folders (created or already there)

    def to_dict(self) -> dict[str, object]:
        return {"directory": str(self.directory), "files": [str(p) for p in self.files],
                "folders": [str(p) for p in self.folders]}


def init_desk(directory: Path) -> InitResult:
    """Copy the templates into ``directory`` (created if missing), then make the [morning] inboxes."""
    from ..config import load_settings

    templates = resources.files("loantool.templates")
    targets = [Path(directory) / name for name in TEMPLATE_FILES]
    existing = [str(p) for p in targets if p.exists()]
    if existing:
        raise UsageError(
            _("{files} already exist(s); init never overwrites.").format(files=", ".join(existing)),
            _("Choose an empty folder, or move the old files away first."))
    try:
        Path(directory).mkdir(parents=True, exist_ok=True)
        for target in targets:
            with open(target, "xb") as handle:  # "x": fail rather than overwrite, even in a race
                handle.write(templates.joinpath(target.name).read_bytes())
    except OSError as exc:
        raise UsageError(_("Cannot create files in {folder}: {reason}.").format(folder=directory,
                                                                               reason=exc.strerror),
                         _("Choose a folder you can write to.")) from None
    settings = load_settings(Path(directory) / "loantool.toml")
    folders = [settings.resolve(settings.morning.slips_inbox),
               settings.resolve(settings.morning.statements_inbox)]
    try:
        for folder in folders:
            folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(_("Cannot create the inbox folder {folder}: {reason}.").format(
                             folder=exc.filename, reason=exc.strerror),
                         _("Create it by hand, or change [morning] in loantool.toml.")) from None
    return InitResult(Path(directory), targets, folders)
