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
                            check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    fields = result.stdout.split()
    values = dict(zip(fields[::2], map(int, fields[1::2]), strict=True))
    rounds = values["rounds"]
    # The bug loses a reference per emit (thousands over the run); the interpreter's own
    # bookkeeping moves a count by a few at most. A tenth of the rounds separates the two.
    assert abs(values["true_delta"]) < rounds // 10, result.stdout
    assert abs(values["none_delta"]) < rounds // 10, result.stdout
