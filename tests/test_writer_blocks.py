"""The writer on big sheets (issue 15): deflate blocks reused around a change, the sheet indexed from its
ends, and the same refusals as a scan of every row."""

from __future__ import annotations

import csv
import datetime as dt
import random
import shutil
import subprocess
import zipfile
import zlib
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter
from test_xlsx_patch import LOANS, build, grid, sheet_xml

from loantool.errors import LedgerUnsafeError
from loantool.ledger import zip_raw
from loantool.ledger.sheet_xml import SheetXml
from loantool.ledger.transaction import verify_patch
from loantool.ledger.xlsx_patch import SheetEdits, patch_xlsx
from loantool.ledger.zip_raw import RawZip, Splice, inflate_blocks

SHEET = "还款记录"
SHEET_PART = "xl/worksheets/sheet1.xml"
needs_c_zlib = pytest.mark.skipif(zip_raw._c_zlib() is None, reason="the C zlib cannot be loaded here")


def rows_xml(first: int, count: int) -> str:
    return "".join(
        f'<row r="{r}" spans="1:3"><c r="A{r}" t="inlineStr"><is><t>HT{r:07d}</t></is></c>'
        f'<c r="B{r}" s="2"><v>{45000 + r % 700}</v></c><c r="C{r}"><v>{r * 7 % 100000}.{r % 100:02d}</v></c>'
        "</row>"
        for r in range(first, first + count)
    )


def splice(old: bytes, edits: list[tuple[int, int, bytes]]) -> tuple[bytes, list[tuple[int, ...]]]:
    """The new content and the spans of ``edits`` (old start, old end, replacement), as SheetXml gives
    them."""
    pieces, spans, pos, shift = [], [], 0, 0
    for o1, o2, new in edits:
        pieces += [old[pos:o1], new]
        spans.append((o1, o2, o1 + shift, o1 + shift + len(new)))
        shift += len(new) - (o2 - o1)
        pos = o2
    pieces.append(old[pos:])
    return b"".join(pieces), spans


@pytest.fixture(scope="module")
def big_xml() -> bytes:
    return sheet_xml(rows_xml(1, 12_000), dimension="A1:C12000").encode("utf-8")


# --------------------------------------------------------------------------------------- deflate blocks


