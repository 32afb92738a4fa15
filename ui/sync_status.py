"""The sync state in the status bar: "未同步变更 N" and, when there are any, "冲突 M".

N counts this device's changes that are not in the sync folder yet (all of them when no
folder is chosen); M the conflicts waiting for review. Clicking the conflicts part emits
``conflicts_clicked``. ``refresh()`` asks two indexed queries and lists one folder, so it is
cheap enough to call after every edit, or from a timer (``auto_refresh_ms``). The sync
modules are imported on the first refresh; ``lazy=True`` leaves that first refresh to the
event loop, so the window's start does not wait for them.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from inspector.core.store import Store
from ui.i18n import language, tr


class SyncStatus(QWidget):
    """Unexported changes and open conflicts, for ``QStatusBar.addPermanentWidget``."""

    conflicts_clicked = Signal()

    def __init__(self, store: Store, parent: QWidget | None = None, *,
                 auto_refresh_ms: int = 0, lazy: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("syncStatus")
        self.store = store
        self.unexported = 0
        self.conflicts = 0
        self.folder: Path | None = None
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
        if lazy:
            QTimer.singleShot(0, self, self.refresh)
            self.retranslate()
        else:
            self.refresh()
        language.changed.connect(self.retranslate)

    def refresh(self) -> None:
        from inspector.core import conflicts  # here: ~0.15 s of imports kept out of start-up
        from sync import folder

        remembered = self.store.get_setting("sync_folder")
        self.folder = Path(remembered) if remembered else None
        self.unexported = folder.unexported(self.store, self.folder)
        self.conflicts = conflicts.count_open(self.store)
        self.retranslate()

    def retranslate(self) -> None:
        self.changes_label.setText(tr("未同步变更 {n}", "Unsynced changes {n}", n=self.unexported))
        if self.folder is None:
            tip = tr("尚未选择同步文件夹：本机的 {n} 条变更都还没有同步。",
                     "No sync folder chosen: none of this device's {n} changes are synced.",
                     n=self.unexported)
        else:
            tip = tr("本机有 {n} 条变更尚未写入同步文件夹 {f}",
                     "{n} changes of this device are not in the sync folder {f} yet",
                     n=self.unexported, f=self.folder)
        self.changes_label.setToolTip(tip)
        self.conflicts_button.setText(tr("冲突 {m}", "Conflicts {m}", m=self.conflicts))
        self.conflicts_button.setToolTip(tr("查看并处理同步冲突", "Review the sync conflicts"))
        self.conflicts_button.setVisible(self.conflicts > 0)
