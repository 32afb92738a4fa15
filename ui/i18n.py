"""The GUI's translation layer: the same (Chinese, English) pairs as the domain's messages.

Every visible string is written as ``tr("中文", "English")``. Widgets that show text implement
``retranslate()``; ``Language.changed`` tells them when to call it. Qt's own texts (Yes/No/OK,
the file dialog, context menus of text fields) come from Qt's translations, which ship in the
PySide6 wheel and are installed here for Chinese.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QObject, QTranslator, Signal

from inspector.core import i18n

log = logging.getLogger(__name__)
QT_CATALOGUES = ("qtbase", "qtmultimedia")
_installed: list[QTranslator] = []


def install_qt_translations(language: str) -> bool:
    """Load Qt's own translations for ``language`` (none needed for English); False if the
    catalogue is missing or there is no application yet."""
    app = QCoreApplication.instance()
    if app is None:
        return False
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()
    if language != "zh":
        return True
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for catalogue in QT_CATALOGUES:
        translator = QTranslator(app)
        if translator.load(f"{catalogue}_zh_CN", folder):
            app.installTranslator(translator)
            _installed.append(translator)
        else:
            log.warning("Qt translation %s_zh_CN not found in %s", catalogue, folder)
    return bool(_installed)


def tr(zh: str, en: str, **params: Any) -> str:
    return i18n.t(zh, en, **params)


class Language(QObject):
    """Holds the current language; emits ``changed`` after a switch."""

    changed = Signal(str)

    def current(self) -> str:
        return i18n.language()

    def set(self, language: str) -> None:
        if language == i18n.language():
            if not _installed and language == "zh":
                install_qt_translations(language)
            return
        i18n.set_language(language)
        install_qt_translations(i18n.language())
        self.changed.emit(i18n.language())


language = Language()