@needs_c_zlib
@pytest.mark.parametrize("level", [1, 6, 9])
def test_inflate_blocks_finds_the_blocks_of_any_level(big_xml: bytes, level: int) -> None:
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    packed = compressor.compress(big_xml) + compressor.flush()
    content, blocks = inflate_blocks(packed, len(big_xml))
    assert content == big_xml
    assert blocks[0] == (0, 0) and len(blocks) > 3
    assert [b[1] for b in blocks] == sorted(b[1] for b in blocks)
    for bit, out in blocks[1:]:  # a block decoded from its start with the 32 KB before it
        assert 0 < bit < len(packed) * 8 and 0 < out < len(big_xml)
    assert inflate_blocks(packed, len(big_xml) - 1) is None  # not the size the zip says: not used
    assert inflate_blocks(packed[: len(packed) // 2], len(big_xml)) is None


@needs_c_zlib
def test_spliced_streams_inflate_to_the_new_content(big_xml: bytes) -> None:
    rng = random.Random(15)
    for level in (1, 6):
        compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
        packed = compressor.compress(big_xml[:400_000]) + compressor.flush(zlib.Z_FULL_FLUSH)
        packed += compressor.compress(big_xml[400_000:]) + compressor.flush()  # a stored block inside
        old, blocks = inflate_blocks(packed, len(big_xml))
        cases = [
            [(200, 210, b"A1:C12050")],  # the dimension
            [(len(old) - 200, len(old) - 200, b"<row/>" * 3000)],  # rows appended near the end
            [(0, 0, b"x")],
            [(len(old), len(old), b"tail")],
            [(len(old) - 1, len(old), b"")],
            [(0, len(old), b"all new")],
        ]
        for _ in range(25):
            edits, last = [], -1
            for start in sorted(rng.sample(range(len(old)), rng.randint(1, 6))):
                if start > last:
                    end = min(start + rng.choice([0, 1, 40, 70_000]), len(old))
                    edits.append((start, end, rng.randbytes(rng.choice([0, 5, 300]))))
                    last = end
            cases.append(edits)
        for edits in cases:
            new, spans = splice(old, edits)
            packed_new = Splice(old, new, spans, blocks).deflate(packed)
            assert zlib.decompress(packed_new, -15) == new


@needs_c_zlib
def test_an_append_compresses_again_only_the_blocks_near_the_change(tmp_path: Path, monkeypatch) -> None:
    src = build(tmp_path / "big.xlsx", [(SHEET, sheet_xml(LOANS[: LOANS.index("</row>") + 6]
                                                          + rows_xml(2, 30_000), dimension="A1:C30001"))])
    compressed: list[int] = []
    real = zlib.compressobj

    class Counting:
        def __init__(self, *args, **kwargs):
            self.inner = real(*args, **kwargs)

        def compress(self, data: bytes) -> bytes:
            compressed.append(len(data))
            return self.inner.compress(data)

        def flush(self, *args) -> bytes:
            return self.inner.flush(*args)

    monkeypatch.setattr(zip_raw.zlib, "compressobj", Counting)
    out = tmp_path / "out.xlsx"
    edits = [SheetEdits(SHEET, updates={(6000, 3): Decimal("1.25")}, appends=[{1: "HT新", 3: Decimal("9.5")}],
                        header_row=1)]
    result = patch_xlsx(src, out, edits)
    size = len(RawZip(out.read_bytes(), "out").read(SHEET_PART))
    assert sum(compressed) < size / 3  # the head, the row in the middle and the tail only
    monkeypatch.undo()
    verify_patch(src, out, result)
    rows = grid(out, SHEET)
    assert rows[5999][2] == 1.25 and rows[30001][:3] == ["HT新", "", 9.5] and len(rows) == 30002
    assert rows[1:5998] == grid(src, SHEET)[1:5998]
    with zipfile.ZipFile(out) as archive:
        assert archive.testzip() is None


def test_without_the_c_zlib_the_part_is_compressed_whole(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(zip_raw, "_zlib", [None])
    src = build(tmp_path / "big.xlsx", [(SHEET, sheet_xml(rows_xml(1, 3000), dimension="A1:C3000"))])
    assert RawZip(src.read_bytes(), "big").read_blocks(SHEET_PART)[1] is None
    out = tmp_path / "out.xlsx"
    result = patch_xlsx(src, out, [SheetEdits(SHEET, appends=[{1: "HT新"}])])
    verify_patch(src, out, result)
    assert grid(out, SHEET)[3000][0] == "HT新"


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@needs_c_zlib
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")
def test_libreoffice_reads_a_sheet_whose_blocks_were_reused(tmp_path: Path) -> None:
    """A real client reading the spliced deflate stream: an XlsxWriter ledger (as Excel would compress
    it), rows appended and a cell changed in the middle, converted to CSV by headless LibreOffice."""
    src = tmp_path / "ledger.xlsx"
    book = xlsxwriter.Workbook(str(src))
    sheet = book.add_worksheet(SHEET)
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, ["合同编号", "交易日期", "金额"])
    for r in range(1, 8000):
        sheet.write_string(r, 0, f"HT{r:07d}")
        sheet.write_datetime(r, 1, dt.datetime(2025, 1, 1) + dt.timedelta(days=r % 500), day)
        sheet.write_number(r, 2, r * 1.5)
    book.close()
    edited = tmp_path / "edited"
    edited.mkdir()
    out = edited / "ledger.xlsx"
    appends = [{1: f"HT新{i}", 2: dt.date(2026, 12, 1 + i), 3: Decimal(f"{i}.5")} for i in range(20)]
    result = patch_xlsx(src, out, [SheetEdits(SHEET, updates={(4000, 3): Decimal("7.25")}, appends=appends,
                                              header_row=1)])
    verify_patch(src, out, result)
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless", "--convert-to",
         "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
         "--outdir", str(tmp_path / "csv"), str(out)],
        check=True, capture_output=True, timeout=300,
    )
    rows = list(csv.reader((tmp_path / "csv" / f"ledger-{SHEET}.csv").open(encoding="utf-8")))
    assert len(rows) == 8020 and rows[0] == ["合同编号", "交易日期", "金额"]
    assert rows[1] == ["HT0000001", "2025-01-02", "1.5"]
    assert rows[7999] == ["HT0007999", "2026-05-15", "11998.5"]
    assert rows[3998:4001] == [["HT0003998", "2026-05-14", "5997"], ["HT0003999", "2026-05-15", "7.25"],
                               ["HT0004000", "2025-01-01", "6000"]]
    assert rows[8000:] == [[f"HT新{i}", f"2026-12-{1 + i:02d}", f"{i}.5"] for i in range(20)]


# ------------------------------------------------------------------------------------ the sheet's index


