"""loantool.toml → :class:`Settings` (读取配置文件). The settings themselves, with every default from
DOMAIN.md, are the dataclasses of ``settings.py``; this module finds the file, reads it and checks it –
the one place settings are validated. Every unknown key and every bad value is reported at once.

The file is looked for in the current folder and its parents (or given with ``--config``). Paths in it
are relative to the folder that holds it. ``templates/loantool.toml`` lists every setting with a comment.
"""

from __future__ import annotations

import tomllib
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

from .dayparse import DateError, parse_day
from .errors import CellProblem, UsageError
from .i18n import N_, _
from .money import MoneyError, parse_rate, to_fen
from .schema import METHODS, TABLES, built_in_deduction_status, status_word
from .settings import (
    CLASSIFICATION_PRESETS,
    CURRENT_PERIOD_SETTINGS,
    FEE_RECIPIENTS,
    RESIDUES,
    RISK_GRADES,
    SETTLEMENT_STYLES,
    ActionSettings,
    ArrearsSettings,
    BankSettings,
    CompanySettings,
    ImportSettings,
    LedgerSettings,
    MorningSettings,
    ScheduleSettings,
    Settings,
    SettlementSettings,
)

__all__ = [
    "CLASSIFICATION_PRESETS", "CONFIG_NAME", "ActionSettings", "ArrearsSettings", "BankSettings",
    "CompanySettings", "ImportSettings", "LedgerSettings", "MorningSettings", "ScheduleSettings", "Settings",
    "SettlementSettings", "find_config", "load_settings", "validate",
]

CONFIG_NAME = "loantool.toml"
# TOML table name → Settings attribute, where they differ
_SECTIONS = {"import": "imports"}
_NOT_SECTIONS = ("source", "base_dir")
_HINT = N_("See templates/loantool.toml for the allowed values.")

Problem = tuple[str, Any, str]  # (setting, its value, why it is refused)


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
            raise UsageError(_("config file {path} not found.").format(path=config_path),
                             _("Check --config, or run `loantool init`."))
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
        raise UsageError(_("{path} is not valid TOML: {detail}.").format(path=path, detail=exc),
                         _("Fix the file (see templates/loantool.toml).")) from None
    problems = apply(settings, data)
    settings.source = path
    settings.base_dir = path.resolve().parent
    problems += validate(settings)
    if problems:
        raise settings_error(path, problems)
    return settings


def settings_error(path: Path, problems: list[Problem]) -> UsageError:
    """One error listing every bad setting of the file."""
    error = UsageError(
        _("{path}: {count} setting(s) cannot be used; nothing was run.").format(
            path=path, count=len(problems)),
        _(_HINT))
    error.problems = [CellProblem(str(path), None, None, None, None if value is None else _shown(value),
                                  f"{key}: {why}", "bad-setting") for key, value, why in problems]
    return error


def _shown(value: Any) -> str:
    return str(value)


# --------------------------------------------------------------------------------------------- reading


def apply(settings: Settings, data: dict[str, Any]) -> list[Problem]:
    """Put the file's values into ``settings``; the unknown keys and the values of the wrong type are
    returned (and left at their defaults)."""
    problems: list[Problem] = []
    known = {f.name for f in fields(settings)} - set(_NOT_SECTIONS)
    for section, values in data.items():
        attr = _SECTIONS.get(section, section)
        if attr not in known:
            shown = sorted({next((t for t, a in _SECTIONS.items() if a == k), k) for k in known})
            problems.append((f"[{section}]", None, _("unknown section; known: {names}").format(
                names=", ".join(shown))))
            continue
        target = getattr(settings, attr)
        if not is_dataclass(target):
            if attr in ("as_of", "lang"):
                values = str(values)
            setattr(settings, attr, values)
            continue
        if not isinstance(values, dict):
            problems.append((section, values, _("must be a table ([{section}])").format(section=section)))
            continue
        names = {f.name for f in fields(target)}
        for key, value in values.items():
            where = f"{section}.{key}"
            if key not in names:
                problems.append((where, None, _("unknown setting; known in [{section}]: {names}").format(
                    section=section, names=", ".join(sorted(names)))))
                continue
            why, value = _typed(getattr(target, key), value)
            if why:
                problems.append((where, value, why))
                continue
            setattr(target, key, value)
    return problems


