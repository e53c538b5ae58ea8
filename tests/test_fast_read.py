"""The typed-column reader (ledger/fast_sheet.py) gives what the careful reader gives: every sample and
real-world file, and many built workbooks, are read both ways (``grid.FAST_READ`` on and off) and the
frames, warnings, problems and errors compared exactly. A few tests check that the fast way is really
taken where a sheet is clean, and left where it is not."""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loantool import schema
from loantool.config import Settings
from loantool.errors import InputError
from loantool.ledger import fast_sheet, grid
from loantool.ledger.arrow_c import ArrowColumn
from loantool.ledger.read import load_ledger, read_table_with_problems

ROOT = Path(__file__).resolve().parents[1]
REALWORLD = Path(os.environ.get("LOANTOOL_REALWORLD", ROOT.parent / "shared" / "realworld"))
TABLES = (schema.LOANS, schema.PAYMENTS, schema.RATES, schema.SETTLEMENTS, schema.COLLECTIONS,
          schema.SLIPS, schema.STATEMENT, schema.CUSTOMERS)


def _outcome(read: Any) -> dict[str, Any]:
    return {"sheet": read.sheet, "header_row": read.header_row, "columns": read.columns,
            "headers": read.headers, "warnings": read.warnings, "file": read.file,
            "last_data_row": read.last_data_row, "footer_row": read.footer_row}


def _read(func: Any, fast: bool) -> tuple[str, Any, Any]:
    grid.FAST_READ = fast
    try:
        return "ok", func(), None
    except InputError as exc:
        return "error", str(exc), exc.problems
    finally:
        grid.FAST_READ = True


def assert_same_table(data: bytes, table: schema.Table, name: str = "book.xlsx",
                      config: Settings | None = None) -> None:
    def read() -> Any:
        return read_table_with_problems(io.BytesIO(data), table, settings=config, name=name)

    fast, careful = _read(read, True), _read(read, False)
    assert fast[0] == careful[0], (fast, careful)
    if fast[0] == "error":
        assert fast[1:] == careful[1:]
        return
    (fast_read, fast_problems), (careful_read, careful_problems) = fast[1], careful[1]
    pd.testing.assert_frame_equal(fast_read.frame, careful_read.frame, check_exact=True)
    assert _outcome(fast_read) == _outcome(careful_read)
    assert fast_problems == careful_problems


def assert_same_ledger(path: Path, config: Settings | None = None, as_of: dt.date = dt.date(2026, 11, 30)
                       ) -> None:
    config = config or Settings()
    fast = _read(lambda: load_ledger(path, config, as_of=as_of), True)
    careful = _read(lambda: load_ledger(path, config, as_of=as_of), False)
    assert fast[0] == careful[0], (fast, careful)
    if fast[0] == "error":
        assert fast[1:] == careful[1:]
        return
    for key in ("loans", "rates", "payments", "settlements", "collections"):
        a, b = getattr(fast[1], key), getattr(careful[1], key)
        pd.testing.assert_frame_equal(a.frame, b.frame, check_exact=True)
        assert _outcome(a) == _outcome(b)