def test_bytes_and_text_give_the_same_sheet(big_xml: bytes) -> None:
    """The writer works on the part's bytes; the footer insertion on its text: both the same edit."""
    picks: list[tuple] = []

    def pick(row, col, existing, value, is_new):
        picks.append((row, col, existing, is_new))
        return existing if existing is not None else 2

    cells = {1: {2: "新标题"}, 6000: {3: Decimal("1.5"), 5: "加"}, 12_000: {1: None, 2: dt.date(2026, 1, 2)},
             12_003: {1: "HT新", 3: 5}}
    as_text, _count = SheetXml(big_xml.decode(), "S").apply(cells, pick)
    text_picks, picks[:] = list(picks), []
    sheet = SheetXml(big_xml, "S")
    as_bytes, count = sheet.apply(cells, pick)
    assert as_bytes == as_text.encode("utf-8") and picks == text_picks and count == 7
    assert sheet.last_data_row() == 12_000 and sheet.row_nums[:3] == [1, 2, 3]
    assert sheet.holds_value(6000, 1) and not sheet.holds_value(6000, 4)


@pytest.mark.parametrize(("rows", "message"), [
    ('<row r="1"><c r="A1"><v>1</v></c></row><row r="3"><c r="A3"><v>3</v></c></row>'
     '<row r="2"><c r="A2"><v>2</v></c></row>', "rows out of order near row 2"),
    ('<row r="1"><c r="A1"><v>1</v></c></row><row r="1"><c r="A1"><v>1</v></c></row>',
     "rows out of order near row 1"),
    ('<row r="1"><c r="A1"><v>1</v></c></row><row><c r="A2"><v>2</v></c></row>', "without a row number"),
    ('<row r="1"><c r="A1"><v>1</v></c></row><row r="x2"><c r="A2"><v>2</v></c></row>',
     "without a row number"),
    ('<row r="1"><c r="A1"><v>1</v></c></row><!-- <row r="9"/> --><row r="2"/>', "comments or CDATA"),
    ('<row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[x]]></t></is></c></row>', "comments or CDATA"),
    ('<row r="1"/><x:row r="2" xmlns:x="urn:x"/>', "mixed namespace prefixes"),
])
def test_a_sheet_the_index_does_not_understand_is_refused(tmp_path: Path, rows: str, message: str) -> None:
    src = build(tmp_path / "odd.xlsx", [(SHEET, sheet_xml(rows))])
    with pytest.raises(LedgerUnsafeError, match=message):
        patch_xlsx(src, tmp_path / "out.xlsx", [SheetEdits(SHEET, appends=[{1: "HT1"}])])
    assert not (tmp_path / "out.xlsx").exists()


def test_sheet_data_twice_is_refused_and_the_word_in_a_cell_is_not(tmp_path: Path) -> None:
    twice = sheet_xml("", data='<sheetData><row r="1"/></sheetData><sheetData></sheetData>')
    src = build(tmp_path / "twice.xlsx", [(SHEET, twice)])
    with pytest.raises(LedgerUnsafeError, match="no single <sheetData>"):
        patch_xlsx(src, tmp_path / "out.xlsx", [SheetEdits(SHEET, appends=[{1: "HT1"}])])
    word = sheet_xml('<row r="1"><c r="A1" t="inlineStr"><is><t>sheetData &lt;/sheetData&gt;</t></is></c>'
                     "</row>")
    src = build(tmp_path / "word.xlsx", [(SHEET, word)])
    result = patch_xlsx(src, tmp_path / "out.xlsx", [SheetEdits(SHEET, appends=[{1: "HT1"}])])
    verify_patch(src, tmp_path / "out.xlsx", result)
    assert grid(tmp_path / "out.xlsx", SHEET) == [["sheetData </sheetData>"], ["HT1"]]


def test_the_verification_refuses_rows_written_out_of_order(tmp_path: Path, monkeypatch) -> None:
    """A writer bug that numbers appended rows over existing ones is caught, though every cell asked
    for reads back right."""
    src = build(tmp_path / "ledger.xlsx", [(SHEET, sheet_xml(LOANS))])
    out = tmp_path / "out.xlsx"
    monkeypatch.setattr(SheetXml, "last_data_row", lambda self: 1)  # appends would land on row 2 …
    monkeypatch.setattr(SheetXml, "row_index", lambda self, row: None)  # … as a new row beside it
    result = patch_xlsx(src, out, [SheetEdits(SHEET, appends=[{1: "HT9"}], header_row=1)])
    monkeypatch.undo()
    assert '<row r="2"><c r="A2" t="inlineStr"><is><t>HT9</t></is></c></row><row r="2"' in \
        RawZip(out.read_bytes(), "out").read(SHEET_PART).decode()
    with pytest.raises(LedgerUnsafeError, match="verification failed"):
        verify_patch(src, out, result)
