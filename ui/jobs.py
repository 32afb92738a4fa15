"""Long work off the GUI thread: a QRunnable with progress, result, error and cancel."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from inspector.core.errors import InspectorError
from ui.i18n import tr

log = logging.getLogger(__name__)


class Cancelled(Exception):
    """Raised inside a job's work when the user pressed cancel."""


class JobSignals(QObject):
    progress = Signal(int, int)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()


class Job(QRunnable):
    """Runs ``work(progress, is_cancelled)`` on the thread pool.

    ``work`` must not touch widgets or the GUI thread's Store: it opens what it needs itself.
    """

    def __init__(self, work: Callable[[Callable[[int, int], None], Callable[[], bool]], Any]):
        super().__init__()
        self.setAutoDelete(False)
        self.signals = JobSignals()
        self._work = work
        self._cancel = threading.Event()
        self.done = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:
        try:
            result = self._work(self.signals.progress.emit, self.is_cancelled)
        except Cancelled:
            self.signals.cancelled.emit()
        except InspectorError as exc:
            self.signals.failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 - reported to the user, logged in full
            log.exception("background job failed")
            self.signals.failed.emit(tr("后台任务失败：{e}", "The background task failed: {e}",
                                        e=exc))
        else:
            if self._cancel.is_set():
                self.signals.cancelled.emit()
            else:
                self.signals.finished.emit(result)
        finally:
            self.done.set()


# Jobs are kept referenced until well after they end: the pool's thread may still be
# leaving run() when "done" is set, and a QRunnable must not be deleted under it.
_running: list[Job] = []
_finished_earlier: list[Job] = []


def start(job: Job) -> Job:
    """Start a job on the global pool, keeping it alive until it has surely ended."""
    global _finished_earlier
    done_now = [j for j in _running if j.done.is_set()]
    _running[:] = [j for j in _running if not j.done.is_set()]
    _finished_earlier = done_now  # released at the next start, long after run() returned
    _running.append(job)
    QThreadPool.globalInstance().start(job)
    return job


def stop_all(timeout_ms: int = 10_000) -> bool:
    """Cancel every job and wait for the pool to drain (at exit, and between tests)."""
    for job in _running:
        job.cancel()
    return bool(QThreadPool.globalInstance().waitForDone(timeout_ms))


class _ProgressBridge(QObject):
    """Lives on the GUI thread, so the job's signals reach the dialog as queued calls."""

    def __init__(self, dialog: QProgressDialog) -> None:
        super().__init__(dialog)
        self.dialog = dialog

    def progress(self, done: int, total: int) -> None:
        self.dialog.setMaximum(max(total, 1))
        self.dialog.setValue(done)

    def ended(self, *_args: object) -> None:
        self.dialog.reset()


def with_progress(parent: QWidget | None, title: str, job: Job) -> QProgressDialog:
    """Show a progress dialog with a cancel button for a job, then start the job."""
    dialog = QProgressDialog(title, tr("取消", "Cancel"), 0, 0, parent)
    dialog.setWindowTitle(title)
    dialog.setMinimumDuration(300)
    dialog.canceled.connect(job.cancel)
    bridge = _ProgressBridge(dialog)
    job.signals.progress.connect(bridge.progress)
    job.signals.finished.connect(bridge.ended)
    job.signals.failed.connect(bridge.ended)
    job.signals.cancelled.connect(bridge.ended)
    start(job)
    return dialog
