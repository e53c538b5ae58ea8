"""The bundled samples and the blank ledger template: reproducible, realistic, consistent to the fen.

The samples are read here with python-calamine and openpyxl directly (not through loantool's reader),
so these tests say what the files hold independently of the code that will read them.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from loantool import schema
from loantool.config import load_settings
from loantool.core.schedule import build_schedules
from loantool.money import parse_rate, to_fen
from loantool.samples.ledger_layout import ledger_fields, write_ledger_workbook

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
TEMPLATE = REPO / "templates" / "ledger.xlsx"
HISTORY_END = dt.date(2026, 10, 31)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
METHOD_CODES = schema.code_lookup(schema.METHODS)


def _generator():
    try:
        from loantool.samples import generate
    except ImportError:  # a checkout without an install: samples/ is a package at the top
        if str(REPO) not in sys.path:
            sys.path.insert(0, str(REPO))
        from samples import generate
    return generate


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


def _rows(path: Path, sheet: str | None = None, header_row: int = 1) -> list[dict]:
    book = CalamineWorkbook.from_path(str(path))
    data = (book.get_sheet_by_name(sheet) if sheet else book.get_sheet_by_index(0)).to_python()
    header = data[header_row - 1]
    return [dict(zip(header, row, strict=True)) for row in data[header_row:]]


def _fen(value) -> int:
    cents = Decimal(repr(value)) * 100
    assert cents == cents.to_integral_value(), f"{value!r} is not a whole number of fen"
    return int(cents)


def _id_ok(id_no: str) -> bool:
    total = sum(int(d) * w for d, w in zip(id_no[:17], ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == id_no[17]


def _luhn_ok(card: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(card)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    generate = _generator()
    first, second = tmp_path_factory.mktemp("first"), tmp_path_factory.mktemp("second")
    generate.generate(first, first / "templates" / "ledger.xlsx")
    generate.generate(second, second / "templates" / "ledger.xlsx")
    return first, second


@pytest.fixture(scope="module")
def ledger():
    path = SAMPLES / "ledger.xlsx"
    return {sheet: _rows(path, sheet) for sheet in ("贷款台账", "利率表", "还款记录", "结清记录")}


@pytest.fixture(scope="module")
def installments(ledger):
    """Schedules of the sample loans from the engine, with rates looked up here from 利率表."""
    table = {}
    for row in ledger["利率表"]:
        key = row["产品"] or row["车型"]
        rate = row["总费率"] if row["还款方式"] == "等本等费" else row["年利率"]
        table[(key, int(row["期数"]), row["还款方式"])] = parse_rate(rate)
    loans = ledger["贷款台账"]
    frame = pd.DataFrame({
        "contract_no": [r["合同编号"] for r in loans],
        "principal": pd.array([to_fen(r["贷款金额"]) for r in loans], dtype="Int64"),
        "term": pd.array([int(r["期数"]) for r in loans], dtype="Int64"),
        "method": [METHOD_CODES[r["还款方式"]] for r in loans],
        "rate": pd.array([parse_rate(r["年利率"]) if r["年利率"] != "" else
                          table[(r["产品"] or r["车型"], int(r["期数"]), r["还款方式"])] for r in loans],
                         dtype="Int64"),
        "pickup_date": pd.to_datetime([r["提车日期"] for r in loans]),
        "first_due_date": pd.to_datetime([r["首期还款日"] or None for r in loans]),
        "due_day": pd.array([int(r["银行还款日"]) if r["银行还款日"] != "" else None for r in loans],
                            dtype="Int64"),
    })
    schedules = build_schedules(frame)
    by_contract: dict[str, list[dict]] = {}
    for row in schedules.itertuples(index=False):
        by_contract.setdefault(row.contract_no, []).append(
            {"period": row.period, "due_date": row.due_date.date(), "payment": int(row.payment),
             "principal": int(row.principal), "interest": int(row.interest), "fee": int(row.fee)})
    return by_contract


def test_generator_is_deterministic_and_matches_the_committed_files(generated):
    first, second = generated
    a, b = _files(first), _files(second)
    assert a == b
    assert a.pop("templates/ledger.xlsx") == TEMPLATE.read_bytes()
    committed = {name: data for name, data in _files(SAMPLES).items()
                 if not name.endswith((".py", ".md")) and not name.startswith(".")}
    assert sorted(committed) == sorted(a), "samples/ holds files the generator does not write (or lacks some)"
    for name, data in a.items():
        assert committed[name] == data, f"samples/{name} is stale: run python samples/generate.py"
    assert sum(len(data) for data in a.values()) < 1_000_000


def test_ledger_loans_cover_the_cases(ledger):
    loans = ledger["贷款台账"]
    pickups = [r["提车日期"] for r in loans]
    assert sum(dt.date(2025, 4, 1) <= d <= dt.date(2026, 11, 20) for d in pickups) >= 300
    assert dt.date(2024, 2, 29) in pickups
    assert {29, 30, 31} <= {d.day for d in pickups}
    assert {r["还款方式"] for r in loans} == {"等额本息", "等额本金", "等本等费"}
    methods = Counter(r["还款方式"] for r in loans)
    assert methods.most_common(1)[0][0] == "等本等费"
    assert {int(r["期数"]) for r in loans} == {12, 24, 36, 48, 60}
    assert len({r["合同编号"] for r in loans}) == len(loans)
    assert sum(r["年利率"] == "" for r in loans) > len(loans) * 0.8  # most take the rate table's rate
    assert {"在贷", "结清"} <= {r["状态"] for r in loans}
    assert {"好", "一般", "差"} == {r["风险等级"] for r in loans}
    not_issued = [r for r in loans if r["还款明细已出"] == "否"]
    undisbursed = [r for r in loans if r["放款日期"] == ""]
    assert 8 <= len(not_issued) <= 12 and len(undisbursed) == 8
    assert all(r["银行还款日"] == "" and r["银行月还金额"] == "" for r in undisbursed)
    assert all(r in not_issued for r in undisbursed)
    # planted entry-check findings: two bad ID check characters, one or two failing Luhn cards
    assert sum(not _id_ok(r["身份证号"]) for r in loans) == 2
    assert 1 <= sum(not _luhn_ok(r["银行卡号"]) for r in loans) <= 2
    assert all(r["银行卡号"].startswith("62") and 16 <= len(r["银行卡号"]) <= 19 for r in loans)
    assert all(len(r["手机号"]) == 11 and r["手机号"].startswith("1") for r in loans)
    settled = {r["合同编号"] for r in loans if r["状态"] == "结清"}
    assert {r["合同编号"] for r in ledger["结清记录"]} <= settled
    assert all(r["结清日期"] != "" for r in loans if r["状态"] == "结清")


def test_identifier_cells_are_text_everywhere(ledger):
    identifiers = {"合同编号", "身份证号", "手机号", "银行卡号", "保证人电话", "流水号", "卡号"}
    sources = [*ledger.values(), _rows(SAMPLES / "客服信息表.xlsx", header_row=2),
               _rows(SAMPLES / "inbox" / "statements" / "工商银行代扣明细_202611.xlsx", header_row=4),
               _rows(SAMPLES / "inbox" / "slips" / "放款单_工商银行_20261126.xlsx", header_row=3)]
    checked = 0
    for rows in sources:
        for row in rows:
            for column, value in row.items():
                if column in identifiers and value != "":
                    assert isinstance(value, str), f"{column} {value!r} is not a text cell"
                    checked += 1
    assert checked > 3000


def test_payments_are_exact_fen_and_follow_the_schedules(ledger, installments):
    loans = {r["合同编号"]: r for r in ledger["贷款台账"]}
    paid: Counter[str] = Counter()
    for p in ledger["还款记录"]:
        amount = _fen(p["金额"])
        assert amount > 0 and p["交易日期"] <= HISTORY_END
        assert p["类型"] in ("客户还款", "公司垫款", "客户还垫款")
        contract = p["合同编号"]
        rows = installments[contract]
        if p["类型"] == "公司垫款":  # the day after a missed due date, for that installment's amount
            missed = [r for r in rows if r["due_date"] == p["交易日期"] - dt.timedelta(days=1)]
            assert missed and missed[0]["payment"] == amount
        else:
            paid[contract] += amount
    on_schedule = 0
    active = [c for c, r in loans.items() if r["状态"] == "在贷" and r["放款日期"] != ""]
    for contract in active:
        due = sum(r["payment"] for r in installments[contract] if r["due_date"] <= HISTORY_END)
        assert paid[contract] <= due, contract  # nobody has paid ahead
        on_schedule += paid[contract] == due
    assert on_schedule >= 0.8 * len(active)
    # loans that ran to maturity were paid in full, to the fen
    for contract, loan in loans.items():
        if loan["状态"] == "结清" and contract not in {s["合同编号"] for s in ledger["结清记录"]}:
            assert paid[contract] == sum(r["payment"] for r in installments[contract])
    # early payoffs: the quote's parts add up and the principal is what the schedule still had
    for s in ledger["结清记录"]:
        after = [r for r in installments[s["合同编号"]] if r["due_date"] > s["结清日期"]]
        assert _fen(s["剩余本金"]) == sum(r["principal"] for r in after)
        parts = ("逾期应还", "罚息", "剩余本金", "当期利息/费用", "提前结清手续费", "固定费用", "未收回垫款")
        assert sum(_fen(s[k]) for k in parts) == _fen(s["结清总额"]) == _fen(s["付银行"]) + _fen(s["付公司"])
    # the bank's monthly amount is the schedule's regular payment
    for contract, loan in loans.items():
        if loan["银行月还金额"] != "":
            assert _fen(loan["银行月还金额"]) == installments[contract][0]["payment"]


def test_the_statement_and_slips_carry_the_planted_cases(ledger, installments):
    loans = ledger["贷款台账"]
    statement = _rows(SAMPLES / "inbox" / "statements" / "工商银行代扣明细_202611.xlsx", header_row=4)
    lines = [r for r in statement if r["卡号"] != "合计"]
    assert {"成功", "失败"} == {r["状态"] for r in lines}
    masked = [r for r in lines if "*" in r["卡号"]]
    assert len(masked) == 1
    active_names = [r["客户姓名"] for r in loans if r["状态"] == "在贷"]
    assert active_names.count(masked[0]["姓名"]) == 1
    assert [r["扣款日期"] for r in lines if not r["扣款日期"].startswith("2026-11")] == ["2026-12-01"]
    assert len([ref for ref, n in Counter(r["流水号"] for r in lines).items() if n > 1]) == 1
    by_card = {r["银行卡号"]: r["合同编号"] for r in loans}
    expected = {}
    for card, contract in by_card.items():
        for row in installments[contract]:
            if (row["due_date"].year, row["due_date"].month) == (2026, 11):
                expected[card] = row["payment"]
    diffs = Counter()
    for r in lines:
        if r["卡号"] in expected and r["状态"] == "成功":
            diffs[_fen(r["金额"]) - expected[r["卡号"]] > 0] += _fen(r["金额"]) != expected[r["卡号"]]
    assert diffs == Counter({True: 1, False: 1})  # one over-payment, one short payment
    assert sum(r["卡号"] not in expected and "*" not in r["卡号"] for r in lines) == 1  # a stranger's card
    retry = (SAMPLES / "inbox" / "statements" / "工商银行补扣明细_202611.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        retry.decode("utf-8")
    assert "卡号,姓名,扣款日期,金额,流水号,状态" in retry.decode("gb18030")

    slip = _rows(SAMPLES / "inbox" / "slips" / "放款单_工商银行_20261126.xlsx", header_row=3)
    ids = {r["身份证号"]: r for r in loans}
    assert sum(r["身份证号"] not in ids for r in slip) == 1  # a customer the ledger does not have yet
    assert len(slip) - len({tuple(r.values()) for r in slip}) == 1  # one row exported twice
    off = [_fen(r["月还金额"]) - installments[ids[r["身份证号"]]["合同编号"]][0]["payment"]
           for r in slip if r["身份证号"] in ids]
    assert sorted(set(off)) == [0, 1]
    ccb = (SAMPLES / "inbox" / "slips" / "放款单_建设银行_20261125.csv").read_bytes().decode("gb18030")
    assert ccb.count('="') == 6 and "月还金额" in ccb
    assert (SAMPLES / "inbox" / "slips" / "放款单_农业银行_20261127.xls").read_bytes().startswith(b"<html")


def test_customer_service_table_differs_in_the_planted_places(ledger):
    loans = {r["合同编号"]: r for r in ledger["贷款台账"]}
    cs = _rows(SAMPLES / "客服信息表.xlsx", header_row=2)
    contracts = Counter(r["合同编号"] for r in cs)
    assert [c for c in contracts if c not in loans] != [] and len(cs) == len(loans) + 2
    duplicated = [c for c, n in contracts.items() if n > 1]
    assert len(duplicated) == 1
    assert len({r["手机号"] for r in cs if r["合同编号"] == duplicated[0]}) == 2
    phones = sum(r["手机号"] != loans[r["合同编号"]]["手机号"] for r in cs if r["合同编号"] in loans)
    cards = sum(r["银行卡号"] != loans[r["合同编号"]]["银行卡号"] for r in cs if r["合同编号"] in loans)
    assert phones == 6 and cards == 1  # five changed numbers plus the conflicting duplicate's


def test_template_has_every_sheet_header_and_format():
    wb = load_workbook(TEMPLATE)
    tables = (schema.LOANS, schema.RATES, schema.PAYMENTS, schema.SETTLEMENTS, schema.COLLECTIONS)
    assert wb.sheetnames == [t.sheet_name for t in tables]
    for table in tables:
        ws = wb[table.sheet_name]
        headers = [c.value for c in ws[1]]
        stand_ins = {alt for alts in table.alternatives.values() for alt in alts}
        assert headers == [f.header for f in table.fields if f.key not in stand_ins]
        assert ws.max_row == 1 and ws.freeze_panes == "A2"
        for col, f in enumerate(ledger_fields(table), start=1):
            fmt = ws.column_dimensions[ws.cell(1, col).column_letter].number_format
            expected = {"date": "yyyy-mm-dd", "amount": "#,##0.00", "rate": "0.00%", "contract": "@",
                        "id_no": "@", "card": "@", "phone": "@"}.get(f.kind)
            if expected:
                assert fmt == expected, (table.sheet_name, f.header)


def test_sample_config_and_reader(ledger):
    settings = load_settings(SAMPLES / "loantool.toml")
    assert settings.as_of == "2026-11-30"
    assert settings.ledger_path == SAMPLES / "ledger.xlsx"
    assert settings.resolve(settings.morning.slips_inbox).is_dir()
    assert settings.resolve(settings.morning.statements_inbox).is_dir()
    try:
        from loantool.ledger.read import load_ledger
    except ImportError:
        load_ledger = None
    if load_ledger is not None:  # the reader agrees with what this file sees
        read = load_ledger(settings.ledger_path, settings)
        assert len(read.loans.frame) == len(ledger["贷款台账"])
        assert len(read.payments.frame) == len(ledger["还款记录"])
        assert int(read.payments.frame["amount"].sum()) == sum(_fen(p["金额"]) for p in ledger["还款记录"])


def test_layout_writes_typed_cells_and_refuses_float_identifiers(tmp_path):
    loans = pd.DataFrame({
        "contract_no": ["HT001"], "customer_name": ["张三"], "card_no": ["6222021234567890123"],
        "principal": pd.array([12_345_678], dtype="Int64"),
        "annual_rate": pd.array([3_880_000], dtype="Int64"),
        "method": ["flat_fee"], "pickup_date": pd.to_datetime(["2024-02-29"]),
        "schedule_issued": pd.array([False], dtype="boolean"),
    })
    path = tmp_path / "ledger.xlsx"
    write_ledger_workbook(path, {"loans": loans}, timestamp=dt.datetime(2026, 1, 1))
    ws = load_workbook(path)["贷款台账"]
    row = {ws.cell(1, c).value: ws.cell(2, c) for c in range(1, ws.max_column + 1)}
    assert row["银行卡号"].value == "6222021234567890123" and row["银行卡号"].number_format == "@"
    assert row["贷款金额"].value == 123456.78 and row["贷款金额"].number_format == "#,##0.00"
    assert row["年利率"].value == 0.0388 and row["年利率"].number_format == "0.00%"
    assert row["提车日期"].value == dt.datetime(2024, 2, 29) and row["提车日期"].number_format == "yyyy-mm-dd"
    assert (row["还款方式"].value, row["还款明细已出"].value, row["状态"].value) == ("等本等费", "否", None)
    bad = loans.assign(card_no=[6.222021234567891e18])
    with pytest.raises(ValueError, match="text"):
        write_ledger_workbook(tmp_path / "bad.xlsx", {"loans": bad})
