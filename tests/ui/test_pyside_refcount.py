"""Guard against PySide6 builds that lose references on signal emits (6.12.0 on Python 3.11).

Such a build aborts the interpreter after a few thousand emits, i.e. during a working day.
The probe runs in a child process, since the failure is an abort, not an exception.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROBE = Path(__file__).with_name("refcount_probe.py")


def test_signal_emits_keep_reference_counts() -> None:
    result = subprocess.run([sys.executable, str(PROBE)], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "True delta 0 None delta 0" in result.stdout
