"""config.py: defaults, discovery upwards, the template, and clear errors."""

from pathlib import Path

import pytest

from loantool.config import Settings, find_config, load_settings
from loantool.errors import UsageError

TEMPLATE = Path(__file__).resolve().parents[1] / "templates" / "loantool.toml"


def test_template_lists_every_setting_and_loads_to_the_defaults():
    loaded = load_settings(TEMPLATE)
    defaults = Settings()
    sections = ("company", "ledger", "schedule", "arrears", "actions", "settlement", "imports", "bank",
                "morning")
    for section in sections:
        assert getattr(loaded, section) == getattr(defaults, section), section
    text = TEMPLATE.read_text(encoding="utf-8")
    for section in ("ledger", "schedule", "arrears", "actions", "settlement", "import", "bank", "morning"):
        block = getattr(defaults, "imports" if section == "import" else section)
        for name in vars(block):
            assert f"\n{name} =" in text or f"[{section}.{name}]" in text, f"{section}.{name} not in template"


def test_found_in_a_parent_folder_and_paths_are_relative_to_it(tmp_path):
    (tmp_path / "loantool.toml").write_text('[ledger]\npath = "data/台账.xlsx"\n', encoding="utf-8")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_config(deep) == tmp_path / "loantool.toml"
    settings = load_settings(start=deep)
    assert settings.ledger_path == tmp_path.resolve() / "data" / "台账.xlsx"


def test_partial_tables_keep_other_defaults(tmp_path):
    path = tmp_path / "loantool.toml"
    path.write_text('as_of = 2026-11-30\n[settlement.style]\nannuity = "card"\n', encoding="utf-8")
    settings = load_settings(path)
    assert settings.as_of == "2026-11-30"
    expected = {"flat_fee": "card", "annuity": "card", "equal_principal": "loan"}
    assert settings.settlement.style == expected


@pytest.mark.parametrize("text, fragment", [
    ("[arrears]\ngrace_dayz = 1\n", "arrears.grace_dayz: unknown setting"),
    ("[nonsense]\n", "[nonsense]: unknown section"),
    ("[arrears]\ngrace_days = \"x\"\n", "must be a number"),
    ("[arrears]\ngrace_days = 1.5\n", "must be a whole number"),
    ("[arrears]\ngrace_days = -1\n", "arrears.grace_days: cannot be negative"),
    ("[arrears]\nclassification = \"2019\"\n", "arrears.classification"),
    ("[arrears]\ntolerance = \"abc\"\n", "arrears.tolerance"),
    ("[arrears]\nbucket_bounds = [30, 60, 60, 120, 150, 180]\n", "arrears.bucket_bounds"),
    ("[settlement]\ncurrent_period = \"half\"\n", "settlement.current_period"),
    ("[settlement.style]\nannuity = \"mortgage\"\n", "settlement.style.annuity"),
    ("[settlement.fixed_fees]\n\"解押费\" = \"-200\"\n", "fixed_fees.解押费: cannot be negative"),
    ("[schedule]\nresidue = \"middle\"\n", "schedule.residue"),
    ("[schedule]\ndefault_method = \"balloon\"\n", "schedule.default_method"),
    ("[actions.inspection_months]\nexcellent = 6\n", "actions.inspection_months.excellent"),
    ("[aliases]\nloanz = { phone = [\"客户电话\"] }\n", "aliases.loanz: unknown table"),
    ("[morning]\npost_payments = \"yes\"\n", "must be true or false"),
    ("as_of = \"2026-02-30\"\n", "as_of: is not a date"),
    ("[ledger]\npath = 5\nbackups_keep = \"many\"\n", "ledger.backups_keep: must be a number"),
])
def test_bad_settings_are_named(tmp_path, text, fragment):
    path = tmp_path / "loantool.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError) as info:
        load_settings(path)
    assert fragment in info.value.render()
    assert info.value.exit_code == 2


def test_not_valid_toml_is_named(tmp_path):
    path = tmp_path / "loantool.toml"
    path.write_text("[arrears\n", encoding="utf-8")
    with pytest.raises(UsageError, match="not valid TOML"):
        load_settings(path)


def test_every_unknown_key_and_bad_value_at_once(tmp_path):
    """Today only the first is named: the desk fixes one, runs again, and meets the next."""
    path = tmp_path / "loantool.toml"
    path.write_text('lang = "fr"\n[arrears]\ngrace_dayz = 1\ntolerance = "abc"\n[nonsense]\n'
                    '[settlement]\nfee_to = "nobody"\n[bank]\npaid_statuses = ["扣款失败"]\n',
                    encoding="utf-8")
    with pytest.raises(UsageError) as info:
        load_settings(path)
    reasons = [p.reason for p in info.value.problems]
    keys = [r.split(":")[0] for r in reasons]
    assert keys == ["arrears.grace_dayz", "[nonsense]", "lang", "arrears.tolerance", "settlement.fee_to",
                    "bank.paid_statuses"]
    assert {p.code for p in info.value.problems} == {"bad-setting"}
    assert "6 setting(s)" in info.value.message


def test_a_config_error_in_chinese(tmp_path, chinese):
    path = tmp_path / "loantool.toml"
    path.write_text("[arrears]\ngrace_dayz = 1\ngrace_days = -1\n", encoding="utf-8")
    with pytest.raises(UsageError) as info:
        load_settings(path)
    text = info.value.render()
    assert "错误" in text and "未知的设置项" in text and "不能为负数" in text


def test_the_settings_live_apart_from_the_loader():
    import loantool.settings as pure

    assert Settings is pure.Settings
    source = Path(pure.__file__).read_text(encoding="utf-8")
    assert "tomllib" not in source and "UsageError" not in source


def test_missing_config_file_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError):
        load_settings(tmp_path / "nope.toml")
