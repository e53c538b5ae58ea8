"""Every real spreadsheet in shared/realworld (see its SOURCES.md) opens with its grid read, or fails
with a clear InputError; the bank-statement-like ones have their header found on the row SOURCES.md
names; the Excel lock file is refused. Files are copied to tmp_path first and never touched.

Set LOANTOOL_REALWORLD to another folder to run these over other files.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from loantool import schema
from loantool.errors import InputError
from loantool.ledger.grid import open_book, read_source
from loantool.ledger.read import read_table

REALWORLD = Path(os.environ.get("LOANTOOL_REALWORLD",
                                Path(__file__).resolve().parents[2] / "shared" / "realworld"))
if not REALWORLD.is_dir():
    pytest.skip(f"no real-world files at {REALWORLD}", allow_module_level=True)

FILES = sorted(p.name for p in REALWORLD.iterdir() if p.is_file() and p.suffix.lower() != ".md")
F, T = schema.Field, schema.Table


@pytest.fixture
def copy(tmp_path: Path):
    def make(name: str) -> Path:
        target = tmp_path / name
        shutil.copyfile(REALWORLD / name, target)
        return target

    return make


@pytest.mark.parametrize("name", FILES)
def test_each_file_opens_or_fails_clearly(name: str, copy) -> None:
    path = copy(name)
    data, label, base = read_source(path)
    if name.startswith("~$"):
        with pytest.raises(InputError, match="lock file"):
            open_book(data, label, base)
        return
    try:
        book = open_book(data, label, base)
    except InputError as exc:  # allowed, as long as it names the file and says what to do
        assert str(path) in exc.message and exc.hint
        return
    assert book.sheet_names
    for sheet in book.sheet_names:
        rows = book.rows(sheet)
        assert all(isinstance(row, list) for row in rows)
    # none of them is a loan ledger: reading one as such must be a clear InputError, never a crash
    try:
        read_table(path, schema.LOANS)
    except InputError as exc:
        assert str(path) in exc.message
        assert exc.problems and all(p.code in ("missing-column", "bad-cell") for p in exc.problems)


def test_lock_file_is_refused_by_read_table(copy) -> None:
    lock = next(name for name in FILES if name.startswith("~$"))
    with pytest.raises(InputError, match="this is Excel's lock file, not data"):
        read_table(copy(lock), schema.STATEMENT)


# ---------------------------------------------------------------------- statements: header row found

ICBC = T("icbc", (), (
    F("paid_on", ("交易日期",), "date", True), F("summary", ("摘要",), "text"),
    F("amount_in", ("记账金额(收入)",), "amount"), F("amount_out", ("记账金额(支出)",), "amount"),
    F("balance", ("余额",), "text"), F("counterparty", ("对方户名",), "text"),
    F("account", ("对方账户",), "card"),
), header_keys=("paid_on", "amount_in", "amount_out"))

ALIPAY = T("alipay", (), (
    F("paid_on", ("交易时间",), "date", True), F("category", ("交易分类",), "text"),
    F("amount", ("金额",), "amount", True), F("direction", ("收/支",), "text"),
    F("state", ("交易状态",), "text"),
    F("order_no", ("交易订单号",), "contract"),
), header_keys=("paid_on", "amount"))

CITIC = T("citic", (), (
    F("paid_on", ("交易日期",), "date", True), F("booked_on", ("入账日期",), "date"),
    F("description", ("交易描述",), "text"), F("card_last4", ("卡末四位",), "card"),
    F("amount", ("交易金额",), "amount", True), F("settled", ("结算金额",), "amount"),
), header_keys=("paid_on", "amount"))

SPDB = T("spdb", (), (
    F("seq", ("顺序号",), "contract"), F("paid_on", ("交易日期",), "date", True),
    F("kind", ("交易类型",), "text"),
    F("amount_in", ("存入金额",), "amount"), F("amount_out", ("取出金额",), "amount"),
    F("balance", ("余额",), "amount"), F("account", ("交易对手账号", "账号"), "card"),
    F("note", ("附言",), "text"),
), header_keys=("paid_on", "amount_in", "amount_out"))

WECHAT = T("wechat", (), (
    F("paid_on", ("交易时间",), "date", True), F("kind", ("交易类型",), "text"),
    F("amount", ("金额",), "amount", True), F("direction", ("收/支",), "text"),
    F("ref", ("交易单号",), "contract"), F("merchant_ref", ("商户单号",), "contract"),
), header_keys=("paid_on", "amount"))

HXSEC = T("hxsec", (), (
    F("settled_on", ("交收日期",), "date", True), F("business", ("业务名称",), "text"),
    F("code", ("证券代码",), "contract"), F("turnover", ("成交金额",), "amount"),
    F("clearing", ("清算金额",), "amount"), F("account", ("资金帐号",), "contract"),
), header_keys=("settled_on", "clearing"))

ATTENDANCE = T("attendance", (), (
    F("domain", ("领域",), "text"), F("platform", ("平台",), "text"), F("people", ("总人数",), "int"),
    F("days1", ("时段一天数",), "int"),
), header_keys=("domain", "people"))

# file → (table, sheet, header row per SOURCES.md, data rows)
STATEMENTS = {
    "cn_icbc_debit_v2.csv": (ICBC, None, 7, 11),
    "cn_alipay_gbk.csv": (ALIPAY, None, 25, 10),
    "cn_citic_credit.xls": (CITIC, "本期账单明细(人民币)", 2, 13),
    "cn_spdb_debit.xls": (SPDB, "sheet", 2, 4),
    "cn_wechat.xlsx": (WECHAT, "example-wechat-records", 18, 27),
    "cn_hxsec_text_named.xls": (HXSEC, None, 1, 13),
    "calamine_issue_530_cn.xlsx": (ATTENDANCE, "出勤分类组织汇总表", 4, 1),
}


@pytest.mark.parametrize("name", sorted(STATEMENTS))
def test_statement_header_found_where_sources_says(name: str, copy) -> None:
    if name not in FILES:
        pytest.skip(f"{name} is not in {REALWORLD}")
    table, sheet, header_row, count = STATEMENTS[name]
    read = read_table(copy(name), table)
    assert (read.sheet, read.header_row, len(read.frame)) == (sheet, header_row, count)
    assert read.frame["excel_row"].iloc[0] > header_row
    assert read.frame[table.fields[0].key].notna().all()


def test_icbc_values(copy) -> None:
    frame = read_table(copy("cn_icbc_debit_v2.csv"), ICBC).frame  # the 人民币合计 row is left out
    first = frame.iloc[0]
    assert first["paid_on"] == pd.Timestamp("2023-05-02")
    assert first["summary"] == "消费"  # padding and the tab are stripped
    assert pd.isna(first["amount_in"]) and first["amount_out"] == 1340  # "-" is empty
    assert first["account"] == "1234****9876"
    assert frame["amount_in"].max() == 123456  # "1,234.56"


def test_alipay_gbk_values(copy) -> None:
    frame = read_table(copy("cn_alipay_gbk.csv"), ALIPAY).frame
    assert frame["amount"].iloc[0] == 4974
    assert frame["order_no"].iloc[0] == "202302xxxxxx0011000103xxxxxx"  # trailing tab stripped
    assert frame["paid_on"].iloc[0] == pd.Timestamp("2023-02-12")


def test_citic_text_amounts_and_numeric_last_four(copy) -> None:
    frame = read_table(copy("cn_citic_credit.xls"), CITIC).frame
    assert frame["card_last4"].unique().tolist() == ["6688"]
    assert frame["amount"].iloc[:2].tolist() == [590, -20]


def test_spdb_double_space_datetimes(copy) -> None:
    frame = read_table(copy("cn_spdb_debit.xls"), SPDB).frame
    assert frame["paid_on"].dt.date.tolist()[:2] == [dt.date(2025, 12, 3), dt.date(2025, 12, 5)]
    assert frame["account"].iloc[0] == "12345678901236500"  # 17 digits kept as text


def test_wechat_yuan_signs_and_tabbed_ids(copy) -> None:
    frame = read_table(copy("cn_wechat.xlsx"), WECHAT).frame
    assert frame["amount"].iloc[0] == 2816
    assert frame["ref"].iloc[0] == "3985734"


def test_hxsec_text_with_xls_name_and_formula_wrappers(copy) -> None:
    read = read_table(copy("cn_hxsec_text_named.xls"), HXSEC)
    assert read.headers["settled_on"] == '="交收日期"'
    frame = read.frame
    assert frame["settled_on"].iloc[0] == pd.Timestamp("2023-02-12")
    assert frame["account"].iloc[0] == "114514114514"
    assert frame["business"].iloc[0] == "银行转证券"
    assert frame["clearing"].iloc[0] == 12800000


def test_attendance_header_not_in_column_a(copy) -> None:
    read = read_table(copy("calamine_issue_530_cn.xlsx"), ATTENDANCE)
    assert read.columns["domain"] == 3
    assert read.frame["people"].tolist() == [9]
