"""Starting the GUI: arguments, QApplication, data directory, first-run assistant, main window."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from inspector.core.datadir import DataDirChoice, choose_data_dir
from inspector.core.errors import InspectorError
from inspector.core.store import Store
from ui import ops
from ui.errors import CrashReporter
from ui.i18n import language, tr
from ui.main_window import MainWindow
from ui.settings import Settings

IMPORT = "import"  # the first-run assistant's "import a community list"

log = logging.getLogger("ui")
VIEWS = ("main", "editor", "findings", "submit", "dashboard", "first-run", "import",
         "remove-photo", "site-plan", "finding-photos")


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="main.py", description="绿色社区巡查")
    parser.add_argument("--data-dir", help="data directory (default: settings, "
                        "INSPECTOR_DATA_DIR or the platform's user data directory)")
    parser.add_argument("--lang", choices=("zh", "en"))
    parser.add_argument("--screenshot", metavar="FILE.png",
                        help="render the main window to a PNG and exit")
    parser.add_argument("--view", choices=VIEWS, default="main",
                        help="what --screenshot shows")
    parser.add_argument("--exit-when-shown", action="store_true",
                        help="quit as soon as the window is shown (startup benchmark)")
    return parser.parse_args(list(argv))


def is_empty(store: Store) -> bool:
    return store.query_one("SELECT id FROM communities LIMIT 1") is None


def wait_for(condition: Callable[[], bool], timeout_s: float = 60) -> bool:
    """Run the event loop until ``condition`` holds (or the time is up), checking it on a Qt
    timer rather than sleeping between checks."""
    if condition():
        return True
    loop = QEventLoop()
    poll = QTimer()

    def check() -> None:
        if condition():
            loop.quit()

    poll.timeout.connect(check)
    poll.start(10)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    loop.exec()
    poll.stop()
    return condition()


def load_demo(data_dir: Path, show_progress: bool) -> None:
    """Fill an empty data directory on the writer thread (its own writing connection), the
    event loop running until it has ended."""

    def work(_token: ops.CancelToken, _progress: ops.Progress) -> int:
        from inspector.ops import demo  # only for an empty data directory

        with Store.open(data_dir) as store:
            return demo.fill(store)

    loop = QEventLoop()
    failures: list[BaseException] = []

    def failed(exc: BaseException) -> None:
        failures.append(exc)
        loop.quit()

    op = ops.CollectionOp(None, work, on_success=lambda _n: loop.quit(), on_failure=failed,
                          on_cancelled=loop.quit)
    dialog = None
    if show_progress:
        from PySide6.QtWidgets import QProgressDialog

        dialog = QProgressDialog(tr("正在装入演示数据…", "Loading the demo data…"), "", 0, 0)
        dialog.setCancelButton(None)
        dialog.setMinimumDuration(0)
        dialog.show()
    op.run()
    if not op.finished:
        loop.exec()
    if dialog is not None:
        dialog.close()
    if failures:
        raise InspectorError(ops.failure_message(failures[0]))


def first_run(store: Store, settings: Settings,
              choice: DataDirChoice) -> tuple[Store, DataDirChoice, str]:
    """The first-run assistant (blocking, before the main window): returns the store to use
    (another one if the data directory was changed), how it was chosen, and how to start."""
    from PySide6.QtWidgets import QDialog

    from ui.first_run import DEMO, FirstRunWizard

    wizard = FirstRunWizard(settings, choice, empty=is_empty(store))
    if wizard.exec() != QDialog.DialogCode.Accepted:
        return store, choice, ""
    answers = wizard.save()
    new_choice = wizard.new_choice()
    store.actor = answers.name
    if new_choice.path != store.data_dir:
        store.close()
        store = Store.open(new_choice.path, actor=answers.name)
    if answers.start == DEMO and is_empty(store):
        store.close()
        load_demo(new_choice.path, show_progress=True)
        store = Store.open(new_choice.path, actor=answers.name)
    return store, new_choice, answers.start


def _setup_logging(data_dir: Path) -> None:
    logs = data_dir / "logs"
    try:
        logs.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(logs / "inspector.log", encoding="utf-8")
    except OSError:
        handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])


def run(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    # QtMultimedia (the camera) lists every codec library it cannot load: not for users' eyes.
    os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia*=false")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("green-inspector")
    app.setApplicationDisplayName("绿色社区巡查")
    settings = Settings()
    language.set(args.lang or settings.language)
    headless = bool(args.screenshot or args.exit_when_shown)
    choice = choose_data_dir(args.data_dir)  # argument > environment > settings > default
    start = ""
    try:
        store = Store.open(choice.path, actor=settings.inspector_name or None)
        _setup_logging(choice.path)
        if headless:
            if is_empty(store):  # a screenshot or a start-up measurement: the demo
                store.close()
                load_demo(choice.path, show_progress=False)
                store = Store.open(choice.path, actor=settings.inspector_name or None)
        elif is_empty(store) or not settings.inspector_name:
            store, choice, start = first_run(store, settings, choice)
    except InspectorError as exc:
        if headless:
            sys.stderr.write(f"{exc}\n")
        else:
            from PySide6.QtWidgets import QMessageBox

            QMessageBox.critical(None, tr("无法打开数据", "Cannot open the data"), str(exc))
        return 2
    data_dir = choice.path
    ops.log_folder = data_dir

    window = MainWindow(store, settings)
    window.data_choice = choice
    if start == IMPORT:
        window.import_communities()
    reporter = CrashReporter(data_dir / "logs" / "errors.log", lambda: window)
    reporter.install()
    window.show()
    try:
        if args.exit_when_shown:
            app.processEvents()
            sys.stdout.write(f"shown-at {time.time():.6f}\n")
            sys.stdout.flush()
            return 0
        if args.screenshot:
            from ui.screenshots import render

            render(window, args.view, Path(args.screenshot))
            return 0
        return int(app.exec())
    finally:
        ops.stop_all()
        reporter.uninstall()
        store.close()
