"""Startup: process start → main window shown, ours vs. a bare PySide6 QMainWindow.

Runs the two alternately (default 10 times each) and prints the medians and their ratio.
Both print the wall-clock time at which their window was shown; the time is taken from just
before the process is spawned. Ours opens a demo data directory made once beforehand. Both
run with compiled bytecode cached (in a scratch folder), as an installed copy would.

    .venv/bin/python benchmarks/bench_startup.py [--runs 10]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BARE = """
import sys, time
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.resize(1400, 860)
window.show()
app.processEvents()
sys.stdout.write(f"shown-at {time.time():.6f}\\n")
"""

log = logging.getLogger("bench_startup")


def shown_after(command: list[str], env: dict[str, str]) -> float:
    started = time.time()
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT,
                            check=True)
    line = next(x for x in result.stdout.splitlines() if x.startswith("shown-at "))
    return float(line.split()[1]) - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder) / "data"
        env["INSPECTOR_SETTINGS"] = str(Path(folder) / "settings.ini")
        # Compiled modules as an installed copy has them (pip writes .pyc files): with
        # PYTHONDONTWRITEBYTECODE set, every start would compile all our sources again
        # (~0.2 s); the cache goes to the scratch folder, not into the tree.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(Path(folder) / "pycache")
        subprocess.run([sys.executable, "-m", "inspector.cli", "--data-dir", str(data_dir),
                        "demo"], check=True, env=env, cwd=ROOT, capture_output=True)
        ours_command = [sys.executable, "main.py", "--data-dir", str(data_dir),
                        "--exit-when-shown"]
        bare_command = [sys.executable, "-c", BARE]
        shown_after(ours_command, env)  # warm the file cache for both
        shown_after(bare_command, env)
        ours: list[float] = []
        bare: list[float] = []
        for run in range(args.runs):
            ours.append(shown_after(ours_command, env))
            bare.append(shown_after(bare_command, env))
            log.info("run %d: ours %.3f s, bare %.3f s", run + 1, ours[-1], bare[-1])
    ours_median, bare_median = statistics.median(ours), statistics.median(bare)
    sys.stdout.write(
        f"\nprocess start -> window shown, median of {args.runs} alternating runs\n"
        f"  green inspector (demo data)  {ours_median * 1000:7.0f} ms\n"
        f"  bare QMainWindow             {bare_median * 1000:7.0f} ms\n"
        f"  ratio                        {ours_median / bare_median:7.2f}x  (aim: <= 1.5x)\n")


if __name__ == "__main__":
    main()
