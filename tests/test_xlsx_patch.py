"""The surgical writer: cells, rows, styles, tables and sheets changed in place; everything else kept."""

from __future__ import annotations

import datetime as dt
import re
import struct
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from loantool.errors import LedgerUnsafeError
from loantool.ledger.sheet_xml import excel_serial, number_text
from loantool.ledger.transaction import verify_patch
from loantool.ledger.xlsx_patch import SheetEdits, patch_xlsx

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
STYLES = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/></font><font><b/><sz val="11"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="49" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)
YUAN, DATE, BOLD_TEXT = 1, 2, 3


def sheet_xml(
    rows: str, *, prefix: str = "", dimension: str = "A1:C3", tail: str = "", data: str | None = None
) -> str:
    p = f"{prefix}:" if prefix else ""
    ns = f'xmlns{":" + prefix if prefix else ""}="{MAIN}"'
    body = data if data is not None else f"<{p}sheetData>{rows}</{p}sheetData>"
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<{p}worksheet {ns} xmlns:r="{REL}">'
        f'<{p}dimension ref="{dimension}"/><{p}sheetFormatPr defaultRowHeight="15"/>{body}{tail}'
        f'<{p}pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        f"</{p}worksheet>"
    )


def build(
    path: Path,
    sheets: list[tuple[str, str]],
    *,
    date1904: bool = False,
    extra: dict[str, str] | None = None,
    sheet_rels: dict[int, str] | None = None,
    shared: list[str] | None = None,
) -> Path:
    """A small workbook written part by part, so each test controls the exact XML."""
    pr = ' date1904="1"' if date1904 else ""
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument'
        f'.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f'{overrides}<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.styles+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
            f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<workbook xmlns="{MAIN}" xmlns:r="{REL}">'
            f"<workbookPr{pr}/><sheets>"
            + "".join(
                f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>' for i, (name, _) in enumerate(sheets, 1)
            )
            + "</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns="{PKG}">'
            + "".join(
                f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, len(sheets) + 1)
            )
            + f'<Relationship Id="rId90" Type="{REL}/styles" Target="styles.xml"/>'
            + (
                f'<Relationship Id="rId91" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
                if shared
                else ""
            )
            + "</Relationships>"
        ),
        "xl/styles.xml": STYLES,
    }
    for i, (_, xml) in enumerate(sheets, 1):
        parts[f"xl/worksheets/sheet{i}.xml"] = xml
    for i, rels in (sheet_rels or {}).items():
        parts[f"xl/worksheets/_rels/sheet{i}.xml.rels"] = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns="{PKG}">{rels}</Relationships>'
        )
    if shared:
        parts["xl/sharedStrings.xml"] = (
            f'<sst xmlns="{MAIN}" count="{len(shared)}" uniqueCount="{len(shared)}">'
            + "".join(f"<si><t>{s}</t></si>" for s in shared)
            + "</sst>"
        )
    parts.update(extra or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return path


def grid(path: Path, sheet: str) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def part(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(name).decode("utf-8")


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def changed_parts(before: Path, after: Path) -> set[str]:
    old, new = parts(before), parts(after)
    assert list(old) == [n for n in new if n in old], "entry order changed"
    return {n for n in new if old.get(n) != new[n]}


LOANS = (
    '<row r="1" spans="1:3"><c r="A1" s="3" t="inlineStr"><is><t>合同编号</t></is></c>'
    '<c r="B1" s="3" t="inlineStr"><is><t>贷款金额</t></is></c>'
    '<c r="C1" s="3" t="inlineStr"><is><t>放款日期</t></is></c></row>'
    '<row r="2" spans="1:3"><c r="A2" t="inlineStr"><is><t>HT001</t></is></c>'
    '<c r="B2" s="1"><v>100000</v></c>'
    '<c r="C2" s="2"><v>45292</v></c></row>'
    '<row r="3" spans="1:3"><c r="A3" t="inlineStr"><is><t>HT002</t></is></c>'
    '<c r="B3" s="1"><v>52000.5</v></c>'
    '<c r="C3" s="2"><v>45300</v></c></row>'
)


@pytest.fixture
def loans(tmp_path: Path) -> Path:
    return build(
        tmp_path / "ledger.xlsx",
        [("贷款台账", sheet_xml(LOANS)), ("还款记录", sheet_xml("", data="<sheetData/>"))],
    )


def test_update_keeps_style_and_every_other_part(loans: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    result = patch_xlsx(loans, out, [SheetEdits("贷款台账", updates={(2, 2): Decimal("1234.50")})])
    assert changed_parts(loans, out) == {"xl/worksheets/sheet1.xml"}
    assert '<c r="B2" s="1"><v>1234.5</v></c>' in part(out, "xl/worksheets/sheet1.xml")
    assert grid(out, "贷款台账")[1][1] == 1234.5
    assert result.cells_written == 1 and result.sheets[0].cells == {(2, 2): Decimal("1234.50")}
    old, new = part(loans, "xl/worksheets/sheet1.xml"), part(out, "xl/worksheets/sheet1.xml")
    assert old.replace('<c r="B2" s="1"><v>100000</v></c>', '<c r="B2" s="1"><v>1234.5</v></c>') == new
    verify_patch(loans, out, result)


def test_numbers_are_written_as_exact_decimal_text() -> None:
    assert number_text(Decimal("1234.50")) == "1234.5"
    assert number_text(Decimal("0.10")) == "0.1"
    assert number_text(Decimal("1E+3")) == "1000"
    assert number_text(Decimal("-0.00")) == "0"
    assert number_text(10**14) == "100000000000000"
    with pytest.raises(ValueError, match="significant digits"):
        number_text(6222021234567890123)  # a card number as a number would lose its tail


def test_values_that_cannot_be_stored_are_refused_before_writing(loans: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    with pytest.raises(LedgerUnsafeError, match="significant digits"):
        patch_xlsx(loans, out, [SheetEdits("贷款台账", updates={(2, 2): 6222021234567890123})])
    with pytest.raises(TypeError, match="float"):
        patch_xlsx(loans, out, [SheetEdits("贷款台账", updates={(2, 2): 0.1})])  # type: ignore[dict-item]
    assert not out.exists()


@settings(max_examples=25, deadline=None)
@given(st.decimals(min_value=Decimal("-99999999.99"), max_value=Decimal("99999999.99"), places=2))
def test_amounts_read_back_exactly(tmp_path_factory, amount: Decimal) -> None:
    folder = tmp_path_factory.mktemp("amount")
    src = build(folder / "in.xlsx", [("S", sheet_xml(LOANS))])
    out = folder / "out.xlsx"
    result = patch_xlsx(src, out, [SheetEdits("S", updates={(3, 2): amount}, appends=[{2: amount}])])
    assert Decimal(number_text(amount)) == amount
    assert grid(out, "S")[2][1] == float(amount) == grid(out, "S")[3][1]
    verify_patch(src, out, result)


def test_strings_are_inline_text_escaped_exactly(loans: Path, tmp_path: Path) -> None:
    values = [
        "<&>\"'",
        "  前后空格 ",
        "a_x0041_b",
        "控制\x01字符",
        "行1\r\n行2",
        "012345678901234567",
        "6222021234567890123",
    ]
    out = tmp_path / "out.xlsx"
    result = patch_xlsx(loans, out, [SheetEdits("贷款台账", appends=[{1: v} for v in values], header_row=1)])
    assert [row[0] for row in grid(out, "贷款台账")[3:]] == values
    xml = part(out, "xl/worksheets/sheet1.xml")
    assert '<c r="A4" t="inlineStr"><is><t>&lt;&amp;&gt;"\'</t></is></c>' in xml
    assert '<t xml:space="preserve">  前后空格 </t>' in xml
    verify_patch(loans, out, result)


def test_dates_are_serials_in_the_workbook_date_system(tmp_path: Path) -> None:
    assert excel_serial(dt.date(2024, 1, 1)) == 45292
    assert excel_serial(dt.date(1900, 2, 28)) == 59 and excel_serial(dt.date(1900, 3, 1)) == 61
    assert excel_serial(dt.date(2024, 1, 1), date1904=True) == 45292 - 1462
    assert excel_serial(dt.datetime(2024, 1, 1, 12)) == Decimal("45292.5")
    for date1904 in (False, True):
        src = build(tmp_path / f"d{date1904}.xlsx", [("S", sheet_xml(LOANS))], date1904=date1904)
        out = tmp_path / f"o{date1904}.xlsx"
        result = patch_xlsx(
            src,
            out,
            [
                SheetEdits(
                    "S",
                    updates={(2, 3): dt.date(2025, 2, 28)},
                    appends=[{3: dt.datetime(2025, 3, 1, 18, 30)}],
                )
            ],
        )
        rows = grid(out, "S")
        assert rows[1][2] == dt.date(2025, 2, 28)
        assert rows[3][2] == dt.datetime(2025, 3, 1, 18, 30)
        verify_patch(src, out, result)


def test_bool_and_none_keep_the_cell_style(loans: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    patch_xlsx(loans, out, [SheetEdits("贷款台账", updates={(2, 1): True, (3, 2): None, (3, 7): None})])
    xml = part(out, "xl/worksheets/sheet1.xml")
    assert '<c r="A2" t="b"><v>1</v></c>' in xml
    assert '<c r="B3" s="1"/>' in xml and 'r="G3"' not in xml  # clearing a missing cell writes nothing
    assert grid(out, "贷款台账")[1][0] is True and grid(out, "贷款台账")[2][1] == ""


def test_cells_are_inserted_in_column_order_and_spans_widen(loans: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    patch_xlsx(loans, out, [SheetEdits("贷款台账", updates={(2, 5): "备注", (3, 4): Decimal(7)})])
    xml = part(out, "xl/worksheets/sheet1.xml")
    row2 = re.search(r'<row r="2".*?</row>', xml).group()
    assert re.findall(r'<c r="([A-Z]+)2"', row2) == ["A", "B", "C", "E"]
    assert 'spans="1:5"' in row2 and '<dimension ref="A1:E3"/>' in xml
    assert grid(out, "贷款台账")[1][4] == "备注" and grid(out, "贷款台账")[2][3] == 7.0


def test_appends_go_after_the_last_value_and_fill_formatted_rows(tmp_path: Path) -> None:
    formatted = (
        '<row r="4" ht="20" customHeight="1"><c r="A4" s="3"/><c r="B4" s="1"/></row><row r="5" ht="20"/>'
    )
    src = build(tmp_path / "in.xlsx", [("S", sheet_xml(LOANS + formatted, dimension="A1:C5"))])
    out = tmp_path / "out.xlsx"
    result = patch_xlsx(
        src, out, [SheetEdits("S", appends=[{1: "HT003", 2: Decimal("9.9")}, {1: "HT004"}, {1: "HT005"}])]
    )
    xml = part(out, "xl/worksheets/sheet1.xml")
    assert result.sheets[0].appended_rows == [4, 5, 6]
    assert (
        '<row r="4" ht="20" customHeight="1"><c r="A4" s="3" t="inlineStr"><is><t>HT003</t></is></c>'
        '<c r="B4" s="1"><v>9.9</v></c></row>' in xml
    )
    assert '<row r="5" ht="20"><c r="A5" s="3" t="inlineStr"><is><t>HT004</t></is></c></row>' in xml
    assert '<dimension ref="A1:C6"/>' in xml
    assert [r[0] for r in grid(out, "S")[3:]] == ["HT003", "HT004", "HT005"]


def test_new_cells_take_the_style_above_but_never_the_header_style(loans: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    patch_xlsx(
        loans,
        out,
        [
            SheetEdits(
                "贷款台账", appends=[{1: "HT003", 2: Decimal("1.5"), 3: dt.date(2025, 1, 2)}], header_row=1
            )
        ],
    )
    xml = part(out, "xl/worksheets/sheet1.xml")
    assert '<c r="A4" t="inlineStr">' in xml  # A2/A3 have no style; the bold header A1 lends none
    assert '<c r="B4" s="1"><v>1.5</v></c>' in xml and '<c r="C4" s="2"><v>45659</v></c>' in xml
    assert changed_parts(loans, out) == {"xl/worksheets/sheet1.xml"}
    out2 = tmp_path / "out2.xlsx"
    patch_xlsx(loans, out2, [SheetEdits("贷款台账", appends=[{1: "HT003"}])])
    assert '<c r="A4" s="3" t="inlineStr">' in part(out2, "xl/worksheets/sheet1.xml")  # no header_row given


def test_a_date_without_a_date_style_gets_one_added_once(tmp_path: Path) -> None:
    rows = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>日期</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>日期2</t></is></c></row>'
    )
    src = build(tmp_path / "in.xlsx", [("S", sheet_xml(rows))])
    out = tmp_path / "out.xlsx"
    result = patch_xlsx(
        src,
        out,
        [
            SheetEdits(
                "S", appends=[{1: dt.date(2025, 1, 1), 2: dt.date(2025, 1, 2)}, {1: dt.date(2025, 1, 3)}]
            )
        ],
    )
    assert changed_parts(src, out) == {"xl/worksheets/sheet1.xml", "xl/styles.xml"}
    styles = part(out, "xl/styles.xml")
    assert '<cellXfs count="5">' in styles
    assert styles.count('numFmtId="14"') == 1
    assert re.findall(r'<c r="[AB]\d" s="(\d)"', part(out, "xl/worksheets/sheet1.xml")) == ["4", "4", "4"]
    assert grid(out, "S")[1][:2] == [dt.date(2025, 1, 1), dt.date(2025, 1, 2)]
    verify_patch(src, out, result)
    again = tmp_path / "again.xlsx"  # the second time the style exists: styles.xml stays as it is
    patch_xlsx(out, again, [SheetEdits("S", updates={(9, 3): dt.date(2025, 5, 5)})])
    assert part(again, "xl/styles.xml") == styles


def test_a_date_over_a_text_cell_keeps_its_font_and_shows_a_date(loans: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    patch_xlsx(loans, out, [SheetEdits("贷款台账", updates={(1, 3): dt.date(2025, 6, 1)})])
    styles = part(out, "xl/styles.xml")
    assert (
        '<xf numFmtId="14" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyNumberFormat="1"/>'
        in styles
    )
    assert grid(out, "贷款台账")[0][2] == dt.date(2025, 6, 1)


def test_formulas_are_never_overwritten_but_an_equal_value_is_no_edit(tmp_path: Path) -> None:
    rows = (
        '<row r="1"><c r="A1"><v>2</v></c><c r="B1"><f>A1*2</f><v>4</v></c>'
        '<c r="C1" t="str"><f>"x"&amp;A1</f><v>x2</v></c></row>'
    )
    src = build(tmp_path / "in.xlsx", [("S", sheet_xml(rows))])
    out = tmp_path / "out.xlsx"
    result = patch_xlsx(
        src, out, [SheetEdits("S", updates={(1, 2): 4, (1, 3): "x2", (1, 1): Decimal("2.00")})]
    )
    assert not result.changed and result.cells_written == 0
    assert out.read_bytes() == src.read_bytes()
    with pytest.raises(LedgerUnsafeError, match=r"cell B1 holds a formula \(=A1\*2\)") as caught:
        patch_xlsx(src, out, [SheetEdits("S", updates={(1, 2): 5})])
    assert caught.value.exit_code == 3
    with pytest.raises(LedgerUnsafeError, match="cell C1 holds a formula"):
        patch_xlsx(src, out, [SheetEdits("S", updates={(1, 3): None})])


def test_shared_string_cells_become_inline_strings(tmp_path: Path) -> None:
    rows = '<row r="1"><c r="A1" s="3" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
    src = build(tmp_path / "in.xlsx", [("S", sheet_xml(rows))], shared=["否", "名"])
    out = tmp_path / "out.xlsx"
    patch_xlsx(src, out, [SheetEdits("S", updates={(1, 1): "是"})])
    assert '<c r="A1" s="3" t="inlineStr"><is><t>是</t></is></c>' in part(out, "xl/worksheets/sheet1.xml")
    assert changed_parts(src, out) == {"xl/worksheets/sheet1.xml"}
    assert grid(out, "S")[0] == ["是", "名"]


def test_a_namespace_prefixed_sheet_keeps_its_prefix(tmp_path: Path) -> None:
    rows = '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>编号</x:t></x:is></x:c></x:row>'
    src = build(tmp_path / "in.xlsx", [("S", sheet_xml(rows, prefix="x", dimension="A1"))])
    out = tmp_path / "out.xlsx"
    result = patch_xlsx(
        src, out, [SheetEdits("S", updates={(1, 2): Decimal(3)}, appends=[{1: "HT1", 2: True}])]
    )
    xml = part(out, "xl/worksheets/sheet1.xml")
    assert '<x:c r="B1"><x:v>3</x:v></x:c>' in xml
    assert (
        '<x:row r="2"><x:c r="A2" t="inlineStr"><x:is><x:t>HT1</x:t></x:is></x:c>'
        '<x:c r="B2" t="b"><x:v>1</x:v></x:c></x:row>' in xml
    )
    assert '<x:dimension ref="A1:B2"/>' in xml
    assert grid(out, "S") == [["编号", 3.0], ["HT1", True]]
    verify_patch(src, out, result)


def test_an_empty_self_closing_sheet_data_receives_rows(loans: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    result = patch_xlsx(loans, out, [SheetEdits("还款记录", appends=[{1: "HT001", 3: Decimal("3000")}])])
    xml = part(out, "xl/worksheets/sheet2.xml")
    assert (
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>HT001</t></is></c>'
        '<c r="C1"><v>3000</v></c></row></sheetData>' in xml
    )
    assert grid(out, "还款记录") == [["HT001", "", 3000.0]]
    verify_patch(loans, out, result)


def test_everything_outside_the_cells_survives(tmp_path: Path) -> None:
    tail = (
        '<mergeCells count="1"><mergeCell ref="D1:E1"/></mergeCells><conditionalFormatting sqref="B2:B9">'
        '<cfRule type="cellIs" dxfId="0" priority="1" operator="lessThan"><formula>0</formula></cfRule>'
        '</conditionalFormatting><dataValidations count="1"><dataValidation type="list" sqref="A2:A9">'
        '<formula1>"是,否"</formula1></dataValidation></dataValidations>'
    )
    src = build(tmp_path / "in.xlsx", [("S", sheet_xml(LOANS, tail=tail))])
    out = tmp_path / "out.xlsx"
    patch_xlsx(src, out, [SheetEdits("S", updates={(3, 1): "HT009"}, appends=[{1: "HT010"}])])
    old, new = part(src, "xl/worksheets/sheet1.xml"), part(out, "xl/worksheets/sheet1.xml")
    assert new.split("</sheetData>")[1] == old.split("</sheetData>")[1]
    assert new.split("<sheetData>")[0] == old.split("<sheetData>")[0].replace("A1:C3", "A1:C4")
    assert re.search(r'<row r="2".*?</row>', new).group() == re.search(r'<row r="2".*?</row>', old).group()


def test_an_excel_table_grows_with_appended_rows(tmp_path: Path) -> None:
    table = (
        f'<table xmlns="{MAIN}" id="1" name="T" displayName="T" ref="A1:C3" totalsRowShown="0">'
        '<autoFilter ref="A1:C3"/><tableColumns count="3"><tableColumn id="1" name="合同编号"/>'
        '<tableColumn id="2" name="贷款金额"/><tableColumn id="3" name="放款日期"/></tableColumns></table>'
    )
    totals = table.replace(
        'id="1" name="T" displayName="T"', 'id="2" name="U" displayName="U" totalsRowCount="1"'
    )
    rels = (
        f'<Relationship Id="rId1" Type="{REL}/table" Target="../tables/table1.xml"/>'
        f'<Relationship Id="rId2" Type="{REL}/table" Target="/xl/tables/table2.xml"/>'
    )
    src = build(
        tmp_path / "in.xlsx",
        [
            (
                "S",
                sheet_xml(
                    LOANS,
                    tail='<tableParts count="2"><tablePart r:id="rId1"/>'
                    '<tablePart r:id="rId2"/></tableParts>',
                ),
            )
        ],
        sheet_rels={1: rels},
        extra={"xl/tables/table1.xml": table, "xl/tables/table2.xml": totals},
    )
    out = tmp_path / "out.xlsx"
    patch_xlsx(src, out, [SheetEdits("S", appends=[{1: "HT3"}, {1: "HT4", 2: Decimal(1)}])])
    assert changed_parts(src, out) == {"xl/worksheets/sheet1.xml", "xl/tables/table1.xml"}
    grown = part(out, "xl/tables/table1.xml")
    assert 'ref="A1:C5"' in grown and '<autoFilter ref="A1:C5"/>' in grown
    out2 = tmp_path / "out2.xlsx"
    patch_xlsx(src, out2, [SheetEdits("S", updates={(2, 1): "X"})])
    assert changed_parts(src, out2) == {"xl/worksheets/sheet1.xml"}  # no rows appended: tables stay


def test_adding_a_sheet_touches_only_workbook_relationships_and_content_types(tmp_path: Path) -> None:
    src = tmp_path / "in.xlsx"
    book = xlsxwriter.Workbook(str(src))
    book.add_worksheet("贷款台账").write_row(0, 0, ["合同编号", "贷款金额"])
    book.add_worksheet("还款记录").write(0, 0, "合同编号")
    book.close()
    out = tmp_path / "out.xlsx"
    result = patch_xlsx(
        src,
        out,
        [
            SheetEdits(
                "结清记录", create_header=["合同编号", "结清日期", "经办"], appends=[{1: "HT001", 3: "王五"}]
            )
        ],
    )
    assert changed_parts(src, out) == {
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "[Content_Types].xml",
        "xl/worksheets/sheet3.xml",
    }
    assert (
        list(parts(out)).index("xl/worksheets/sheet3.xml")
        == list(parts(out)).index("xl/worksheets/sheet2.xml") + 1
    )
    workbook = part(out, "xl/workbook.xml")
    assert '<sheet name="结清记录" sheetId="3" r:id="rId' in workbook
    rid = re.search(r'<sheet name="结清记录" sheetId="3" r:id="(rId\d+)"', workbook).group(1)
    rels = part(out, "xl/_rels/workbook.xml.rels")
    assert rels.count(f'Id="{rid}"') == 1 and 'Target="worksheets/sheet3.xml"' in rels
    assert 'PartName="/xl/worksheets/sheet3.xml"' in part(out, "[Content_Types].xml")
    assert CalamineWorkbook.from_path(str(out)).sheet_names == ["贷款台账", "还款记录", "结清记录"]
    assert grid(out, "结清记录") == [["合同编号", "结清日期", "经办"], ["HT001", "", "王五"]]
    assert result.sheets[0].created and result.sheets[0].appended_rows == [2]
    verify_patch(src, out, result)


def test_sheet_problems_are_refused(loans: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    with pytest.raises(LedgerUnsafeError, match="no sheet named 结清记录"):
        patch_xlsx(loans, out, [SheetEdits("结清记录", updates={(1, 1): "x"})])
    with pytest.raises(LedgerUnsafeError, match="cannot be a sheet name"):
        patch_xlsx(loans, out, [SheetEdits("a/b", create_header=["x"])])
    mixed = sheet_xml('<x:row r="1"><c r="A1"><v>1</v></c></x:row>', prefix="x")
    src = build(tmp_path / "mixed.xlsx", [("S", mixed)])
    with pytest.raises(LedgerUnsafeError, match="another namespace prefix"):
        patch_xlsx(src, out, [SheetEdits("S", updates={(1, 2): 2})])
    no_r = sheet_xml('<row><c r="A1"><v>1</v></c></row>')
    src = build(tmp_path / "no_r.xlsx", [("S", no_r)])
    with pytest.raises(LedgerUnsafeError, match="without a row number"):
        patch_xlsx(src, out, [SheetEdits("S", updates={(1, 1): 2})])
    assert not out.exists()


def test_workbooks_that_cannot_be_edited_safely_are_refused(tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    for name, content, message in [
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "save it as .xlsx"),
        ("calc.ods", b"PK\x03\x04" + bytes(100), "save it as .xlsx"),
        ("locked.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "password-protected"),
        ("text.xlsx", b"name,amount\n", "not a zip"),
    ]:
        (tmp_path / name).write_bytes(content)
        with pytest.raises(LedgerUnsafeError, match=message):
            patch_xlsx(tmp_path / name, out, [SheetEdits("S", updates={(1, 1): 1})])
    chart = f'<?xml version="1.0"?>\n<chartsheet xmlns="{MAIN}" xmlns:r="{REL}">'
    chart += '<drawing r:id="rId1"/></chartsheet>'
    src = build(tmp_path / "chart.xlsx", [("图表", chart)])
    with pytest.raises(LedgerUnsafeError, match="chartsheet"):
        patch_xlsx(src, out, [SheetEdits("图表", updates={(1, 1): 1})])
    assert not out.exists()


def test_untouched_entries_keep_their_raw_bytes_comments_and_extras(tmp_path: Path) -> None:
    src = build(tmp_path / "plain.xlsx", [("S", sheet_xml(LOANS))])
    rich = tmp_path / "rich.xlsx"
    with zipfile.ZipFile(src) as old, zipfile.ZipFile(rich, "w") as new:
        for info in old.infolist():
            copy = zipfile.ZipInfo(info.filename, date_time=(2020, 1, 2, 3, 4, 6))
            copy.compress_type = (
                zipfile.ZIP_STORED if info.filename.endswith(".rels") else zipfile.ZIP_DEFLATED
            )
            copy.comment = f"comment of {info.filename}".encode()
            copy.extra = struct.pack("<HH", 0xCAFE, 4) + b"abcd"
            new.writestr(copy, old.read(info))
        new.comment = b"archive comment"
    out = tmp_path / "out.xlsx"
    patch_xlsx(rich, out, [SheetEdits("S", updates={(2, 1): "HT999"})])
    with zipfile.ZipFile(rich) as a, zipfile.ZipFile(out) as b:
        assert b.comment == b"archive comment"
        assert [i.filename for i in a.infolist()] == [i.filename for i in b.infolist()]
        for old_info, new_info in zip(a.infolist(), b.infolist(), strict=True):
            assert new_info.comment == old_info.comment and new_info.extra == old_info.extra
            assert new_info.date_time == old_info.date_time
            if old_info.filename != "xl/worksheets/sheet1.xml":
                assert new_info.compress_type == old_info.compress_type
                assert a.read(old_info) == b.read(new_info)
    data_old, data_new = rich.read_bytes(), out.read_bytes()
    head = data_old[: data_old.find(b"xl/worksheets/sheet1.xml") - 30]  # local records before the sheet
    assert data_new.startswith(head)


def test_nothing_to_change_gives_an_identical_copy(loans: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    result = patch_xlsx(
        loans,
        out,
        [SheetEdits("贷款台账", updates={(2, 1): "HT001", (3, 2): Decimal("52000.50"), (3, 9): None})],
    )
    assert not result.changed and out.read_bytes() == loans.read_bytes()


XML_CHARACTERS = st.characters(exclude_categories=("Cs",), exclude_characters="\ufffe\uffff")


@settings(max_examples=30, deadline=None)
@given(st.text(XML_CHARACTERS, min_size=1, max_size=12))
def test_any_text_reads_back_exactly(tmp_path_factory, text: str) -> None:
    folder = tmp_path_factory.mktemp("text")
    src = build(folder / "in.xlsx", [("S", sheet_xml(LOANS))])
    out = folder / "out.xlsx"
    result = patch_xlsx(src, out, [SheetEdits("S", updates={(2, 1): text}, appends=[{1: text}])])
    assert grid(out, "S")[1][0] == text == grid(out, "S")[3][0]
    verify_patch(src, out, result)


def test_the_style_search_looks_a_bounded_way_up(tmp_path: Path) -> None:
    # A yuan-styled B2, then STYLE_SEARCH_ROWS + 5 rows with no B cell: a new row is too far below B2 to
    # copy it (and the search does not walk a 400,000-row sheet); a row near a styled cell still copies it.
    from loantool.ledger.sheet_xml import STYLE_SEARCH_ROWS

    far = STYLE_SEARCH_ROWS + 5
    rows = '<row r="1"><c r="A1" t="inlineStr"><is><t>合同编号</t></is></c></row>'
    rows += (f'<row r="2"><c r="A2" t="inlineStr"><is><t>HT1</t></is></c>'
             f'<c r="B2" s="{YUAN}"><v>1</v></c></row>')
    rows += "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(3, 3 + far))
    src = build(tmp_path / "far.xlsx", [("贷款台账", sheet_xml(rows, dimension=f"A1:B{2 + far}"))])
    out = tmp_path / "out.xlsx"
    patch_xlsx(src, out, [SheetEdits("贷款台账", appends=[{1: "HT9", 2: Decimal("2")}], header_row=1)])
    assert f'<c r="B{3 + far}"><v>2</v></c>' in part(out, "xl/worksheets/sheet1.xml")
    near = build(tmp_path / "near.xlsx", [("贷款台账", sheet_xml(rows[: rows.index('<row r="50">')],
                                                                  dimension="A1:B49"))])
    patch_xlsx(near, out, [SheetEdits("贷款台账", appends=[{1: "HT9", 2: Decimal("2")}], header_row=1)])
    assert f'<c r="B50" s="{YUAN}"><v>2</v></c>' in part(out, "xl/worksheets/sheet1.xml")
