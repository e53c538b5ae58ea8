"""The fast report writer (reports/xlsx_fast.py) writes the same files as XlsxWriter's own methods.

Every part of every workbook (sheets, shared strings, styles, charts …) is compared byte for byte between
``FastWorkbook`` (bulk storing, one string per cell) and ``PlainWorkbook`` (XlsxWriter's public methods,
one cell at a time, and its own XML writing): on the reports the commands write, on a workbook that uses
what the fast path hands back to XlsxWriter, and on random tables.
"""

from __future__ import annotations

import datetime as dt
import io
import struct
import zipfile
import zlib
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from test_overdue_cli import AS_OF, build_ledger
from typer.testing import CliRunner

from loantool.cli import app
from loantool.reports import excel
from loantool.reports.xlsx_fast import BLANK, DATE, NUMBER, TEXT, FastWorkbook, PlainWorkbook


def _parts(path_or_bytes) -> dict[str, bytes]:
    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    with zipfile.ZipFile(source) as book:
        return {name: book.read(name) for name in book.namelist()}


def _same_files(fast: Path, plain: Path) -> int:
    """Every .xlsx under ``fast`` equals its namesake under ``plain``, part by part; returns how many."""
    names = sorted(p.relative_to(fast) for p in fast.rglob("*.xlsx"))
    assert names == sorted(p.relative_to(plain) for p in plain.rglob("*.xlsx"))
    for name in names:
        a, b = _parts(fast / name), _parts(plain / name)
        assert list(a) == list(b), name
        for part in a:
            assert a[part] == b[part], f"{name}: {part} differs"
    return len(names)


def _run_both(monkeypatch, tmp_path: Path, run) -> int:
    for fast in (True, False):
        monkeypatch.setattr(excel, "FAST_CELLS", fast)
        run(tmp_path / ("fast" if fast else "plain"))
    return _same_files(tmp_path / "fast", tmp_path / "plain")


def test_overdue_report_and_letters_are_the_same_files(tmp_path, monkeypatch):
    ledger = build_ledger(tmp_path / "ledger.xlsx")

    def run(out: Path) -> None:
        result = CliRunner().invoke(app, ["overdue-report", "--ledger", str(ledger), "--as-of", AS_OF,
                                          "--out", str(out / "report.xlsx"), "--quiet"])
        assert result.exit_code == 0, result.stderr

    assert _run_both(monkeypatch, tmp_path, run) == 2  # the report and the letters


def test_the_sample_desk_reports_are_the_same_files(sample_dir, tmp_path, monkeypatch, chinese):
    """The reports of the bundled samples (every sheet kind: call sheet, charts, notes, totals, wrapped
    warnings, merged spans of the settlement sheet), in the desk's language."""
    ledger = sample_dir / "ledger.xlsx"
    statements = sample_dir / "inbox" / "statements"
    monkeypatch.chdir(sample_dir)

    def run(out: Path) -> None:
        commands = [
            ["overdue-report", "--out", str(out / "overdue.xlsx")],
            ["reconcile-bank", "--period", "2026-11", "--out", str(out / "reconcile.xlsx"),
             *map(str, sorted(statements.iterdir()))],
            ["quality-report", "--period", "2026-10", "--out", str(out / "quality.xlsx")],
            ["compute-schedule", "--pending", "--no-mark", "--out", str(out / "schedules")],
            ["settle", "HZQC202509003", "--out", str(out / "settle.xlsx")],
            ["statement", "HZQC202509003", "--out", str(out / "statement.xlsx")],
        ]
        for args in commands:
            result = CliRunner().invoke(app, [*args, "--ledger", str(ledger), "--quiet"])
            assert result.exit_code in (0, 4), (args, result.stderr)

    assert _run_both(monkeypatch, tmp_path, run) >= 6


