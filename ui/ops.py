"""The one job runner: work off the GUI thread, its outcome told back on the GUI thread.

In the style of Anki's ``QueryOp`` / ``CollectionOp``::

    QueryOp(parent, work, on_success=show).with_progress(tr("正在…", "Doing…")).run()

``work(token, progress)`` runs on a worker thread; it must not touch widgets or the GUI
thread's Store (it opens what it needs itself, e.g. ``store.open_worker()``). It polls
``token`` (``token()`` or ``token.check()``, which raises ``Cancelled``) and may call
``progress(done, total)``. Its return value goes to ``on_success``; an exception to
``on_failure`` (default: the error policy, ``report_failure``); a cancelled run (``Cancelled``
raised, or the token cancelled by the time the work returned) to ``on_cancelled``. Every
callback runs on the GUI thread.

- ``QueryOp`` reads: runs on the shared thread pool, any number at once.
- ``CollectionOp`` writes: runs on the one writer thread, so two writes never overlap.

Lifetime: the QObject that carries the worker's signals (``_Relay``) has no parent and is
kept by this module until the worker has left the work *and* the outcome was delivered; only
then is it let go, from a timer (never from its own slot). So a parent widget closed or deleted
while its job runs is no hazard: the job is cancelled, and what it still reports is dropped.
The work itself runs as a plain callable (``QThreadPool.start(callable)``): no Python-owned
QRunnable to keep alive.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal, Slot
from PySide6.QtWidgets import QWidget

from inspector.core import faults
from inspector.core.errors import InspectorError
from ui.i18n import tr

if TYPE_CHECKING:  # the progress dialog is made when a job asks for one
    from PySide6.QtWidgets import QProgressDialog

log = logging.getLogger(__name__)
T = TypeVar("T")
Progress = Callable[[int, int], None]

# Where a bug's traceback is written (``logs/errors.log`` under it): the app sets the data
# directory; None only logs it.
log_folder: Path | None = None


class Cancelled(Exception):
    """Raised inside a job's work when it was cancelled."""


class CancelToken:
    """Set from the GUI thread, polled by the work: ``token()`` is True once cancelled."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def __call__(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        """Raise ``Cancelled`` if the work should stop."""
        if self._event.is_set():
            raise Cancelled


def failure_message(exc: BaseException) -> str:
    """The error policy, as one message: the domain's own message, a known fault said plainly,
    or (a bug) the traceback logged and a short message naming the log."""
    if isinstance(exc, InspectorError):
        return str(exc)
    fault = faults.known(exc)
    if fault is not None:
        return str(fault)
    return faults.bug_message(faults.log_bug(exc, log_folder))


def told(callback: Callable[[str], object]) -> Callable[[BaseException], object]:
    """An ``on_failure`` for a callback that takes the policy's message."""
    return lambda exc: callback(failure_message(exc))


def report_failure(parent: QWidget | None, exc: BaseException) -> str:
    """The default ``on_failure``: the message of ``failure_message`` in a message box."""
    from ui.errors import show_error

    message = failure_message(exc)
    show_error(parent if parent is not None and shiboken6.isValid(parent) else None, message)
    return message


class _Relay(QObject):
    """Lives on the GUI thread; the worker emits its signals, so the slots run queued there."""

    progressed = Signal(int, int)
    ended = Signal(int, object)  # SUCCEEDED / FAILED / CANCELLED, result or exception

    def __init__(self, op: Op[Any]) -> None:
        super().__init__(None)
        self.op: Op[Any] | None = op
        self.left = threading.Event()  # set by the worker once it holds no reference to this
        self.progressed.connect(self._on_progress)
        self.ended.connect(self._on_ended)

    @Slot()
    def parent_gone(self) -> None:
        if self.op is not None:
            self.op._parent_gone()

    @Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        if self.op is not None:
            self.op._progress_on_gui(done, total)

    @Slot(int, object)
    def _on_ended(self, how: int, value: object) -> None:
        op, self.op = self.op, None
        if op is not None:
            op._end_on_gui(how, value)
        _retire(self)


SUCCEEDED, FAILED, CANCELLED = 0, 1, 2

_live: list[Op[Any]] = []        # started, outcome not yet delivered
_retired: list[_Relay] = []       # delivered; let go once their worker has left
_sweep_pending = False
_writer: QThreadPool | None = None


def _retire(relay: _Relay) -> None:
    _retired.append(relay)
    _schedule_sweep()


def _schedule_sweep(delay_ms: int = 0) -> None:
    global _sweep_pending
    if not _sweep_pending:
        _sweep_pending = True
        QTimer.singleShot(delay_ms, _sweep)


def _sweep() -> None:
    global _sweep_pending
    _sweep_pending = False
    _retired[:] = [relay for relay in _retired if not relay.left.is_set()]
    if _retired:  # a worker still leaving its work: look again shortly
        _schedule_sweep(5)


def writer_pool() -> QThreadPool:
    """The one writer thread: a pool of exactly one thread, so writes run one after another."""
    global _writer
    if _writer is None:
        _writer = QThreadPool()
        _writer.setObjectName("writer")
        _writer.setMaxThreadCount(1)
    return _writer


