"""User settings in an INI file (QSettings): inspector name, template, data dir, language, font.

The file is ``settings.ini`` in the platform's config directory, or ``INSPECTOR_SETTINGS``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from inspector.core.datadir import settings_path

# data_dir is written only when the user chooses a directory: the same file is read by the
# command line (inspector.core.datadir), so the two always work on the same data.
KEYS = ("inspector_name", "inspector_unit", "district", "default_template", "data_dir",
        "language", "report_font_path")
__all__ = ["KEYS", "Settings", "settings_path"]


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

    def remove(self, key: str) -> None:
        self._qsettings.remove(key)
        self._qsettings.sync()

    @property
    def inspector_name(self) -> str:
        return self.get("inspector_name")

    @property
    def language(self) -> str:
        return self.get("language", "zh") or "zh"
