"""The desk's language (DESIGN.md "Language"): Chinese by default, English on request.

Every text a person reads goes through :func:`_` (or :func:`ngettext`). The message ids in the code
are English; the Chinese lives in ``loantool/locale/zh/LC_MESSAGES/loantool.po``, compiled by Babel
into the ``.mo`` file the package ships (``python -m loantool.catalog`` extracts, updates and
compiles; a test fails when a message lacks its Chinese or its placeholders differ).

The language is chosen, first match wins, by ``--lang``, ``LOANTOOL_LANG``, ``lang`` in
loantool.toml, else Chinese – never by the machine's locale (a desk's server is often en_US).

Placeholders are named (``{file}``) and filled with ``str.format`` after translation, so a
translation may put them in any order. A text built at import time (a module-level table of
reasons, say) is marked with :func:`N_` and translated where it is shown.
"""

from __future__ import annotations

import gettext
import os
from pathlib import Path

DOMAIN = "loantool"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("zh", "en")
DEFAULT = "zh"
ENV = "LOANTOOL_LANG"

_state: dict[str, object] = {"lang": None, "translation": None}
_texts: dict[str, str] = {}  # message id → text in the current language (a report asks for "yes" per cell)


def normalise(lang: str | None) -> str | None:
    """"zh", "zh_CN", "zh-Hans", "中文" → "zh"; "en", "en_US" → "en"; anything else → None."""
    if not lang:
        return None
    text = lang.strip().lower().replace("-", "_")
    if text.startswith("zh") or text in ("中文", "cn", "chinese"):
        return "zh"
    if text.startswith("en") or text == "english":
        return "en"
    return None


def choose(option: str | None = None, config: str | None = None) -> str:
    """The language for this run: --lang, then LOANTOOL_LANG, then loantool.toml, then Chinese."""
    for candidate in (option, os.environ.get(ENV), config):
        lang = normalise(candidate)
        if lang:
            return lang
    return DEFAULT


def set_language(lang: str | None) -> str:
    """Switch every later message to ``lang`` ("zh" or "en"; None: the default). Returns the language."""
    chosen = normalise(lang) or DEFAULT
    if chosen == "en":
        translation: gettext.NullTranslations = gettext.NullTranslations()
    else:
        translation = gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[chosen],
                                          fallback=True)
    _state["lang"] = chosen
    _state["translation"] = translation
    _texts.clear()
    return chosen


def language() -> str:
    """The current language ("zh" or "en")."""
    if _state["lang"] is None:
        set_language(choose())
    return str(_state["lang"])


def _translation() -> gettext.NullTranslations:
    if _state["translation"] is None:
        set_language(choose())
    return _state["translation"]  # type: ignore[return-value]


def _(message: str) -> str:
    """The text of ``message`` (an English message id) in the current language."""
    text = _texts.get(message)
    if text is None:
        text = _texts[message] = _translation().gettext(message)
    return text


def ngettext(singular: str, plural: str, n: int) -> str:
    """Singular or plural by ``n`` (Chinese has one form)."""
    return _translation().ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a text for the catalog without translating it yet (translate it with ``_`` where shown)."""
    return message


def is_zh() -> bool:
    return language() == "zh"
