"""The progressive start (issue 11): the real main window is shown as a frame before the store,
the menus' actions, the splitter and the browser exist, and becomes the whole window on the
next event-loop turns. A fresh interpreter runs the program as ``main.py`` does and looks at
the window at the moments it reports, so nothing here depends on how long a step takes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from inspector.core.store import Store
from ui.app import Args, parse_args
from ui.main_window import MainWindow
from ui.settings import Settings

ROOT = Path(__file__).resolve().parents[2]

# What the child reports of the window: at "shown-at" and at "complete-at".
LOOK = """
import json, sys
from PySide6.QtWidgets import QApplication


def look():
    window = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "mainWindow")
    return {
        "visible": window.isVisible(),
        "built": window.built,
        "central": window.centralWidget().metaObject().className(),
        "central_name": window.centralWidget().objectName(),
        "title": window.windowTitle(),
        "menus": [a.text() for a in window.menuBar().actions()],
        "menu_actions": sum(len(a.menu().actions()) for a in window.menuBar().actions()),
        "splitters": len([c for c in window.findChildren(object)
                          if c.metaObject().className() == "QSplitter"]),
        "communities": window.browser.community_count() if window.built else 0,
        "status": window.status_label.text(),
        "modules": sorted(name for name in ("inspector.core.store", "ui.browser", "ui.ops",
                                            "ui.sync_status", "sqlite3")
                          if name in sys.modules),
    }
"""

HEADLESS = LOOK + """
seen = {}


class Output:
    def write(self, text):
        if "-at " in text:  # "shown-at …", "complete-at …"
            seen[text.split("-at ")[0]] = look()
        return len(text)

    def flush(self):
        pass


real_stdout, sys.stdout = sys.stdout, Output()
from ui.app import run

code = run(sys.argv[1:])
sys.stdout = real_stdout
real_stdout.write(json.dumps({"code": code, "seen": seen}))
"""

# Not headless: the first-run assistant and message boxes answered by the child itself; the
# window is closed once it is complete, as a person would.
INTERACTIVE = LOOK + """
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QDialog, QMessageBox

from ui import first_run

seen = {}


def answer(wizard):
    seen["assistant"] = look()
    seen["assistant_parent"] = wizard.parent().objectName() if wizard.parent() else None
    wizard.person.name.setText("王建国")
    wizard.begin.blank.setChecked(True)
    return QDialog.DialogCode.Accepted


def critical(parent, title, text):
    seen["box"] = {"parent": parent.objectName() if parent else None, "title": title,
                   "text": text, "window": look()}
    return QMessageBox.StandardButton.Ok


first_run.FirstRunWizard.exec = answer
QMessageBox.critical = critical


def close_when_complete():
    windows = [w for w in QApplication.topLevelWidgets() if w.objectName() == "mainWindow"]
    if windows and windows[0].built and not windows[0].browser.is_loading:
        seen["complete"] = look()
        windows[0].close()
    else:
        QTimer.singleShot(10, close_when_complete)


QTimer.singleShot(0, close_when_complete)
from ui.app import run

