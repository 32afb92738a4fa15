"""The main window's warm-up imports modules on a worker thread; shiboken creating Qt
subclasses on two threads at once crashes the process (seen: the dashboard opened while the
editor's module was imported in the background), so only Qt-free modules may go there."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ui.main_window import WARM_UP_OFF_THREAD, WARM_UP_ON_GUI

ROOT = Path(__file__).resolve().parents[2]


def test_the_modules_warmed_up_off_the_gui_thread_import_no_qt() -> None:
    assert WARM_UP_OFF_THREAD
    probe = ("import importlib, sys\n"
             f"for name in {WARM_UP_OFF_THREAD!r}:\n"
             "    importlib.import_module(name)\n"
             "qt = sorted(m for m in sys.modules\n"
             "            if m.split('.')[0] in ('PySide6', 'shiboken6', 'ui'))\n"
             "sys.stdout.write(','.join(qt))\n")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                            text=True, check=True, timeout=60)
    assert result.stdout.strip() == ""


def test_each_warm_up_step_on_the_gui_thread_imports_one_module_of_ours() -> None:
    """The editor's modules are imported one per event-loop turn, leaves first: a step that
    pulls in more of ours (a module added to the editor's imports and not to the list) would
    stop the GUI for all of them at once again."""
    probe = ("import importlib, sys\n"
             "import ui.main_window, ui.browser, ui.sync_status\n"
             f"for name in {WARM_UP_OFF_THREAD!r}:\n"
             "    importlib.import_module(name)\n"
             "ours = lambda: {m for m in sys.modules if m.split('.')[0] in ('ui', 'inspector',"
             " 'sync')}\n"
             f"for name in {WARM_UP_ON_GUI!r}:\n"
             "    before = ours()\n"
             "    importlib.import_module(name)\n"
             "    sys.stdout.write(name + ':' + ','.join(sorted(ours() - before)) + '\\n')\n")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                            text=True, check=True, timeout=60,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    steps = dict(line.split(":", 1) for line in result.stdout.split())
    assert steps == {name: name for name in WARM_UP_ON_GUI}
    assert WARM_UP_ON_GUI[-1] == "ui.inspection_editor"
