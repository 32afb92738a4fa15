"""Starting the program, settings, errors, reopening with a reason (jobs: test_ops.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from inspector.core.errors import InspectorError
from inspector.core.store import Store
from inspector.domain import audit, inspections
from tests.ui.conftest import type_text
from tests.ui.test_workbench import make_window
from ui import errors
from ui.errors import CrashReporter
from ui.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_screenshot_of_an_empty_data_directory_loads_the_demo(tmp_path: Path) -> None:
    target = tmp_path / "shot.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "INSPECTOR_SETTINGS": str(tmp_path / "settings.ini")}
    result = subprocess.run([sys.executable, "main.py", "--data-dir", str(tmp_path / "data"),
                             "--screenshot", str(target)], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=False)  # pytest-timeout bounds it
    assert result.returncode == 0, result.stderr
    with Image.open(target) as image:
        assert image.size[0] >= 1200 and image.size[1] >= 700
        assert len(image.convert("L").resize((64, 64)).getcolors(4096) or []) > 10  # not blank
    with Store.open(tmp_path / "data", readonly=True) as store:
        assert store.query_one("SELECT COUNT(*) AS n FROM communities")["n"] >= 60  # type: ignore[index]


def test_a_data_directory_in_a_sync_folder_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / ".stfolder").mkdir()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "INSPECTOR_SETTINGS": str(tmp_path / "settings.ini")}
    result = subprocess.run([sys.executable, "main.py", "--data-dir", str(tmp_path / "data"),
                             "--screenshot", str(tmp_path / "x.png")], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert ".stfolder" in result.stderr and "Traceback" not in result.stderr


def test_uncaught_errors_are_logged_to_a_file_and_shown_once(qtbot: QtBot,
                                                          tmp_path: Path) -> None:
    log_file = tmp_path / "logs" / "errors.log"
    reporter = CrashReporter(log_file, lambda: None)
    for message in ("first surprise", "second surprise"):
        try:
            raise RuntimeError(message)
        except RuntimeError as exc:
            reporter.hook(type(exc), exc, exc.__traceback__)
    text = log_file.read_text(encoding="utf-8")
    assert "first surprise" in text and "second surprise" in text and "Traceback" in text
    assert len(errors.shown_messages) == 1 and str(log_file) in errors.shown_messages[0]
    # a domain refusal is a plain message, not a crash
    error = InspectorError("检查已提交")
    reporter.hook(InspectorError, error, None)
    assert errors.shown_messages[-1] == "检查已提交"
    assert "检查已提交" not in log_file.read_text(encoding="utf-8")


def test_settings_are_kept_in_an_ini_file(qtbot: QtBot, demo_store: Store) -> None:
    window = make_window(qtbot, demo_store)
    dialog = window.open_settings()
    dialog.inspector_name.clear()
    type_text(dialog.inspector_name, "陈晓燕")
    dialog.language.setCurrentIndex(1)
    try:
        dialog.accept()
        ini = QSettings(str(Settings().path), QSettings.Format.IniFormat)
        assert ini.value("inspector_name") == "陈晓燕"
        assert ini.value("language") == "en"
        assert window.windowTitle() == "Green Community Inspector"
        assert demo_store.actor == "陈晓燕"
    finally:
        window.set_language("zh")


def test_reopen_asks_for_a_reason_that_lands_in_the_log(qtbot: QtBot, demo_store: Store) -> None:
    window = make_window(qtbot, demo_store)
    submitted = demo_store.query("SELECT id FROM inspections WHERE status = 'submitted'")[0]["id"]
    window.open_inspection(submitted)
    dialog = window.reopen_inspection(submitted)
    dialog.setTextValue("社区对C01结论有异议")
    dialog.accept()
    assert inspections.get(demo_store, submitted)["status"] == "reopened"
    logged = [e for e in audit.entries(demo_store, table="inspections", row_id=submitted)
              if e.field == "reopen_reason"]
    assert logged and logged[-1].new_value == "社区对C01结论有异议"
    assert window.editor.submit_button.isVisible()
