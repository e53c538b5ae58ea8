"""ledger/sniff.py and ledger/grid.py: a file is read as what its bytes say, whatever its name."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import openpyxl
import pytest

from loantool.errors import InputError
from loantool.ledger import sniff
from loantool.ledger.grid import decode_text, open_book, parse_csv, parse_html, read_source, sniff_delimiter

OWNER_FILE = (bytes([4]) + b"Wang" + b" " * 50 + bytes([4, 0]) + "Wang".encode("utf-16-le")
              + b"\x20\x00" * 50)


def xlsx_bytes(rows: list[list[object]], title: str = "Sheet1") -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------- sniff


def test_sniff_by_first_bytes() -> None:
    assert sniff.sniff(xlsx_bytes([["a"]])[:4096]) == sniff.ZIP
    assert sniff.sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100) == sniff.XLS
    assert sniff.sniff(b"  \r\n<html><table>") == sniff.HTML
    assert sniff.sniff("\ufeff<table>".encode()) == sniff.HTML
    assert sniff.sniff("<table>".encode("utf-16")) == sniff.HTML
    xml_head = b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">'
    assert sniff.sniff(xml_head) == sniff.XMLSS
    assert sniff.sniff("合同编号,金额\n".encode("gb18030")) == sniff.TEXT


def test_sniff_ods_by_its_mimetype_entry() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<x/>")
    assert sniff.sniff(buffer.getvalue()[:4096]) == sniff.ODS


def test_owner_file_is_recognised_by_shape_and_by_name() -> None:
    assert sniff.looks_like_owner_file(OWNER_FILE, len(OWNER_FILE))
    assert sniff.is_lock_file(None, OWNER_FILE, len(OWNER_FILE))
    assert sniff.is_lock_file("~$ledger.xlsx", b"anything", 8)
    assert not sniff.is_lock_file("ledger.xlsx", b"PK\x03\x04rest", 100)
    assert not sniff.is_lock_file("~$odd.xlsx", b"PK\x03\x04rest", 100)  # a real workbook, odd name


def test_lock_file_is_refused_never_read() -> None:
    with pytest.raises(InputError, match="Excel's lock file, not data"):
        open_book(OWNER_FILE, "~$台账.xlsx", "~$台账.xlsx")
    with pytest.raises(InputError, match="lock file"):
        open_book(OWNER_FILE, "<stream>", None)  # no name: recognised by its shape


def test_lock_file_path_is_refused(tmp_path) -> None:
    path = tmp_path / "~$台账.xlsx"
    path.write_bytes(OWNER_FILE)
    data, label, base = read_source(path)
    with pytest.raises(InputError, match="lock file"):
        open_book(data, label, base)


# --------------------------------------------------------------------------------------------- workbooks


def test_workbook_rows_start_at_a1_so_row_numbers_are_excels() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["C4"] = "合同编号"
    sheet["C5"] = "HT1"
    buffer = io.BytesIO()
    workbook.save(buffer)
    book = open_book(buffer.getvalue(), "x.xlsx")
    rows = book.rows("Sheet")
    assert rows[3][2] == "合同编号" and rows[4][2] == "HT1"
    assert book.head("Sheet", 2) == [["", "", ""], ["", "", ""]]


def test_damaged_workbook_names_the_file_and_what_to_do() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(InputError) as caught:
        open_book(buffer.getvalue(), "bank.xlsx")
    assert "bank.xlsx" in caught.value.message
    assert "save it as .xlsx" in caught.value.render()


def test_an_xlsx_cut_short_says_it_is_damaged_or_incomplete(tmp_path) -> None:
    """A copy or a save cut short leaves a zip without its central directory: said as such (not
    calamine's "Cannot detect file format"), with what to do."""
    buffer = io.BytesIO()
    book = openpyxl.Workbook()
    book.active.append(["合同编号", "金额"])
    book.save(buffer)
    with pytest.raises(InputError) as caught:
        open_book(buffer.getvalue()[:2000], "ledger.xlsx")
    assert caught.value.message == ("ledger.xlsx: is damaged or incomplete (its zip structure cannot be "
                                    "read).")
    assert "restore it from a backup" in caught.value.hint


def test_an_empty_file_says_it_is_empty(tmp_path) -> None:
    """A 0-byte file (a save in progress, a file made and never written) is not "no header row"."""
    for name in ("ledger.xlsx", "bank.csv", "slips.xls"):
        with pytest.raises(InputError, match=r"the file is empty \(0 bytes\)"):
            open_book(b"", name)
    (tmp_path / "empty.xlsx").write_bytes(b"")
    data, label, base = read_source(tmp_path / "empty.xlsx")
    with pytest.raises(InputError, match="empty"):
        open_book(data, label, base)


def test_truncated_xls_is_an_input_error() -> None:
    with pytest.raises(InputError, match="cannot be opened as an old Excel workbook"):
        open_book(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old.xls")


def test_binary_junk_is_refused() -> None:
    with pytest.raises(InputError, match="not a spreadsheet"):
        open_book(b"%PDF\x00\x01\x02" * 20, "statement.xls")


# ------------------------------------------------------------------------------------------------- text


@pytest.mark.parametrize(
    "encoded",
    [
        "合同编号,金额\nHT1,100\n".encode(),
        "\ufeff合同编号,金额\nHT1,100\n".encode(),
        "合同编号,金额\r\nHT1,100\r\n".encode("gb18030"),
        "合同编号,金额\nHT1,100\n".encode("utf-16"),
    ],
    ids=["utf8", "utf8-bom", "gb18030", "utf16"],
)
def test_csv_encodings(encoded: bytes) -> None:
    book = open_book(encoded, "slip.csv")
    assert book.sheet_names == [None]
    assert book.rows(None) == [["合同编号", "金额"], ["HT1", "100"]]


def test_gbk_text_saved_as_xls_is_read_as_text() -> None:
    data = '="交收日期"\t="证券代码"\r\n="20230212"\t="114514"\r\n'.encode("gbk")
    book = open_book(data, "broker.xls")
    assert book.fmt == sniff.TEXT
    assert book.rows(None) == [['="交收日期"', '="证券代码"'], ['="20230212"', '="114514"']]


def test_undecodable_text_is_refused() -> None:
    with pytest.raises(InputError, match="neither UTF-8 nor GB18030"):
        decode_text(b"\x81\x20\xff\xfe\x80", "x.csv")


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("a,b,c\n1,2,3\n", ","),
        ("a\tb\tc\n1\t2\t3\n", "\t"),
        ("a;b;c\n1;2;3\n", ";"),
        # ICBC style: tabs inside quoted, comma-separated fields
        ('日期,摘要\n2023-05-02 \t,"消费 \t"\n2023-04-25 \t,"工资 \t"\n', ","),
        # ="…" cells in a tab-separated export
        ('="a"\t="b"\n="1"\t="2"\n', "\t"),
    ],
)
def test_delimiter_sniffing(text: str, delimiter: str) -> None:
    assert sniff_delimiter(text) == delimiter


