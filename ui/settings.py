"""User settings in an INI file (QSettings): inspector name, template, data dir, language, font.

The file is ``settings.ini`` in the platform's config directory, or ``INSPECTOR_SETTINGS``.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings

from inspector.core.datadir import APP_NAME

KEYS = ("inspector_name", "default_template", "data_dir", "language", "report_font_path")


def settings_path() -> Path:
    explicit = os.environ.get("INSPECTOR_SETTINGS")
    if explicit:
        return Path(explicit)
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "settings.ini"


class Settings:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or settings_path()
        self._qsettings = QSettings(str(self.path), QSettings.Format.IniFormat)

    def get(self, key: str, default: str = "") -> str:
        value = self._qsettings.value(key, default)
        return str(value) if value is not None else default

    def set(self, key: str, value: str) -> None:
        self._qsettings.setValue(key, value)
        self._qsettings.sync()

    @property
    def inspector_name(self) -> str:
        return self.get("inspector_name")

    @property
    def language(self) -> str:
        return self.get("language", "zh") or "zh"
