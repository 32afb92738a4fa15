"""The team roster: which devices' bundles this device applies.

Devices are listed with their name, the first characters of their id and their key's
fingerprint (to compare by phone before trusting), whether they are trusted, and how many of
their bundles wait in quarantine. Trusting a device (optionally under a name of your own) is a
change that syncs; the bundles kept for it are then applied in the background. Revoking asks
first. Callers open it non-blocking (``open()``) and listen to ``changed``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inspector.core.store import Store
from sync import exchange, roster
from ui import errors, ops
from ui.errors import guarded
from ui.i18n import language, tr

COL_NAME, COL_ID, COL_FINGERPRINT, COL_STATE, COL_QUARANTINED = range(5)
ID_ROLE = Qt.ItemDataRole.UserRole


def state_text(device: dict[str, Any]) -> str:
    if device["self"]:
        return tr("本机", "this device")
    if device["trusted"]:
        return tr("受信任", "trusted")
    if device.get("trusted_upto") is not None:
        return tr("已撤销（计入到第 {n} 号）", "revoked (counted up to {n})",
                  n=device["trusted_upto"])
    return tr("未信任", "not trusted")


class RosterDialog(QDialog):
    """Devices and their trust; ``changed`` after a trust, a revoke or applied bundles."""

    changed = Signal()

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rosterDialog")
        self.store = store
        self.devices: list[dict[str, Any]] = []
        self.input_dialog: QInputDialog | None = None
        self.confirm_box: QMessageBox | None = None
        self._revoke_button: QAbstractButton | None = None
        self._pending: str | None = None  # the device asked about
        self.relay: ops.Op[Any] | None = None
        self.last_applied: tuple[int, int] | None = None  # (bundles, changes) of the last trust

        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.table = QTableWidget(0, 5, self)
        self.table.setObjectName("devicesTable")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.trust_button = QPushButton(self)
        self.trust_button.setObjectName("trustButton")
        self.trust_button.clicked.connect(self.ask_trust)
        self.revoke_button = QPushButton(self)
        self.revoke_button.setObjectName("revokeButton")
        self.revoke_button.clicked.connect(self.ask_revoke)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("rosterProgress")
        self.progress.setRange(0, 0)
        self.progress.setMaximumWidth(160)
        self.progress.hide()
        self.result_label = QLabel(self)
        self.result_label.setObjectName("rosterResult")
        self.result_label.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.rejected.connect(self.reject)

        actions = QHBoxLayout()
        actions.addWidget(self.trust_button)
        actions.addWidget(self.revoke_button)
        actions.addWidget(self.progress)
        actions.addWidget(self.result_label, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(self.buttons)
        self.resize(820, 380)
        self.refresh()
        self.retranslate()
        language.changed.connect(self.retranslate)

    # -- reading ------------------------------------------------------------------------------

    def refresh(self) -> None:
        selected = self.selected()
        keep = selected["id"] if selected else None
        self.devices = roster.list_devices(self.store)
        self._fill()
        if keep is not None:
            self.select_device(keep)
        self._update_buttons()

    def _fill(self) -> None:
        self.table.setRowCount(len(self.devices))
        for index, device in enumerate(self.devices):
            quarantined = int(device["quarantined"] or 0)
            cells = {
                COL_NAME: str(device["name"] or "—"),
                COL_ID: str(device["id"])[:8],
                COL_FINGERPRINT: str(device["fingerprint"] or "—"),
                COL_STATE: state_text(device),
                COL_QUARANTINED: str(quarantined) if quarantined else "",
            }
            for column, text in cells.items():
                item = QTableWidgetItem(text)
                item.setData(ID_ROLE, device["id"])
                if column == COL_ID:
                    item.setToolTip(str(device["id"]))
                if column in (COL_ID, COL_FINGERPRINT):
                    item.setFont(self._mono())
                if column == COL_STATE and not device["trusted"]:
                    item.setForeground(Qt.GlobalColor.darkRed)
                if device.get("warning") and column in (COL_NAME, COL_FINGERPRINT, COL_STATE):
                    # several keys claim it, or its key is not the one trusted: say so
                    item.setText(f"⚠ {item.text()}" if column == COL_NAME else item.text())
                    item.setToolTip(str(device["warning"]))
                    item.setForeground(Qt.GlobalColor.darkRed)
                self.table.setItem(index, column, item)

    def _mono(self) -> Any:
        font = self.font()
        font.setFamily("monospace")
        font.setStyleHint(font.StyleHint.Monospace)
        return font

    def selected(self) -> dict[str, Any] | None:
        index = self.table.currentRow()
        if not self.table.selectionModel().hasSelection() or \
                not 0 <= index < len(self.devices):
            return None
        return self.devices[index]

    def select_device(self, device_id: str) -> bool:
        for index, device in enumerate(self.devices):
            if device["id"] == device_id or str(device["id"]).startswith(device_id):
                self.table.selectRow(index)
                return True
        return False

    def _update_buttons(self) -> None:
        device = self.selected()
        idle = self.relay is None
        self.trust_button.setEnabled(idle and device is not None and not device["self"]
                                     and not device["trusted"])
        self.revoke_button.setEnabled(idle and device is not None and not device["self"]
                                      and bool(device["trusted"]))

    # -- trust --------------------------------------------------------------------------------

    def ask_trust(self) -> QInputDialog | None:
        """Ask for an optional name (non-blocking); trusting happens when it is accepted."""
        device = self.selected()
        if device is None or device["self"]:
            return None
        self._pending = str(device["id"])
        dialog = QInputDialog(self)
        dialog.setObjectName("trustDialog")
        dialog.setWindowTitle(tr("信任设备", "Trust a device"))
        dialog.setLabelText(tr(
            "请先与对方核对密钥指纹：{fp}\n信任后将应用它的数据。设备名称（可选）：",
            "Compare the key fingerprint with its owner first: {fp}\nIts data is applied "
            "once trusted. A name for it (optional):", fp=device["fingerprint"]))
        dialog.setTextValue(str(device["name"] or ""))
        dialog.setOkButtonText(tr("信任", "Trust"))
        dialog.setCancelButtonText(tr("取消", "Cancel"))
        dialog.textValueSelected.connect(self._trust_named)
        self.input_dialog = dialog
        dialog.open()
        return dialog

    def _trust_named(self, name: str) -> None:
        device_id, self._pending = self._pending, None
        if device_id is not None:
            self.trust(device_id, name)

    def trust(self, device_id: str, name: str | None = None) -> ops.Op[Any] | None:
        """Trust the device, then apply its quarantined bundles in the background."""
        if guarded(self, lambda: roster.trust(self.store, device_id, name)) is None:
            return None
        self.refresh()
        self.changed.emit()
        return self._apply_kept()

    def _apply_kept(self) -> ops.Op[Any]:
        store = self.store

        def work(cancelled: ops.CancelToken, _progress: ops.Progress) -> tuple[int, int]:
            worker = store.open_worker()
            try:
                results = exchange.retry_inbox(worker, cancelled)
            finally:
                worker.close()
            applied = [r for r in results if r.status == exchange.APPLIED]
            return len(applied), sum(r.changes for r in applied)

        self.relay = ops.CollectionOp(self, work, on_success=self._applied,
                                      on_failure=ops.told(self._failed), on_cancelled=self._ended)
        self.progress.show()
        self.last_applied = None
        self.result_label.setText(tr("正在应用隔离的数据包…", "Applying the quarantined bundles…"))
        self._update_buttons()
        self.relay.run()
        return self.relay

    def _applied(self, result: object) -> None:
        bundles, changes = result if isinstance(result, tuple) else (0, 0)
        self._ended()
        self.last_applied = (int(bundles), int(changes))
        self._show_result()
        if bundles:
            self.changed.emit()

    def _show_result(self) -> None:
        if self.last_applied is None:
            return
        bundles, changes = self.last_applied
        self.result_label.setText(tr("已信任；应用了 {n} 个隔离的数据包（{c} 条变更）。",
                                     "Trusted; {n} quarantined bundles applied ({c} changes).",
                                     n=bundles, c=changes))

    def _failed(self, message: str) -> None:
        self._ended()
        self.result_label.setText("")
        errors.show_error(self, message)

    def _ended(self) -> None:
        self.relay = None
        self.progress.hide()
        self.result_label.setText("")
        self.refresh()

    @property
    def running(self) -> bool:
        return self.relay is not None

    # -- revoke -------------------------------------------------------------------------------

    def ask_revoke(self) -> QMessageBox | None:
        device = self.selected()
        if device is None or device["self"] or not device["trusted"]:
            return None
        self._pending = str(device["id"])
        box = QMessageBox(QMessageBox.Icon.Question, tr("撤销信任", "Revoke trust"), tr(
            "不再信任设备“{name}”（{id}）？\n它在本机已有的修改之后的修改，在每台设备上都不再"
            "计入；已有的保留。",
            "Stop trusting the device {name!r} ({id})?\nNone of its changes after the ones "
            "this laptop holds will count on any laptop; those held stay.", name=device["name"],
            id=str(device["id"])[:8]), QMessageBox.StandardButton.NoButton, self)
        box.setObjectName("revokeBox")
        self._revoke_button = box.addButton(tr("撤销信任", "Revoke"),
                                            QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(tr("取消", "Cancel"), QMessageBox.ButtonRole.RejectRole)
        box.buttonClicked.connect(self._revoke_answered)
        self.confirm_box = box
        box.open()
        return box

    def _revoke_answered(self, button: QAbstractButton) -> None:
        device_id, self._pending = self._pending, None
        if button is not self._revoke_button or device_id is None:
            return
        if guarded(self, lambda: roster.revoke(self.store, device_id)) is not None:
            self.refresh()
            self.changed.emit()

    # -- closing and language -----------------------------------------------------------------

    def _stop(self) -> None:
        if self.relay is not None:
            self.relay.stop()
            self.relay = None

    def done(self, result: int) -> None:
        self._stop()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self._stop()
        super().closeEvent(event)

    def retranslate(self) -> None:
        self.setWindowTitle(tr("团队设备", "Team devices"))
        self.intro.setText(tr(
            "只应用受信任设备的数据包；未信任设备的数据包先隔离，信任后自动应用。"
            "信任前请与对方核对密钥指纹。",
            "Only trusted devices' bundles are applied; others are quarantined and applied "
            "once their device is trusted. Compare the key fingerprint before trusting."))
        self.table.setHorizontalHeaderLabels([
            tr("名称", "Name"), tr("设备编号", "Device id"), tr("密钥指纹", "Key fingerprint"),
            tr("状态", "State"), tr("隔离的数据包", "Quarantined bundles")])
        self.trust_button.setText(tr("信任…", "Trust…"))
        self.revoke_button.setText(tr("撤销信任", "Revoke trust"))
        close = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        if close is not None:
            close.setText(tr("关闭", "Close"))
        if self.devices:
            for index, device in enumerate(self.devices):
                item = self.table.item(index, COL_STATE)
                if item is not None:
                    item.setText(state_text(device))
        if self.relay is None:
            self._show_result()
        else:
            self.result_label.setText(tr("正在应用隔离的数据包…",
                                         "Applying the quarantined bundles…"))
