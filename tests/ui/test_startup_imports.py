"""The first window imports only what it needs (issue 11: start-up ≤ 1.3× a bare QMainWindow).

A fresh interpreter starts the program as ``main.py --exit-when-shown`` does and notes every
module the GUI thread imports until the window has been shown (and painted once); the start
then goes on to the complete window. The window is shown as a frame (``ui.app``'s progressive
start), so not even the store, the job runner, the browser or the sync status are imported
before it is: they come with the build steps after. Modules the background jobs import — the
browser's registry read, the warm-up — are theirs. A module-level import of a heavy library, of
the domain or of the store in anything the frame imports makes this test fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import json, sys, threading

gui_thread = threading.main_thread()
imported = []
shown = []


class NoteImports:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if threading.current_thread() is gui_thread and not shown:
            imported.append(name)
        return None  # the next finder finds it


class Output:
    def write(self, text):
        if text.startswith("shown-at "):
            shown.append(text)
        return len(text)

    def flush(self):
        pass


sys.meta_path.insert(0, NoteImports)
real_stdout, sys.stdout = sys.stdout, Output()
from ui.app import run

code = run(["--data-dir", sys.argv[1], "--exit-when-shown"])
sys.stdout = real_stdout
real_stdout.write(json.dumps({"code": code, "shown": bool(shown), "imported": imported}))
"""

# Not for the first window: reports, photos, sync, the domain, the editor and dialogs, and
# not for the frame: the store, the job runner, the browser.
NOT_AT_START = (
    "reportlab", "PIL", "sqlite_utils", "pydantic", "pydantic_core", "openpyxl",
    "cryptography", "PySide6.QtMultimedia", "PySide6.QtMultimediaWidgets", "PySide6.QtSvg",
    "PySide6.QtPrintSupport", "PySide6.QtPdf", "sync", "inspector.domain", "inspector.ops",
    "inspector.reports", "ui.inspection_editor", "ui.photo_strip", "ui.photo_jobs",
    "ui.report_actions", "ui.first_run", "ui.dashboard", "ui.sync_dialog", "ui.community_page",
    # the frame's: the build steps import these after the window is shown
    "sqlite3", "inspector.core.store", "inspector.core.changes", "ui.ops", "ui.browser",
    "ui.sync_status", "ui.screenshots",
)


def test_the_first_window_imports_no_heavy_module(demo_dir: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-c", CHILD, str(demo_dir)], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.splitlines()[-1])
    assert outcome["code"] == 0 and outcome["shown"], result.stderr
    imported: list[str] = outcome["imported"]
    assert "ui.main_window" in imported  # the spy saw the start
    unwanted = sorted(name for name in imported
                      if any(name == top or name.startswith(top + ".") for top in NOT_AT_START))
    assert unwanted == []
