"""loantool.toml → typed settings. Every default from DOMAIN.md lives here, once.

The file is looked for in the current folder and its parents (or given with ``--config``). Paths in it
are relative to the folder that holds it. ``templates/loantool.toml`` lists every setting with a comment.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any

from .errors import UsageError
from .money import MoneyError, parse_rate, to_fen

CONFIG_NAME = "loantool.toml"


@dataclass
class CompanySettings:
    name: str = "XX汽车金融服务有限公司"


@dataclass
class LedgerSettings:
    path: str = "ledger.xlsx"
    backups_keep: int = 30
    lock_timeout_seconds: float = 30.0


@dataclass
class ScheduleSettings:
    # where the rounding residue of principal (and of fees, for flat_fee) goes: "last" or "first"
    residue: str = "last"
    default_method: str = "annuity"


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


CLASSIFICATION_PRESETS = {"2023": (90, 270, 360), "legacy": (90, 180, 360)}


@dataclass
class ActionSettings:
    sms_days_before: int = 3
    maturity_notice_days: int = 30
    escalate_dpd: int = 90
    limitation_years: int = 3
    limitation_warn_days: int = 90
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
class ImportSettings:
    monthly_amount_tolerance: str = "0.00"  # yuan; bank vs our schedule


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
    morning: MorningSettings = field(default_factory=MorningSettings)
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


# TOML table name → Settings attribute, where they differ
_SECTIONS = {"import": "imports"}


def find_config(start: Path | None = None) -> Path | None:
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def load_settings(config_path: Path | None = None, start: Path | None = None) -> Settings:
    """Settings from ``config_path``, else from loantool.toml found upwards, else all defaults."""
    if config_path is not None:
        if not config_path.is_file():
            raise UsageError(f"config file {config_path} not found.", "Check --config, or run `loantool init`.")
        path: Path | None = config_path
    else:
        path = find_config(start)
    settings = Settings()
    if path is None:
        settings.base_dir = (start or Path.cwd()).resolve()
        return settings
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path} is not valid TOML: {exc}.", "Fix the file (see templates/loantool.toml).") from None
    _apply(settings, data, path)
    settings.source = path
    settings.base_dir = path.resolve().parent
    _validate(settings, path)
    return settings


def _apply(settings: Settings, data: dict[str, Any], path: Path) -> None:
    known = {f.name for f in fields(settings)} - {"source", "base_dir"}
    for section, values in data.items():
        attr = _SECTIONS.get(section, section)
        if attr not in known:
            raise UsageError(f"{path}: unknown section [{section}].", f"Known: {', '.join(sorted(known))}.")
        target = getattr(settings, attr)
        if not is_dataclass(target):
            if attr in ("as_of", "lang"):
                values = str(values)
            setattr(settings, attr, values)
            continue
        if not isinstance(values, dict):
            raise UsageError(f"{path}: [{section}] must be a table.")
        names = {f.name: f for f in fields(target)}
        for key, value in values.items():
            if key not in names:
                raise UsageError(
                    f"{path}: unknown setting {section}.{key}.", f"Known: {', '.join(sorted(names))}."
                )
            default = getattr(target, key)
            if isinstance(default, bool) and not isinstance(value, bool):
                raise UsageError(f"{path}: {section}.{key} must be true or false, not {value!r}.")
            if isinstance(default, (int, float)) and not isinstance(default, bool):
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise UsageError(f"{path}: {section}.{key} must be a number, not {value!r}.")
            if isinstance(default, dict):
                if not isinstance(value, dict):
                    raise UsageError(f"{path}: {section}.{key} must be a table.")
                value = {**default, **value}  # a partial table keeps the other defaults
            if isinstance(default, str) and isinstance(value, (int, float)) and not isinstance(value, bool):
                value = repr(value) if isinstance(value, float) else str(value)
            setattr(target, key, value)


def _validate(settings: Settings, path: Path) -> None:
    def bad(key: str, why: str) -> UsageError:
        return UsageError(f"{path}: setting {key} {why}.", "See templates/loantool.toml for the allowed values.")

    if settings.lang and settings.lang.strip().lower() not in ("zh", "en", "zh_cn", "en_us"):
        raise bad("lang", "must be \"zh\" or \"en\"")
    if settings.schedule.residue not in ("last", "first"):
        raise bad("schedule.residue", "must be \"last\" or \"first\"")
    if settings.arrears.classification not in CLASSIFICATION_PRESETS:
        raise bad("arrears.classification", f"must be one of {', '.join(CLASSIFICATION_PRESETS)}")
    if settings.settlement.current_period not in ("full", "accrued", "none"):
        raise bad("settlement.current_period", "must be \"full\", \"accrued\" or \"none\"")
    if settings.settlement.fee_to not in ("company", "bank"):
        raise bad("settlement.fee_to", "must be \"company\" or \"bank\"")
    for method, style in settings.settlement.style.items():
        if style not in ("card", "loan"):
            raise bad(f"settlement.style.{method}", "must be \"card\" or \"loan\"")
    bounds = settings.arrears.bucket_bounds
    if len(bounds) != 6 or any(b <= a for a, b in zip([0, *bounds], bounds, strict=False)):
        raise bad("arrears.bucket_bounds", "must be 6 increasing day counts (upper bounds of M1..M6)")
    for key, value in (
        ("arrears.tolerance", settings.arrears.tolerance),
        ("arrears.small_balance", settings.arrears.small_balance),
        ("imports.monthly_amount_tolerance", settings.imports.monthly_amount_tolerance),
        *((f"settlement.fixed_fees.{k}", v) for k, v in settings.settlement.fixed_fees.items()),
    ):
        try:
            to_fen(value)
        except MoneyError as exc:
            raise bad(key, f"is not an amount ({exc})") from None
    for key, value in (
        ("arrears.penalty_rate_daily", settings.arrears.penalty_rate_daily),
        ("settlement.fee_rate", settings.settlement.fee_rate),
    ):
        try:
            parse_rate(value)
        except MoneyError as exc:
            raise bad(key, f"is not a rate ({exc})") from None
