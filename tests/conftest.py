"""Shared fixtures: the bundled samples copied to a temporary folder (samples/ itself is never changed)."""

import hashlib
import os
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

# Shared CI machines are noisy: a slow example is not a failure (no per-example deadline).
settings.register_profile("loantool", deadline=None)
settings.load_profile("loantool")

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
REALWORLD = Path(os.environ.get("LOANTOOL_REALWORLD", ROOT.parent / "shared" / "realworld"))


@pytest.fixture(autouse=True)
def english_messages(monkeypatch):
    """The older tests assert English message texts: they run with LOANTOOL_LANG=en. A test of the
    desk's default language asks for the ``chinese`` fixture instead."""
    from loantool import i18n

    monkeypatch.setenv(i18n.ENV, "en")
    i18n.set_language("en")
    yield
    i18n.set_language("en")


@pytest.fixture
def chinese(monkeypatch):
    """No LOANTOOL_LANG: the default language (Chinese), as on a desk's machine."""
    from loantool import i18n

    monkeypatch.delenv(i18n.ENV, raising=False)
    i18n.set_language(i18n.choose())
    return i18n


def without_progress(stderr: str) -> str:
    """stderr without the progress lines a long command prints when it is not a terminal ("[1/4] …")."""
    return "".join(line for line in stderr.splitlines(keepends=True) if not re.match(r"\[\d+/\d+\] ", line))


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture
def sample_dir(tmp_path: Path) -> Path:
    """A copy of samples/ (ledger, inbox, loantool.toml) to run commands in."""
    target = tmp_path / "desk"
    shutil.copytree(SAMPLES, target, ignore=shutil.ignore_patterns("*.py", "__pycache__", "README.md"))
    return target
