"""config.py: defaults, discovery upwards, the template, and clear errors."""

from pathlib import Path

import pytest

from loantool.config import Settings, find_config, load_settings
from loantool.errors import UsageError

TEMPLATE = Path(__file__).resolve().parents[1] / "templates" / "loantool.toml"


def test_template_lists_every_setting_and_loads_to_the_defaults():
    loaded = load_settings(TEMPLATE)
    defaults = Settings()
    for section in ("company", "ledger", "schedule", "arrears", "actions", "settlement", "imports", "morning"):
        assert getattr(loaded, section) == getattr(defaults, section), section
    text = TEMPLATE.read_text(encoding="utf-8")
    for section in ("arrears", "actions", "settlement", "import", "morning"):
        block = getattr(defaults, "imports" if section == "import" else section)
        for name in vars(block):
            assert f"\n{name} =" in text or f"[{section}.{name}]" in text, f"{section}.{name} missing in template"


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
    assert settings.settlement.style == {"flat_fee": "card", "annuity": "card", "equal_principal": "loan"}


@pytest.mark.parametrize("text, fragment", [
    ("[arrears]\ngrace_dayz = 1\n", "unknown setting arrears.grace_dayz"),
    ("[nonsense]\n", "unknown section [nonsense]"),
    ("[arrears]\ngrace_days = \"x\"\n", "must be a number"),
    ("[arrears]\nclassification = \"2019\"\n", "arrears.classification"),
    ("[arrears]\ntolerance = \"abc\"\n", "arrears.tolerance"),
    ("[arrears\n", "not valid TOML"),
])
def test_bad_settings_are_named(tmp_path, text, fragment):
    path = tmp_path / "loantool.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError) as info:
        load_settings(path)
    assert fragment in info.value.message
    assert info.value.exit_code == 2


def test_missing_config_file_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError):
        load_settings(tmp_path / "nope.toml")
