"""The sample loan book: the rate table (利率表) and the loans (贷款台账), before any payment.

Loans are plain dicts keyed by schema field keys, holding the reader's types (fen, rate units,
``datetime.date``, English codes), so they become frames for the ledger writer and the schedule engine
without translation. Keys that start with ``_`` are the generator's own notes and are never written.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from loantool.core.schedule import build_schedules
from loantool.money import parse_rate

from .people import People, luhn_ok

SAMPLE_AS_OF = dt.date(2026, 11, 30)
HISTORY_END = dt.date(2026, 10, 31)  # 还款记录 holds payments up to this day; November is in the statement
FIRST_PICKUP = dt.date(2025, 4, 1)
LAST_BOOKED_PICKUP = dt.date(2026, 10, 31)
N_BOOKED = 306  # disbursed loans picked up FIRST_PICKUP … LAST_BOOKED_PICKUP, plus the Feb 29 one
N_NEW = 8  # picked up in November 2026, slips in the inbox, not yet recorded
LEAP_PICKUP = dt.date(2024, 2, 29)
# pickups on the 29th–31st on purpose (due dates clamp to short months; two get a bank due day of 28)
MONTH_END_PICKUPS = (
    dt.date(2025, 4, 30), dt.date(2025, 5, 31), dt.date(2025, 8, 31), dt.date(2025, 9, 30),
    dt.date(2025, 10, 29), dt.date(2025, 12, 31), dt.date(2026, 1, 29), dt.date(2026, 1, 31),
    dt.date(2026, 3, 31), dt.date(2026, 6, 30), dt.date(2026, 7, 29), dt.date(2026, 8, 31),
)
BANK_DAY_28 = (dt.date(2025, 8, 31), dt.date(2026, 3, 31))

FLAT, ANNUITY, EQUAL = "flat_fee", "annuity", "equal_principal"
PRODUCT_FLAT = "新车分期"
PRODUCT_ANNUITY = "按揭贷-等额本息"
PRODUCT_EQUAL = "按揭贷-等额本金"
PRODUCT_USED = "二手车贷"
PRODUCT_WEIGHTS = ((PRODUCT_FLAT, 58), (PRODUCT_ANNUITY, 20), (PRODUCT_EQUAL, 12), (PRODUCT_USED, 10))
TERM_WEIGHTS = ((12, 8), (24, 17), (36, 40), (48, 15), (60, 20))

# 利率表: (车型, 产品, 还款方式, {期数: rate}); annual rates for loans, TOTAL fee rates for 等本等费
RATE_TABLE: tuple[tuple[str | None, str | None, str, dict[int, str]], ...] = (
    (None, PRODUCT_FLAT, FLAT, {12: "4.00%", 24: "7.20%", 36: "10.50%", 48: "13.20%", 60: "16.00%"}),
    (None, PRODUCT_ANNUITY, ANNUITY, {12: "3.50%", 24: "3.88%", 36: "4.20%", 48: "4.75%", 60: "5.10%"}),
    (None, PRODUCT_EQUAL, EQUAL, {12: "3.60%", 24: "3.95%", 36: "4.35%", 48: "4.85%", 60: "5.25%"}),
    (None, PRODUCT_USED, ANNUITY, {12: "6.50%", 24: "6.80%", 36: "7.20%", 48: "7.60%", 60: "7.99%"}),
    # manufacturer-subsidised models: these loans carry no 产品, the 车型 row applies
    ("特斯拉 Model 3", None, ANNUITY, {12: "3.50%", 24: "3.50%", 36: "3.99%", 48: "4.50%", 60: "4.99%"}),
    ("比亚迪 汉 EV", None, FLAT, {12: "4.00%", 24: "6.00%", 36: "8.50%", 48: "11.00%", 60: "13.50%"}),
)
OWN_RATES = {ANNUITY: ("4.35%", "4.90%", "5.50%", "5.88%", "6.20%"), EQUAL: ("4.35%", "4.90%", "5.50%"),
             FLAT: ("6.00%", "8.80%", "9.60%", "12.00%")}
LOAN_TO_PRICE = (50, 60, 70, 80)  # percent of the car's price that is financed


def rate_rows() -> list[dict[str, Any]]:
    """The 利率表 sheet as rows of field keys."""
    rows = []
    for car_model, product, method, by_term in RATE_TABLE:
        for term, rate in by_term.items():
            units = parse_rate(rate)
            rows.append({
                "car_model": car_model, "product": product, "term": term, "method": method,
                "annual_rate": None if method == FLAT else units,
                "total_fee_rate": units if method == FLAT else None,
            })
    return rows


def table_rate(car_model: str, product: str | None, method: str, term: int) -> int:
    """The 利率表 rate for a loan: its product's row, else its car model's (the two never overlap)."""
    for row_model, row_product, row_method, by_term in RATE_TABLE:
        key_matches = row_product == product if product else row_model == car_model
        if key_matches and row_method == method and term in by_term:
            return parse_rate(by_term[term])
    raise LookupError(f"no rate for {car_model} / {product} / {method} / {term}")


def _weighted(rng: random.Random, pairs: tuple[tuple[Any, int], ...]) -> Any:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _pickup_dates(rng: random.Random) -> list[dt.date]:
    span = (LAST_BOOKED_PICKUP - FIRST_PICKUP).days
    random_days = [FIRST_PICKUP + dt.timedelta(days=rng.randrange(span + 1))
                   for _ in range(N_BOOKED - len(MONTH_END_PICKUPS))]
    return sorted([*random_days, *MONTH_END_PICKUPS, LEAP_PICKUP])


def _new_loan_dates(rng: random.Random) -> list[dt.date]:
    return sorted(dt.date(2026, 11, rng.randint(2, 20)) for _ in range(N_NEW))


def _make_loan(rng: random.Random, people: People, pickup: dt.date, *, new: bool) -> dict[str, Any]:
    car_model, dealer, price = people.car()
    promo = next(((m, method) for m, p, method, _ in RATE_TABLE if m == car_model), None)
    if promo:
        product, method = None, promo[1]
    else:
        product = _weighted(rng, PRODUCT_WEIGHTS)
        if new and product in (PRODUCT_EQUAL, PRODUCT_USED):
            product = PRODUCT_FLAT  # the newest loans are all 新车 with a constant monthly amount
        method = next(m for _, p, m, _ in RATE_TABLE if p == product)
    if product == PRODUCT_USED:
        price = price * 6 // 10 // 100 * 100
    term = _weighted(rng, TERM_WEIGHTS)
    principal_yuan = price * rng.choice(LOAN_TO_PRICE) // 100 // 100 * 100
    if rng.random() < 0.1:
        principal_yuan += rng.randint(1, 99)  # some dealers finance an odd amount
    own_rate = None
    if not promo and rng.random() < 0.1:
        own_rate = parse_rate(rng.choice(OWN_RATES[method]))
    first_due = None
    if not new and rng.random() < 0.06:  # the bank fixed the first due date
        month = pickup.replace(day=1) + dt.timedelta(days=32)
        first_due = month.replace(day=rng.choice((5, 10, 15, 20, 25)))
    has_guarantor = rng.random() < 0.15
    return {
        "contract_no": None,  # numbered once every loan exists
        "customer_name": people.name(),
        "id_no": people.id_no(pickup),
        "phone": people.phone(),
        "card_no": people.card(),
        "dealer": dealer,
        "car_model": car_model,
        "product": product,
        "principal": principal_yuan * 100,
        "term": term,
        "annual_rate": own_rate,
        "method": method,
        "pickup_date": pickup,
        "first_due_date": first_due,
        "bank_due_day": None,
        "bank_monthly_amount": None,
        "disbursed_on": None,
        "schedule_issued": not new,
        "status": "active",
        "settled_on": None,
        "risk_grade": "good",
        "last_inspection": None,
        "last_notice_signed": None,
        "guarantor": people.name() if has_guarantor else None,
        "guarantor_phone": people.phone() if has_guarantor else None,
        "written_off_on": None,
        "_rate": own_rate if own_rate is not None else table_rate(car_model, product, method, term),
        "_new": new,
    }


def _number(loans: list[dict[str, Any]]) -> None:
    """合同编号 HZQC + pickup month + sequence within the month."""
    seq: dict[str, int] = {}
    for loan in loans:
        month = f"{loan['pickup_date']:%Y%m}"
        seq[month] = seq.get(month, 0) + 1
        loan["contract_no"] = f"HZQC{month}{seq[month]:03d}"


def build_loans(rng: random.Random, people: People) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """All ledger loans in contract order, and one more loan customer service knows of but the ledger
    does not yet (its slip arrives too: an unknown customer to the import)."""
    loans = [_make_loan(rng, people, d, new=False) for d in _pickup_dates(rng)]
    loans += [_make_loan(rng, people, d, new=True) for d in _new_loan_dates(rng)]
    extra = _make_loan(rng, people, dt.date(2026, 11, 21), new=True)
    _number([*loans, extra])
    booked = [loan for loan in loans if not loan["_new"]]
    for loan in booked:
        loan["bank_due_day"] = (28 if loan["pickup_date"] in BANK_DAY_28
                                else (loan["first_due_date"] or loan["pickup_date"]).day)
        loan["disbursed_on"] = loan["pickup_date"] + dt.timedelta(days=rng.randint(1, 6))
    for loan in booked[-2:]:
        loan["schedule_issued"] = False  # disbursed last week of October, schedule not yet printed
    # the desk's entry checks must catch these: two ID numbers and one card that fail their check
    for loan in rng.sample(booked[:-10], 2):
        loan["id_no"] = people.id_no(loan["pickup_date"], valid=False)
    bad_card = rng.choice(booked[1:-10])  # not the Feb 29 loan: one oddity per loan
    bad_card["card_no"] = people.card(valid=False)
    assert not luhn_ok(bad_card["card_no"])
    return loans, extra


def schedule_frame(loans: list[dict[str, Any]]):
    """The installments of every loan (core.schedule.build_schedules), one row per period."""
    import pandas as pd

    inputs = pd.DataFrame({
        "contract_no": [loan["contract_no"] for loan in loans],
        "principal": pd.array([loan["principal"] for loan in loans], dtype="Int64"),
        "term": pd.array([loan["term"] for loan in loans], dtype="Int64"),
        "method": [loan["method"] for loan in loans],
        "rate": pd.array([loan["_rate"] for loan in loans], dtype="Int64"),
        "pickup_date": pd.to_datetime([loan["pickup_date"] for loan in loans]),
        "first_due_date": pd.to_datetime([loan["first_due_date"] for loan in loans]),
        "due_day": pd.array([loan["bank_due_day"] for loan in loans], dtype="Int64"),
    })
    return build_schedules(inputs, residue="last")


def installments_by_contract(schedules) -> dict[str, list[dict[str, Any]]]:
    """Installment rows grouped per contract, dates as ``datetime.date`` and money as int fen."""
    out: dict[str, list[dict[str, Any]]] = {}
    columns = ("period", "principal", "interest", "fee", "payment", "balance")
    data = {c: schedules[c].tolist() for c in columns}
    contracts = schedules["contract_no"].tolist()
    due = [d.date() for d in schedules["due_date"]]
    for i, contract in enumerate(contracts):
        row = {c: int(data[c][i]) for c in columns}
        row["due_date"] = due[i]
        out.setdefault(contract, []).append(row)
    return out


def record_disbursements(loans: list[dict[str, Any]], installments: dict[str, list[dict[str, Any]]]) -> None:
    """银行月还金额 for disbursed loans: the bank's constant monthly amount is the schedule's regular
    payment. 等额本金 payments fall every month, so the bank states no single amount for them."""
    for loan in loans:
        if loan["disbursed_on"] is not None and loan["method"] != EQUAL:
            loan["bank_monthly_amount"] = installments[loan["contract_no"]][0]["payment"]
