"""The message catalogs: extract with Babel, update the Chinese ``.po``, compile the shipped ``.mo``.

    python -m loantool.catalog            # extract, update zh .po (new messages get an empty msgstr), compile
    python -m loantool.catalog --check    # exit 1 listing every problem (what the test checks)
    python -m loantool.catalog --todo     # the message ids still without Chinese

A developer tool: it needs Babel (the ``test`` extra), the installed package never imports it. The
``.po`` is written without source locations and sorted by message id, so that two branches adding
messages merge cleanly (``.gitattributes`` merges ``*.po`` by union); run this after a merge.
"""

from __future__ import annotations

import io
import re
import string
import sys
from pathlib import Path

from .i18n import DOMAIN, LOCALE_DIR

PACKAGE = Path(__file__).resolve().parent
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
LANG = "zh"
PO = LOCALE_DIR / LANG / "LC_MESSAGES" / f"{DOMAIN}.po"
MO = PO.with_suffix(".mo")


def extract():
    """Every message id in the package's Python files, as a Babel Catalog."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    catalog = Catalog(project="loantool", domain=DOMAIN)
    method_map = [("**.py", "python")]
    for filename, lineno, message, comments, context in extract_from_dir(
            str(PACKAGE), method_map, keywords=KEYWORDS, comment_tags=("i18n:",), strip_comment_tags=True):
        if not message or (isinstance(message, tuple) and not message[0]):
            continue
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def read_po(path: Path = PO):
    from babel.messages.pofile import read_po as _read

    with path.open("rb") as handle:
        return _read(handle, locale=LANG, domain=DOMAIN)


def po_bytes(catalog) -> bytes:
    from babel.messages.pofile import write_po

    buffer = io.BytesIO()
    write_po(buffer, catalog, no_location=True, sort_output=True, width=110, include_previous=False,
             ignore_obsolete=True, omit_header=False)
    return buffer.getvalue()


def mo_bytes(catalog) -> bytes:
    from babel.messages.mofile import write_mo

    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def update() -> tuple[int, int]:
    """Bring the .po up to date with the code and compile the .mo. Returns (messages, untranslated)."""
    from babel.messages.catalog import Catalog

    template = extract()
    if PO.is_file():
        catalog = read_po()
    else:
        catalog = Catalog(locale=LANG, project="loantool", domain=DOMAIN)
    catalog.update(template, no_fuzzy_matching=True)
    catalog.obsolete.clear()
    _steady_header(catalog)
    PO.parent.mkdir(parents=True, exist_ok=True)
    PO.write_bytes(po_bytes(catalog))
    MO.write_bytes(mo_bytes(read_po()))
    messages = [m for m in catalog if m.id]
    return len(messages), sum(1 for m in messages if not _translated(m))


def _steady_header(catalog) -> None:
    """A header that does not change from run to run (no dates, no "fuzzy"), so merges stay clean."""
    import datetime as dt

    fixed = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    catalog.creation_date = catalog.revision_date = fixed
    catalog.fuzzy = False
    catalog.last_translator = "loantool"
    catalog.language_team = "loantool"
    catalog.msgid_bugs_address = ""
    catalog.copyright_holder = "loantool"
    catalog.version = "1"


def todo() -> list[str]:
    """Message ids of the .po without Chinese yet (to fill in by hand)."""
    return [m.id if isinstance(m.id, str) else m.id[0] for m in read_po() if m.id and not _translated(m)]


def _translated(message) -> bool:
    if isinstance(message.string, (list, tuple)):
        return all(s for s in message.string)
    return bool(message.string)


_PERCENT = re.compile(r"%\(\w+\)[sd]|%[sd]")


def placeholders(text: str) -> list[str]:
    """The named ``{placeholders}`` of a message (sorted, with repeats), and any %-style ones."""
    names = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    return sorted(names) + sorted(_PERCENT.findall(text))


def problems() -> list[str]:
    """Every reason the catalogs are not right: a message without Chinese, a placeholder that differs,
    a .po entry the code no longer has, a .mo that is not the .po compiled."""
    found: list[str] = []
    template = extract()
    catalog = read_po()
    for message in template:
        if not message.id:
            continue
        entry = catalog.get(message.id)
        ident = message.id if isinstance(message.id, str) else message.id[0]
        where = ", ".join(f"{f}:{n}" for f, n in message.locations[:2])
        if entry is None or not _translated(entry):
            found.append(f"no Chinese for {ident!r} ({where})")
            continue
        if entry.fuzzy:
            found.append(f"fuzzy translation for {ident!r} ({where})")
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = entry.string if isinstance(entry.string, (list, tuple)) else (entry.string,)
        try:
            wanted = placeholders(ids[0])
            for text in strings:
                if placeholders(text) != wanted:
                    found.append(f"placeholders differ for {ident!r}: {wanted} vs {placeholders(text)} in "
                                 f"{text!r}")
        except ValueError as exc:
            found.append(f"bad format string in {ident!r}: {exc}")
    known = {m.id for m in template if m.id}
    for entry in catalog:
        if entry.id and entry.id not in known:
            ident = entry.id if isinstance(entry.id, str) else entry.id[0]
            found.append(f"the .po has a message the code no longer uses: {ident!r}")
    if not MO.is_file() or MO.read_bytes() != mo_bytes(catalog):
        found.append(f"{MO.relative_to(PACKAGE.parent)} is not the compiled .po: "
                     "run python -m loantool.catalog")
    return found


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if "--todo" in args:
        for ident in todo():
            print(repr(ident))
        return 0
    if "--check" in args:
        found = problems()
        for line in found:
            print(line)
        return 1 if found else 0
    total, missing = update()
    print(f"{PO.relative_to(PACKAGE.parent)}: {total} messages, {missing} without Chinese; "
          f"{MO.name} compiled")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