def _typed(default: Any, value: Any) -> tuple[str | None, Any]:
    """(why the value has the wrong type, or None; the value as the setting holds it)."""
    if isinstance(default, bool):
        return (None, value) if isinstance(value, bool) else (_("must be true or false"), value)
    if isinstance(default, (int, float)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return _("must be a number"), value
        if isinstance(default, int) and isinstance(value, float) and not value.is_integer():
            return _("must be a whole number"), value
        return None, type(default)(value)
    if isinstance(default, dict):
        if not isinstance(value, dict):
            return _("must be a table"), value
        return None, {**default, **value}  # a partial table keeps the other defaults
    if isinstance(default, list):
        return (None, value) if isinstance(value, list) else (_("must be a list"), value)
    if isinstance(default, str):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return None, repr(value) if isinstance(value, float) else str(value)
        return (None, value) if isinstance(value, str) else (_("must be text"), value)
    return None, value


# ------------------------------------------------------------------------------------------ validation


def validate(settings: Settings) -> list[Problem]:
    """Every value that cannot be used, as (setting, value, why). The one place settings are checked:
    the core's rule objects trust what comes from here."""
    problems: list[Problem] = []

    def check(key: str, value: Any, ok: bool, why: str) -> None:
        if not ok:
            problems.append((key, value, why))

    def one_of(key: str, value: Any, allowed: tuple[str, ...]) -> None:
        check(key, value, value in allowed, _("must be one of {values}").format(
            values=", ".join(f'"{a}"' for a in allowed)))

    def not_negative(key: str, value: Any) -> None:
        check(key, value, isinstance(value, (int, float)) and value >= 0, _("cannot be negative"))

    def amount(key: str, value: Any) -> None:
        try:
            fen = to_fen(value)
        except MoneyError as exc:
            problems.append((key, value, _("is not an amount ({reason})").format(reason=exc)))
            return
        check(key, value, fen >= 0, _("cannot be negative"))

    def rate(key: str, value: Any, positive: bool = False) -> None:
        try:
            units = parse_rate(value)
        except MoneyError as exc:
            problems.append((key, value, _("is not a rate ({reason})").format(reason=exc)))
            return
        check(key, value, units > 0 or not positive, _("must be more than 0"))

    if settings.lang:
        check("lang", settings.lang, settings.lang.strip().lower() in ("zh", "en", "zh_cn", "en_us"),
              _('must be "zh" or "en"'))
    if settings.as_of:
        _check_date("as_of", settings.as_of, problems)
    ledger = settings.ledger
    check("ledger.path", ledger.path, bool(str(ledger.path).strip()), _("cannot be empty"))
    not_negative("ledger.backups_keep", ledger.backups_keep)
    not_negative("ledger.lock_timeout_seconds", ledger.lock_timeout_seconds)
    schedule = settings.schedule
    one_of("schedule.residue", schedule.residue, RESIDUES)
    one_of("schedule.default_method", schedule.default_method, tuple(METHODS))
    rate("schedule.max_annual_rate", schedule.max_annual_rate, positive=True)
    rate("schedule.max_total_fee_rate", schedule.max_total_fee_rate, positive=True)
    arrears = settings.arrears
    for key in ("grace_days", "lookback_months"):
        not_negative(f"arrears.{key}", getattr(arrears, key))
    amount("arrears.tolerance", arrears.tolerance)
    amount("arrears.small_balance", arrears.small_balance)
    one_of("arrears.classification", arrears.classification, tuple(CLASSIFICATION_PRESETS))
    rate("arrears.penalty_rate_daily", arrears.penalty_rate_daily)
    bounds = arrears.bucket_bounds
    check("arrears.bucket_bounds", bounds,
          isinstance(bounds, list) and len(bounds) == 6 and all(isinstance(b, int) for b in bounds)
          and all(b > a for a, b in zip([0, *bounds], bounds, strict=False)),
          _("must be 6 increasing day counts (upper bounds of M1..M6)"))
    actions = settings.actions
    for key in ("sms_days_before", "maturity_notice_days", "escalate_dpd", "limitation_years",
                "limitation_warn_days"):
        not_negative(f"actions.{key}", getattr(actions, key))
    for grade, months in actions.inspection_months.items():
        key = f"actions.inspection_months.{grade}"
        if grade not in RISK_GRADES:
            problems.append((key, None, _('unknown risk grade; use "good", "fair" or "poor"')))
        check(key, months, isinstance(months, int) and not isinstance(months, bool) and months >= 0,
              _("must be a whole number of months, 0 or more"))
    settlement = settings.settlement
    one_of("settlement.current_period", settlement.current_period, CURRENT_PERIOD_SETTINGS)
    one_of("settlement.fee_to", settlement.fee_to, FEE_RECIPIENTS)
    rate("settlement.fee_rate", settlement.fee_rate)
    for method, style in settlement.style.items():
        if method not in METHODS:
            problems.append((f"settlement.style.{method}", None, _("unknown repayment method; use {values}")
                             .format(values=", ".join(METHODS))))
        one_of(f"settlement.style.{method}", style, SETTLEMENT_STYLES)
    for name, fee in settlement.fixed_fees.items():
        amount(f"settlement.fixed_fees.{name}", fee)
    amount("import.monthly_amount_tolerance", settings.imports.monthly_amount_tolerance)
    _check_statuses(settings.bank, problems)
    _check_aliases(settings.aliases, problems)
    return problems


def _check_date(key: str, value: str, problems: list[Problem]) -> None:
    try:
        day = parse_day(value)
    except DateError as exc:
        problems.append((key, value,
                         _("is not a date ({reason}); write it as YYYY-MM-DD").format(reason=exc)))
        return
    if day is None:
        problems.append((key, value, _("is not a date; write it as YYYY-MM-DD")))


def _check_statuses(bank: BankSettings, problems: list[Problem]) -> None:
    words: dict[str, set[str]] = {}
    for key in ("paid_statuses", "unpaid_statuses"):
        value = getattr(bank, key)
        if not isinstance(value, list) or not all(isinstance(w, str) and w.strip() for w in value):
            problems.append((f"bank.{key}", value, _('must be a list of status words, e.g. ["已入账"]')))
            words[key] = set()
            continue
        words[key] = {status_word(w) for w in value}
    for word in sorted(words["paid_statuses"] & words["unpaid_statuses"]):
        problems.append(("bank.paid_statuses", word, _("bank.unpaid_statuses lists it too")))
    for word in sorted(words["paid_statuses"]):
        if built_in_deduction_status(word) == "failed":
            problems.append(("bank.paid_statuses", word,
                             _("a status that says the deduction did not succeed")))


def _check_aliases(aliases: Any, problems: list[Problem]) -> None:
    if not isinstance(aliases, dict):
        problems.append(("aliases", aliases, _("must be a table")))
        return
    for table_key, extra in aliases.items():
        table = TABLES.get(table_key)
        if table is None:
            problems.append((f"aliases.{table_key}", None, _("unknown table; known: {names}").format(
                names=", ".join(TABLES))))
            continue
        if not isinstance(extra, dict):
            problems.append((f"aliases.{table_key}", extra, _("must be a table of column names")))
            continue
        known = {f.key for f in table.fields}
        for key, names in extra.items():
            where = f"aliases.{table_key}.{key}"
            if key not in known:
                problems.append((where, None, _("unknown column; known: {names}").format(
                    names=", ".join(f.key for f in table.fields))))
            elif not (isinstance(names, str) or (isinstance(names, list)
                                                 and all(isinstance(n, str) for n in names))):
                problems.append((where, names, _("must be a header text or a list of them")))
