"""File → 导入社区名单…: a community list read and shown before anything is written.

The file is read in the background (``community_import.preview`` on a worker connection):
the encoding found, the columns recognised, the first rows, what importing would add and
update, and every bad line with its number, column and reason. "导入" is enabled only for a
file without problems; the import is one transaction, also in the background. Callers use
``open()``; ``imported`` carries the ``ImportResult``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inspector.core.store import Store
from inspector.domain import community_import
from inspector.domain.community_import import ImportResult, Preview
from ui import errors, ops
from ui.i18n import language, tr

COLUMNS = ("district", "street", "name", "address", "households", "property_management",
           "latitude", "longitude")


class CommunityImportDialog(QDialog):
    imported = Signal(object)

    def __init__(self, store: Store, path: Path | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("communityImportDialog")
        self.store = store
        self.preview: Preview | None = None
        # An attribute over QDialog.result(), which this dialog does not use.
        self.result: ImportResult | None = None  # type: ignore[assignment]
        self.file_dialog: QFileDialog | None = None
        self._relay: ops.Op[Any] | None = None

        self.file_label = QLabel(self)
        self.file_edit = QLineEdit(self)
        self.file_edit.setObjectName("registryFile")
        self.file_edit.returnPressed.connect(lambda: self.read(Path(self.file_edit.text())))
        self.browse_button = QPushButton(self)
        self.browse_button.setObjectName("browseRegistry")
        self.browse_button.setAutoDefault(False)
        self.browse_button.clicked.connect(self.choose_file)
        self.facts = QLabel(self)
        self.facts.setObjectName("previewFacts")
        self.facts.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS) + 1, self)
        self.table.setObjectName("previewTable")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(COLUMNS.index("address") + 1, QHeaderView.ResizeMode.Stretch)
        self.problems_label = QLabel(self)
        self.problems_label.setStyleSheet("color: #b23b3b; font-weight: bold;")
        self.problems = QListWidget(self)
        self.problems.setObjectName("previewProblems")
        self.problems.setStyleSheet("color: #b23b3b;")
        self.problems.setMaximumHeight(6 * self.problems.fontMetrics().height() + 12)
        self.import_button = QPushButton(self)
        self.import_button.setObjectName("importRegistry")
        self.import_button.setDefault(True)
        self.import_button.clicked.connect(self.import_file)
        self.cancel_button = QPushButton(self)
        self.buttons = QDialogButtonBox(self)
        self.buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.rejected.connect(self.reject)

        row = QHBoxLayout()
        row.addWidget(self.file_label)
        row.addWidget(self.file_edit, 1)
        row.addWidget(self.browse_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.facts)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.problems_label)
        layout.addWidget(self.problems)
        layout.addWidget(self.buttons)
        self.resize(900, 560)
        self.retranslate()
        language.changed.connect(self.retranslate)
        self._show()
        if path is not None:
            self.read(path)

    # -- reading -----------------------------------------------------------------------------

    def choose_file(self) -> QFileDialog:
        dialog = QFileDialog(self, tr("选择社区名单（CSV）", "Choose the community list (CSV)"))
        dialog.setObjectName("registryFileDialog")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilters([tr("CSV 文件 (*.csv *.CSV)", "CSV files (*.csv *.CSV)"),
                               tr("所有文件 (*)", "All files (*)")])
        dialog.fileSelected.connect(lambda name: self.read(Path(name)) if name else None)
        if self.file_dialog is not None:
            self.file_dialog.deleteLater()
        self.file_dialog = dialog
        dialog.open()
        return dialog

    def read(self, path: Path) -> None:
        """Preview ``path`` in the background (its own connection); nothing is written."""
        if self._relay is not None:
            self._relay.stop()
        self.file_edit.setText(str(path))
        self.preview = None
        store = self.store

        def work(_cancelled: ops.CancelToken, _progress: ops.Progress) -> Preview:
            worker = store.open_worker()
            try:
                return community_import.preview(worker, path)
            finally:
                worker.close()

        self._relay = ops.QueryOp(self, work, on_success=self._read,
                                  on_failure=ops.told(self._failed))
        self._relay.run()
        self._show()

    def busy(self) -> bool:
        return self._relay is not None

    def _read(self, result: object) -> None:
        self._relay = None
        if isinstance(result, Preview):
            self.preview = result
        self._show()

    def _failed(self, message: str) -> None:
        self._relay = None
        errors.show_error(self, message)
        self._show()

    # -- showing -----------------------------------------------------------------------------

    def _show(self) -> None:
        preview = self.preview
        self.table.setRowCount(0)
        self.problems.clear()
        if self.busy():
            self.facts.setText(tr("正在读取…", "Reading…"))
        elif preview is None:
            self.facts.setText(tr(
                "选择街道或区县整理的社区名单（CSV，UTF-8 或 GBK）。必需列：区县(市)、街道、社区；"
                "可选：地址、户数、物业管理、标签、纬度、经度。导入前会先显示内容和错误。",
                "Choose the community list a street or district office keeps (CSV, UTF-8 or "
                "GBK). Needed columns: district, street, name; optional: address, households, "
                "property management, tags, latitude, longitude. It is shown, with any errors, "
                "before anything is imported."))
        else:
            self.facts.setText(tr(
                "编码：{enc}　识别的列：{cols}\n共 {n} 个社区：将新增 {a}，更新 {u}，未变 {s}。",
                "Encoding: {enc}   Columns found: {cols}\n{n} communities: {a} to add, {u} to "
                "update, {s} unchanged.", enc=preview.encoding or "—",
                cols="、".join(preview.columns) or "—", n=len(preview.rows), a=preview.added,
                u=preview.updated, s=preview.unchanged))
            rows = preview.first_rows
            self.table.setRowCount(len(rows))
            for number, (line, data) in enumerate(rows):
                values = [str(line), data.district, data.street, data.name, data.address,
                          "" if data.households is None else str(data.households),
                          data.property_management or "",
                          "" if data.latitude is None else f"{data.latitude:.6f}",
                          "" if data.longitude is None else f"{data.longitude:.6f}"]
                for column, text in enumerate(values):
                    item = QTableWidgetItem(text)
                    if column == 0:
                        item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                              | Qt.AlignmentFlag.AlignVCenter)
                    self.table.setItem(number, column, item)
            for problem in preview.problems:
                self.problems.addItem(problem)
        has_problems = preview is not None and bool(preview.problems)
        self.problems_label.setVisible(has_problems)
        self.problems.setVisible(has_problems)
        self.problems_label.setText(tr("有 {n} 处问题，请改正文件后重新选择（不会导入任何社区）：",
                                       "{n} problems; correct the file and choose it again "
                                       "(nothing is imported):",
                                       n=len(preview.problems) if preview else 0))
        self.import_button.setEnabled(bool(preview and preview.ok) and not self.busy())

    # -- importing ---------------------------------------------------------------------------

    def import_file(self) -> None:
        if self.preview is None or not self.preview.ok or self.busy():
            return
        path, store = self.preview.path, self.store

        def work(_cancelled: ops.CancelToken, _progress: ops.Progress) -> ImportResult:
            worker = store.open_worker()
            try:
                return community_import.import_file(worker, path)
            finally:
                worker.close()

        self._relay = ops.CollectionOp(self, work, on_success=self._imported,
                                       on_failure=ops.told(self._failed))
        self._relay.run()
        self._show()

    def _imported(self, result: object) -> None:
        self._relay = None
        if isinstance(result, ImportResult):
            self.result = result
            self.imported.emit(result)
            self.accept()
        else:
            self._show()

    def retranslate(self) -> None:
        self.setWindowTitle(tr("导入社区名单", "Import a community list"))
        self.file_label.setText(tr("文件：", "File:"))
        self.browse_button.setText(tr("选择…", "Choose…"))
        self.import_button.setText(tr("导入", "Import"))
        self.cancel_button.setText(tr("取消", "Cancel"))
        self.table.setHorizontalHeaderLabels([
            tr("行", "Line"), tr("区县(市)", "District"), tr("街道", "Street"),
            tr("社区", "Community"), tr("地址", "Address"), tr("户数", "Households"),
            tr("物业管理", "Management"), tr("纬度", "Latitude"), tr("经度", "Longitude")])
        self._show()
