"""Long work off the GUI thread: a QRunnable with progress, result, error and cancel."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from inspector.errors import InspectorError
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


_running: set[Job] = set()


def start(job: Job) -> Job:
    """Start a job on the global pool, keeping it alive until it ends."""
    _running.add(job)
    job.signals.finished.connect(lambda _result: _running.discard(job))
    job.signals.failed.connect(lambda _message: _running.discard(job))
    job.signals.cancelled.connect(lambda: _running.discard(job))
    QThreadPool.globalInstance().start(job)
    return job


def with_progress(parent: QWidget | None, title: str, job: Job) -> QProgressDialog:
    """Show a progress dialog with a cancel button for a job, then start the job."""
    dialog = QProgressDialog(title, tr("取消", "Cancel"), 0, 0, parent)
    dialog.setWindowTitle(title)
    dialog.setMinimumDuration(300)
    dialog.canceled.connect(job.cancel)

    def on_progress(done: int, total: int) -> None:
        dialog.setMaximum(max(total, 1))
        dialog.setValue(done)

    job.signals.progress.connect(on_progress)
    for signal in (job.signals.finished, job.signals.failed, job.signals.cancelled):
        signal.connect(lambda *_: dialog.reset())
    start(job)
    return dialog
