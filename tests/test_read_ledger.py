"""ledger/checks.py (checks on entry) and ledger/read.py load_ledger."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loantool.config import Settings
from loantool.errors import CellProblem, InputError
from loantool.ledger import checks
from loantool.ledger.read import load_ledger

LOAN_HEADER = ["合同编号", "客户姓名", "身份证号", "手机号", "银行卡号", "贷款金额", "期数", "提车日期"]
GOOD_LOAN = ["HT001", "张三", "11010519491231002X", "13800138000", "6222021234567890128", 100000, 36,
             dt.date(2024, 1, 31)]


def write_ledger(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def problem_at(label: object, key: str, value: object, reason: str, code: str = "bad-cell") -> CellProblem:
    return CellProblem("f.xlsx", "贷款台账", int(label) + 2, key, value, reason, code)  # type: ignore[call-overload]


# ------------------------------------------------------------------------------------------------ checks


def test_id_checksum_gb11643() -> None:
    assert checks.id_checksum_ok(["11010519491231002X", "320106198001011233"]).tolist() == [True, True]
    assert checks.id_checksum_ok(["110105194912310021", "320106198001011234"]).tolist() == [False, False]


def test_luhn() -> None:
    assert checks.luhn_ok(["4111111111111111", "4111111111111112"]).tolist() == [True, False]
    assert checks.luhn_ok(["6222021234567890128", "6222021234567890127"]).tolist() == [True, False]


def loans_frame(**columns: list[object]) -> pd.DataFrame:
    frame = pd.DataFrame({key: pd.Series(values, dtype=object) for key, values in columns.items()})
    frame["excel_row"] = range(2, len(frame) + 2)
    return frame


def test_id_number_warnings() -> None:
    frame = loans_frame(id_no=["11010519491231002X", "110105194912310021", "1101051949", "110105491231002",
                               "110105194902300020", None])
    found = sorted(checks.check_id_numbers(frame, problem_at), key=lambda p: p.row)
    assert [(p.row, p.code) for p in found] == [(3, "id-number"), (4, "id-number"), (6, "id-number")]
    assert "check character" in found[0].reason
    assert "18 characters" in found[1].reason  # 110105491231002 (15 digits, old form) passes
    assert "birth date" in found[2].reason  # 1949-02-30 (checksum itself is right)


def test_card_warnings() -> None:
    frame = loans_frame(card_no=["6222021234567890128", "6222021234567890127", "6222****0128", "12345", None])
    found = checks.check_cards(frame, problem_at)
    reasons = {p.row: p.reason for p in found}
    assert set(reasons) == {3, 4, 5}
    assert "Luhn" in reasons[3] and "masked" in reasons[4] and "16–19 digits" in reasons[5]


def test_numbers_in_another_scripts_digits_are_warned_of_not_a_crash() -> None:
    """Arabic-Indic digits pass NFKC unchanged: an ID or card number written with them is not well
    formed (a warning), and the check-digit arithmetic never sees them."""
    frame = loans_frame(id_no=["١١٠١٠٥١٩٤٩١٢٣١٠٠٢X"], card_no=["٦٢٢٢٠٢١٢٣٤٥٦٧٨٩٠١٢٨"], phone=["١٣٨٠٠١٣٨٠٠٠"])
    assert [p.code for p in checks.check_id_numbers(frame, problem_at)] == ["id-number"]
    assert ["16–19 digits" in p.reason for p in checks.check_cards(frame, problem_at)] == [True]
    assert [p.code for p in checks.check_phones(frame, problem_at)] == ["phone"]


def test_phone_warnings() -> None:
    frame = loans_frame(phone=["13800138000", "+8613800138000", "0571-88888888", "1380013800", None])
    found = checks.check_phones(frame, problem_at)
    assert [p.row for p in found] == [4, 5]


_CARDS = st.one_of(st.sampled_from(["6222021234567890128", "6222021234567890127", "4111111111111111",
                                     "6222****0128", "12345", "６２２２０２１２３４５６７８９０１２８",
                                     "4111111111111111\n1", "", " 4111111111111111", "٦٢٢٢٠٢١٢٣٤٥٦٧٨٩٠١٢٨"]),
                   st.text("0123456789*\n -٦٢", min_size=0, max_size=20))
_PHONES = st.one_of(st.sampled_from(["13800138000", "+8613800138000", "0571-88888888", "1380013800",
                                     "１３８００１３８０００", "13800138000\n13800138000", "008613800138000",
                                     "138-0013-8000", ""]),
                    st.text("0123456789+-\n ٦", min_size=0, max_size=16))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.none(), _CARDS), max_size=12),
       st.lists(st.one_of(st.none(), _PHONES), max_size=12))
def test_card_and_phone_checks_at_once_say_what_one_by_one_says(cards, phones) -> None:
    """A column of plain card numbers or mobile numbers is checked in one pass of the regex engine; the
    warnings are exactly those of the value-by-value checks, whatever the column holds."""
    frame = loans_frame(card_no=cards, phone=[*phones, *[None] * (len(cards) - len(phones))][:len(cards)])

    def both(check, *args):
        fast = [p.as_dict() for p in check(frame, problem_at, *args)]
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(checks, "_all_plain", lambda values, pattern: False)
            slow = [p.as_dict() for p in check(frame, problem_at, *args)]
        return fast, slow

    fast, slow = both(checks.check_cards)
    assert fast == slow
    fast, slow = both(checks.check_phones, "phone")
    assert fast == slow


def test_amount_term_and_pickup_warnings() -> None:
    frame = pd.DataFrame({
        "principal": pd.array([100000, 0, -5, 100], dtype="Int64"),
        "term": pd.array([36, 0, 121, pd.NA], dtype="Int64"),
        "pickup_date": pd.to_datetime(["2024-01-31", "2030-01-01", "1999-12-31", None]).astype(
            "datetime64[ns]"),
        "excel_row": [2, 3, 4, 5],
    })
    found = checks.check_loan_terms(frame, problem_at, dt.date(2024, 6, 30))
    by_code = sorted((p.row, p.code) for p in found)
    assert by_code == [(3, "pickup-date"), (3, "principal"), (3, "term"), (4, "pickup-date"),
                       (4, "principal"), (4, "term"), (5, "term")]


def test_duplicate_contract_numbers_are_errors_on_every_row() -> None:
    frame = loans_frame(contract_no=["HT1", "HT2", "HT1", None, None])
    found = checks.duplicate_contracts(frame, problem_at)
    assert [(p.row, p.code) for p in found] == [(2, "duplicate-contract"), (4, "duplicate-contract")]
    assert "rows 2, 4" in found[0].reason


# ------------------------------------------------------------------------------------------- load_ledger


def test_load_ledger_reads_all_sheets_with_digest_and_warnings(tmp_path: Path) -> None:
    bad_card = [*GOOD_LOAN[:4], "6222021234567890127", *GOOD_LOAN[5:]]
    bad_card[0] = "HT002"
    path = write_ledger(tmp_path / "ledger.xlsx", {
        "贷款台账": [["XX公司 贷款台账"], LOAN_HEADER, GOOD_LOAN, bad_card],
        "利率表": [["车型", "期数", "年利率"], ["朗逸", 36, "3.88%"]],
        "还款记录": [["合同编号", "交易日期", "金额", "类型"], ["HT001", "2024-03-01", 2953.21, "客户还款"]],
    })
    ledger = load_ledger(path, Settings(), as_of=dt.date(2024, 6, 30))
    assert ledger.path == path
    assert ledger.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert ledger.loans.header_row == 2
    assert ledger.loans.frame["contract_no"].tolist() == ["HT001", "HT002"]
    assert ledger.rates.frame["annual_rate"].tolist() == [3_880_000]
    assert ledger.payments.frame["amount"].tolist() == [295321]
    assert [(w.row, w.column, w.code) for w in ledger.loans.warnings] == [(4, "银行卡号", "card-number")]
    # 结清记录 is absent: an empty frame with every field column
    assert ledger.settlements.sheet is None
    assert len(ledger.settlements.frame) == 0
    assert {"contract_no", "settled_on", "total", "excel_row"} <= set(ledger.settlements.frame.columns)
    assert str(ledger.settlements.frame["total"].dtype) == "Int64"


def test_load_ledger_does_not_take_the_loans_sheet_for_settlements(tmp_path: Path) -> None:
    # the loans sheet has 合同编号 and 结清日期 – the header of 结清记录 – but optional sheets go by name
    path = write_ledger(tmp_path / "ledger.xlsx", {"台账": [[*LOAN_HEADER, "结清日期"], [*GOOD_LOAN, None]]})
    ledger = load_ledger(path, Settings(), as_of=dt.date(2024, 6, 30))
    assert ledger.loans.sheet == "台账"
    assert ledger.settlements.frame.empty and ledger.payments.frame.empty and ledger.rates.frame.empty


def test_future_pickup_is_judged_against_as_of(tmp_path: Path) -> None:
    path = write_ledger(tmp_path / "ledger.xlsx", {"贷款台账": [LOAN_HEADER, GOOD_LOAN]})
    assert load_ledger(path, Settings(), as_of=dt.date(2024, 6, 30)).loans.warnings == []
    early = load_ledger(path, Settings(as_of="2024-01-01")).loans.warnings
    assert [w.code for w in early] == ["pickup-date"]


def test_duplicate_contract_and_bad_cells_of_every_sheet_in_one_error(tmp_path: Path) -> None:
    path = write_ledger(tmp_path / "ledger.xlsx", {
        "贷款台账": [LOAN_HEADER, GOOD_LOAN, GOOD_LOAN],
        "还款记录": [["合同编号", "交易日期", "金额", "类型"], ["HT001", "someday", 1, "客户还款"]],
    })
    with pytest.raises(InputError) as caught:
        load_ledger(path, Settings())
    found = [(p.sheet, p.row, p.code) for p in caught.value.problems]
    assert found == [("还款记录", 2, "bad-cell"), ("贷款台账", 2, "duplicate-contract"),
                     ("贷款台账", 3, "duplicate-contract")]


def test_the_big_sheet_read_first_reports_in_the_sheets_order(tmp_path: Path) -> None:
    """还款记录 is read ahead of 贷款台账 (its parse is the read's peak of memory): the problems still come
    sheet by sheet in the ledger's order, and an error of 贷款台账 is still the one reported first."""
    bad_loan = [*GOOD_LOAN[:5], "十万", *GOOD_LOAN[6:]]
    path = write_ledger(tmp_path / "ledger.xlsx", {
        "贷款台账": [LOAN_HEADER, bad_loan],
        "利率表": [["期数", "年利率"], [36, "abc"]],
        "还款记录": [["合同编号", "交易日期", "金额", "类型"], ["HT001", "someday", 1, "客户还款"]],
    })
    with pytest.raises(InputError) as caught:
        load_ledger(path, Settings())
    found = [(p.sheet, p.row) for p in caught.value.problems]
    assert found == [("贷款台账", 2), ("还款记录", 2), ("利率表", 2)]
    no_loans = write_ledger(tmp_path / "no_loans.xlsx",
                            {"Sheet1": [["随便"]], "还款记录": [["日期", "说明"]]})
    with pytest.raises(InputError) as caught:
        load_ledger(no_loans, Settings())
    assert {p.code for p in caught.value.problems} == {"missing-column"}  # 贷款台账's error, not 还款记录's


def test_named_optional_sheet_without_its_header_is_an_error(tmp_path: Path) -> None:
    path = write_ledger(tmp_path / "ledger.xlsx", {
        "贷款台账": [LOAN_HEADER, GOOD_LOAN],
        "还款记录": [["日期", "说明"]],
    })
    with pytest.raises(InputError, match="no header row of the 还款记录 table"):
        load_ledger(path, Settings())


def test_ledger_without_loans_is_an_error(tmp_path: Path) -> None:
    path = write_ledger(tmp_path / "ledger.xlsx", {"Sheet1": [["随便"]]})
    with pytest.raises(InputError) as caught:
        load_ledger(path, Settings())
    assert {p.code for p in caught.value.problems} == {"missing-column"}


def test_lock_file_beside_the_ledger_is_never_read(tmp_path: Path) -> None:
    lock = tmp_path / "~$ledger.xlsx"
    lock.write_bytes(bytes([4]) + b"Wang" + b" " * 50 + bytes([4, 0]) + "Wang".encode("utf-16-le"))
    with pytest.raises(InputError, match="lock file"):
        load_ledger(lock, Settings())


def test_ledger_is_read_from_bytes_once(tmp_path: Path) -> None:
    """The digest is of exactly the bytes that were parsed."""
    path = write_ledger(tmp_path / "ledger.xlsx", {"贷款台账": [LOAN_HEADER, GOOD_LOAN]})
    before = path.read_bytes()
    ledger = load_ledger(path, Settings(), as_of=dt.date(2024, 6, 30))
    assert path.read_bytes() == before
    assert ledger.sha256 == hashlib.sha256(io.BytesIO(before).getvalue()).hexdigest()


# ------------------------------------------------------------------------------ which sheet holds the loans


def _archive_and_live(tmp_path: Path) -> Path:
    settled = [*GOOD_LOAN[:1], *GOOD_LOAN[1:]]
    settled[0] = "HT-OLD"
    return write_ledger(tmp_path / "ledger.xlsx", {
        "2023年结清归档": [["已结清贷款（归档）"], LOAN_HEADER, settled],
        "在贷": [LOAN_HEADER, GOOD_LOAN],
        "说明": [["本工作簿由财务部维护"]],
    })


def test_several_loans_sheets_and_none_named_is_an_error_listing_them(tmp_path: Path) -> None:
    """No silent guess (issue 11.6): the first candidate is often a settled archive."""
    path = _archive_and_live(tmp_path)
    with pytest.raises(InputError) as caught:
        load_ledger(path, Settings(), as_of=dt.date(2024, 6, 30))
    error = caught.value
    assert error.exit_code == 2
    assert "2023年结清归档" in error.message and "在贷" in error.message
    assert "[ledger] loans_sheet" in error.hint
    assert [(p.sheet, p.row, p.code) for p in error.problems] == [
        ("2023年结清归档", 2, "ambiguous-sheet"), ("在贷", 1, "ambiguous-sheet")]


def test_the_loans_sheet_setting_chooses(tmp_path: Path) -> None:
    path = _archive_and_live(tmp_path)
    settings = Settings()
    settings.ledger.loans_sheet = "在贷"
    ledger = load_ledger(path, settings, as_of=dt.date(2024, 6, 30))
    assert ledger.loans.sheet == "在贷" and ledger.loans.frame["contract_no"].tolist() == ["HT001"]


def test_a_loans_sheet_setting_naming_no_sheet_is_an_error(tmp_path: Path) -> None:
    path = _archive_and_live(tmp_path)
    settings = Settings()
    settings.ledger.loans_sheet = "贷款"
    with pytest.raises(InputError, match="has no sheet 贷款 .*loans_sheet") as caught:
        load_ledger(path, settings)
    assert "在贷" in caught.value.hint


def test_a_sheet_named_as_the_loans_wins_over_other_candidates(tmp_path: Path) -> None:
    path = write_ledger(tmp_path / "ledger.xlsx", {
        "归档": [LOAN_HEADER, [*GOOD_LOAN[:1], *GOOD_LOAN[1:]]], "贷款台账": [LOAN_HEADER, GOOD_LOAN]})
    assert load_ledger(path, Settings(), as_of=dt.date(2024, 6, 30)).loans.sheet == "贷款台账"


def test_one_candidate_sheet_is_taken_whatever_its_name(tmp_path: Path) -> None:
    path = write_ledger(tmp_path / "ledger.xlsx", {"说明": [["随便"]], "Sheet2": [LOAN_HEADER, GOOD_LOAN]})
    assert load_ledger(path, Settings(), as_of=dt.date(2024, 6, 30)).loans.sheet == "Sheet2"


def test_several_loans_sheets_stop_every_command(tmp_path: Path, monkeypatch) -> None:
    import json

    from typer.testing import CliRunner

    from loantool.cli import app

    monkeypatch.chdir(tmp_path)
    header = [*LOAN_HEADER, "年利率"]
    path = write_ledger(tmp_path / "ledger.xlsx", {
        "2023年结清归档": [header, ["HT-OLD", *GOOD_LOAN[1:], "4%"]], "在贷": [header, [*GOOD_LOAN, "4%"]]})
    before = path.read_bytes()
    command = ["overdue-report", "--ledger", str(path), "--as-of", "2024-06-30", "--json"]
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 2
    assert "loans_sheet" in json.loads(result.stdout)["error"]["message"]
    (tmp_path / "loantool.toml").write_text('[ledger]\nloans_sheet = "在贷"\n', encoding="utf-8")
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, result.stderr
    assert [loan["contract_no"] for loan in json.loads(result.stdout)["loans"]] == ["HT001"]
    assert path.read_bytes() == before


def test_several_loans_sheets_in_chinese(tmp_path: Path, chinese) -> None:
    path = _archive_and_live(tmp_path)
    with pytest.raises(InputError) as caught:
        load_ledger(path, Settings(), as_of=dt.date(2024, 6, 30))
    text = caught.value.render()
    assert "没有名为 贷款台账 的工作表" in text and "[ledger] loans_sheet" in text
