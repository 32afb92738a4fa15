"""Bilingual messages for the domain layer and the CLI.

Chinese is the default; English is chosen with ``INSPECTOR_LANG=en`` or ``set_language``.
Messages are written at the call site as a (Chinese, English) pair so both stay side by side.
"""

from __future__ import annotations

import os
from typing import Any

SUPPORTED = ("zh", "en")
_language = "en" if os.environ.get("INSPECTOR_LANG", "").lower().startswith("en") else "zh"


def set_language(language: str) -> None:
    global _language
    _language = "en" if language.lower().startswith("en") else "zh"


def language() -> str:
    return _language


def t(zh: str, en: str, **params: Any) -> str:
    """Pick the message for the current language and fill in ``{name}`` fields."""
    text = en if _language == "en" else zh
    return text.format(**params) if params else text
