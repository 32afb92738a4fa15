"""The main window's warm-up imports modules on a worker thread; shiboken creating Qt
subclasses on two threads at once crashes the process (seen: the dashboard opened while the
editor's module was imported in the background), so only Qt-free modules may go there."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ui.main_window import WARM_UP_OFF_THREAD

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