class _WorkerSide:
    """What the worker thread holds: the work, the token, and the relay until the end."""

    def __init__(self, relay: _Relay, work: Callable[[CancelToken, Progress], Any],
                 token: CancelToken, done: threading.Event) -> None:
        self.relay: _Relay | None = relay
        self.work: Callable[[CancelToken, Progress], Any] | None = work
        self.token = token
        self.done = done

    def progress(self, done: int, total: int) -> None:
        if self.relay is not None:
            self.relay.progressed.emit(done, total)

    def run(self) -> None:
        how, value = CANCELLED, None
        try:
            assert self.work is not None
            result = self.work(self.token, self.progress)
        except Cancelled:
            pass
        except Exception as exc:  # noqa: BLE001 - told on the GUI thread, by the policy
            # A cancelled read stopped by SQLite mid-statement (``Store.interrupted_by``)
            # fails with "interrupted": that is the cancel, not a fault.
            if not (self.token.cancelled and _interrupted(exc)):
                how, value = FAILED, exc
        else:
            if not self.token.cancelled:
                how, value = SUCCEEDED, result
        finally:
            self.work = None
            relay, self.relay = self.relay, None
            assert relay is not None
            relay.ended.emit(how, value)
            left = relay.left
            del relay, value
            left.set()
            self.done.set()


def _interrupted(exc: BaseException) -> bool:
    import sqlite3  # loaded by then (the work used it); kept out of the start

    return isinstance(exc, sqlite3.OperationalError) and "interrupted" in str(exc)


class Op(Generic[T]):
    def __init__(self, parent: QObject | None, work: Callable[[CancelToken, Progress], T], *,
                 on_success: Callable[[T], object] | None = None,
                 on_failure: Callable[[BaseException], object] | None = None,
                 on_progress: Callable[[int, int], object] | None = None,
                 on_cancelled: Callable[[], object] | None = None) -> None:
        self.parent = parent
        self.work = work
        self.token = CancelToken()
        self.done = threading.Event()  # set when the worker has left the work
        self.finished = False          # the outcome was delivered on the GUI thread
        self.outcome: int | None = None
        self._on_success = on_success
        self._on_failure = on_failure
        self._on_progress = on_progress
        self._on_cancelled = on_cancelled
        self._dialog: QProgressDialog | None = None
        self._title: str | None = None
        self._relay: _Relay | None = None
        self._dropped = False  # stopped, or its parent is gone: nothing more is told

    # -- building -----------------------------------------------------------------------------

    def with_progress(self, title: str) -> Self:
        """Show a progress dialog with a cancel button while the job runs (after 300 ms)."""
        self._title = title
        return self

    @property
    def dialog(self) -> QProgressDialog | None:
        return self._dialog

    def _pool(self) -> QThreadPool:
        return QThreadPool.globalInstance()

    def run(self) -> Self:
        relay = self._relay = _Relay(self)
        if isinstance(self.parent, QObject):
            self.parent.destroyed.connect(relay.parent_gone)
        if self._title is not None:
            from PySide6.QtWidgets import QProgressDialog

            widget = self.parent if isinstance(self.parent, QWidget) else None
            dialog = QProgressDialog(self._title, tr("取消", "Cancel"), 0, 0, widget)
            dialog.setWindowTitle(self._title)
            dialog.setMinimumDuration(300)
            dialog.canceled.connect(self.cancel)
            self._dialog = dialog
        _live.append(self)
        # The worker's only way to the relay: emptied before it says it has left, so the relay
        # is always let go (and deleted) on the GUI thread.
        worker = _WorkerSide(relay, self.work, self.token, self.done)
        del relay
        self._pool().start(worker.run)
        return self

    # -- controlling --------------------------------------------------------------------------

    def cancel(self) -> None:
        self.token.cancel()

    def is_cancelled(self) -> bool:
        return self.token.cancelled

    def stop(self) -> None:
        """Cancel, and drop whatever the job still reports (it was replaced, or its owner is
        closing)."""
        self.token.cancel()
        self._dropped = True

    def _parent_gone(self, *_args: object) -> None:
        self.parent = None
        self.token.cancel()
        self._dropped = True
        self._dialog = None  # deleted with its parent

    def _listening(self) -> bool:
        return not self._dropped and (self.parent is None or shiboken6.isValid(self.parent))

    # -- on the GUI thread --------------------------------------------------------------------

    def _progress_on_gui(self, done: int, total: int) -> None:
        if not self._listening():
            return
        if self._dialog is not None and shiboken6.isValid(self._dialog):
            self._dialog.setMaximum(max(total, 1))
            self._dialog.setValue(done)
        if self._on_progress is not None:
            self._on_progress(done, total)

    def _end_on_gui(self, how: int, value: object) -> None:
        self.finished = True
        self._relay = None
        self.outcome = how
        if self in _live:
            _live.remove(self)
        if self._dialog is not None and shiboken6.isValid(self._dialog):
            self._dialog.reset()
            self._dialog.hide()
        if not self._listening():
            if how == FAILED and isinstance(value, BaseException):
                failure_message(value)  # a bug is still logged
            return
        if how == SUCCEEDED:
            if self._on_success is not None:
                self._on_success(value)  # type: ignore[arg-type]
        elif how == FAILED:
            assert isinstance(value, BaseException)
            if self._on_failure is not None:
                self._on_failure(value)
            else:
                parent = self.parent if isinstance(self.parent, QWidget) else None
                report_failure(parent, value)
        elif self._on_cancelled is not None:
            self._on_cancelled()


class QueryOp(Op[T]):
    """Reading work on the shared thread pool."""


class CollectionOp(Op[T]):
    """Writing work on the one writer thread: never two at once."""

    def _pool(self) -> QThreadPool:
        return writer_pool()


def stop_all(timeout_ms: int = 10_000) -> bool:
    """Cancel every job and wait for the threads to drain (at exit, and between tests); the
    outcomes still queued are delivered (and dropped where their parent is gone)."""
    for op in list(_live):
        op.cancel()
    pools = [QThreadPool.globalInstance()] + ([_writer] if _writer is not None else [])
    drained = all(pool.waitForDone(timeout_ms) for pool in pools)
    return drained
