"""Startup: process start → main window shown, ours vs. a bare PySide6 QMainWindow.

Runs them alternately (default 10 times each) and prints the medians and their ratio. A third
program, "same widgets", builds our whole window's widgets (splitter, search field, tree with a
model, welcome page, seven menus of shortcuts, status bar, Chinese texts) with PySide6 alone
and shows them at once: what showing the whole window first would cost at best (the Qt
namespace's enums, made when the splitter is, fonts, layout, the first paint).
Each prints the wall-clock time at which its window was shown; the time is taken from just
before the process is spawned. Ours shows its real main window as a frame first and builds the
rest on the next event-loop turns (``ui.app.Startup``): it also prints when the window is
complete — menus, browser, the registry read and put into the tree — reported as a second
figure, so that the progressive start's "shown" is never read as "ready". Ours opens a demo
data directory made once beforehand. All run with compiled bytecode cached (in a scratch
folder), as an installed copy would.

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

SAME_WIDGETS = """
import sys, time
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QStandardItemModel
from PySide6.QtWidgets import (QApplication, QHBoxLayout, QLabel, QLineEdit, QMainWindow,
                               QPushButton, QSplitter, QStackedWidget, QTreeView, QVBoxLayout,
                               QWidget)
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
window.setWindowTitle("绿色社区巡查")
browser = QWidget()
model = QStandardItemModel(0, 2, browser)
model.setHorizontalHeaderLabels(["社区", "状态"])
search = QLineEdit(browser)
search.setClearButtonEnabled(True)
search.setPlaceholderText("搜索社区（Ctrl+L）")
view = QTreeView(browser)
view.setModel(model)
view.setAlternatingRowColors(True)
layout = QVBoxLayout(browser)
layout.addWidget(search)
layout.addWidget(view, 1)
layout.addWidget(QLabel("正在读取社区名单…", browser))
welcome = QWidget()
text = QLabel("请在左侧选择一个社区", welcome)
text.setAlignment(Qt.AlignmentFlag.AlignCenter)
text.setWordWrap(True)
buttons = QHBoxLayout()
buttons.addWidget(QPushButton("导入社区名单…", welcome))
buttons.addWidget(QPushButton("装入演示数据", welcome))
welcome_layout = QVBoxLayout(welcome)
welcome_layout.addWidget(text)
welcome_layout.addLayout(buttons)
stack = QStackedWidget()
stack.addWidget(welcome)
splitter = QSplitter()
splitter.addWidget(browser)
splitter.addWidget(stack)
splitter.setSizes([330, 1000])
window.setCentralWidget(splitter)
window.statusBar().addPermanentWidget(QLabel("就绪"))
window.statusBar().addPermanentWidget(QLabel("未同步 0"))
for title in ("文件(&F)", "编辑(&E)", "检查(&I)", "报告(&R)", "同步(&S)", "语言(&L)", "帮助(&H)"):
    menu = window.menuBar().addMenu(title)
    for n in range(4):
        action = QAction(f"{title} {n}…", window)
        action.setShortcut(QKeySequence(f"Ctrl+{n}"))
        window.addAction(action)
        menu.addAction(action)
window.resize(1400, 860)
window.show()
app.processEvents()
sys.stdout.write(f"shown-at {time.time():.6f}\\n")
"""

log = logging.getLogger("bench_startup")


def moments(command: list[str], env: dict[str, str]) -> dict[str, float]:
    """Seconds from spawning the process to each ``NAME-at TIME`` line it printed."""
    started = time.time()
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT,
                            check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{command[1]} ended with {result.returncode}:\n{result.stderr}")
    return {name.removesuffix("-at"): float(at) - started
            for name, _, at in (line.partition(" ") for line in result.stdout.splitlines())
            if name.endswith("-at")}


def shown_after(command: list[str], env: dict[str, str]) -> float:
    return moments(command, env)["shown"]


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
        same_command = [sys.executable, "-c", SAME_WIDGETS]
        for command in (ours_command, bare_command, same_command):
            shown_after(command, env)  # warm the file cache
        ours: list[float] = []
        complete: list[float] = []
        bare: list[float] = []
        same: list[float] = []
        for run in range(args.runs):
            at = moments(ours_command, env)
            ours.append(at["shown"])
            complete.append(at["complete"])
            bare.append(shown_after(bare_command, env))
            same.append(shown_after(same_command, env))
            log.info("run %d: ours %.3f s (complete %.3f s), bare %.3f s, same widgets %.3f s",
                     run + 1, ours[-1], complete[-1], bare[-1], same[-1])
    ours_median, bare_median = statistics.median(ours), statistics.median(bare)
    same_median, complete_median = statistics.median(same), statistics.median(complete)
    sys.stdout.write(
        f"\nprocess start -> window shown, median of {args.runs} alternating runs\n"
        f"  green inspector (demo data)  {ours_median * 1000:7.0f} ms\n"
        f"  bare QMainWindow             {bare_median * 1000:7.0f} ms\n"
        f"  same widgets, PySide6 alone  {same_median * 1000:7.0f} ms"
        f"  ({same_median / bare_median:.2f}x: the same window built at once)\n"
        f"  ratio                        {ours_median / bare_median:7.2f}x  (aim: <= 1.3x)\n"
        f"process start -> window complete (browser filled), ours\n"
        f"  green inspector (demo data)  {complete_median * 1000:7.0f} ms\n")


if __name__ == "__main__":
    main()
