"""The one job runner: outcomes on the GUI thread, cancel, one writer, parents that go away."""

from __future__ import annotations

import errno
import threading
import time

from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from inspector.core.errors import InspectorError
from inspector.core.store import Store
from ui import errors, ops

TIMEOUT = 10_000


def gui_thread() -> QThread:
    app = QApplication.instance()
    assert app is not None
    return app.thread()


def test_success_is_delivered_on_the_gui_thread(qtbot: QtBot) -> None:
    threads: dict[str, QThread] = {}
    results: list[int] = []

    def work(token: ops.CancelToken, progress: ops.Progress) -> int:
        threads["work"] = QThread.currentThread()
        progress(1, 2)
        return 42

    def success(value: int) -> None:
        threads["success"] = QThread.currentThread()
        results.append(value)

    def progressed(done: int, total: int) -> None:
        threads["progress"] = QThread.currentThread()

    op = ops.QueryOp(None, work, on_success=success, on_progress=progressed).run()
    qtbot.waitUntil(lambda: results == [42], timeout=TIMEOUT)
    assert threads["work"] is not gui_thread()
    assert threads["success"] is gui_thread() and threads["progress"] is gui_thread()
    assert op.finished and op.outcome == ops.SUCCEEDED and op.done.is_set()


def test_a_failure_is_delivered_and_the_policy_tells_faults_from_bugs(qtbot: QtBot,
                                                                      tmp_path: object) -> None:
    failures: list[BaseException] = []
    threads: list[QThread] = []

    def fail(_token: ops.CancelToken, _progress: ops.Progress) -> None:
        raise InspectorError("检查已提交")

    def failed(exc: BaseException) -> None:
        threads.append(QThread.currentThread())
        failures.append(exc)

    ops.QueryOp(None, fail, on_success=lambda _v: None, on_failure=failed).run()
    qtbot.waitUntil(lambda: len(failures) == 1, timeout=TIMEOUT)
    assert str(failures[0]) == "检查已提交" and threads[0] is gui_thread()

    # No on_failure: the error policy shows a message (a known fault plainly, a bug logged).
    def full_disk(_token: ops.CancelToken, _progress: ops.Progress) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "/media/usb/x.db")

    def bug(_token: ops.CancelToken, _progress: ops.Progress) -> None:
        raise ZeroDivisionError("oops")

    widget = QWidget()
    qtbot.addWidget(widget)
    ops.QueryOp(widget, full_disk).run()
    qtbot.waitUntil(lambda: len(errors.shown_messages) == 1, timeout=TIMEOUT)
    assert "磁盘已满" in errors.shown_messages[0] and "/media/usb/x.db" in errors.shown_messages[0]
    ops.CollectionOp(widget, bug).run()
    qtbot.waitUntil(lambda: len(errors.shown_messages) == 2, timeout=TIMEOUT)
    assert "程序出错了" in errors.shown_messages[1] and "oops" not in errors.shown_messages[1]


def test_cancel_stops_work_that_polls_the_token(qtbot: QtBot) -> None:
    steps: list[int] = []
    cancelled: list[bool] = []
    succeeded: list[object] = []

    def work(token: ops.CancelToken, progress: ops.Progress) -> int:
        for step in range(10_000):
            token.check()
            steps.append(step)
            progress(step, 10_000)
            time.sleep(0.005)
        return 1

    op = ops.QueryOp(None, work, on_success=succeeded.append,
                     on_cancelled=lambda: cancelled.append(True)).run()
    qtbot.waitUntil(lambda: len(steps) > 3, timeout=TIMEOUT)
    op.cancel()
    qtbot.waitUntil(lambda: cancelled == [True], timeout=TIMEOUT)
    assert op.done.is_set() and len(steps) < 10_000 and not succeeded


def test_the_progress_dialog_cancels(qtbot: QtBot) -> None:
    seen: list[tuple[int, int]] = []
    cancelled: list[bool] = []

    def work(token: ops.CancelToken, progress: ops.Progress) -> int:
        for step in range(1000):
            progress(step, 1000)
            if token():
                raise ops.Cancelled
            time.sleep(0.01)
        return 1

    op = ops.QueryOp(None, work, on_progress=lambda d, t: seen.append((d, t)),
                     on_cancelled=lambda: cancelled.append(True)).with_progress("测试").run()
    qtbot.waitUntil(lambda: len(seen) > 3, timeout=TIMEOUT)
    assert op.dialog is not None
    button = op.dialog.findChild(QPushButton)
    assert button is not None
    button.click()
    qtbot.waitUntil(lambda: cancelled == [True], timeout=TIMEOUT)
    assert op.is_cancelled() and seen[-1][1] == 1000


