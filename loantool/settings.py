"""The settings: every default from DOMAIN.md, once, as plain dataclasses (设置项及其默认值).

Pure: no file is read here. ``config.py`` reads loantool.toml into these and validates them (the one
place that does); the core's rule objects (``core.arrears.Rules``, ``core.settlement.SettlementRules``)
take their defaults from here. ``templates/loantool.toml`` lists every setting with a comment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .money import parse_rate, to_fen

CLASSIFICATION_PRESETS = {"2023": (90, 270, 360), "legacy": (90, 180, 360)}
# the words some settings are chosen from (config.validate checks them; the core uses the same tuples)
RESIDUES = ("last", "first")
SETTLEMENT_STYLES = ("card", "loan")
CURRENT_PERIOD_SETTINGS = ("full", "accrued", "none")
FEE_RECIPIENTS = ("company", "bank")
RISK_GRADES = ("good", "fair", "poor")


@dataclass
class CompanySettings:
    name: str = "XX汽车金融服务有限公司"
    # this ledger's branch (分支机构) in a several-ledger quality-report; empty: the ledger's file name
    branch: str = ""


@dataclass
class LedgerSettings:
    path: str = "ledger.xlsx"
    # the sheet of the loans (贷款台账) when the workbook has no sheet of that name and several sheets
    # hold a loans table (a settled archive beside the live loans, say); empty: found by name
    loans_sheet: str = ""
    backups_keep: int = 30
    lock_timeout_seconds: float = 30.0


@dataclass
class ScheduleSettings:
    # where the rounding residue of principal (and of fees, for flat_fee) goes: "last" or "first"
    residue: str = "last"
    default_method: str = "annuity"
    # the highest plausible rates: an annual rate (annuity, equal principal) or a flat-fee total fee rate
    # above them is a bad cell, never computed with
    max_annual_rate: str = "36%"
    max_total_fee_rate: str = "100%"


@dataclass
class ArrearsSettings:
    grace_days: int = 0
    tolerance: str = "0.00"  # yuan; shortfalls up to this much are forgiven
    # yuan; an overdue amount below it keeps its DPD and class but gets no call or escalation (尾差核对)
    small_balance: str = "1.00"
    lookback_months: int = 24
    # upper DPD bound of M1..M6; above the last bound is M7+
    bucket_bounds: list[int] = field(default_factory=lambda: [30, 60, 90, 120, 150, 180])
    classification: str = "2023"  # "2023" (1/90/270/360) or "legacy" (1/90/180/360)
    penalty_rate_daily: str = "0.0005"  # 0.05 % a day

    @property
    def tolerance_fen(self) -> int:
        return to_fen(self.tolerance)

    @property
    def small_balance_fen(self) -> int:
        return to_fen(self.small_balance)

    @property
    def penalty_rate_units(self) -> int:
        return parse_rate(self.penalty_rate_daily)

    @property
    def class_bounds(self) -> tuple[int, int, int]:
        """Upper DPD bounds of 关注, 次级, 可疑; above the last is 损失."""
        return CLASSIFICATION_PRESETS[self.classification]


@dataclass
class ActionSettings:
    sms_days_before: int = 3
    maturity_notice_days: int = 30
    escalate_dpd: int = 90
    limitation_years: int = 3
    limitation_warn_days: int = 90
    # a loan with an open promise to pay (催收记录) is marked 等待承诺日 on the call list until the promised
    # day; true: keep calling it daily all the same
    call_during_promise: bool = False
    # overdue-report also writes the day's notices as letters (催收通知书_YYYYMMDD.xlsx beside the report)
    notice_letters: bool = True
    # months between post-loan inspections by risk grade; 0 means "now"
    inspection_months: dict[str, int] = field(default_factory=lambda: {"good": 3, "fair": 1, "poor": 0})
    # the inspection plan lists the inspections overdue and those falling due within this many days
    inspection_window_days: int = 0
    sms_template: str = (
        "【{company}】尊敬的{name}，您本期应还{amount}元将于{due_date}从尾号{card_last4}的银行卡扣款，"
        "请提前存足。如已还款请忽略。"
    )


@dataclass
class SettlementSettings:
    # style per method: "card" (fees of the remaining periods) or "loan" (current interest + fee rate)
    style: dict[str, str] = field(
        default_factory=lambda: {"flat_fee": "card", "annuity": "loan", "equal_principal": "loan"}
    )
    current_period: str = "full"  # loan style: "full", "accrued" (by days), or "none"
    fee_rate: str = "0"  # settlement fee = round(rate × remaining principal), loan style
    fee_to: str = "company"  # who receives the settlement fee: "company" or "bank"
    fixed_fees: dict[str, str] = field(default_factory=dict)  # name → yuan, e.g. {"手续费" = "200.00"}


@dataclass
class WriteOffSettings:
    # write-off (核销) is for loans classified loss (损失) at the write-off day; true also allows doubtful
    allow_doubtful: bool = False


@dataclass
class ImportSettings:
    monthly_amount_tolerance: str = "0.00"  # yuan; bank vs our schedule


@dataclass
class BankSettings:
    # statement statuses beyond the built-in words (schema.DEDUCTION_STATUSES): a deduction with a paid
    # status pays, one with an unpaid status pays nothing; any other unknown status is a bad cell
    paid_statuses: list[str] = field(default_factory=list)
    unpaid_statuses: list[str] = field(default_factory=list)


@dataclass
class MorningSettings:
    slips_inbox: str = "inbox/slips"
    statements_inbox: str = "inbox/statements"
    reports_dir: str = "reports"
    post_payments: bool = True
    archive_dir: str = ""  # empty: processed files stay where they are


@dataclass
class Settings:
    company: CompanySettings = field(default_factory=CompanySettings)
    ledger: LedgerSettings = field(default_factory=LedgerSettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    arrears: ArrearsSettings = field(default_factory=ArrearsSettings)
    actions: ActionSettings = field(default_factory=ActionSettings)
    settlement: SettlementSettings = field(default_factory=SettlementSettings)
    imports: ImportSettings = field(default_factory=ImportSettings)
    bank: BankSettings = field(default_factory=BankSettings)
    morning: MorningSettings = field(default_factory=MorningSettings)
    writeoff: WriteOffSettings = field(default_factory=WriteOffSettings)
    # extra header aliases: {"loans": {"phone": ["客户电话"]}}
    aliases: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    # a fixed "today" for every date-dependent result (demo folders, audits); empty = the real today
    as_of: str = ""
    # language of messages and reports: "zh" (default) or "en"; --lang and LOANTOOL_LANG win over it
    lang: str = ""
    source: Path | None = None  # the file these came from, if any
    base_dir: Path = field(default_factory=Path.cwd)

    def resolve(self, relative: str | Path) -> Path:
        """A path from the config, relative to the config's folder."""
        path = Path(relative).expanduser()
        return path if path.is_absolute() else self.base_dir / path

    @property
    def ledger_path(self) -> Path:
        return self.resolve(self.ledger.path)
