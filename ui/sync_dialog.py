"""Sync with the team: through a shared folder, or with bundle files carried by hand.

The shared folder (a USB stick, a network share, a folder Syncthing or Nextcloud keeps in
step) is chosen once and remembered (``sync.folder.remember_folder``, which refuses a folder
holding the data directory). "立即同步" writes this device's new changes into its own
sub-folder and applies everyone else's (``sync.folder.sync``); "导出到文件…" writes this
device's changes as bundle files into any folder, "从文件导入…" applies picked bundle files.
All three run in a background job with its own database connection (``Store.open_worker``),
with the progress bar and a cancel button in the dialog. The summary then says what was read
and applied, which files were skipped and why, and which devices' bundles wait or are
quarantined; buttons open the conflicts and roster dialogs. Callers open it non-blocking
(``open()``) and listen to ``synced`` (data changed) and ``job_ended`` (any job ended, e.g.
to refresh the status bar).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from inspector.core.changes import Changes
from inspector.core.store import Store
from sync import exchange, folder, roster
from sync.folder import SyncReport
from ui import errors, ops
from ui.conflicts_dialog import ConflictsDialog
from ui.errors import guarded
from ui.i18n import language, tr
from ui.roster_dialog import RosterDialog

SYNC, EXPORT, IMPORT = "sync", "export", "import"
WARNING_COLOR = Qt.GlobalColor.darkRed


class SyncDialog(QDialog):
    """Choose the sync folder, sync now, or export/import bundle files."""

    synced = Signal()  # something was applied (or a conflict resolved, a device trusted)
    job_ended = Signal()  # a sync, export or import job ended, whatever its outcome

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncDialog")
        self.store = store
        self.folder: Path | None = None
        remembered = store.get_setting("sync_folder")
        if remembered:
            self.folder = Path(remembered)
        self.relay: ops.Op[Any] | None = None
        self.action: str | None = None  # what the running (or last) job did
        self.report: SyncReport | None = None  # the last sync's or import's summary
        # What the last ``synced`` brought: the rows applied (None: not known — a conflict
        # resolved or a device trusted here; show everything again).
        self.applied: Changes | None = None
        self.exported: list[Path] | None = None  # the last export's files
        self.export_folder: Path | None = None
        self.cancelled = False
        self._partial: list[SyncReport] = []  # filled by a job's thread when its work returns
        self.finished_at: datetime | None = None
        self.folder_dialog: QFileDialog | None = None
        self.export_dialog: QFileDialog | None = None
        self.import_dialog: QFileDialog | None = None
        self.conflicts_dialog: ConflictsDialog | None = None
        self.roster_dialog: RosterDialog | None = None

        # the folder and this device's name
        self.setup_box = QGroupBox(self)
        self.folder_label = QLabel(self)
        self.folder_edit = QLineEdit(self)
        self.folder_edit.setObjectName("syncFolder")
        self.folder_edit.setReadOnly(True)
        self.folder_edit.setText(str(self.folder) if self.folder else "")
        self.browse_button = QPushButton(self)
        self.browse_button.setObjectName("browseButton")
        self.browse_button.clicked.connect(self.choose_folder)
        self.folder_hint = QLabel(self)
        self.folder_hint.setWordWrap(False)  # two short lines: a wrapped label in a dialog
        # can be squeezed below its height when the dialog shrinks
        self.folder_hint.setStyleSheet("color: #5f6b7a;")
        self.name_label = QLabel(self)
        self.name_edit = QLineEdit(store.get_setting("device_name") or "", self)
        self.name_edit.setObjectName("deviceName")
        self.name_edit.editingFinished.connect(self.save_device_name)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(self.browse_button)
        setup = QFormLayout(self.setup_box)
        setup.addRow(self.folder_label, folder_row)
        setup.addRow("", self.folder_hint)
        setup.addRow(self.name_label, self.name_edit)

        # actions, progress
        self.sync_button = QPushButton(self)
        self.sync_button.setObjectName("syncButton")
        self.sync_button.setDefault(True)
        self.sync_button.clicked.connect(self.sync_now)
        self.export_button = QPushButton(self)
        self.export_button.setObjectName("exportButton")
        self.export_button.clicked.connect(self.choose_export_folder)
        self.import_button = QPushButton(self)
        self.import_button.setObjectName("importButton")
        self.import_button.clicked.connect(self.choose_import_files)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("syncProgress")
        self.cancel_button = QPushButton(self)
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.clicked.connect(self.cancel)
        self.status_label = QLabel(self)
        self.status_label.setObjectName("syncStatusLine")
        actions = QHBoxLayout()
        actions.addWidget(self.sync_button)
        actions.addStretch(1)
        actions.addWidget(self.export_button)
        actions.addWidget(self.import_button)
        running = QHBoxLayout()
        running.addWidget(self.progress, 1)
        running.addWidget(self.cancel_button)

        # the summary
        self.summary_box = QGroupBox(self)
        self.summary_box.setObjectName("syncSummary")
        self.bundles_label, self.bundles_value = QLabel(self), self._value("bundlesValue")
        self.changes_label, self.changes_value = QLabel(self), self._value("changesValue")
        self.photos_label, self.photos_value = QLabel(self), self._value("photosValue")
        self.conflicts_label, self.conflicts_value = QLabel(self), self._value("conflictsValue")
        self.conflicts_button = QPushButton(self)
        self.conflicts_button.setObjectName("openConflictsButton")
        self.conflicts_button.clicked.connect(self.open_conflicts)
        self.devices_label = QLabel(self)
        self.devices_list = QListWidget(self)
        self.devices_list.setObjectName("devicesList")
        self.devices_list.setMaximumHeight(72)
        self.roster_button = QPushButton(self)
        self.roster_button.setObjectName("openRosterButton")
        self.roster_button.clicked.connect(self.open_roster)
        self.skipped_label = QLabel(self)
        self.skipped_list = QListWidget(self)
        self.skipped_list.setObjectName("skippedList")
        self.skipped_list.setWordWrap(True)
        self.skipped_list.setMaximumHeight(110)
        counts = QHBoxLayout()
        for label, value in ((self.bundles_label, self.bundles_value),
                             (self.changes_label, self.changes_value),
                             (self.photos_label, self.photos_value),
                             (self.conflicts_label, self.conflicts_value)):
            counts.addWidget(label)
            counts.addWidget(value)
            counts.addSpacing(18)
        counts.addWidget(self.conflicts_button)
        counts.addStretch(1)
        devices_row = QHBoxLayout()
        devices_row.addWidget(self.devices_list, 1)
        devices_row.addWidget(self.roster_button, 0, Qt.AlignmentFlag.AlignTop)
        summary = QVBoxLayout(self.summary_box)
        summary.addLayout(counts)
        summary.addWidget(self.devices_label)
        summary.addLayout(devices_row)
        summary.addWidget(self.skipped_label)
        summary.addWidget(self.skipped_list)
        summary.addStretch(1)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.rejected.connect(self.reject)
        self.bottom_roster_button = self.buttons.addButton(
            "", QDialogButtonBox.ButtonRole.ActionRole)
        self.bottom_roster_button.setObjectName("rosterButton")
        self.bottom_roster_button.clicked.connect(self.open_roster)
        self.bottom_conflicts_button = self.buttons.addButton(
            "", QDialogButtonBox.ButtonRole.ActionRole)
        self.bottom_conflicts_button.setObjectName("conflictsButton")
        self.bottom_conflicts_button.clicked.connect(self.open_conflicts)

        layout = QVBoxLayout(self)
        layout.addWidget(self.setup_box)
        layout.addLayout(actions)
        layout.addLayout(running)
        layout.addWidget(self.status_label)
        layout.addWidget(self.summary_box, 1)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(780)
        self._show_state()
        self.retranslate()
        language.changed.connect(self.retranslate)

    def _value(self, name: str) -> QLabel:
        label = QLabel("—", self)
        label.setObjectName(name)
        label.setStyleSheet("font-weight: bold;")
        return label

    # -- the folder and the device name -------------------------------------------------------

    def _directory_dialog(self, name: str) -> QFileDialog:
        dialog = QFileDialog(self)
        dialog.setObjectName(name)
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        return dialog

    def choose_folder(self) -> QFileDialog:
        """Pick the sync folder (non-blocking; one file dialog, made on first use)."""
        if self.folder_dialog is None:
            self.folder_dialog = self._directory_dialog("syncFolderDialog")
            self.folder_dialog.fileSelected.connect(self._folder_chosen)
        dialog = self.folder_dialog
        dialog.setWindowTitle(tr("选择同步文件夹", "Choose the sync folder"))
        if self.folder is not None:
            dialog.setDirectory(str(self.folder))
        dialog.open()
        return dialog

    def _folder_chosen(self, path: str) -> None:
        if path:
            self.set_folder(Path(path))

    def set_folder(self, path: Path) -> bool:
        """Remember ``path`` as the sync folder; a refused folder is a message."""
        def remember() -> bool:
            folder.remember_folder(self.store, path)
            return True

        if guarded(self, remember) is None:
            return False
        self.folder = path.resolve()
        self.folder_edit.setText(str(self.folder))
        self._show_state()
        return True

    def save_device_name(self) -> None:
        """This device's name as the team sees it (sent with the next sync)."""
        name = self.name_edit.text().strip()
        if name != (self.store.get_setting("device_name") or ""):
            guarded(self, lambda: self.store.set_setting("device_name", name or None))

    # -- jobs ---------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.relay is not None

    def _start(self, action: str, work: Callable[[ops.CancelToken, ops.Progress], object]
               ) -> ops.Op[Any]:
        self.save_device_name()
        self.relay = ops.CollectionOp(self, work, on_progress=self._progress,
                                      on_success=self._finished, on_failure=ops.told(self._failed),
                                      on_cancelled=self._cancelled)
        self.action = action
        self.cancelled = False
        self.progress.setRange(0, 0)  # busy until the job knows how much there is
        self._show_state()
        self.relay.run()
        return self.relay

    def sync_now(self) -> ops.Op[Any] | None:
        if self.running:
            return None
        if self.folder is None:
            errors.show_error(self, tr("请先选择同步文件夹。", "Choose the sync folder first."))
            return None
        if not self.folder.is_dir():  # a stick that is out, a share that is not mounted
            errors.show_error(self, tr(
                "同步文件夹 {f} 不存在或无法访问（U 盘是否已插好？网络文件夹是否已连接？）。",
                "The sync folder {f} does not exist or cannot be reached (is the USB stick "
                "in, the network folder connected?).", f=self.folder))
            return None
        store, chosen = self.store, self.folder
        partial: list[SyncReport] = []

        def work(cancelled: ops.CancelToken, progress: ops.Progress) -> SyncReport:
            worker = store.open_worker()
            try:
                report = folder.sync(worker, chosen, progress=progress, cancelled=cancelled)
            finally:
                worker.close()
            partial.append(report)  # what a cancelled sync did before it stopped
            return report

        self._partial = partial
        return self._start(SYNC, work)

    def choose_export_folder(self) -> QFileDialog:
        """Pick the folder to export into (non-blocking)."""
        if self.export_dialog is None:
            self.export_dialog = self._directory_dialog("exportFolderDialog")
            self.export_dialog.fileSelected.connect(self._export_chosen)
        dialog = self.export_dialog
        dialog.setWindowTitle(tr("导出到哪个文件夹", "Export into which folder"))
        dialog.open()
        return dialog

    def _export_chosen(self, path: str) -> None:
        if path:
            self.export_to(Path(path))

    def export_to(self, target: Path) -> ops.Op[Any] | None:
        """Write all of this device's changes as bundle files into ``target``."""
        if self.running:
            return None
        store = self.store
        self.export_folder = target

        def work(cancelled: ops.CancelToken, _progress: ops.Progress) -> list[Path]:
            worker = store.open_worker()
            try:
                if cancelled():
                    raise ops.Cancelled
                return exchange.export_bundles(worker, target)
            finally:
                worker.close()

        self._partial = []
        return self._start(EXPORT, work)

    def choose_import_files(self) -> QFileDialog:
        """Pick bundle files to import (non-blocking)."""
        if self.import_dialog is None:
            self.import_dialog = QFileDialog(self)
            self.import_dialog.setObjectName("importFilesDialog")
            self.import_dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
            self.import_dialog.filesSelected.connect(self._import_chosen)
        dialog = self.import_dialog
        dialog.setWindowTitle(tr("选择要导入的数据包", "Choose the bundles to import"))
        dialog.setNameFilters([tr("数据包 (*.zip)", "Bundles (*.zip)"),
                               tr("所有文件 (*)", "All files (*)")])
        dialog.open()
        return dialog

    def _import_chosen(self, paths: list[str]) -> None:
        if paths:
            self.import_files([Path(p) for p in paths])

    def import_files(self, paths: list[Path]) -> ops.Op[Any] | None:
        """Apply bundle files; a refused file is listed with the reason, the rest go on."""
        if self.running:
            return None
        store = self.store
        partial: list[SyncReport] = []

        def work(cancelled: ops.CancelToken, progress: ops.Progress) -> SyncReport:
            worker = store.open_worker()
            try:
                report = folder.import_files(worker, paths, progress=progress,
                                             cancelled=cancelled)
            finally:
                worker.close()
            partial.append(report)
            return report

        self._partial = partial
        return self._start(IMPORT, work)

    def cancel(self) -> None:
        if self.relay is not None:
            self.relay.cancel()
            self.cancel_button.setEnabled(False)

    def _progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _finished(self, result: object) -> None:
        self.relay = None
        self.finished_at = datetime.now()
        if isinstance(result, SyncReport):
            self.report = result
        elif isinstance(result, list):
            self.exported = [Path(p) for p in result]
        self._ended()

    def _cancelled(self) -> None:
        self.relay = None
        self.cancelled = True
        self.finished_at = datetime.now()
        if self._partial:
            self.report = self._partial[-1]
        self._ended()

    def _failed(self, message: str) -> None:
        self.relay = None
        self.finished_at = None
        self._show_state()
        errors.show_error(self, message)
        self.job_ended.emit()

    def _ended(self) -> None:
        self._show_summary()  # first: the box grows to what it shows, not to its hidden parts
        self._show_state()
        report = self.report if self.action in (SYNC, IMPORT) else None
        if report is not None and (report.changes_applied or report.photos_received):
            self.applied = report.changed
            self.synced.emit()
        self.job_ended.emit()

    # -- showing ------------------------------------------------------------------------------

    def _show_state(self) -> None:
        running = self.running
        for button in (self.sync_button, self.export_button, self.import_button,
                       self.browse_button):
            button.setEnabled(not running)
        self.sync_button.setEnabled(not running and self.folder is not None)
        self.name_edit.setEnabled(not running)
        self.progress.setVisible(running)
        self.cancel_button.setVisible(running)
        self.cancel_button.setEnabled(running)
        self.status_label.setText(self._status_text())
        self.status_label.setToolTip(str(self.export_folder or "") if self.action == EXPORT
                                     else "")
        has_summary = self.report is not None and self.action in (SYNC, IMPORT)
        self.summary_box.setVisible(has_summary and not running)
        self._show_bottom_buttons()

    def _status_text(self) -> str:
        if self.running:
            return {SYNC: tr("正在同步…", "Syncing…"),
                    EXPORT: tr("正在导出…", "Exporting…"),
                    IMPORT: tr("正在导入…", "Importing…")}.get(self.action or "", "")
        if self.folder is None and self.finished_at is None:
            return tr("尚未选择同步文件夹。也可以用“导出到文件…”和“从文件导入…”通过 U 盘交换数据。",
                      "No sync folder chosen yet. “Export to files…” and “Import from "
                      "files…” exchange data on a USB stick too.")
        if self.finished_at is None:
            return ""
        at = self.finished_at.strftime("%H:%M:%S")
        if self.cancelled:
            return tr("{t} 已取消；已读取的数据包已应用，其余下次同步时处理。",
                      "{t} cancelled; the bundles read so far are applied, the rest are "
                      "handled at the next sync.", t=at)
        if self.action == EXPORT:
            files = self.exported or []
            if not files:
                return tr("{t} 本机没有可导出的变更。", "{t} this device has no changes to "
                          "export.", t=at)
            target = self.export_folder
            return tr("{t} 已写出 {n} 个数据包到 {f}", "{t} wrote {n} bundles to {f}", t=at,
                      n=len(files), f=(target.name or target) if target else "")
        if self.action == IMPORT:
            return tr("{t} 导入完成。", "{t} import finished.", t=at)
        report = self.report
        if report is None:
            return ""
        written = tr("已写出 {f}", "wrote {f}", f=report.exported.name) if report.exported \
            else tr("没有新的本机变更需要写出", "no new changes of this device to write")
        return tr("{t} 同步完成：{w}。", "{t} sync finished: {w}.", t=at, w=written)

    def _show_summary(self) -> None:
        report = self.report
        if report is None:
            return
        self.bundles_value.setText(str(report.bundles_read))
        self.changes_value.setText(str(report.changes_applied))
        self.photos_value.setText(str(report.photos_received))
        self.conflicts_value.setText(str(len(report.conflicts)))
        self.conflicts_value.setStyleSheet(
            "font-weight: bold;" + (" color: #a03434;" if report.conflicts else ""))
        self.conflicts_button.setVisible(bool(report.conflicts))
        self.devices_list.clear()
        if report.forked_from:
            item = QListWidgetItem(tr(
                "此数据目录也在别处以同一设备身份使用（复制或恢复的副本）：本机已改用新的设备身份 "
                "{new}，原身份 {old} 的记录作为收到的数据保留。请让同事在“团队设备”中信任本机。",
                "This data directory was also in use elsewhere under the same identity (a "
                "copy or a restore): it continues as a new device {new}, and the history of "
                "{old} is kept as received. Ask a teammate to trust this device in Team "
                "devices.", new=self.store.device_id[:8], old=report.forked_from[:8]))
            item.setForeground(WARNING_COLOR)
            self.devices_list.addItem(item)
        if report.read_only:
            self.devices_list.addItem(tr("同步文件夹只读：只导入，未写出本机的变更",
                                         "The sync folder is read-only: imported only, this "
                                         "device's changes were not written"))
        for line in report.quarantined:
            item = QListWidgetItem(tr("已隔离（设备未受信任）：{q}",
                                      "quarantined (device not trusted): {q}", q=line))
            item.setForeground(WARNING_COLOR)
            self.devices_list.addItem(item)
        for line in report.waiting:
            self.devices_list.addItem(tr("等待：{w}", "waiting: {w}", w=line))
        has_devices = bool(report.quarantined or report.waiting or report.forked_from
                           or report.read_only)
        for widget in (self.devices_label, self.devices_list, self.roster_button):
            widget.setVisible(has_devices)
        self.skipped_list.clear()
        for path, reason in report.skipped:
            item = QListWidgetItem(tr("{name}：{reason}", "{name}: {reason}", name=path.name,
                                      reason=reason))
            item.setToolTip(str(path))
            self.skipped_list.addItem(item)
        self.skipped_label.setVisible(bool(report.skipped))
        self.skipped_list.setVisible(bool(report.skipped))
        self._show_bottom_buttons()

    def _show_bottom_buttons(self) -> None:
        """The roster and conflicts are always reachable: from the summary when it names
        them, else from the bottom row."""
        shown = self.summary_box.isVisibleTo(self)
        self.bottom_roster_button.setVisible(not (shown and self.roster_button.isVisibleTo(self)))
        self.bottom_conflicts_button.setVisible(
            not (shown and self.conflicts_button.isVisibleTo(self)))

    def summary_lines(self) -> list[str]:
        """The skipped files and waiting/quarantined devices as shown (for tests, logs)."""
        return [self.devices_list.item(i).text() for i in range(self.devices_list.count())] + \
            [self.skipped_list.item(i).text() for i in range(self.skipped_list.count())]

    # -- the other dialogs --------------------------------------------------------------------

    def open_conflicts(self) -> ConflictsDialog:
        """The conflicts dialog (one, made on first use, read again when opened)."""
        if self.conflicts_dialog is None:
            self.conflicts_dialog = ConflictsDialog(self.store, self)
            self.conflicts_dialog.resolved.connect(self._data_changed)
        else:
            self.conflicts_dialog.refresh()
        self.conflicts_dialog.open()
        return self.conflicts_dialog

    def open_roster(self) -> RosterDialog:
        """The roster dialog (one, made on first use, read again when opened)."""
        if self.roster_dialog is None:
            self.roster_dialog = RosterDialog(self.store, self)
            self.roster_dialog.changed.connect(self._data_changed)
        else:
            self.roster_dialog.refresh()
        self.roster_dialog.open()
        return self.roster_dialog

    def _data_changed(self) -> None:
        self.applied = None
        self.synced.emit()

    # -- closing and language -----------------------------------------------------------------

    def _stop(self) -> None:
        if self.relay is not None:
            self.relay.stop()
            self.relay = None

    def done(self, result: int) -> None:
        self.save_device_name()
        self._stop()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self._stop()
        super().closeEvent(event)

    def retranslate(self) -> None:
        self.setWindowTitle(tr("同步", "Sync"))
        self.setup_box.setTitle(tr("同步文件夹", "Sync folder"))
        self.folder_label.setText(tr("文件夹：", "Folder:"))
        self.folder_edit.setPlaceholderText(tr("未选择", "not chosen"))
        self.browse_button.setText(tr("选择…", "Choose…"))
        self.folder_hint.setText(tr(
            "U 盘、共享网络文件夹，或由 Syncthing、Nextcloud 等保持一致的文件夹。\n"
            "每台设备只写入自己的子文件夹，读取其他设备的。",
            "A USB stick, a shared network folder, or a folder kept in step by Syncthing or\n"
            "Nextcloud. Each device writes only its own sub-folder and reads the others'."))
        self.name_label.setText(tr("本机名称：", "This device:"))
        self.name_edit.setPlaceholderText(roster.device_name(self.store))
        self.name_edit.setToolTip(tr("团队其他成员在设备名单中看到的名称",
                                     "The name the rest of the team sees in its roster"))
        self.sync_button.setText(tr("立即同步", "Sync now"))
        self.export_button.setText(tr("导出到文件…", "Export to files…"))
        self.import_button.setText(tr("从文件导入…", "Import from files…"))
        self.cancel_button.setText(tr("取消", "Cancel"))
        self.summary_box.setTitle(tr("结果", "Result"))
        self.bundles_label.setText(tr("读取数据包：", "Bundles read:"))
        self.changes_label.setText(tr("应用变更：", "Changes applied:"))
        self.photos_label.setText(tr("收到照片：", "Photos received:"))
        self.conflicts_label.setText(tr("新冲突：", "New conflicts:"))
        self.conflicts_button.setText(tr("查看冲突…", "Review conflicts…"))
        self.devices_label.setText(tr("未应用的数据包：", "Bundles not applied:"))
        self.roster_button.setText(tr("设备名单…", "Team devices…"))
        self.skipped_label.setText(tr("跳过的文件：", "Skipped files:"))
        close = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        if close is not None:
            close.setText(tr("关闭", "Close"))
        self.bottom_roster_button.setText(tr("设备名单…", "Team devices…"))
        self.bottom_conflicts_button.setText(tr("全部冲突…", "All conflicts…"))
        self.status_label.setText(self._status_text())
        self._show_summary()
