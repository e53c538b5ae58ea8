"""The writer on real workbooks from other tools (../shared/realworld, see SOURCES.md there).

For every .xlsx/.xlsm: a few cells updated and rows appended on its fullest sheet; every other part
of the zip is byte-identical, everything in the edited sheet outside the cells is unchanged (so the
counts of merged cells, validations, conditional formats, drawings, tables… are too), rows not edited
are byte-identical, and python-calamine reads the new values back. Then a sheet is added to each.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import shutil
import subprocess
import zipfile
from collections import Counter
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from loantool.ledger.transaction import verify_patch
from loantool.ledger.xlsx_patch import SheetEdits, patch_xlsx

REALWORLD = Path(
    os.environ.get("LOANTOOL_REALWORLD", Path(__file__).resolve().parents[2] / "shared" / "realworld")
)
FILES = (
    sorted(p.name for p in REALWORLD.glob("*.xls[xm]") if not p.name.startswith("~$"))
    if REALWORLD.is_dir()
    else []
)
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NON_CELL = [
    "mergeCell",
    "dataValidation",
    "conditionalFormatting",
    "cfRule",
    "ext",
    "sparklineGroup",
    "drawing",
    "legacyDrawing",
    "legacyDrawingHF",
    "picture",
    "tablePart",
    "hyperlink",
    "control",
    "oleObject",
    "pageSetup",
    "pageMargins",
    "headerFooter",
    "col",
    "sheetView",
    "pane",
    "autoFilter",
    "extLst",
]

pytestmark = pytest.mark.skipif(not FILES, reason=f"no real-world files at {REALWORLD}")


def copy(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copyfile(REALWORLD / name, target)
    return target


def decompressed(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def fullest_sheet(path: Path) -> str:
    book = CalamineWorkbook.from_path(str(path))

    def filled(name: str) -> int:
        return sum(
            v != "" for row in book.get_sheet_by_name(name).to_python(skip_empty_area=False) for v in row
        )

    return max(book.sheet_names, key=filled)


def targets(sheet_xml: bytes) -> list[tuple[int, int]]:
    """Three cells to update, found with ElementTree: two existing cells without a formula (preferring
    ones holding a value; B2 and B3 when the sheet has none) and a new cell two columns right of the
    widest row of the first one."""
    plain, empty, formulas, widest = [], [], set(), 0
    for c in ElementTree.fromstring(sheet_xml).iter(f"{MAIN}c"):
        match = re.fullmatch(r"([A-Z]+)(\d+)", c.get("r", ""))
        col = 0
        for letter in match.group(1):
            col = col * 26 + ord(letter) - 64
        place = (int(match.group(2)), col)
        widest = max(widest, col)
        if c.find(f"{MAIN}f") is not None:
            formulas.add(place)
        elif c.find(f"{MAIN}v") is not None or c.find(f"{MAIN}is") is not None:
            plain.append(place)
        else:
            empty.append(place)
    chosen = (plain + empty + [p for p in ((2, 2), (3, 2)) if p not in formulas])[:2]
    return chosen + [(chosen[0][0], widest + 2)]


def split_sheet(xml: str) -> tuple[str, str, str]:
    """(before <sheetData>, the rows, after </sheetData>)."""
    match = re.search(r"<(\w+:)?sheetData\b[^>]*?(/?)>", xml)
    if match.group(2):
        return xml[: match.start()], "", xml[match.end() :]
    close = f"</{match.group(1) or ''}sheetData>"
    end = xml.index(close)
    return xml[: match.start()], xml[match.end() : end], xml[end + len(close) :]


def rows_by_number(rows: str) -> dict[int, str]:
    return {
        int(m.group(1)): m.group(0)
        for m in re.finditer(r'<(?:\w+:)?row\b[^>]*?\sr="(\d+)"[^>]*?(?:/>|>.*?</(?:\w+:)?row>)', rows, re.S)
    }


@pytest.mark.parametrize("name", FILES)
def test_cells_and_rows_written_into_a_real_workbook(name: str, tmp_path: Path) -> None:
    src = copy(name, tmp_path)
    sheet = fullest_sheet(src)
    book_before = CalamineWorkbook.from_path(str(src))
    edits = SheetEdits(
        sheet,
        appends=[
            {1: "HT-2025-0001", 2: Decimal("1234.56"), 3: dt.date(2025, 1, 31)},
            {1: "6222021234567890123", 2: 7, 3: True},
        ],
    )
    probe = patch_xlsx(src, tmp_path / "probe.xlsx", [SheetEdits(sheet)])  # no edits: where the sheet lives
    part = probe.sheets[0].part
    before = decompressed(src)
    values = ["已更新", Decimal("88.8"), "新列"]
    edits.updates = dict(zip(targets(before[part]), values, strict=True))
    out = tmp_path / f"out-{name}"
    result = patch_xlsx(src, out, [edits])
    verify_patch(src, out, result)  # raw bytes of other entries, and every other cell, checked again

    after = decompressed(out)
    assert list(after) == list(before)
    changed = {n for n in before if before[n] != after[n]}
    styles = {n for n in before if n.replace("\\", "/").endswith("xl/styles.xml")}
    tables = {n for n in before if re.search(r"tables[/\\]table\d+\.xml$", n)}
    assert part in changed and changed <= {part} | styles | tables, changed

    old_xml, new_xml = before[part].decode("utf-8"), after[part].decode("utf-8")
    old_head, old_rows, old_tail = split_sheet(old_xml)
    new_head, new_rows, new_tail = split_sheet(new_xml)
    assert new_tail == old_tail
    dimension = r'(<(?:\w+:)?dimension ref=")[^"]*"'
    assert re.sub(dimension, r'\1"', new_head) == re.sub(dimension, r'\1"', old_head)
    elements = Counter(re.findall(r"<([\w:]+)[\s/>]", old_head + old_tail))
    assert Counter(re.findall(r"<([\w:]+)[\s/>]", new_head + new_tail)) == elements
    for element in NON_CELL:
        assert new_xml.count(f"<{element} ") + new_xml.count(f"<{element}>") + new_xml.count(
            f":{element} "
        ) == old_xml.count(f"<{element} ") + old_xml.count(f"<{element}>") + old_xml.count(f":{element} "), (
            element
        )
    edited_rows = {r for r, _ in edits.updates} | set(result.sheets[0].appended_rows)
    old_by_row, new_by_row = rows_by_number(old_rows), rows_by_number(new_rows)
    for number, row_xml in old_by_row.items():
        if number not in edited_rows:
            assert new_by_row[number] == row_xml

    grid = CalamineWorkbook.from_path(str(out)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    first, second = result.sheets[0].appended_rows
    assert grid[first - 1][:3] == ["HT-2025-0001", 1234.56, dt.date(2025, 1, 31)]
    assert grid[second - 1][0] == "6222021234567890123" and grid[second - 1][1] == 7
    assert grid[second - 1][2] is True
    for (row, col), value in edits.updates.items():
        assert grid[row - 1][col - 1] == (value if isinstance(value, str) else float(value))
    assert CalamineWorkbook.from_path(str(out)).sheet_names == book_before.sheet_names


@pytest.mark.parametrize("name", FILES)
def test_a_sheet_added_to_a_real_workbook(name: str, tmp_path: Path) -> None:
    src = copy(name, tmp_path)
    out = tmp_path / f"out-{name}"
    result = patch_xlsx(
        src,
        out,
        [
            SheetEdits(
                "结清记录",
                create_header=["合同编号", "结清日期", "结清金额"],
                appends=[{1: "HT001", 2: "2025-02-28", 3: Decimal("10500.00")}],
            )
        ],
    )
    verify_patch(src, out, result)
    before, after = decompressed(src), decompressed(out)
    new_part = result.sheets[0].part
    assert [n for n in after if n != new_part] == list(before)
    changed = {n.replace("\\", "/") for n in before if before[n] != after[n]}
    assert changed == {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"}
    book = CalamineWorkbook.from_path(str(out))
    assert book.sheet_names[-1] == "结清记录"
    assert book.get_sheet_by_name("结清记录").to_python() == [
        ["合同编号", "结清日期", "结清金额"],
        ["HT001", "2025-02-28", 10500.0],
    ]


def test_rows_appended_into_a_truly_empty_sheet(tmp_path: Path) -> None:
    src = copy("openpyxl_names_external_link.xlsx", tmp_path)
    assert "<sheetData/>" in decompressed(src)["xl/worksheets/sheet2.xml"].decode()
    out = tmp_path / "out.xlsx"
    result = patch_xlsx(
        src, out, [SheetEdits("Sheet2", appends=[{1: "HT001", 2: Decimal("1.5")}, {1: "HT002"}])]
    )
    verify_patch(src, out, result)
    assert CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Sheet2").to_python() == [
        ["HT001", 1.5],
        ["HT002", ""],
    ]


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
# every sheet to CSV (UTF-8, raw values); "-1" needs LibreOffice 7.2 or later
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
LIBREOFFICE_CANNOT_OPEN = {"calamine_issue_530_cn.xlsx"}  # not even the original (backslash zip names)


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_edited_workbooks(tmp_path: Path) -> None:
    """A real client opening our output: headless LibreOffice converts edited workbooks to CSV."""
    edited = tmp_path / "edited"
    edited.mkdir()
    book = xlsxwriter.Workbook(str(tmp_path / "ledger.xlsx"))
    sheet = book.add_worksheet("贷款台账")
    sheet.write_row(0, 0, ["合同编号", "贷款金额", "还款明细已出"])
    sheet.write_row(1, 0, ["HT001", 100000, "否"])
    book.close()
    patch_xlsx(
        tmp_path / "ledger.xlsx",
        edited / "ledger.xlsx",
        [
            SheetEdits(
                "贷款台账", updates={(2, 3): "是"}, appends=[{1: "HT002", 2: Decimal("52000.5"), 3: "否"}]
            )
        ],
    )
    sheets = {"ledger": "贷款台账"}
    for name in FILES:
        if name in LIBREOFFICE_CANNOT_OPEN:
            continue
        src = copy(name, tmp_path)
        sheets[Path(name).stem] = fullest_sheet(src)
        patch_xlsx(
            src,
            edited / name,
            [
                SheetEdits(sheets[Path(name).stem], appends=[{1: "LO-检查", 2: "HT-0001"}]),
                SheetEdits("新表", create_header=["合同编号"], appends=[{1: "HT-0002"}]),
            ],
        )
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            CSV_FILTER,
            "--outdir",
            str(tmp_path / "csv"),
            *sorted(str(p) for p in edited.iterdir()),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )

    def rows(stem: str, sheet: str) -> list[list[str]]:
        return list(csv.reader((tmp_path / "csv" / f"{stem}-{sheet}.csv").open(encoding="utf-8")))

    assert rows("ledger", "贷款台账") == [
        ["合同编号", "贷款金额", "还款明细已出"],
        ["HT001", "100000", "是"],
        ["HT002", "52000.5", "否"],
    ]
    for stem, sheet in sheets.items():
        if stem != "ledger":
            assert ["LO-检查", "HT-0001"] in [row[:2] for row in rows(stem, sheet)], stem
            assert rows(stem, "新表") == [["合同编号"], ["HT-0002"]], stem


@pytest.mark.parametrize("name", FILES)
def test_rows_inserted_in_the_middle_of_a_real_sheet_move_the_rest_or_are_refused(
    name: str, tmp_path: Path
) -> None:
    """The footer case on other tools' files: rows go in at the half of the fullest sheet, and what lies
    below moves down – verified cell by cell – or the write is refused (exit 3). Never a damaged file."""
    from loantool.errors import LedgerUnsafeError

    src = copy(name, tmp_path)
    sheet = fullest_sheet(src)
    before = CalamineWorkbook.from_path(str(src)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    after = max(1, len(before) // 2)
    out = tmp_path / f"out-{name}"
    edit = SheetEdits(sheet, appends=[{1: "HT-INS-1"}, {1: "HT-INS-2", 2: Decimal("2.5")}],
                      insert_after_row=after)
    try:
        result = patch_xlsx(src, out, [edit])
    except LedgerUnsafeError as refused:
        assert refused.exit_code == 3 and not out.exists()
        return
    verify_patch(src, out, result)
    grid = CalamineWorkbook.from_path(str(out)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    if result.sheets[0].inserted:
        assert [grid[after][0], grid[after + 1][0]] == ["HT-INS-1", "HT-INS-2"]
        width = len(before[0]) if before else 0
        assert [row[:width] for row in grid[after + 2 :]] == before[after:]
