"""Photo work off the GUI thread: staged imports and derived copies, told back on the GUI thread.

An import is split where the threads split: a Job stages every file (copy, hash, decode, EXIF:
``photos.stage``, plain file work); back on the GUI thread ``photos.import_staged`` moves each
staged file into place and writes its rows with the GUI thread's Store. A cancelled or failed
batch stores nothing and leaves no staged file behind.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from inspector.core.errors import InspectorError
from inspector.core.store import Store
from inspector.domain import photos
from inspector.domain.photos import BatchResult, StagedPhoto, Target
from ui import jobs
from ui.i18n import tr

ProgressFn = Callable[[int, int], None]


# Relays whose job has reported; deleted when the next relay is made. (Not with deleteLater()
# from their own slot: under PySide6 6.11 that crashed now and then, in QObject's destructor,
# when the deferred delete ran.)
_retired: list[JobRelay] = []


def _delete_retired() -> None:
    keep: list[JobRelay] = []
    for relay in _retired:
        if not shiboken6.isValid(relay):
            continue  # deleted with the widget that owned it
        if relay.job.done.is_set():
            shiboken6.delete(relay)
        else:
            keep.append(relay)  # its thread is still leaving run(): next time
    _retired[:] = keep


class JobRelay(QObject):
    """Lives on the GUI thread and passes a job's signals on, until ``stop`` is called.

    Queued signals of a job that was replaced may still arrive; a stopped relay drops them.
    It is a child of ``parent``, so it goes with it; once its job has reported, it is retired
    and deleted when a later relay is made.
    """

    def __init__(self, job: jobs.Job, parent: QObject, *,
                 progress: Callable[[int, int], None] | None = None,
                 finished: Callable[[Any], None] | None = None,
                 failed: Callable[[str], None] | None = None,
                 cancelled: Callable[[], None] | None = None) -> None:
        _delete_retired()
        super().__init__(parent)
        self.job = job
        self.active = True
        self._progress = progress
        self._finished = finished
        self._failed = failed
        self._cancelled = cancelled
        job.signals.progress.connect(self._on_progress)
        job.signals.finished.connect(self._on_finished)
        job.signals.failed.connect(self._on_failed)
        job.signals.cancelled.connect(self._on_cancelled)

    def stop(self) -> None:
        """Cancel the job and ignore whatever it still reports."""
        self.active = False
        self.job.cancel()

    def _on_progress(self, done: int, total: int) -> None:
        if self.active and self._progress is not None:
            self._progress(done, total)

    def _on_finished(self, result: object) -> None:
        if self.active:
            self.active = False
            if self._finished is not None:
                self._finished(result)
        _retired.append(self)

    def _on_failed(self, message: str) -> None:
        if self.active:
            self.active = False
            if self._failed is not None:
                self._failed(message)
        _retired.append(self)

    def _on_cancelled(self) -> None:
        if self.active:
            self.active = False
            if self._cancelled is not None:
                self._cancelled()
        _retired.append(self)


@dataclass(frozen=True)
class ImportItem:
    source: Path
    target: Target
    kind: str | None = None
    origin: str | None = None  # photos.CARD for a camera-card import (re-runs move links)


class PhotoImport(QObject):
    """Import files for their targets: staged in a Job, stored on the GUI thread.

    ``done`` carries the ``BatchResult`` (files in the order given; a bad file is listed with
    its reason and the others are kept). ``cleanup`` files (temporary copies made for the
    import, e.g. a pasted image) are deleted when the import has ended either way.
    """

    done = Signal(object)

    def __init__(self, store: Store, items: list[ImportItem], parent: QWidget, *,
                 cleanup: list[Path] | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.items = list(items)
        self.cleanup = list(cleanup or [])
        self._widget = parent
        self._staged: list[tuple[int, StagedPhoto]] = []  # filled by the job's thread
        self.result: BatchResult | None = None
        self.relay: JobRelay | None = None
        self.job: jobs.Job | None = None
        self.progress_dialog: QProgressDialog | None = None

    def start(self) -> jobs.Job:
        data_dir = self.store.data_dir
        sources = [item.source for item in self.items]
        staged = self._staged

        def work(progress: ProgressFn, cancelled: Callable[[], bool]) -> list[tuple[int, str]]:
            failures: list[tuple[int, str]] = []
            for index, source in enumerate(sources):
                if cancelled():
                    raise jobs.Cancelled
                progress(index, len(sources))
                try:
                    staged.append((index, photos.stage(data_dir, source)))
                except photos.PhotoError as exc:
                    failures.append((index, exc.reason))
                except OSError as exc:
                    failures.append((index, str(exc.strerror or exc)))
            progress(len(sources), len(sources))
            return failures

        job = jobs.Job(work)
        self.relay = JobRelay(job, self, finished=self._store_all, failed=self._failed,
                              cancelled=self._cancelled)
        title = tr("正在导入 {n} 张照片…", "Importing {n} photos…", n=len(sources))
        self.job = job
        self.progress_dialog = jobs.with_progress(self._widget, title, job)
        return job

    def dispose(self) -> bool:
        """Delete this ended import and its progress dialog (not from their own signals);
        False while its job's thread is still leaving, to be tried again later."""
        if self.job is not None and not self.job.done.is_set():
            return False
        for thing in (self.progress_dialog, self):
            if thing is not None and shiboken6.isValid(thing):
                shiboken6.delete(thing)
        return True

    def _discard_staged(self) -> None:
        for _index, staged in self._staged:
            staged.temporary.unlink(missing_ok=True)
        self._staged.clear()

    def _end(self, result: BatchResult) -> None:
        for path in self.cleanup:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        self.result = result
        self.done.emit(result)

    def _store_all(self, failures: object) -> None:
        reasons: dict[int, str] = dict(failures) if isinstance(failures, list) else {}
        staged = dict(self._staged)
        self._staged.clear()
        result = BatchResult()
        for index, item in enumerate(self.items):
            if index in reasons:
                result.failed.append((item.source, reasons[index]))
                continue
            one = staged.get(index)
            if one is None:
                continue
            try:
                result.imported.append(photos.import_staged(self.store, one, item.target,
                                                            kind=item.kind,
                                                            origin=item.origin))
            except photos.PhotoError as exc:
                result.failed.append((item.source, exc.reason))
            except InspectorError as exc:  # e.g. the inspection was submitted meanwhile
                result.failed.append((item.source, str(exc)))
        self._end(result)

    def _failed(self, message: str) -> None:
        """The job itself broke: every file is reported with that reason (by the owner)."""
        self._discard_staged()
        self._end(BatchResult(failed=[(item.source, message) for item in self.items]))

    def _cancelled(self) -> None:
        self._discard_staged()
        self._end(BatchResult())


def failure_message(result: BatchResult) -> str:
    """One message naming every file that could not be imported, and why."""
    lines = [tr("已导入 {n} 张照片，{f} 个文件未能导入：",
                "{n} photos imported; {f} files could not be imported:",
                n=len(result.imported), f=len(result.failed))]
    lines += [tr("• {name}：{reason}", "• {name}: {reason}", name=path.name, reason=reason)
              for path, reason in result.failed]
    return "\n".join(lines)