def test_csv_keeps_ragged_rows_and_quoted_newlines() -> None:
    rows = parse_csv('标题\n合同编号,备注\nHT1,"两行\n备注"\n')
    assert rows == [["标题"], ["合同编号", "备注"], ["HT1", "两行\n备注"]]


# ------------------------------------------------------------------------------------------------- HTML


def test_html_table_with_spans_entities_and_breaks() -> None:
    html = """<html><head><meta charset="gbk"></head><body>
    <table>
      <tr><td colspan="3">还款流水 &amp; 明细</td></tr>
      <tr><th>卡号</th><th rowspan="2">金额</th><th>状态</th></tr>
      <tr><td>6222&nbsp;</td><td>成功<br>已入账</td></tr>
      <tr><td>6223<td>10.00<td>失败
    </table></body></html>"""
    book = open_book(html.encode("gbk"), "statement.xls")
    assert book.fmt == sniff.HTML
    rows = book.rows(None)
    assert rows[0] == ["还款流水 & 明细", "", ""]
    assert rows[1] == ["卡号", "金额", "状态"]
    assert rows[2] == ["6222", "", "成功\n已入账"]
    assert rows[3] == ["6223", "10.00", "失败"]


def test_several_html_tables_become_sheets() -> None:
    tables = parse_html("<table><tr><td>a</td></tr></table><p>x</p><table><tr><td>b</td></tr></table>")
    assert tables == [[["a"]], [["b"]]]
    book = open_book(b"<table><tr><td>a</td></tr></table><table><tr><td>b</td></tr></table>", "x.xls")
    assert book.sheet_names == ["table 1", "table 2"]


def test_html_without_a_table_is_refused() -> None:
    with pytest.raises(InputError, match="without any table"):
        open_book(b"<html><body>Session expired</body></html>", "statement.xls")


def test_xml_spreadsheet_2003() -> None:
    xml = b"""<?xml version="1.0"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"
 xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">
 <Worksheet ss:Name="Flow"><Table>
  <Row><Cell><Data ss:Type="String">date</Data></Cell>
   <Cell ss:Index="3"><Data ss:Type="String">amt</Data></Cell></Row>
  <Row ss:Index="3"><Cell><Data ss:Type="DateTime">2024-03-22T00:00:00.000</Data></Cell>
   <Cell ss:MergeAcross="1"><Data ss:Type="Number">12.5</Data></Cell>
   <Cell><Data ss:Type="Boolean">1</Data></Cell></Row>
 </Table></Worksheet></Workbook>"""
    book = open_book(xml, "flow.xls")
    assert book.sheet_names == ["Flow"]
    assert book.rows("Flow") == [["date", "", "amt"], [], [datetime(2024, 3, 22), 12.5, "", True]]


def test_read_source_accepts_paths_and_file_objects(tmp_path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b"x,y\n")
    assert read_source(path) == (b"x,y\n", str(path), "a.csv")
    assert read_source(io.BytesIO(b"x,y\n"))[:2] == (b"x,y\n", "<stream>")
    assert read_source(io.BytesIO(b"x"), name="slip.csv") == (b"x", "slip.csv", "slip.csv")
    with pytest.raises(InputError, match="not found"):
        read_source(tmp_path / "missing.xlsx")


def test_password_protected_xlsx_is_named_as_such() -> None:
    ole = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500 + "EncryptedPackage".encode("utf-16-le")
           + b"\0" * 100)
    with pytest.raises(InputError, match="protected by a password"):
        open_book(ole, "ledger.xlsx")
