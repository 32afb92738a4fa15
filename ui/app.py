"""Starting the GUI: arguments, QApplication, the main window, data directory, first-run assistant.

A progressive start (issue 11: start-up ≤ 1.3× a bare QMainWindow): the main window's frame
is shown first, with only what it needs imported (QtWidgets' basic classes, settings,
language); then, one short step per event-loop turn on the GUI thread, the data directory is
opened (the first-run assistant asks first when it is empty), the menus, the browser and the
rest of the window are built and the registry is read. The store, the job runner and the
browser's modules are imported in those steps, not before the window is shown.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from inspector.core.datadir import DataDirChoice, choose_data_dir
from inspector.core.errors import InspectorError
from ui.i18n import language, tr
from ui.main_window import MainWindow
from ui.settings import Settings

if TYPE_CHECKING:
    import argparse

    from PySide6.QtWidgets import QWidget

    from inspector.core.store import Store
    from ui.errors import CrashReporter

IMPORT = "import"  # the first-run assistant's "import a community list"

log = logging.getLogger("ui")
VIEWS = ("main", "editor", "findings", "submit", "dashboard", "first-run", "import",
         "remove-photo", "site-plan", "finding-photos")
LANGUAGES = ("zh", "en")


@dataclass
class Args:
    data_dir: str | None = None
    lang: str | None = None
    screenshot: str | None = None
    view: str = "main"
    exit_when_shown: bool = False


def _parser() -> argparse.ArgumentParser:
    import argparse

    parser = argparse.ArgumentParser(prog="main.py", description="绿色社区巡查")
    parser.add_argument("--data-dir", help="data directory (default: settings, "
                        "INSPECTOR_DATA_DIR or the platform's user data directory)")
    parser.add_argument("--lang", choices=LANGUAGES)
    parser.add_argument("--screenshot", metavar="FILE.png",
                        help="render the main window to a PNG and exit")
    parser.add_argument("--view", choices=VIEWS, default="main",
                        help="what --screenshot shows")
    parser.add_argument("--exit-when-shown", action="store_true",
                        help="print when the window is shown and when it is complete (the "
                        "browser filled), then quit (startup benchmark)")
    return parser


def parse_args(argv: Sequence[str]) -> Args:
    """The few GUI flags, read without argparse (building its parser costs ≈ 2 ms at every
    start); anything else — ``--help``, an abbreviation, a mistake — goes to argparse, for its
    usage and its messages."""
    items = list(argv)
    args = Args()
    options = {"--data-dir": "data_dir", "--lang": "lang", "--screenshot": "screenshot",
               "--view": "view"}
    choices = {"lang": LANGUAGES, "view": VIEWS}
    index = 0
    while index < len(items):
        name, has_value, value = items[index].partition("=")
        index += 1
        if name == "--exit-when-shown" and not has_value:
            args.exit_when_shown = True
            continue
        field = options.get(name)
        if field is None:
            return Args(**vars(_parser().parse_args(items)))
        if not has_value:
            if index >= len(items) or items[index].startswith("-"):
                return Args(**vars(_parser().parse_args(items)))
            value = items[index]
            index += 1
        if field in choices and value not in choices[field]:
            return Args(**vars(_parser().parse_args(items)))
        setattr(args, field, value)
    return args


def is_empty(store: Store) -> bool:
    return store.query_one("SELECT id FROM communities LIMIT 1") is None


def wait_for(condition: Callable[[], bool], timeout_s: float = 60) -> bool:
    """Run the event loop until ``condition`` holds (or the time is up), checking it on a Qt
    timer rather than sleeping between checks."""
    from PySide6.QtCore import QEventLoop

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


def load_demo(data_dir: Path, show_progress: bool, parent: QWidget | None = None) -> None:
    """Fill an empty data directory on the writer thread (its own writing connection), the
    event loop running until it has ended."""
    from PySide6.QtCore import QEventLoop

    from inspector.core.store import Store
    from ui import ops

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

        dialog = QProgressDialog(tr("正在装入演示数据…", "Loading the demo data…"), "", 0, 0,
                                 parent)
        dialog.setCancelButton(None)
        dialog.setMinimumDuration(0)
        dialog.show()
    op.run()
    if not op.finished:
        loop.exec()
    if dialog is not None:
        dialog.close()
        dialog.deleteLater()
    if failures:
        raise InspectorError(ops.failure_message(failures[0]))


def first_run(store: Store, settings: Settings, choice: DataDirChoice,
              parent: QWidget | None = None) -> tuple[Store, DataDirChoice, str]:
    """The first-run assistant (blocking, before the window is built): returns the store to
    use (another one if the data directory was changed), how it was chosen, and how to
    start."""
    from PySide6.QtWidgets import QDialog

    from inspector.core.store import Store
    from ui.first_run import DEMO, FirstRunWizard

    wizard = FirstRunWizard(settings, choice, empty=is_empty(store), parent=parent)
    try:
        if wizard.exec() != QDialog.DialogCode.Accepted:
            return store, choice, ""
        answers = wizard.save()
        new_choice = wizard.new_choice()
    finally:
        wizard.deleteLater()  # a child of the window: not left behind it
    store.actor = answers.name
    if new_choice.path != store.data_dir:
        store.close()
        store = Store.open(new_choice.path, actor=answers.name)
    if answers.start == DEMO and is_empty(store):
        store.close()
        load_demo(new_choice.path, show_progress=True, parent=parent)
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


def _note(event: str) -> None:
    """``--exit-when-shown``: the wall-clock time of a start-up moment, for the benchmark."""
    sys.stdout.write(f"{event}-at {time.time():.6f}\n")
    sys.stdout.flush()


class Startup:
    """What follows the shown frame, one step per event-loop turn on the GUI thread: open the
    data directory (the assistant first when it is empty), build the window, read the
    registry; then, for ``--exit-when-shown`` or ``--screenshot``, end with a code."""

    def __init__(self, app: QApplication, window: MainWindow, settings: Settings, args: Args,
                 choice: DataDirChoice) -> None:
        self.app = app
        self.window = window
        self.settings = settings
        self.args = args
        self.choice = choice
        self.headless = bool(args.screenshot or args.exit_when_shown)
        self.store: Store | None = None
        self.reporter: CrashReporter | None = None
        self.start = ""  # how the assistant said to begin
        self.code: int | None = None  # set when the start itself ends the program
        self.error: BaseException | None = None  # a bug in a step: raised again by run()
        self.complete = False  # built and the browser filled (or its failure said)
        self._steps: list[Callable[[], None]] = [self._open_data]

    def begin(self) -> None:
        QTimer.singleShot(0, self.window, self._next)

    def _next(self) -> None:
        step = self._steps.pop(0)
        try:
            step()
        except BaseException as exc:  # noqa: BLE001 - raised again after the loop ended
            self.error = exc
            self._end(1)
            return
        if self._steps and self.code is None:
            QTimer.singleShot(0, self.window, self._next)

    def _end(self, code: int) -> None:
        self.code = code
        self.app.exit(code)

    def _open_data(self) -> None:
        from inspector.core.store import Store
        from ui import ops
        from ui.errors import CrashReporter

        settings, choice = self.settings, self.choice
        try:
            self.store = Store.open(choice.path, actor=settings.inspector_name or None)
            _setup_logging(choice.path)
            if self.headless:
                if is_empty(self.store):  # a screenshot or a start-up measurement: the demo
                    self.store.close()
                    self.store = None
                    load_demo(choice.path, show_progress=False)
                    self.store = Store.open(choice.path,
                                            actor=settings.inspector_name or None)
            elif is_empty(self.store) or not settings.inspector_name:
                store, self.store = self.store, None  # first_run may close it
                self.store, choice, self.start = first_run(store, settings, choice,
                                                           self.window)
        except InspectorError as exc:
            self._cannot_open(str(exc))
            return
        store = self.store
        self.choice = choice
        ops.log_folder = choice.path
        self.window.data_choice = choice
        self.reporter = CrashReporter(choice.path / "logs" / "errors.log", lambda: self.window)
        self.reporter.install()
        self._steps += [*self.window.build_steps(store), self._built]

    def _cannot_open(self, message: str) -> None:
        if self.headless:
            sys.stderr.write(f"{message}\n")
        else:
            from PySide6.QtWidgets import QMessageBox

            QMessageBox.critical(self.window, tr("无法打开数据", "Cannot open the data"),
                                 message)
        self._end(2)

    def _built(self) -> None:
        browser = self.window.browser
        browser.loaded.connect(self._loaded)
        browser.load_failed.connect(self._load_failed)
        if self.start == IMPORT:
            self.window.import_communities()

    def _loaded(self, _count: int) -> None:
        self._completed(0)

    def _load_failed(self, message: str) -> None:
        log.warning("the registry could not be read: %s", message)
        if self.headless:
            sys.stderr.write(f"{message}\n")
        self._completed(1)

    def _completed(self, code: int) -> None:
        if self.complete:
            return
        self.complete = True
        if self.args.exit_when_shown or self.args.screenshot:
            # out of the browser's signal first: the screenshot runs event loops of its own
            QTimer.singleShot(0, self.window, lambda: self._headless_end(code))

    def _headless_end(self, code: int) -> None:
        try:
            if self.args.exit_when_shown:
                self.app.processEvents()  # the filled tree painted
                _note("complete")
            elif self.args.screenshot:
                from ui.screenshots import render

                render(self.window, self.args.view, Path(self.args.screenshot))
        except BaseException as exc:  # noqa: BLE001 - raised again after the loop ended
            self.error = exc
            code = 1
        self._end(code)

    def close(self) -> None:
        if "ui.ops" in sys.modules:  # (imported by the first step)
            from ui import ops

            ops.stop_all()
        if self.reporter is not None:
            self.reporter.uninstall()
        if self.store is not None:
            self.store.close()


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
    choice = choose_data_dir(args.data_dir)  # argument > environment > settings > default
    # The real main window, shown as a frame; the rest is built by ``Startup``'s steps.
    window = MainWindow(None, settings, data_dir=choice.path)
    window.show()
    app.processEvents()  # the frame painted before the first step runs
    if args.exit_when_shown:
        _note("shown")
    startup = Startup(app, window, settings, args, choice)
    startup.begin()
    try:
        code = app.exec()
    finally:
        startup.close()
    if startup.error is not None:
        raise startup.error
    return startup.code if startup.code is not None else int(code)