def test_two_collection_ops_never_overlap(qtbot: QtBot) -> None:
    order: list[str] = []  # list.append is atomic: no lock, so interleaving would show
    ended: list[int] = []

    def write(n: int) -> ops.CollectionOp[int]:
        def work(_token: ops.CancelToken, _progress: ops.Progress) -> int:
            order.append(f"enter {n}")
            time.sleep(0.02)
            order.append(f"exit {n}")
            return n

        return ops.CollectionOp(None, work, on_success=ended.append)

    # Reads alongside may overlap the writes; the writes must not overlap one another.
    reads_inside = threading.Event()

    def read(_token: ops.CancelToken, _progress: ops.Progress) -> None:
        reads_inside.set()
        time.sleep(0.02)

    for n in range(6):
        write(n).run()
        ops.QueryOp(None, read).run()
    qtbot.waitUntil(lambda: len(ended) == 6, timeout=TIMEOUT)
    assert order == [f"{what} {n}" for n in range(6) for what in ("enter", "exit")]
    assert ended == list(range(6)) and reads_inside.is_set()


def test_a_parent_closed_while_its_job_runs_is_no_crash(qtbot: QtBot) -> None:
    release = threading.Event()
    called: list[str] = []
    widget = QWidget()
    widget.show()

    def work(token: ops.CancelToken, progress: ops.Progress) -> int:
        release.wait(TIMEOUT / 1000)
        progress(1, 1)
        return 1

    op = ops.QueryOp(widget, work, on_success=lambda _v: called.append("success"),
                     on_progress=lambda _d, _t: called.append("progress"),
                     on_failure=lambda _e: called.append("failure")).with_progress("测试").run()
    widget.close()
    widget.deleteLater()
    qtbot.waitUntil(op.is_cancelled, timeout=TIMEOUT)  # deleting the parent cancelled it
    release.set()
    qtbot.waitUntil(lambda: op.finished, timeout=TIMEOUT)
    assert called == []  # nothing delivered to the widget that is gone
    qtbot.waitUntil(lambda: not ops._retired, timeout=TIMEOUT)  # relay let go on this thread


def test_a_stopped_job_tells_nothing_more(qtbot: QtBot) -> None:
    release = threading.Event()
    called: list[str] = []

    def work(_token: ops.CancelToken, _progress: ops.Progress) -> int:
        release.wait(TIMEOUT / 1000)
        raise ZeroDivisionError("replaced meanwhile")

    op = ops.QueryOp(None, work, on_success=lambda _v: called.append("success"),
                     on_failure=lambda _e: called.append("failure"),
                     on_cancelled=lambda: called.append("cancelled")).run()
    op.stop()
    release.set()
    qtbot.waitUntil(lambda: op.finished, timeout=TIMEOUT)
    assert op.is_cancelled() and called == [] and errors.shown_messages == []


def test_cancel_stops_a_read_in_the_middle_of_its_sql(qtbot: QtBot, store: Store) -> None:
    """A replaced background read must not run on to its end (they would pile up at typing
    speed): the statement below counts to 10^12, so only SQLite's interruption ends it."""
    started = threading.Event()
    cancelled: list[bool] = []
    failed: list[BaseException] = []

    def work(token: ops.CancelToken, progress: ops.Progress) -> int:
        with Store.open(store.data_dir, readonly=True) as reader, \
                reader.interrupted_by(token):
            started.set()
            row = reader.query_one(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
                " WHERE i < 1000000000000) SELECT count(*) AS c FROM n")
            return int(row["c"]) if row else 0

    op = ops.QueryOp(None, work, on_failure=failed.append,
                     on_cancelled=lambda: cancelled.append(True)).run()
    assert started.wait(TIMEOUT / 1000)
    op.cancel()
    qtbot.waitUntil(lambda: bool(cancelled or failed), timeout=TIMEOUT)
    assert cancelled == [True] and failed == []