def test_the_report_is_packed_at_zlib_fastest_level(tmp_path):
    """The parts of a report are deflated at level 1 (a third of the time of the default level): each
    part's packed bytes are what zlib makes of it at that level."""
    path = tmp_path / "book.xlsx"
    book = FastWorkbook(str(path), {"strings_to_numbers": False})
    ws = book.add_worksheet("表")
    ws.write_table(0, 0, [TEXT, NUMBER], [[f"合同{i}" for i in range(500)], list(range(500))],
                   [[None, None]] * 500)
    book.close()
    raw = path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            assert info.compress_type == zipfile.ZIP_DEFLATED, info.filename
            at = info.header_offset
            name_length, extra_length = struct.unpack("<2H", raw[at + 26:at + 30])
            begin = at + 30 + name_length + extra_length
            packer = zlib.compressobj(1, zlib.DEFLATED, -15)
            assert raw[begin:begin + info.compress_size] == \
                packer.compress(archive.read(info)) + packer.flush(), info.filename


def _book(workbook_class, fill) -> bytes:
    buffer = io.BytesIO()
    book = workbook_class(buffer, {"in_memory": True, "strings_to_numbers": False})
    book.set_properties({"created": dt.datetime(2000, 1, 1)})
    fill(book)
    book.close()
    return buffer.getvalue()


def _same_books(fill) -> None:
    fast, plain = _parts(_book(FastWorkbook, fill)), _parts(_book(PlainWorkbook, fill))
    assert list(fast) == list(plain)
    for part in fast:
        assert fast[part] == plain[part], part


def test_what_the_fast_path_hands_back_to_xlsxwriter():
    """Rows with a format, hidden or taller rows, comments, formulas, rich strings, merged cells, a
    string beyond Excel's limit, blanks without a format, dates before 1900-03-01, numbers of every
    Python kind, a chart over the table's cells, and tables written over earlier cells."""

    def fill(book) -> None:
        bold, red, date = book.add_format({"bold": True}), book.add_format({"font_color": "red"}), \
            book.add_format({"num_format": "yyyy-mm-dd"})
        ws = book.add_worksheet("表")
        ws.write_string(0, 0, "标题", bold)
        ws.set_row(3, 30, red)
        ws.set_row(4, None, None, {"hidden": True})
        ws.set_row(5, 0)
        ws.set_row(6, None, None, {"level": 1})
        ws.write_comment(2, 5, "备注")
        ws.write_formula(1, 4, "=1+1", None, 2)
        ws.write_rich_string(1, 5, "a", bold, "b", red)
        ws.merge_range(8, 0, 8, 3, "合并", bold)
        ws.write_table(2, 0, [TEXT, NUMBER, DATE, TEXT], [
            ["x" * 40_000, "", "甲&<>\"'", "\x01控制_x0041_", "乙", "丙", "甲", "丁"],
            [1, 2.5, -0.0, 10**20, 1e-300, True, 3, 4],
            [dt.datetime(1900, 1, 1), dt.datetime(1900, 3, 1), dt.datetime(2026, 11, 30, 12),
             dt.date(2026, 1, 2), BLANK, BLANK, dt.datetime(1899, 12, 31), dt.datetime(2100, 1, 1)],
            [BLANK, "b", BLANK, "c", "a", "b", BLANK, "d"],
        ], [[bold, red, date, None], [None, None, None, red], [red, bold, None, None], [bold] * 4,
            [red] * 4, [date] * 4, [None] * 4, [bold, None, date, red]])
        ws.write_strings([20, 20, 21, 19], [1, 0, 3, 2], ["z", "y", "z", "x" * 20_000],
                         [bold, red, None, bold])
        ws.set_row_heights([20, 21, 22, 23], [40, 0, 12.5, 15])
        chart = book.add_chart({"type": "column"})
        chart.add_series({"values": ["表", 2, 1, 9, 1], "categories": ["表", 2, 0, 9, 0]})
        ws.insert_chart(12, 0, chart)
        empty = book.add_worksheet("空")
        empty.set_row_heights([3], [20])
        empty.write_table(0, 0, [], [], [])

    _same_books(fill)


