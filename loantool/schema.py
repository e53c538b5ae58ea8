"""The tables the desk keeps and the bank sends: sheet names, columns, aliases and value kinds.

This is the one description of every workbook column the tool reads or writes (DOMAIN.md, "The
workbooks"). The reader finds a header row by these aliases (more can be added in loantool.toml under
``[aliases]``); the writer finds the column to change by the same field key. Frames in the code use the
English field keys; workbooks and reports use the Chinese header (the first alias).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Field:
    key: str  # snake_case English name used in frames and JSON
    aliases: tuple[str, ...]  # first one is the Chinese header the tool writes
    kind: str  # see KINDS
    required: bool = False

    @property
    def header(self) -> str:
        return self.aliases[0]


# Value kinds the reader coerces to (ledger/coerce.py):
KINDS = {
    "text": "free text, stripped",
    "contract": "identifier text (contract number, bank reference)",
    "id_no": "ID number text: 18 characters, last may be X (15-digit old IDs accepted)",
    "card": "bank card number text: digits, masked with * allowed; never a float",
    "phone": "phone number text",
    "date": "a calendar date",
    "amount": "money in integer fen",
    "rate": "a rate in 1e-8 units (money.RATE_SCALE)",
    "int": "a whole number",
    "term_years": "a whole number of years, turned into months",
    "method": "annuity / equal_principal / flat_fee",
    "status": "active / settled / written_off",
    "yesno": "True / False",
    "grade": "good / fair / poor",
    "payment_type": "customer_paid / company_advance / advance_repaid",
    "deduction_status": "ok / failed (DEDUCTION_STATUSES; an unknown status is a bad cell)",
    "channel": "phone / sms / visit / letter (how a collection contact was made)",
    "party": "borrower / guarantor / dealer (whom a collection contact reached)",
}


@dataclass(frozen=True)
class Table:
    key: str
    sheet_aliases: tuple[str, ...]  # first is the sheet name the tool creates
    fields: tuple[Field, ...]
    # one of these groups of fields must all be present for a row to be a header row
    header_keys: tuple[str, ...] = ()
    # key -> fields that may stand for it
    alternatives: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def sheet_name(self) -> str:
        return self.sheet_aliases[0]

    def field(self, key: str) -> Field:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)


F = Field

LOANS = Table(
    key="loans",
    sheet_aliases=("贷款台账", "台账", "财务信息表", "loans", "ledger"),
    fields=(
        F("contract_no", ("合同编号", "合同号", "贷款合同号", "contract_no", "contract"), "contract", True),
        F("customer_name", ("客户姓名", "姓名", "借款人", "customer_name", "name"), "text", True),
        F("id_no", ("身份证号", "身份证号码", "证件号码", "id_no", "id_number"), "id_no"),
        F("phone", ("手机号", "手机号码", "联系电话", "电话", "phone", "mobile"), "phone"),
        F("card_no", ("银行卡号", "还款卡号", "卡号", "card_no", "card"), "card"),
        F("dealer", ("经销商", "dealer"), "text"),
        F("car_model", ("车型", "car_model", "model"), "text"),
        F("product", ("产品", "贷款产品", "product"), "text"),
        F("principal", ("贷款金额", "贷款额", "贷款本金", "principal", "loan_amount"), "amount", True),
        F("term", ("期数", "贷款期数", "还款期数", "term", "periods"), "int"),
        F("term_years", ("贷款年限", "年限", "term_years"), "term_years"),
        F("annual_rate", ("年利率", "利率", "总费率", "annual_rate", "rate"), "rate"),
        F("method", ("还款方式", "method", "repayment_method"), "method"),
        F("pickup_date", ("提车日期", "pickup_date", "pickup"), "date", True),
        F("first_due_date", ("首期还款日", "首期还款日期", "first_due_date"), "date"),
        F("bank_due_day", ("银行还款日", "还款日", "bank_due_day", "due_day"), "int"),
        F("bank_monthly_amount", ("银行月还金额", "月还金额", "bank_monthly_amount"), "amount"),
        F("disbursed_on", ("放款日期", "disbursed_on", "disbursement_date"), "date"),
        F("schedule_issued", ("还款明细已出", "明细已出", "schedule_issued"), "yesno"),
        F("status", ("状态", "贷款状态", "status"), "status"),
        F("settled_on", ("结清日期", "settled_on"), "date"),
        F("risk_grade", ("风险等级", "经营状况", "risk_grade"), "grade"),
        F("last_inspection", ("上次检查日期", "最近检查日期", "last_inspection"), "date"),
        F("last_notice_signed", ("最近催收签收日期", "催收签收日期", "last_notice_signed"), "date"),
        F("guarantor", ("保证人", "担保人", "guarantor"), "text"),
        F("guarantor_phone", ("保证人电话", "担保人电话", "guarantor_phone"), "phone"),
        F("written_off_on", ("核销日期", "written_off_on"), "date"),
    ),
    header_keys=("contract_no", "customer_name", "principal"),
    alternatives={"term": ("term_years",)},
)

RATES = Table(
    key="rates",
    sheet_aliases=("利率表", "费率表", "rates"),
    fields=(
        F("car_model", ("车型", "car_model", "model"), "text"),
        F("product", ("产品", "product"), "text"),
        F("term", ("期数", "term", "periods"), "int", True),
        F("annual_rate", ("年利率", "利率", "annual_rate", "rate"), "rate"),
        F("total_fee_rate", ("总费率", "费率", "total_fee_rate", "fee_rate"), "rate"),
        F("method", ("还款方式", "method"), "method"),
    ),
    header_keys=("term",),
)

PAYMENTS = Table(
    key="payments",
    sheet_aliases=("还款记录", "payments"),
    fields=(
        F("contract_no", ("合同编号", "合同号", "contract_no"), "contract", True),
        F("paid_on", ("交易日期", "日期", "还款日期", "paid_on", "date"), "date", True),
        F("amount", ("金额", "还款金额", "amount"), "amount", True),
        F("payment_type", ("类型", "款项类型", "payment_type", "type"), "payment_type", True),
        F("bank_ref", ("流水号", "交易流水号", "bank_ref", "reference"), "contract"),
        F("note", ("备注", "note"), "text"),
    ),
    header_keys=("contract_no", "paid_on", "amount"),
)

SETTLEMENTS = Table(
    key="settlements",
    sheet_aliases=("结清记录", "settlements"),
    fields=(
        F("contract_no", ("合同编号", "contract_no"), "contract", True),
        F("settled_on", ("结清日期", "settled_on"), "date", True),
        F("due_amount", ("逾期应还", "due_amount"), "amount"),
        F("penalty", ("罚息", "penalty"), "amount"),
        F("remaining_principal", ("剩余本金", "remaining_principal"), "amount"),
        F("current_interest", ("当期利息/费用", "current_interest"), "amount"),
        F("settlement_fee", ("提前结清手续费", "settlement_fee"), "amount"),
        F("fixed_fees", ("固定费用", "fixed_fees"), "amount"),
        F("unrecovered_advances", ("未收回垫款", "unrecovered_advances"), "amount"),
        F("total", ("结清总额", "total"), "amount"),
        F("to_bank", ("付银行", "to_bank"), "amount"),
        F("to_company", ("付公司", "to_company"), "amount"),
        F("prepared_by", ("经办", "prepared_by"), "text"),
        F("approved_by", ("审批", "approved_by"), "text"),
    ),
    header_keys=("contract_no", "settled_on"),
)

# 催收记录: one row per collection contact (call, SMS, visit, letter); DOMAIN.md "Collection record".
COLLECTIONS = Table(
    key="collections",
    sheet_aliases=("催收记录", "collections", "collection_records"),
    fields=(
        F("contract_no", ("合同编号", "合同号", "contract_no", "contract"), "contract", True),
        F("contacted_on", ("催收日期", "联系日期", "contacted_on", "contact_date", "date"), "date", True),
        F("channel", ("方式", "催收方式", "联系方式", "channel", "method"), "channel", True),
        F("party", ("对象", "催收对象", "联系对象", "party"), "party"),
        F("result", ("结果", "催收结果", "result"), "text"),
        F("promise_date", ("承诺还款日", "承诺日期", "promise_date"), "date"),
        F("promise_amount", ("承诺金额", "承诺还款金额", "promise_amount"), "amount"),
        F("handled_by", ("经办", "经办人", "催收员", "handled_by", "by"), "text"),
        F("note", ("备注", "note"), "text"),
    ),
    header_keys=("contract_no", "contacted_on", "channel"),
)

# 核销记录: one row per loan written off (write-off --confirm appends it; DOMAIN.md "Write-off").
WRITEOFFS = Table(
    key="writeoffs",
    sheet_aliases=("核销记录", "writeoffs"),
    fields=(
        F("contract_no", ("合同编号", "contract_no"), "contract", True),
        F("written_off_on", ("核销日期", "written_off_on"), "date", True),
        F("classification", ("五级分类", "classification"), "text"),
        F("dpd", ("逾期天数", "dpd"), "int"),
        F("principal", ("核销本金", "principal"), "amount"),
        F("interest", ("核销利息", "interest"), "amount"),
        F("penalty", ("核销罚息", "penalty"), "amount"),
        F("total", ("核销总额", "total"), "amount"),
        F("unrecovered_advances", ("未收回垫款", "unrecovered_advances"), "amount"),
        F("prepared_by", ("经办", "prepared_by"), "text"),
        F("reviewed_by", ("复核", "reviewed_by"), "text"),
        F("approved_by", ("审批", "approved_by"), "text"),
    ),
    header_keys=("contract_no", "written_off_on"),
)

# What the bank sends (inputs only, never written).
SLIPS = Table(
    key="slips",
    sheet_aliases=("放款单",),
    fields=(
        F("customer_name", ("姓名", "客户姓名", "借款人", "户名", "name"), "text"),
        F("id_no", ("身份证号", "身份证号码", "证件号码", "id_no"), "id_no"),
        F("card_no", ("卡号", "银行卡号", "还款卡号", "card_no"), "card"),
        F("principal", ("放款金额", "贷款金额", "金额", "principal", "amount"), "amount"),
        F("disbursed_on", ("放款日期", "disbursed_on", "date"), "date"),
        F("term", ("期数", "term"), "int"),
        F("bank_monthly_amount", ("每期还款额", "月还金额", "月供", "bank_monthly_amount"), "amount"),
        F("bank_due_day", ("还款日", "每月还款日", "bank_due_day"), "int"),
        F("first_due_date", ("首期还款日", "首期还款日期", "first_due_date"), "date"),
        F("bank", ("银行", "放款银行", "bank"), "text"),
        F("contract_no", ("合同编号", "contract_no"), "contract"),
    ),
    header_keys=("customer_name", "principal"),
)

STATEMENT = Table(
    key="statement",
    sheet_aliases=("还款流水", "扣款明细"),
    fields=(
        F("card_no", ("卡号", "银行卡号", "账号", "card_no"), "card", True),
        F("customer_name", ("姓名", "户名", "客户姓名", "name"), "text"),
        F("paid_on", ("交易日期", "扣款日期", "日期", "paid_on", "date"), "date", True),
        F("amount", ("金额", "扣款金额", "交易金额", "amount"), "amount", True),
        F("bank_ref", ("流水号", "交易流水号", "bank_ref", "reference"), "contract"),
        F("deduction_status", ("状态", "交易状态", "扣款状态", "处理状态", "扣款结果", "交易结果", "status"),
          "deduction_status"),
        # 摘要 is often a description (代扣还款, 消费 …); it stands for the status only when the file has no
        # status column and its cells are status words (ledger/read.py)
        F("summary", ("摘要", "summary", "description"), "text"),
    ),
    header_keys=("card_no", "amount"),
)

CUSTOMERS = Table(
    key="customers",
    sheet_aliases=("客服信息表", "客户信息表", "customers"),
    fields=tuple(f for f in LOANS.fields if f.key in {
        "contract_no", "customer_name", "id_no", "phone", "card_no", "dealer", "car_model", "product",
        "principal", "term", "term_years", "annual_rate", "method", "pickup_date", "first_due_date",
        "guarantor", "guarantor_phone",
    }),
    header_keys=("contract_no", "customer_name"),
)

TABLES = {t.key: t for t in (LOANS, RATES, PAYMENTS, SETTLEMENTS, SLIPS, STATEMENT, CUSTOMERS, COLLECTIONS,
                             WRITEOFFS)}

# Canonical codes and the words that mean them (Chinese first: what the tool writes).
METHODS = {
    "annuity": ("等额本息", "annuity"),
    "equal_principal": ("等额本金", "equal_principal"),
    "flat_fee": ("等本等费", "flat_fee", "等额等费", "分期"),
}
STATUSES = {
    "active": ("在贷", "active", "正常", "还款中"),
    "settled": ("结清", "settled", "已结清"),
    "written_off": ("核销", "written_off", "已核销"),
}
# A loan's state on a day (core.loans.loan_states): the status words plus "not yet on the books".
LOAN_STATE_LABELS = {"not_yet": "未起贷", "active": "在贷", "settled": "结清", "written_off": "核销"}
GRADES = {"good": ("好", "good", "较好"), "fair": ("一般", "fair"), "poor": ("差", "poor", "较差")}
PAYMENT_TYPES = {
    "customer_paid": ("客户还款", "customer_paid"),
    "company_advance": ("公司垫款", "company_advance", "垫款"),
    "advance_repaid": ("客户还垫款", "advance_repaid", "还垫款"),
}
# 催收记录 方式 and 对象
CHANNELS = {
    "phone": ("电话", "phone", "call", "电话催收"),
    "sms": ("短信", "sms", "短信催收"),
    "visit": ("上门", "visit", "上门催收", "外访"),
    "letter": ("函件", "letter", "催收函", "书面", "信函"),
}
PARTIES = {
    "borrower": ("借款人", "borrower", "客户", "本人"),
    "guarantor": ("保证人", "guarantor", "担保人"),
    "dealer": ("经销商", "dealer"),
}
# A bank statement's 状态 (DOMAIN.md "Bank files"): only a deduction that says it succeeded pays. Words are
# compared without spaces, NFKC, lower case. loantool.toml's [bank] paid_statuses / unpaid_statuses add more.
DEDUCTION_STATUSES = {
    "ok": ("成功", "交易成功", "扣款成功", "代扣成功", "支付成功", "处理成功", "已扣款", "已扣",
           "扣款完成", "success", "successful", "succeeded", "paid"),
    "failed": ("失败", "扣款失败", "交易失败", "代扣失败", "余额不足", "扣款不成功", "不成功", "未成功",
               "退回", "已退回", "退票", "交易撤销", "撤销", "已撤销", "冲正", "已冲正", "处理中", "待处理",
               "未扣款", "交易关闭", "failed", "fail", "failure", "insufficientfunds", "insufficientbalance",
               "returned", "reversed", "reversal", "cancelled", "canceled", "revoked", "pending",
               "processing", "rejected", "declined", "unpaid"),
}
# a status holding any of these pays nothing, whatever else it says (扣款失败：余额不足, 退回成功 …)
NOT_PAID_MARKERS = ("失败", "不足", "不成功", "未成功", "退回", "退票", "撤销", "冲正", "处理中", "待处理",
                    "未扣", "拒绝", "关闭", "fail", "insufficient", "return", "revers", "cancel", "revok",
                    "pending", "processing", "reject", "declin", "unpaid")


def status_word(text: str) -> str:
    """A statement status as compared: NFKC, no spaces, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


_PAID_WORDS = frozenset(map(status_word, DEDUCTION_STATUSES["ok"]))
_UNPAID_WORDS = frozenset(map(status_word, DEDUCTION_STATUSES["failed"]))
_NOT_PAID_MARKERS = tuple(map(status_word, NOT_PAID_MARKERS))


def built_in_deduction_status(word: str) -> str | None:
    """``failed`` for a known unpaid word or one holding a not-paid marker, ``ok`` for a known paid
    word, else None (``word`` as :func:`status_word` gives it)."""
    if word in _UNPAID_WORDS or any(marker in word for marker in _NOT_PAID_MARKERS):
        return "failed"
    return "ok" if word in _PAID_WORDS else None


YES = ("是", "yes", "y", "true", "1", "已出", "√")
NO = ("否", "no", "n", "false", "0", "未出", "")


def code_lookup(codes: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """word (lower-cased) → code, for every word of every code."""
    return {word.lower(): code for code, words in codes.items() for word in words}


def label(codes: dict[str, tuple[str, ...]], code: str) -> str:
    """The Chinese word for a code."""
    return codes[code][0]
