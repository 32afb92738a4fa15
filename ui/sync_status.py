"""The sync state in the status bar: "未同步变更 N" and, when there are any, "冲突 M".

N counts this device's changes that are not in the sync folder yet (all of them when no
folder is chosen); M the conflicts waiting for review. Clicking the conflicts part emits
``conflicts_clicked``. ``refresh()`` runs the check as a ``QueryOp`` on its own connection:
the folder may be on a USB stick or a network share that takes seconds to answer (or hangs),
and the GUI thread never waits for it. Its figures arrive on the GUI thread, then
``refreshed`` is emitted; a refresh asked for while one runs is run once after it (so a hung
share does not pile up threads). The sync modules are imported by the worker, off the GUI
thread; ``lazy=True`` leaves the first refresh to the event loop.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from inspector.core.store import Store
from ui import ops
from ui.i18n import language, tr


@dataclass(frozen=True)
class Figures:
    unexported: int
    conflicts: int
    reachable: bool  # the sync folder could be listed (True when none is chosen)


def check(store: Store, chosen: Path | None) -> Figures:
    """The status bar's figures, on a worker's connection: lists the sync folder (which may be
    slow removable or network media) and asks two indexed queries. Never on the GUI thread."""
    from inspector.core import conflicts
    from sync import folder

    reachable = True
    if chosen is not None:
        try:
            with os.scandir(chosen) as entries:
                next(entries, None)  # one entry is enough to know that it answers
        except OSError:
            reachable = False
    return Figures(folder.unexported(store, chosen), conflicts.count_open(store), reachable)


class SyncStatus(QWidget):
    """Unexported changes and open conflicts, for ``QStatusBar.addPermanentWidget``."""

    conflicts_clicked = Signal()
    refreshed = Signal()

    def __init__(self, store: Store, parent: QWidget | None = None, *,
                 auto_refresh_ms: int = 0, lazy: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("syncStatus")
        self.store = store
        self.unexported = 0
        self.conflicts = 0
        self.folder: Path | None = None
        self.reachable = True
        self.op: ops.QueryOp[Figures] | None = None
        self._again = False  # a refresh was asked for while one ran
        self.stopped = False
        self.changes_label = QLabel(self)
        self.changes_label.setObjectName("unexportedLabel")
        self.conflicts_button = QToolButton(self)
        self.conflicts_button.setObjectName("conflictsStatusButton")
        self.conflicts_button.setAutoRaise(True)
        self.conflicts_button.setStyleSheet("QToolButton { color: #a03434; font-weight: bold; }")
        self.conflicts_button.clicked.connect(self.conflicts_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 0, 4, 0)
        layout.setSpacing(6)
        layout.addWidget(self.changes_label)
        layout.addWidget(self.conflicts_button)
        self.timer: QTimer | None = None
        if auto_refresh_ms > 0:
            self.timer = QTimer(self)
            self.timer.setInterval(auto_refresh_ms)
            self.timer.timeout.connect(self.refresh)
            self.timer.start()
        self.retranslate()
        if lazy:
            QTimer.singleShot(0, self, self.refresh)
        else:
            self.refresh()
        language.changed.connect(self.retranslate)

    def stop(self) -> None:
        """No more checks (the window closes, its store with it): the timer stops and a
        check still running is dropped."""
        self.stopped = True
        if self.timer is not None:
            self.timer.stop()
        if self.op is not None:
            self.op.stop()
            self.op = None
        self._again = False

    def refresh(self) -> ops.QueryOp[Figures] | None:
        """Check again in the background; the figures are shown when they arrive."""
        if self.stopped or self.store.closed:  # a first check queued as its window closed
            return None
        if self.op is not None:
            self._again = True
            return self.op
        remembered = self.store.get_setting("sync_folder")
        chosen = self.folder = Path(remembered) if remembered else None
        store = self.store

        def work(_token: ops.CancelToken, _progress: ops.Progress) -> Figures:
            worker = store.open_worker()
            try:
                return check(worker, chosen)
            finally:
                worker.close()

        self.op = ops.QueryOp(self, work, on_success=self._show, on_failure=self._failed)
        return self.op.run()

    def _show(self, figures: Figures) -> None:
        self.op = None
        self.unexported, self.conflicts = figures.unexported, figures.conflicts
        self.reachable = figures.reachable
        self.retranslate()
        self._ended()

    def _failed(self, exc: BaseException) -> None:
        self.op = None  # shown in the tooltip, not as a box: the timer would repeat it
        self.reachable = False
        self.retranslate()
        self.changes_label.setToolTip(ops.failure_message(exc))
        self._ended()

    def _ended(self) -> None:
        if self._again:
            self._again = False
            self.refresh()
        else:
            self.refreshed.emit()

    def retranslate(self) -> None:
        self.changes_label.setText(tr("未同步变更 {n}", "Unsynced changes {n}", n=self.unexported))
        if self.folder is None:
            tip = tr("尚未选择同步文件夹：本机的 {n} 条变更都还没有同步。",
                     "No sync folder chosen: none of this device's {n} changes are synced.",
                     n=self.unexported)
        elif not self.reachable:
            tip = tr("同步文件夹 {f} 现在无法访问（U 盘未插入或网络断开？）；"
                     "本机有 {n} 条变更尚未写入。",
                     "The sync folder {f} cannot be reached now (USB stick out, or the "
                     "network down?); {n} changes of this device are not in it yet.",
                     n=self.unexported, f=self.folder)
        else:
            tip = tr("本机有 {n} 条变更尚未写入同步文件夹 {f}",
                     "{n} changes of this device are not in the sync folder {f} yet",
                     n=self.unexported, f=self.folder)
        self.changes_label.setToolTip(tip)
        self.conflicts_button.setText(tr("冲突 {m}", "Conflicts {m}", m=self.conflicts))
        self.conflicts_button.setToolTip(tr("查看并处理同步冲突", "Review the sync conflicts"))
        self.conflicts_button.setVisible(self.conflicts > 0)
