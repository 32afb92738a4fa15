"""The GUI's translation layer: the same (Chinese, English) pairs as the domain's messages.

Every visible string is written as ``tr("中文", "English")``. Widgets that show text implement
``retranslate()``; ``Language.changed`` tells them when to call it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from inspector.core import i18n


def tr(zh: str, en: str, **params: Any) -> str:
    return i18n.t(zh, en, **params)


class Language(QObject):
    """Holds the current language; emits ``changed`` after a switch."""

    changed = Signal(str)

    def current(self) -> str:
        return i18n.language()

    def set(self, language: str) -> None:
        if language == i18n.language():
            return
        i18n.set_language(language)
        self.changed.emit(i18n.language())


language = Language()
