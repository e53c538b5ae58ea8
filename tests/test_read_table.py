"""ledger/read.py read_table: header search, title/blank/total rows, aliases, row-level errors."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from loantool import schema
from loantool.config import Settings
from loantool.errors import InputError
from loantool.ledger.read import TableRead, normalize_header, read_table

PAYMENT_HEADER = ["合同编号", "交易日期", "金额", "类型", "流水号", "备注"]


def workbook(sheets: dict[str, list[list[object]]], merges: dict[str, list[str]] | None = None) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    sheet.cell(r, c, value)
        for merge in (merges or {}).get(title, []):
            sheet.merge_cells(merge)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read_bytes(data: bytes, table: schema.Table, name: str = "ledger.xlsx", **kwargs: object) -> TableRead:
    return read_table(io.BytesIO(data), table, name=name, **kwargs)


# ---------------------------------------------------------------------------------------------- headers


@pytest.mark.parametrize(
    ("written", "normal"),
    [
        ("金额(元)", "金额"),
        ("金额（元）", "金额"),
        (" 合同\n编号 ", "合同编号"),
        ("Contract_No", "contract_no"),
        ('="交收日期"', "交收日期"),
        ("*客户姓名", "客户姓名"),
        ("交易金额(收入)", "交易金额(收入)"),  # not a unit: kept
        ("年利率(%)", "年利率"),
    ],
)
def test_normalize_header(written: str, normal: str) -> None:
    assert normalize_header(written) == normal


def test_header_below_merged_title_blank_rows_and_totals() -> None:
    rows = [
        ["XX汽车金融服务有限公司 还款记录"],
        ["导出日期：2024年3月31日"],
        [],
        [None, *PAYMENT_HEADER],  # table starts in column B
        [None, "HT001", dt.date(2024, 3, 1), 1000.5, "客户还款", "B1", None],
        [],
        [None, "HT002", "2024/3/2", "¥2,000.00", "公司垫款", "B2", "垫付"],
        [None, "小计", None, 3000.5, None, None, None],
        [None, "HT003", 45354.0, "300元", "客户还垫款", None, None],
        [None, None, None, None, None, None, None],
        [None, "合计", None, 3300.5, None, None, None],
    ]
    data = workbook({"还款记录": rows}, merges={"还款记录": ["A1:G1"]})
    read = read_bytes(data, schema.PAYMENTS)
    assert read.sheet == "还款记录"
    assert read.header_row == 4
    assert read.columns == {"contract_no": 2, "paid_on": 3, "amount": 4, "payment_type": 5, "bank_ref": 6,
                            "note": 7}
    assert read.headers["amount"] == "金额"
    frame = read.frame
    assert frame["contract_no"].tolist() == ["HT001", "HT002", "HT003"]
    assert frame["excel_row"].tolist() == [5, 7, 9]
    assert frame["amount"].tolist() == [100050, 200000, 30000]
    assert frame["paid_on"].tolist() == [pd.Timestamp("2024-03-01"), pd.Timestamp("2024-03-02"),
                                         pd.Timestamp("2024-03-03")]
    assert frame["payment_type"].tolist() == ["customer_paid", "company_advance", "advance_repaid"]
    assert frame["bank_ref"].tolist() == ["B1", "B2", None]


def test_frame_dtypes_follow_the_contract() -> None:
    rows = [
        ["合同编号", "客户姓名", "贷款金额", "期数", "年利率", "还款方式", "提车日期", "还款明细已出",
         "状态"],
        ["HT1", "张三", 100000, 36, 0.0388, "等额本息", dt.date(2024, 1, 31), "是", "在贷"],
        ["HT2", "李四", "50,000.00", "24", "4.75%", None, "2024-02-29", None, None],
    ]
    frame = read_bytes(workbook({"贷款台账": rows}), schema.LOANS).frame
    assert frame.dtypes.astype(str).to_dict() == {
        "contract_no": "object", "customer_name": "object", "principal": "Int64", "term": "Int64",
        "annual_rate": "Int64", "method": "object", "pickup_date": "datetime64[ns]",
        "schedule_issued": "boolean", "status": "object", "excel_row": "int64",
    }
    assert frame["annual_rate"].tolist() == [3_880_000, 4_750_000]
    assert frame["method"].tolist() == ["annuity", None]
    assert frame["schedule_issued"].tolist() == [True, False]
    assert isinstance(frame["contract_no"][0], str)


def test_english_headers_and_aliases_from_settings() -> None:
    rows = [["Contract_No", "NAME", "Principal", "Pickup_Date", "客户电话"],
            ["HT1", "Zhang San", 1000, "2024-01-02", "13800138000"]]
    settings = Settings(aliases={"loans": {"phone": ["客户电话"]}})
    read = read_bytes(workbook({"Sheet1": rows}), schema.LOANS, settings=settings)
    assert read.frame["phone"].tolist() == ["13800138000"]
    assert read.headers["phone"] == "客户电话"
    # without the configured alias the column is not a phone column
    assert "phone" not in read_bytes(workbook({"Sheet1": rows}), schema.LOANS).frame


def test_sheet_named_by_alias_wins_over_an_earlier_sheet() -> None:
    other = [["合同编号", "交易日期", "金额", "类型"], ["X", "2024-01-01", 1, "客户还款"]]
    mine = [["合同编号", "交易日期", "金额", "类型"], ["HT9", "2024-01-01", 1, "客户还款"]]
    read = read_bytes(workbook({"草稿": other, "还款记录": mine}), schema.PAYMENTS)
    assert read.sheet == "还款记录"
    assert read.frame["contract_no"].tolist() == ["HT9"]


def test_first_sheet_with_the_header_when_no_sheet_is_named() -> None:
    notes = [["说明"], ["本表为测试"]]
    data = [["合同编号", "交易日期", "金额", "类型"], ["HT9", "2024-01-01", 1, "客户还款"]]
    read = read_bytes(workbook({"说明": notes, "Sheet2": data}), schema.PAYMENTS)
    assert read.sheet == "Sheet2"


def test_sheet_can_be_forced() -> None:
    data = [["合同编号", "交易日期", "金额", "类型"], ["HT9", "2024-01-01", 1, "客户还款"]]
    book = workbook({"A": data, "B": data})
    assert read_bytes(book, schema.PAYMENTS, sheet="B").sheet == "B"
    with pytest.raises(InputError, match="has no sheet C"):
        read_bytes(book, schema.PAYMENTS, sheet="C")


def test_missing_header_names_the_expected_columns() -> None:
    rows = [["合同编号", "日期"], ["HT1", "2024-01-01"]]
    with pytest.raises(InputError) as caught:
        read_bytes(workbook({"还款记录": rows}), schema.PAYMENTS, name="ledger.xlsx")
    error = caught.value
    assert "ledger.xlsx" in error.message and "first 30 rows" in error.message
    assert [p.reason for p in error.problems] == ["no column 金额 (or 还款金额, amount)"]
    assert error.problems[0].code == "missing-column"


def test_missing_required_column_beyond_the_header_keys() -> None:
    rows = [["合同编号", "交易日期", "金额"], ["HT1", "2024-01-01", 100]]
    with pytest.raises(InputError) as caught:
        read_bytes(workbook({"还款记录": rows}), schema.PAYMENTS)
    problem = caught.value.problems[0]
    assert (problem.sheet, problem.row, problem.code) == ("还款记录", 1, "missing-column")
    assert "类型" in problem.reason and "payment_type" in problem.reason


def test_header_beyond_row_30_is_not_found() -> None:
    rows = [[f"说明{i}"] for i in range(30)] + [["合同编号", "交易日期", "金额", "类型"]]
    with pytest.raises(InputError, match="no header row"):
        read_bytes(workbook({"还款记录": rows}), schema.PAYMENTS)


# ------------------------------------------------------------------------------------------------ errors


def test_every_bad_cell_is_reported_at_once() -> None:
    rows = [
        ["合同编号", "交易日期", "金额", "类型", "流水号"],
        ["HT1", "2024-02-30", 100, "客户还款", "R1"],
        [None, "2024-03-01", "12.345", "还款", "R2"],
        ["HT3", "2024-03-01", 200, "客户还款", 6.222021234567891e18],
        ["HT4", "2024-03-01", 300, "客户还款", "R4"],
    ]
    with pytest.raises(InputError) as caught:
        read_bytes(workbook({"还款记录": rows}), schema.PAYMENTS, name="ledger.xlsx")
    found = [(p.row, p.column, p.value, p.code) for p in caught.value.problems]
    assert found == [
        (2, "交易日期", "2024-02-30", "bad-cell"),
        (3, "合同编号", None, "bad-cell"),
        (3, "金额", "12.345", "bad-cell"),
        (3, "类型", "还款", "bad-cell"),
        (4, "流水号", "6.222021234567891e+18", "bad-cell"),  # as text: the value shown, never np.float64
    ]
    problem = caught.value.problems[0]
    assert (problem.file, problem.sheet) == ("ledger.xlsx", "还款记录")
    text = caught.value.render()
    assert "5 problems" in text
    assert "ledger.xlsx, sheet 还款记录, row 4, column 流水号" in text
    assert "stored as a number" in text


def test_card_stored_as_number_is_an_error_in_a_slip() -> None:
    rows = [["姓名", "卡号", "放款金额"], ["张三", 6.222021234567891e18, 100000]]
    with pytest.raises(InputError, match="1 problem") as caught:
        read_bytes(workbook({"放款单": rows}), schema.SLIPS)
    assert caught.value.problems[0].column == "卡号"


def test_term_from_years_and_disagreement() -> None:
    rows = [
        ["合同编号", "客户姓名", "贷款金额", "贷款年限", "提车日期"],
        ["HT1", "张三", 1000, 3, "2024-01-01"],
    ]
    frame = read_bytes(workbook({"贷款台账": rows}), schema.LOANS).frame
    assert frame["term"].tolist() == [36]
    assert frame["term_years"].tolist() == [3]

    rows = [
        ["合同编号", "客户姓名", "贷款金额", "期数", "贷款年限", "提车日期"],
        ["HT1", "张三", 1000, 36, 3, "2024-01-01"],
        ["HT2", "李四", 1000, None, 2, "2024-01-01"],
        ["HT3", "王五", 1000, 24, 3, "2024-01-01"],
    ]
    with pytest.raises(InputError) as caught:
        read_bytes(workbook({"贷款台账": rows}), schema.LOANS)
    (problem,) = caught.value.problems
    assert (problem.row, problem.column) == (4, "贷款年限")
    assert "36 months" in problem.reason and "期数 says 24" in problem.reason

    rows = rows[:3]
    read = read_bytes(workbook({"贷款台账": rows}), schema.LOANS)
    assert read.frame["term"].tolist() == [36, 24]
    assert read.columns["term"] == 4  # the writer still finds 期数 where it is


def test_bank_due_day_must_be_a_day_of_the_month() -> None:
    rows = [["合同编号", "客户姓名", "贷款金额", "提车日期", "银行还款日"],
            ["HT1", "张", 1, "2024-01-02", 32], ["HT2", "李", 1, "2024-01-02", "15日"]]
    with pytest.raises(InputError) as caught:
        read_bytes(workbook({"贷款台账": rows}), schema.LOANS)
    assert [(p.row, p.value, p.reason) for p in caught.value.problems] == [(2, 32, "a due day must be 1–31")]


def test_fully_blank_rows_are_skipped_but_a_row_with_a_value_is_checked() -> None:
    rows = [["合同编号", "交易日期", "金额", "类型"], [None, None, None, None], ["  ", "", None, None],
            [None, None, None, "客户还款"]]
    with pytest.raises(InputError) as caught:
        read_bytes(workbook({"还款记录": rows}), schema.PAYMENTS)
    assert {p.row for p in caught.value.problems} == {4}


def test_note_starting_with_heji_is_data_not_a_total() -> None:
    rows = [["合同编号", "交易日期", "金额", "类型", "备注"],
            ["HT1", "2024-01-01", 100, "客户还款", "合计两期"]]
    frame = read_bytes(workbook({"还款记录": rows}), schema.PAYMENTS).frame
    assert frame["note"].tolist() == ["合计两期"]


def test_empty_table_has_typed_columns() -> None:
    data = workbook({"还款记录": [["合同编号", "交易日期", "金额", "类型"]]})
    frame = read_bytes(data, schema.PAYMENTS).frame
    assert len(frame) == 0
    assert str(frame["amount"].dtype) == "Int64"
    assert str(frame["paid_on"].dtype) == "datetime64[ns]"


# ------------------------------------------------------------------------------------- other formats


def test_csv_gb18030_with_title_rows_and_tab_padding(tmp_path: Path) -> None:
    text = ("银行扣款明细\r\n\r\n卡号,姓名,扣款日期,扣款金额,流水号,摘要\r\n"
            "6222021234567890128\t,张三,2024年3月22日,\"1,234.50\t\",R001,扣款成功\r\n"
            "6222****0128,李四,20240322,\"1,234.50\",R002,余额不足扣款失败\r\n"
            "合计,,,\"1,234.50\",,\r\n")
    path = tmp_path / "statement.xls"  # the extension lies
    path.write_bytes(text.encode("gb18030"))
    read = read_table(path, schema.STATEMENT)
    assert read.path == path and read.sheet is None and read.header_row == 3
    frame = read.frame
    assert frame["card_no"].tolist() == ["6222021234567890128", "6222****0128"]
    assert frame["amount"].tolist() == [123450, 123450]
    assert frame["paid_on"].tolist() == [pd.Timestamp("2024-03-22")] * 2
    assert frame["deduction_status"].tolist() == ["ok", "failed"]


def test_csv_required_amount_dash_is_an_error() -> None:
    text = "卡号,扣款日期,扣款金额\n6222,2024-03-22,-\n"
    with pytest.raises(InputError) as caught:
        read_table(io.BytesIO(text.encode()), schema.STATEMENT, name="s.csv")
    (problem,) = caught.value.problems
    assert (problem.file, problem.sheet, problem.row, problem.column, problem.value) == \
        ("s.csv", None, 2, "扣款金额", "-")


def test_tab_separated_text_with_bom() -> None:
    text = "\ufeff合同编号\t交易日期\t金额\t类型\nHT1\t2024-03-22\t100.5\t客户还款\n"
    frame = read_table(io.BytesIO(text.encode()), schema.PAYMENTS).frame
    assert frame["amount"].tolist() == [10050]


def test_html_table_saved_as_xls() -> None:
    html = """<html><body><table border=1>
    <tr><td colspan=4>中国XX银行 代扣明细</td></tr>
    <tr><td>账号</td><td>户名</td><td>交易日期</td><td>交易金额</td></tr>
    <tr><td style="mso-number-format:'\\@'">6222021234567890128</td><td>张三</td>
        <td>2024-03-22</td><td>2,000.00</td></tr>
    <tr><td>合计</td><td></td><td></td><td>2,000.00</td></tr>
    </table></body></html>"""
    read = read_table(io.BytesIO(html.encode("utf-8")), schema.STATEMENT, name="扣款.xls")
    assert read.header_row == 2
    assert read.frame["card_no"].tolist() == ["6222021234567890128"]
    assert read.frame["amount"].tolist() == [200000]


def test_path_and_binary_file_object_read_the_same(tmp_path: Path) -> None:
    data = workbook({"还款记录": [["合同编号", "交易日期", "金额", "类型"],
                                  ["HT1", "2024-01-01", 1, "客户还款"]]})
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(data)
    from_path = read_table(path, schema.PAYMENTS)
    with path.open("rb") as handle:
        from_handle = read_table(handle, schema.PAYMENTS)
    pd.testing.assert_frame_equal(from_path.frame, from_handle.frame)
    assert from_path.file == str(path)


def test_problem_helper_names_file_sheet_row_and_header() -> None:
    data = workbook({"还款记录": [["合同号", "交易日期", "金额", "类型"],
                                  ["HT1", "2024-01-01", 1, "客户还款"]]})
    read = read_bytes(data, schema.PAYMENTS, name="ledger.xlsx")
    problem = read.problem(0, "contract_no", "HT1", "unknown contract", "unknown-contract")
    where = (problem.file, problem.sheet, problem.row, problem.column)
    assert where == ("ledger.xlsx", "还款记录", 2, "合同号")
    assert read.problem(0, "bank_ref", None, "x").column == "流水号"  # not in the file: the schema's header


def test_read_table_with_problems_keeps_every_row_for_skip_bad() -> None:
    from loantool.ledger.read import read_table_with_problems

    rows = [["姓名", "卡号", "放款金额"], ["张三", "6222021234567890128", 100000],
            ["李四", 6.222021234567891e18, 50000], ["王五", "6222021234567890128", "abc"]]
    read, problems = read_table_with_problems(io.BytesIO(workbook({"放款单": rows})), schema.SLIPS,
                                              name="slip.xlsx")
    assert read.frame["excel_row"].tolist() == [2, 3, 4]
    assert [(p.row, p.column) for p in problems] == [(3, "卡号"), (4, "放款金额")]
    assert read.frame["card_no"].isna().tolist() == [False, True, False]


def test_configured_alias_may_be_a_single_string() -> None:
    rows = [["合同编号", "客户姓名", "贷款金额", "提车日期", "客户电话"],
            ["HT1", "张三", 1000, "2024-01-02", "13800138000"]]
    settings = Settings(aliases={"loans": {"phone": "客户电话"}})  # type: ignore[dict-item]
    read = read_bytes(workbook({"贷款台账": rows}), schema.LOANS, settings=settings)
    assert read.headers["phone"] == "客户电话"