_CELL = st.one_of(st.just(BLANK), st.text(max_size=6), st.integers(-10**6, 10**6),
                  st.floats(allow_nan=False, allow_infinity=False),
                  st.dates(dt.date(1899, 12, 31), dt.date(2100, 1, 1)))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 40), st.lists(st.sampled_from([TEXT, NUMBER, DATE]), min_size=1, max_size=5),
       st.data())
def test_random_tables_are_the_same_files(first_row, kinds, data):
    n = data.draw(st.integers(1, 40))
    values = []
    for kind in kinds:
        cell = {TEXT: st.one_of(st.just(BLANK), st.text(max_size=6)),
                NUMBER: st.one_of(st.just(BLANK), st.integers(-10**6, 10**6),
                                  st.floats(allow_nan=False, allow_infinity=False)),
                DATE: st.one_of(st.just(BLANK), st.dates(dt.date(1899, 12, 31), dt.date(2100, 1, 1)).map(
                    lambda d: dt.datetime.combine(d, dt.time())))}[kind]
        values.append(data.draw(st.lists(cell, min_size=n, max_size=n)))
    choice = data.draw(st.lists(st.integers(0, 2), min_size=n, max_size=n))
    heights = data.draw(st.lists(st.sampled_from([None, 0, 12, 15, 20.5, 40]), min_size=n, max_size=n))

    def fill(book) -> None:
        styles = [None, book.add_format({"bold": True}), book.add_format({"num_format": "0.00"})]
        ws = book.add_worksheet()
        ws.write_string(0, 0, "head")
        ws.write_table(first_row, 1, kinds, values, [[styles[(c + j) % 3] for j in range(len(kinds))]
                                                     for c in choice])
        rows = [first_row + i for i, h in enumerate(heights) if h is not None]
        ws.set_row_heights(rows, [h for h in heights if h is not None])

    _same_books(fill)


def test_frame_rows_give_what_itertuples_gives(tmp_path):
    """reports.excel.FrameRows (columns made lists on first use) reads the same values as itertuples, on
    the report's frames: codes, names, money, counts, flags, dates and missing values of every kind."""
    from loantool.config import Settings
    from loantool.ledger.read import load_ledger
    from loantool.reports.excel import FrameRows
    from loantool.workflows.overdue import assess_ledger

    day = dt.date.fromisoformat(AS_OF)
    report = assess_ledger(load_ledger(build_ledger(tmp_path / "ledger.xlsx"), Settings(), as_of=day),
                           Settings(), day)
    for frame in (report.call_list, report.maturity, report.quarterly_notices, report.arrears.loans,
                  report.sms):
        assert len(frame)
        names = [c for c in frame.columns if c.isidentifier() and not c.startswith("_")]
        for fast, plain in zip(FrameRows(frame), frame.itertuples(index=False), strict=True):
            for name in names:
                a, b = getattr(fast, name), getattr(plain, name)
                assert type(a) is type(b) and (a == b or repr(a) == repr(b)), (name, a, b)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(), max_size=40))
def test_display_width_is_the_east_asian_width_count(text):
    import unicodedata

    from loantool.reports.excel import display_width

    assert display_width(text) == len(text) + sum(unicodedata.east_asian_width(c) in ("W", "F") for c in text)
    assert display_width(text + "张三（借款人）") == display_width(text) + 14


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=12) | st.sampled_from(
    [" 前空格", "后空格 ", "\n", "a\n", "_x0041_", "<r>x</r>", "&amp;", "甲\x07乙", "\u3000全角空格"]),
    unique=True, max_size=30))
def test_fast_shared_strings_write_what_xlsxwriter_writes(strings):
    from xlsxwriter.sharedstrings import SharedStrings, SharedStringTable

    from loantool.reports.xlsx_fast import FastSharedStrings

    def xml(writer_class) -> str:
        table = SharedStringTable()
        for string in strings:
            table._get_shared_string_index(string)
        table._sort_string_data()
        writer = writer_class()
        writer.string_table = table
        buffer = io.StringIO()
        writer._set_filehandle(buffer)
        writer._assemble_xml_file()
        return buffer.getvalue()

    assert xml(FastSharedStrings) == xml(SharedStrings)