class FastUse:
    """Counts the sheets the fast way read, and those it left to the careful reader."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.fast = 0
        self.left = 0
        table = fast_sheet.FastBook.table

        def counted(book: Any, *args: Any, **kwargs: Any) -> Any:
            result = table(book, *args, **kwargs)
            if result is None:
                self.left += 1
            else:
                self.fast += 1
            return result

        monkeypatch.setattr(fast_sheet.FastBook, "table", counted)


# ------------------------------------------------------------------------------------ the files we have


SAMPLE_FILES = sorted(p for p in (ROOT / "samples").rglob("*")
                      if p.suffix.lower() in (".xlsx", ".xls", ".csv"))


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_samples_read_the_same_both_ways(path: Path) -> None:
    data = path.read_bytes()
    for table in TABLES:
        assert_same_table(data, table, path.name)


def test_sample_ledger_loads_the_same_and_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    use = FastUse(monkeypatch)
    assert_same_ledger(ROOT / "samples" / "ledger.xlsx", as_of=dt.date(2026, 11, 30))
    assert use.fast >= 2  # 贷款台账 and 还款记录 at least


REAL_FILES = sorted(p for p in REALWORLD.iterdir() if p.is_file() and p.suffix.lower() != ".md") \
    if REALWORLD.is_dir() else []


@pytest.mark.skipif(not REAL_FILES, reason=f"no real-world files at {REALWORLD}")
@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.name)
def test_realworld_files_read_the_same_both_ways(path: Path, tmp_path: Path) -> None:
    data = path.read_bytes()
    for table in TABLES:
        assert_same_table(data, table, path.name)
    copy = tmp_path / path.name
    copy.write_bytes(data)
    assert_same_ledger(copy)


# ------------------------------------------------------------------------------------ built workbooks

LOAN_HEADER = ["合同编号", "客户姓名", "身份证号", "银行卡号", "贷款金额", "期数", "年利率", "还款方式",
               "提车日期", "状态", "结清日期", "还款明细已出", "备注栏"]
PAY_HEADER = ["合同编号", "交易日期", "金额", "类型", "流水号"]


def _workbook(sheets: dict[str, list[list[Any]]], *, engine: str = "openpyxl",
              merges: dict[str, list[str]] | None = None,
              percent: dict[str, list[str]] | None = None) -> bytes:
    """An .xlsx of these rows (None: no cell); dates get a date format, ``percent`` cells 0.00%."""
    out = io.BytesIO()
    if engine == "openpyxl":
        book = openpyxl.Workbook()
        book.remove(book.active)
        for name, rows in sheets.items():
            sheet = book.create_sheet(name)
            for r, row in enumerate(rows, start=1):
                for c, value in enumerate(row, start=1):
                    if value is not None:
                        cell = sheet.cell(r, c, value)
                        if isinstance(value, dt.datetime):
                            cell.number_format = "yyyy-mm-dd hh:mm"
                        elif isinstance(value, dt.date):
                            cell.number_format = "yyyy-mm-dd"
            for ref in (merges or {}).get(name, []):
                sheet.merge_cells(ref)
            for ref in (percent or {}).get(name, []):
                sheet[ref].number_format = "0.00%"
        book.save(out)
        return out.getvalue()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False,
                                     "strings_to_formulas": False, "strings_to_urls": False})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    moment = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, dt.datetime):
                    sheet.write_datetime(r, c, value, moment)
                elif isinstance(value, dt.date):
                    sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), day)
                elif isinstance(value, bool):
                    sheet.write_boolean(r, c, value)
                elif isinstance(value, (int, float)):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, value)
    book.close()
    return out.getvalue()


def _loan(i: int) -> list[Any]:
    return [f"HT{i:05d}", f"客户{i}", None, f"62220212345678{i % 10}", 10000.0 + i, 36.0, 0.0475, "等额本息",
            dt.date(2025, 1, 1) + dt.timedelta(days=i), "在贷", None, "否", None]


def test_a_clean_ledger_is_read_the_fast_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loans = [LOAN_HEADER, *(_loan(i) for i in range(1, 40))]
    payments = [PAY_HEADER, *([f"HT{i % 39 + 1:05d}", dt.date(2026, 1, 1) + dt.timedelta(days=i), 100.5,
                               "客户还款", f"B{i:08d}"] for i in range(200))]
    for engine in ("openpyxl", "xlsxwriter"):
        path = tmp_path / f"ledger_{engine}.xlsx"
        path.write_bytes(_workbook({"贷款台账": loans, "还款记录": payments}, engine=engine))
        use = FastUse(monkeypatch)
        assert_same_ledger(path)
        assert use.fast == 2 and use.left == 0


@pytest.mark.parametrize("text", ["NA", "NULL", "nan", "N/A", "None", "#N/A", "null", "-nan"])
def test_text_that_fastexcel_counts_as_empty_stays_text(text: str, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """"NA" in a date or amount column is a bad cell (or, for N/A, an empty one) – as the careful reader
    says – never silently an empty cell."""
    loans = [LOAN_HEADER, *(_loan(i) for i in range(1, 6))]
    loans[2][8] = text  # 提车日期
    loans[3][4] = text  # 贷款金额
    loans[4][10] = text  # 结清日期
    use = FastUse(monkeypatch)
    assert_same_table(_workbook({"贷款台账": loans}), schema.LOANS)
    # nan and -nan read as NaN in a number column: a NaN cell and the text cannot be told apart there
    assert use.fast == (0 if "nan" in text else 1)


def test_mixed_columns_fall_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """A card that reached the file as a number beside cards as text: the careful reader decides."""
    loans = [LOAN_HEADER, *(_loan(i) for i in range(1, 6))]
    loans[2][3] = 6222021234567890123.0
    use = FastUse(monkeypatch)
    assert_same_table(_workbook({"贷款台账": loans}), schema.LOANS)
    assert use.left == 1 and use.fast == 0


def test_all_cards_as_numbers_are_refused_the_fast_way_too(monkeypatch: pytest.MonkeyPatch) -> None:
    loans = [LOAN_HEADER, *(_loan(i) for i in range(1, 6))]
    for row in loans[1:]:
        row[3] = 6222021234567890123.0
    row_phone = loans[1]
    row_phone[2] = 110101199003070000.0
    use = FastUse(monkeypatch)
    grid.FAST_READ = True
    data = _workbook({"贷款台账": loans})
    _read_result, problems = read_table_with_problems(io.BytesIO(data), schema.LOANS)
    assert {p.column for p in problems} >= {"银行卡号", "身份证号"}
    assert use.fast == 1
    assert_same_table(_workbook({"贷款台账": loans}), schema.LOANS)


def test_title_rows_merges_footer_totals_and_percentages(monkeypatch: pytest.MonkeyPatch) -> None:
    loans = [["某某汽车金融 贷款台账", None, None], [None], LOAN_HEADER,
             *(_loan(i) for i in range(1, 8)),
             ["合计", None, None, None, 70028.0],
             [None], ["制表人：张三", None, "审核：李四"]]
    loans[4][7] = "等额本金"
    loans[5][7] = None  # merged from the row above
    loans[6][6] = 1.5  # shown as 150.00 %
    sheets = {"贷款台账": loans}
    for engine in ("openpyxl",):
        data = _workbook(sheets, engine=engine, merges={"贷款台账": ["H5:H6", "A1:D1"]},
                         percent={"贷款台账": ["G7"]})
        use = FastUse(monkeypatch)
        assert_same_table(data, schema.LOANS)
        assert use.fast == 1


CELLS = st.one_of(
    st.none(),
    st.sampled_from(["", " ", "NA", "NULL", "nan", "N/A", "-", "合计", "小计：", "备注：见附件",
                     "制表人：王五", "HT00001", "HT00002", "ht 00003", "6222021234567890123",
                     "110101199003077777", "4.75%", "0.0475", "36期", "等额本息", "等本等费", "结清", "在贷",
                     "是", "否", "客户还款", "1,234.50", "¥99.9", "2024-03-05", "2024年3月5日", "TRUE",
                     "abc", "总计"]),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e16, max_value=1e16),
    st.sampled_from([0.0, 1.0, 36.0, 1.5, 0.0475, 12345.67, 12345.678, 6.22202e18, 45000.0]),
    st.integers(min_value=-5, max_value=400),
    st.booleans(),
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2035, 12, 31)),
    st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2035, 12, 31)).map(
        lambda d: d.replace(microsecond=0)),
)


@st.composite
def sheets(draw: Any) -> tuple[list[list[Any]], list[str], str]:
    header = draw(st.sampled_from([LOAN_HEADER, PAY_HEADER]))
    width = len(header)
    titles = draw(st.lists(st.lists(CELLS, max_size=3), max_size=3))
    # each column is mostly one kind of value (a clean column) or anything at all (a messy one)
    kinds = draw(st.lists(st.sampled_from(["clean", "messy"]), min_size=width, max_size=width))
    rows = []
    n = draw(st.integers(min_value=0, max_value=25))
    for i in range(n):
        row = []
        for c in range(width):
            if kinds[c] == "clean" and draw(st.integers(0, 9)) > 0:
                row.append(_loan(i + 1)[c] if header is LOAN_HEADER else
                           [f"HT{i:05d}", dt.date(2026, 1, 1), 100.5, "客户还款", f"B{i:07d}"][c])
            else:
                row.append(draw(CELLS))
        rows.append(row)
    tail = draw(st.lists(st.lists(CELLS, max_size=4), max_size=3))
    merges = []
    if rows and draw(st.booleans()):
        top = len(titles) + 2 + draw(st.integers(0, len(rows) - 1))
        col = "ABCDE"[draw(st.integers(0, 4))]
        merges.append(f"{col}{top}:{col}{top + draw(st.integers(1, 3))}")
    engine = draw(st.sampled_from(["openpyxl", "xlsxwriter"]))
    return [*titles, header, *rows, *tail], merges, engine


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheets())
def test_built_workbooks_read_the_same_both_ways(drawn: tuple[list[list[Any]], list[str], str]) -> None:
    rows, merges, engine = drawn
    name = "还款记录" if rows and any(row == PAY_HEADER for row in rows) else "贷款台账"
    try:
        data = _workbook({name: rows}, engine=engine if not merges else "openpyxl", merges={name: merges})
    except (ValueError, TypeError):  # a merge over another merge, a value the writer refuses
        return
    for table in (schema.LOANS, schema.PAYMENTS):
        assert_same_table(data, table)
    # the same with every text column of more than 3 rows taken as one entry per row when it looks
    # distinct (流水号 in a big sheet)
    saved = fast_sheet.DISTINCT_MIN_ROWS
    fast_sheet.DISTINCT_MIN_ROWS = 3
    try:
        for table in (schema.LOANS, schema.PAYMENTS):
            assert_same_table(data, table)
    finally:
        fast_sheet.DISTINCT_MIN_ROWS = saved


# ------------------------------------------------------------------------------------ the parts


def test_arrow_strings_factorize_like_python() -> None:
    texts = ["客户还款", "", "HT0001", "客户还款", "B" * 47, "ＡＢ", "HT0001", "é"]
    data = "".join(texts).encode()
    offsets = np.cumsum([0, *(len(t.encode()) for t in texts)]).astype(np.int64)
    column = ArrowColumn("x", "u", len(texts), None, offsets=offsets, data=data)
    assert column.strings() == texts
    codes, uniques = column.factorize()
    assert [uniques[c] for c in codes] == texts
    assert uniques == list(dict.fromkeys(texts))


def test_sheet_head_cut_keeps_the_first_rows() -> None:
    rows = [[f"r{r}c{c}" for c in range(3)] for r in range(60)]
    data = _workbook({"S": rows}, engine="xlsxwriter")
    book = grid.open_book(data, "x.xlsx")
    assert book.fast
    assert book.head("S", 30) == rows[:30]


def test_arrow_strings_with_nulls_and_nul_bytes() -> None:
    texts = ["HT1", "", "客户", "x", "B2"]
    data = "".join(texts).encode()
    offsets = np.cumsum([0, *(len(t.encode()) for t in texts)]).astype(np.int64)
    valid = np.array([True, False, True, False, True])
    column = ArrowColumn("x", "u", len(texts), valid, offsets=offsets, data=data)
    assert column.strings() == ["HT1", "", "客户", "", "B2"]
    nul = ArrowColumn("x", "u", 2, None, offsets=np.array([0, 2, 3]), data=b"a\x00b")
    assert nul.strings() == ["a\x00", "b"]
    assert ArrowColumn("x", "u", 0, None, offsets=np.array([0]), data=b"").strings() == []
    assert ArrowColumn("x", "u", 2, None, offsets=np.array([0, 0, 0]), data=b"").strings() == ["", ""]


def test_arrow_blank_texts_is_str_isspace() -> None:
    texts = ["", " ", "\u3000", "\xa0x", "\t\n", "a ", " a", "客户", "\u2003\u2003", "x", "\x1f"]
    data = "".join(texts).encode()
    offsets = np.cumsum([0, *(len(t.encode()) for t in texts)]).astype(np.int64)
    valid = np.ones(len(texts), dtype=bool)
    valid[-2] = False
    column = ArrowColumn("x", "u", len(texts), valid, offsets=offsets, data=data)
    expected = [t == "" or t.isspace() for t in texts]
    expected[-2] = True  # no value
    assert column.blank_texts().tolist() == expected


def test_arrow_sample_distinct() -> None:
    texts = [f"B{i:05d}" for i in range(3000)]
    data = "".join(texts).encode()
    offsets = np.cumsum([0, *(len(t) for t in texts)]).astype(np.int64)
    assert ArrowColumn("x", "u", 3000, None, offsets=offsets, data=data).sample_distinct(1000)
    twice = texts[:]
    twice[3] = twice[0]
    data = "".join(twice).encode()
    assert not ArrowColumn("x", "u", 3000, None, offsets=offsets, data=data).sample_distinct(1000)
    valid = np.ones(3000, dtype=bool)
    valid[6] = False
    assert not ArrowColumn("x", "u", 3000, valid, offsets=offsets, data=data).sample_distinct(1000)


def test_a_big_payments_sheet_with_distinct_references(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                       ) -> None:
    """流水号 all different but for blank, space-only and missing ones: one entry per row, the same frame."""
    monkeypatch.setattr(fast_sheet, "DISTINCT_MIN_ROWS", 50)
    loans = [LOAN_HEADER, *(_loan(i) for i in range(1, 10))]
    payments = [PAY_HEADER, *([f"HT{i % 9 + 1:05d}", dt.date(2026, 1, 1) + dt.timedelta(days=i % 300),
                               100.5 + i, "客户还款", f"B{i:08d}"] for i in range(400))]
    payments[5][4] = " "
    payments[9][4] = "\u3000"
    payments[17][4] = None
    payments[23][4] = " B00000022"
    payments[30][4] = "流水Ｂ３"
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(_workbook({"贷款台账": loans, "还款记录": payments}, engine="xlsxwriter"))
    use = FastUse(monkeypatch)
    assert_same_ledger(path)
    assert use.fast == 2
    book = grid.open_book(path.read_bytes(), "x.xlsx")
    table = book._fast.table("还款记录", 0, {4: "流水号"})
    column = table.column(4)
    assert len(column.uniques) == 400  # one entry per row


def _sheet_xml(rows: int, merges: list[str], after: bytes = b"") -> bytes:
    cells = "".join(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>v{r}</t></is></c>'
                    f'<c r="B{r}"><v>{r}</v></c></row>' for r in range(1, rows + 1))
    merge = (f'<mergeCells count="{len(merges)}">' + "".join(f'<mergeCell ref="{m}"/>' for m in merges)
             + "</mergeCells>") if merges else ""
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.'
            'openxmlformats.org/spreadsheetml/2006/main"><sheetData>' + cells + "</sheetData>"
            + merge).encode() + after + b"</worksheet>"


@pytest.fixture(params=["isal", "zlib"])
def inflater(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The scans inflate with ISA-L when python-isal is installed, else with zlib: both, the same."""
    import zlib

    if request.param == "zlib":
        monkeypatch.setattr(fast_sheet, "_deflate", zlib)
        monkeypatch.setattr(fast_sheet, "_INFLATE_ERRORS", (zlib.error,))
    else:
        pytest.importorskip("isal")
        assert fast_sheet._deflate is not zlib
    return request.param