code = run(sys.argv[1:])
sys.stdout.write(json.dumps({"code": code, "seen": seen}))
"""


def child(script: str, *argv: str) -> tuple[dict[str, object], str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-c", script, *argv], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=False)
    assert result.stdout, result.stderr
    answer: dict[str, object] = json.loads(result.stdout.splitlines()[-1])
    return answer, result.stderr


def test_the_window_is_shown_before_it_is_built_and_completes_after(demo_dir: Path) -> None:
    outcome, stderr = child(HEADLESS, "--data-dir", str(demo_dir), "--exit-when-shown")
    assert outcome["code"] == 0, stderr
    seen = outcome["seen"]
    assert isinstance(seen, dict) and set(seen) == {"shown", "complete"}
    shown, complete = seen["shown"], seen["complete"]
    # shown: the real window with its title, menu titles and status line — nothing heavy yet
    assert shown["visible"] and not shown["built"]
    assert shown["central_name"] == "opening" and shown["splitters"] == 0
    assert shown["title"] == "绿色社区巡查" and "文件(&F)" in shown["menus"]
    assert shown["menu_actions"] == 0 and shown["modules"] == []
    assert str(demo_dir) in shown["status"]
    # complete: the same window, built, the registry in the browser
    assert complete["built"] and complete["central"] == "QSplitter"
    assert complete["menus"] == shown["menus"] and complete["menu_actions"] > 20
    assert complete["communities"] > 0 and "inspector.core.store" in complete["modules"]


def test_the_first_run_assistant_comes_over_the_shown_window(tmp_path: Path) -> None:
    data = tmp_path / "data"
    outcome, stderr = child(INTERACTIVE, "--data-dir", str(data))
    assert outcome["code"] == 0, stderr
    seen = outcome["seen"]
    assert isinstance(seen, dict)
    assistant = seen["assistant"]
    assert assistant["visible"] and not assistant["built"]
    assert assistant["central_name"] == "opening"
    assert seen["assistant_parent"] == "mainWindow"
    assert seen["complete"]["built"] and seen["complete"]["communities"] == 0
    with Store.open(data, readonly=True) as store:
        assert store.query_one("SELECT id FROM communities LIMIT 1") is None


def test_a_bad_data_directory_is_a_message_over_the_window(tmp_path: Path) -> None:
    (tmp_path / ".stfolder").mkdir()  # a Syncthing folder: SQLite's locking does not hold
    outcome, stderr = child(INTERACTIVE, "--data-dir", str(tmp_path / "data"))
    assert outcome["code"] == 2 and "Traceback" not in stderr
    seen = outcome["seen"]
    assert isinstance(seen, dict) and "complete" not in seen
    box = seen["box"]
    assert box["parent"] == "mainWindow" and box["title"] == "无法打开数据"
    assert ".stfolder" in box["text"] and not box["window"]["built"]


def test_the_frame_becomes_the_whole_window(qtbot: QtBot, demo_store: Store) -> None:
    window = MainWindow(None, Settings(), data_dir=demo_store.data_dir)
    qtbot.addWidget(window)
    window.show()
    assert window.opening is not None and window.centralWidget() is window.opening
    assert not window.built and window.file_menu.isEmpty()
    assert window.windowTitle() == "绿色社区巡查" and window.file_menu.title() == "文件(&F)"
    for step in window.build_steps(demo_store):
        step()
    assert window.built and window.opening is None
    assert not window.file_menu.isEmpty() and window.import_action.text() == "导入社区名单…"
    qtbot.waitUntil(lambda: window.browser.community_count() > 0
                    and not window.browser.is_loading, timeout=20_000)
    assert window.sync_status.isVisible()  # made once the registry was read
    assert window.search_action.shortcut().toString() == "Ctrl+L"
    assert window.search_action in window.actions()  # the shortcuts answer in the window


@pytest.mark.parametrize("argv", [
    [],
    ["--data-dir", "/d", "--exit-when-shown"],
    ["--data-dir=/d", "--lang", "en", "--screenshot", "x.png", "--view", "editor"],
    ["--lang=zh", "--view=first-run"],
])
def test_the_gui_flags_are_read_as_argparse_reads_them(argv: list[str]) -> None:
    from ui import app

    assert parse_args(argv) == Args(**vars(app._parser().parse_args(argv)))


def test_a_mistaken_flag_gets_argparse_s_message(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--lang", "fr"], ["--nope"], ["--data-dir"], ["--exit"]):
        if argv == ["--exit"]:  # argparse's abbreviation still works
            assert parse_args(argv).exit_when_shown
            continue
        with pytest.raises(SystemExit) as ended:
            parse_args(argv)
        assert ended.value.code == 2
    assert "usage: main.py" in capsys.readouterr().err