@pytest.mark.parametrize("tail", [1 << 10, 1 << 16, 4 << 20])
@pytest.mark.parametrize("compression", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_merged_cells_found_from_the_tail_of_the_part(tail: int, compression: int, inflater: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fast_sheet, "_TAIL", tail)
    monkeypatch.setattr(fast_sheet, "_CHUNK", 1 << 12)
    merges = ["A2:A5", "B7:C9", "A100:A120"]
    # an extension after the merged cells that names sheetData (a bogus end for a tail after the cells)
    extension = (b'<extLst><ext uri="x"><p>' + b"z" * 20_000 + b'</p><x:sheetData xmlns:x="y"/>'
                 b"</ext></extLst>")
    for after in (b"", extension):
        xml = _sheet_xml(3000, merges, after)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", compression) as archive:
            archive.writestr("xl/worksheets/sheet1.xml", xml)
        data = out.getvalue()
        archive = zipfile.ZipFile(io.BytesIO(data))
        expected = [m.encode() for m in merges]
        assert fast_sheet._merge_refs(archive, "/xl/worksheets/sheet1.xml", data) == expected
        assert fast_sheet._merge_refs_stream(archive, "/xl/worksheets/sheet1.xml") == expected


@pytest.mark.parametrize("compression", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
@pytest.mark.parametrize("marker", [b"<c><is><t>NA</t></is></c>", b"<si><t>&lt;NA&gt;</t></si>",
                                    b"<si><t><![CDATA[x]]></t></si>", b"<si><r><t>N</t></r></si>",
                                    b"<si><t>&#78;A</t></si>", b"<si><t>_x004E_A</t></si>"])
def test_null_texts_found_across_the_chunks_of_the_scan(compression: int, marker: bytes, inflater: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The merged-cell scan looks for null texts chunk by chunk: one cut in two by a chunk's end is still
    found (each chunk is looked at with the end of the one before), wherever the cut falls."""
    chunk = 1 << 10
    monkeypatch.setattr(fast_sheet, "_CHUNK", chunk)
    head = _sheet_xml(40, ["A2:A3"])
    cut = head.index(b"</sheetData>")
    found = []
    for shift in range(0, 40):  # the marker starting just before, at and after a chunk's end
        pad = b" " * ((chunk - cut - len(marker) // 2 + shift) % chunk)
        xml = head[:cut] + pad + marker + head[cut:]
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", compression) as archive:
            archive.writestr("xl/worksheets/sheet1.xml", xml)
        data = out.getvalue()
        archive = zipfile.ZipFile(io.BytesIO(data))
        refs, may_null = fast_sheet._scan_part(archive, "/xl/worksheets/sheet1.xml", data, null_texts=True)
        assert refs == [b"A2:A3"]
        found.append(may_null)
        assert fast_sheet._scan_part(archive, "/xl/worksheets/sheet1.xml", data)[1] is None
    assert found == [True] * 40
    clean = io.BytesIO()
    with zipfile.ZipFile(clean, "w", compression) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", head)
    data = clean.getvalue()
    assert fast_sheet._scan_part(zipfile.ZipFile(io.BytesIO(data)), "xl/worksheets/sheet1.xml", data,
                                 null_texts=True) == ([b"A2:A3"], False)


@pytest.mark.parametrize("where", ["start", "middle"])
def test_a_part_that_does_not_inflate_is_read_again_as_a_stream(inflater: str, where: str) -> None:
    """Deflated bytes damaged – at the start, a block of a type that does not exist (the inflater's
    error), in the middle, a stream that ends too soon: the scan gives up and the part is read as a
    stream from its start, where zipfile says what is wrong, as it would without the scan."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", _sheet_xml(3000, ["A2:A5"]))
    data = bytearray(out.getvalue())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    begin = info.header_offset + 30 + len("xl/worksheets/sheet1.xml")
    if where == "start":
        data[begin] = 0xFF  # BFINAL 1, BTYPE 11: reserved
    else:
        data[begin + info.compress_size // 2:begin + info.compress_size // 2 + 64] = bytes(range(64))
    data = bytes(data)
    archive = zipfile.ZipFile(io.BytesIO(data))
    with pytest.raises(Exception) as stream_error:
        fast_sheet._merge_refs_stream(archive, "xl/worksheets/sheet1.xml")
    with pytest.raises(type(stream_error.value)):
        fast_sheet._scan_part(archive, "xl/worksheets/sheet1.xml", data)


def test_merged_cells_of_a_long_sheet_match_python_calamine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fast_sheet, "_TAIL", 1 << 12)
    monkeypatch.setattr(fast_sheet, "_CHUNK", 1 << 12)
    rows = [PAY_HEADER, *([f"HT{i:05d}", dt.date(2026, 1, 1), 100.5, "客户还款" if i % 7 else None,
                           f"B{i:07d}"] for i in range(600))]
    merges = [f"D{r}:D{r + 1}" for r in range(8, 600, 7)]
    data = _workbook({"还款记录": rows}, merges={"还款记录": merges})
    book = grid.open_book(data, "x.xlsx")
    table = book._fast.table("还款记录", 0, {0: "合同编号"})
    assert table is not None
    careful = grid.open_book(data, "x.xlsx")
    assert sorted(table.merges) == sorted(careful.merged_ranges("还款记录"))
    assert len(table.merges) == len(merges)
    assert_same_table(data, schema.PAYMENTS)


# ------------------------------------------------------------------------------------ null texts


def test_fastexcel_counts_as_empty_only_the_texts_we_know() -> None:
    """fast_sheet.NULL_TEXTS is fastexcel's list: a text it counts as an empty cell and the list does not
    hold would let may_hold_null_text wave through a cell read wrongly."""
    candidates = [*fast_sheet.NULL_TEXTS, " ", "-", "--", "na", "Na", "nA", "NONE", "none", "Null", "nil",
                  "NIL", "#VALUE!", "#NULL!", "#n/a", "N.A.", "n.a.", "<na>", "NAN", "inf", "-inf", "#N/A!",
                  "N/A ", " NA", "null ", "1.#INF", "-1.#INF", "#NA!", "None.", "n/a.", "空", "无", "—"]
    rows = [[f"h{i}" for i in range(len(candidates))], [1.5] * len(candidates), list(candidates),
            [2.5] * len(candidates)]
    data = _workbook({"S": rows}, engine="xlsxwriter")
    import fastexcel

    reader = fastexcel.read_excel(data)
    empty = set()
    for i, text in enumerate(candidates):
        try:
            loaded = reader.load_sheet("S", header_row=0, use_columns=[i], schema_sample_rows=None,
                                       dtype_coercion="strict")
        except fastexcel.UnsupportedColumnTypeCombinationError:
            continue
        if [c.dtype for c in loaded.selected_columns] == ["float"]:
            empty.add(text)
    assert empty <= set(fast_sheet.NULL_TEXTS)
    assert "NA" in empty and "NULL" in empty  # the check itself works


@pytest.mark.parametrize("text", ["NA", "NULL", "N/A", "None", "#N/A", "null", "<NA>", "1.#IND"])
@pytest.mark.parametrize("engine", ["openpyxl", "xlsxwriter"])  # inline strings, shared strings
def test_null_text_in_an_empty_date_cell_is_seen(text: str, engine: str, monkeypatch: pytest.MonkeyPatch
                                                 ) -> None:
    """A null text in a column fastexcel types (dates with empty cells) is found in the XML or the shared
    strings, and the column read again as text: the careful reader's bad cell, not an empty one."""
    loans = [LOAN_HEADER, *(_loan(i) for i in range(1, 8))]
    loans[3][10] = dt.date(2026, 1, 5)  # 结清日期: a date, the rest empty
    loans[5][10] = text
    data = _workbook({"贷款台账": loans}, engine=engine)
    calls = []
    hidden = fast_sheet._hidden_text
    monkeypatch.setattr(fast_sheet, "_hidden_text", lambda *args: calls.append(1) or hidden(*args))
    use = FastUse(monkeypatch)
    assert_same_table(data, schema.LOANS)
    assert use.fast == 1 and calls
    if text == "NA":  # the careful reader's bad cell (some others, N/A say, it reads as empty)
        _read, problems = read_table_with_problems(io.BytesIO(data), schema.LOANS)
        assert [p.row for p in problems if p.column == "结清日期"] == [6]


@pytest.mark.parametrize("engine", ["openpyxl", "xlsxwriter"])
def test_no_second_read_when_no_cell_holds_a_null_text(engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    loans = [LOAN_HEADER, *(_loan(i) for i in range(1, 8))]
    loans[3][10] = dt.date(2026, 1, 5)
    loans[5][12] = "NA 备注"  # a note that merely starts like one
    data = _workbook({"贷款台账": loans}, engine=engine)
    calls = []
    hidden = fast_sheet._hidden_text
    monkeypatch.setattr(fast_sheet, "_hidden_text", lambda *args: calls.append(1) or hidden(*args))
    assert_same_table(data, schema.LOANS)
    assert not calls


@pytest.mark.parametrize("xml, expected", [
    (b"<c><v>45000</v></c><c t='inlineStr'><is><t>HT0001</t></is></c>", False),
    (b"<c><is><t>NA</t></is></c>", True),
    (b"<c><is><t xml:space='preserve'>NULL</t></is></c>", True),
    (b"<c t='str'><f>x</f><v>#N/A</v></c>", True),
    (b"<si><t>&lt;NA&gt;</t></si>", True),
    (b"<si><t>&lt;NA></t></si>", True),
    (b"<si><t>A NA</t></si><si><t>NAN</t></si><si><t>none</t></si>", False),
    (b"<si><t>n/a</t></si>", True),
    (b"<si><t>&#78;A</t></si>", True),
    (b"<si><t>_x004E_A</t></si>", True),
    (b"<si><r><t>N</t></r><r><t>A</t></r></si>", True),
    (b"<si><x:r><x:t>N</x:t></x:r></si>", True),
    (b"<si><t><![CDATA[NA]]></t></si>", True),
    (b"<row r='1'><c r='A1'><v>1</v></c></row>", False),
    (b"", False),
])
def test_may_hold_null_text(xml: bytes, expected: bool) -> None:
    assert fast_sheet.may_hold_null_text(b'<?xml version="1.0"?><worksheet xmlns:r="x">' + xml
                                         + b"</worksheet>") is expected


_EDGES = [fast_sheet._EXCEL_EPOCH_MS + fast_sheet._MS_PER_DAY + d for d in (-1000, -1, 0, 1, 1000)] + [
    fast_sheet._YEAR_1_MS + d for d in (-1000, 0, 1000)] + [fast_sheet._YEAR_10000_MS + d for d in (-1000, 0)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.integers(-(2**62), 2**62), st.sampled_from(_EDGES),
                          st.integers(-1000, 3_000_000).map(lambda days: days * 86_400_000)), max_size=6))
def test_dates_are_refused_together_when_one_would_not_convert(values: list[int]) -> None:
    """A typed column's dates (milliseconds since 1970) are taken only when each is a whole second, at
    least one day after Excel's day 0 (1899-12-30: an earlier serial is a time of day) and in years
    1–9999 – what python-calamine turns into the same date or datetime; one that is not refuses the
    column (it is read the careful way)."""
    def exact(ms: int) -> bool:
        try:
            moment = dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=ms)
        except OverflowError:  # outside years 1–9999
            return False
        return moment >= dt.datetime(1899, 12, 31) and ms % 1000 == 0

    taken = True
    try:
        fast_sheet._check_dates(np.array(values, dtype=np.int64))
    except fast_sheet.Fallback:
        taken = False
    assert taken == all(map(exact, values))


def test_arrow_pairs_of_words_numbered_with_and_without_a_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """Texts of 9–16 bytes are numbered by their pair of words: through a table when the pairs that could
    occur are no more than the rows (few texts, many rows), else by hashing the pairs – the same codes."""
    from loantool.ledger import arrow_c

    tables = []
    dense = arrow_c._dense_in_order
    monkeypatch.setattr(arrow_c, "_dense_in_order", lambda *a: tables.append(a[1]) or dense(*a))

    def check(texts: list[str]) -> None:
        data = "".join(texts).encode()
        offsets = np.cumsum([0, *(len(t.encode()) for t in texts)]).astype(np.int64)
        codes, uniques = ArrowColumn("x", "u", len(texts), None, offsets=offsets, data=data).factorize()
        assert uniques == list(dict.fromkeys(texts))
        assert [uniques[c] for c in codes] == texts

    check(["担保代偿", "客户还款", "提前结清款"] * 40)  # 12 and 15 bytes: 3 × 3 possible pairs, 120 rows
    assert tables == [3 * 3]
    check([f"{i}ABCDEFGH{i}" for i in range(10)])  # 10 × 10 possible pairs, 10 rows: hashed
    assert tables == [3 * 3]
