"""The findings of one inspection: a filterable table, add and edit through FindingDialog."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QKeyEvent, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from inspector.core.errors import NotFoundError
from inspector.core.store import Store
from inspector.domain import findings, inspections, photos, templates
from inspector.domain.templates import Named, Template
from ui import errors
from ui.finding_dialog import FindingDialog, department_text, named, status_name
from ui.i18n import language, tr

ModelIndex = QModelIndex | QPersistentModelIndex
SEVERE = "severe"
OVERDUE_COLOR = QColor("#c62828")
NO_PHOTO_COLOR = QColor("#9e9e9e")
COLUMN_PADDING = 8
COLUMN_CAPS = {"category": 170, "location": 140, "department": 130}
STATUS_FILTERS: tuple[str | None, ...] = (None, findings.OPEN, findings.RECTIFIED,
                                          findings.VERIFIED, "overdue")


def _label(lookup: Callable[[str], Named], code: str | None) -> str:
    """A template entry's label, or the code itself when the template does not know it."""
    if not code:
        return ""
    try:
        return lookup(code).label()
    except NotFoundError:
        return code


def _order(row: dict[str, Any]) -> tuple[str, str]:
    """``list_findings``' order, descending: created_at, then short id."""
    return str(row["created_at"] or ""), str(row["short_id"] or "")


class FindingsModel(QAbstractTableModel):
    """Rows from ``findings.list_findings`` shown with the template's labels."""

    COLUMNS = ("short_id", "category", "description", "location", "department", "severity",
               "deadline", "status", "photos")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[dict[str, Any]] = []
        self.template: Template | None = None
        self.inspection_short_id: str | None = None

    def set_rows(self, rows: list[dict[str, Any]], template: Template | None,
                 inspection_short_id: str | None = None) -> None:
        self.beginResetModel()
        self.rows = rows
        self.template = template
        self.inspection_short_id = inspection_short_id
        self.endResetModel()

    def put_row(self, row: dict[str, Any]) -> None:
        """Show this finding's row again in its place (only its cells are repainted); a new
        finding goes where ``list_findings`` would put it (newest first)."""
        index = self.row_of(str(row["id"]))
        if index < 0:
            key = _order(row)
            at = next((i for i, shown in enumerate(self.rows) if _order(shown) < key),
                      len(self.rows))
            self.beginInsertRows(QModelIndex(), at, at)
            self.rows.insert(at, row)
            self.endInsertRows()
            return
        self.rows[index] = row
        self.dataChanged.emit(self.index(index, 0), self.index(index, len(self.COLUMNS) - 1))

    def drop_row(self, finding_id: str) -> None:
        index = self.row_of(finding_id)
        if index >= 0:
            self.beginRemoveRows(QModelIndex(), index, index)
            del self.rows[index]
            self.endRemoveRows()

    def finding_id(self, row: int) -> str:
        return str(self.rows[row]["id"])

    def row_of(self, finding_id: str) -> int:
        for index, row in enumerate(self.rows):
            if row["id"] == finding_id:
                return index
        return -1

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return self.headers()[section]

    @staticmethod
    def headers() -> tuple[str, ...]:
        return (tr("编号", "No."), tr("类别", "Category"), tr("描述", "Description"),
                tr("位置", "Location"), tr("部门", "Department"), tr("严重程度", "Severity"),
                tr("期限", "Deadline"), tr("状态", "Status"), tr("照片", "Photos"))

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        row = self.rows[index.row()]
        column = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == "department" and self.template is not None:
                return department_text(self.template, row["department"])
            if column == "short_id":
                return row["short_id"]
            if column == "photos":
                count = row.get("photo_count", 0)
                return tr("{n} 张照片", "{n} photo" if count == 1 else "{n} photos", n=count)
            return self._text(row, column) or None
        if role == Qt.ItemDataRole.TextAlignmentRole and column == "photos":
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column == "photos" \
                and not row.get("photo_count"):
            return QBrush(NO_PHOTO_COLOR)
        if role == Qt.ItemDataRole.ForegroundRole and column in ("status", "deadline") \
                and row.get("overdue"):
            return QBrush(OVERDUE_COLOR)
        if role == Qt.ItemDataRole.FontRole:
            if (column == "severity" and row["severity"] == SEVERE) or (
                    column == "status" and row.get("overdue")):
                font = QFont()
                font.setBold(True)
                return font
        if role == Qt.ItemDataRole.UserRole:
            return row["id"]
        return None

    def short_id(self, row: dict[str, Any]) -> str:
        """The finding's number within its inspection ("F03"); the full one is the tooltip."""
        full = str(row["short_id"] or "")
        prefix = f"{self.inspection_short_id}-" if self.inspection_short_id else ""
        return full[len(prefix):] if prefix and full.startswith(prefix) else full

    def _text(self, row: dict[str, Any], column: str) -> str:
        template = self.template
        if column == "short_id":
            return self.short_id(row)
        if column == "status":
            return status_name("overdue" if row.get("overdue") else row["status"])
        if column == "photos":
            return str(row.get("photo_count", 0))
        if column == "description":
            return " ".join(str(row["description"] or "").split())
        if column in ("location", "deadline"):
            return str(row[column] or "")
        if template is None:
            return str(row[column] or "")
        if column == "category":
            return _label(template.category, row["category"])
        if column == "severity":
            return _label(template.severity, row["severity"])
        if column == "department":
            # The code is the short form in Chinese; English readers get the name.
            return tr(row["department"] or "", _label(template.department, row["department"]))
        return ""

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.COLUMNS) - 1)
        if self.rows:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self.rows) - 1, len(self.COLUMNS) - 1))


class FindingsPanel(QWidget):
    """The findings of the current inspection. ``changed`` fires after a dialog saved."""

    changed = Signal()

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("findingsPanel")
        self.store = store
        self.inspection_id: str | None = None
        self.inspection: dict[str, Any] | None = None
        self.template: Template | None = None
        self.dialog: FindingDialog | None = None
        self.undo_stack: QUndoStack | None = None  # the owner's: photo removals are undoable
        self.total = 0

        self.title = named(QLabel(), "findingsTitle")
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)
        self.count_label = named(QLabel(), "countLabel")
        self.add_button = named(QPushButton(), "addFindingButton")
        self.add_button.clicked.connect(lambda: self.add_finding())

        self.status_label = QLabel()
        self.status_filter = named(QComboBox(), "statusFilter")
        for code in STATUS_FILTERS:
            self.status_filter.addItem("", code)
        self.status_label.setBuddy(self.status_filter)
        self.department_label = QLabel()
        self.department_filter = named(QComboBox(), "departmentFilter")
        self.department_filter.addItem("", None)
        # The long English names would make the row as wide as the window; the popup still
        # shows them whole.
        self.department_filter.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.department_filter.setMinimumContentsLength(16)
        self.department_label.setBuddy(self.department_filter)
        self.status_filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self.department_filter.currentIndexChanged.connect(lambda _i: self.refresh())

        self.model = FindingsModel(self)
        self.table = named(QTableView(), "findingsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(FindingsModel.COLUMNS.index("description"),
                                    QHeaderView.ResizeMode.Stretch)
        header.setHighlightSections(False)
        self.table.doubleClicked.connect(self._open_index)
        self.table.installEventFilter(self)
        self.empty_label = named(QLabel(), "emptyLabel")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setStyleSheet("color: gray;")

        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addWidget(self.count_label)
        top.addStretch(1)
        top.addWidget(self.add_button)
        filters = QHBoxLayout()
        filters.addWidget(self.status_label)
        filters.addWidget(self.status_filter)
        filters.addSpacing(12)
        filters.addWidget(self.department_label)
        filters.addWidget(self.department_filter)
        filters.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_label)

        self.retranslate()
        language.changed.connect(self.retranslate)
        self.refresh()

    # -- data ----------------------------------------------------------------------------

    @property
    def submitted(self) -> bool:
        return bool(self.inspection and self.inspection["status"] == inspections.SUBMITTED)

    def set_inspection(self, inspection_id: str | None) -> None:
        self.inspection_id = inspection_id
        self.inspection = None
        self.template = None
        if inspection_id is not None:
            self.inspection = inspections.get(self.store, inspection_id)
            self.template = templates.get(self.store, self.inspection["template_id"])
        self._fill_department_filter()
        self.refresh()

    def _fill_department_filter(self) -> None:
        chosen = self.department_filter.currentData()
        self.department_filter.blockSignals(True)
        try:
            while self.department_filter.count() > 1:
                self.department_filter.removeItem(1)
            if self.template is not None:
                for department in self.template.departments:
                    self.department_filter.addItem(
                        department_text(self.template, department.code), department.code)
            index = self.department_filter.findData(chosen)
            self.department_filter.setCurrentIndex(max(index, 0))
        finally:
            self.department_filter.blockSignals(False)

    def refresh(self) -> None:
        """Read the findings again (after a change elsewhere, or a filter change)."""
        rows: list[dict[str, Any]] = []
        self.total = 0
        if self.inspection_id is not None:
            self.inspection = inspections.get(self.store, self.inspection_id)
            rows = findings.list_findings(self.store, inspection_id=self.inspection_id,
                                          status=self.status_filter.currentData(),
                                          department=self.department_filter.currentData())
            if self._filtering():
                self.total = findings.count(self.store, self.inspection_id)
            else:
                self.total = len(rows)
            counts = photos.finding_photo_counts(self.store, self.inspection_id)
            for row in rows:
                row["photo_count"] = counts.get(str(row["id"]), 0)
        selected = self.selected_finding_id()
        self.model.set_rows(rows, self.template,
                            self.inspection["short_id"] if self.inspection else None)
        if selected is not None and (at := self.model.row_of(selected)) >= 0:
            self.table.selectRow(at)
        self._fit_columns()
        self._update_state()

    def refresh_findings(self, finding_ids: set[str] | frozenset[str]) -> None:
        """Read only these findings again (one was saved, its status changed, photos were
        added): each row is replaced in place, a new one is put first, one that was deleted
        or that the filters now hide leaves — the other rows are not read."""
        if self.inspection_id is None:
            return
        wanted = sorted(finding_ids)
        shown = {str(row["id"]): row for row in findings.list_among(
            self.store, wanted, inspection_id=self.inspection_id,
            status=self.status_filter.currentData(),
            department=self.department_filter.currentData())}
        counts = photos.finding_photo_counts(self.store, self.inspection_id, wanted)
        for finding_id in wanted:
            row = shown.get(finding_id)
            if row is None:  # deleted, or the filters now hide it
                self.model.drop_row(finding_id)
                continue
            row["photo_count"] = counts.get(finding_id, 0)
            self.model.put_row(row)
        if self._filtering():
            self.total = findings.count(self.store, self.inspection_id)
        else:
            self.total = self.model.rowCount()
        self._fit_columns()
        self._update_state()

    def _fit_columns(self) -> None:
        """Size columns to their contents, capped so the description keeps most of the room."""
        for column, name in enumerate(FindingsModel.COLUMNS):
            if name == "description":
                continue
            self.table.resizeColumnToContents(column)
            width = self.table.columnWidth(column) + COLUMN_PADDING
            self.table.setColumnWidth(column, min(width, COLUMN_CAPS.get(name, width)))

    def _filtering(self) -> bool:
        return (self.status_filter.currentData() is not None
                or self.department_filter.currentData() is not None)

    def selected_finding_id(self) -> str | None:
        index = self.table.currentIndex()
        if not index.isValid() or index.row() >= self.model.rowCount():
            return None
        return self.model.finding_id(index.row())

    def _update_title(self) -> None:
        if self.inspection is not None:
            self.title.setText(tr("问题清单 {sid}", "Findings {sid}",
                                  sid=self.inspection["short_id"]))
        else:
            self.title.setText(tr("问题清单", "Findings"))

    def _update_state(self) -> None:
        self._update_title()
        has_inspection = self.inspection_id is not None
        self.add_button.setEnabled(has_inspection and not self.submitted)
        self.status_filter.setEnabled(has_inspection)
        self.department_filter.setEnabled(has_inspection)
        shown = self.model.rowCount()
        if not has_inspection:
            self.count_label.setText("")
        elif self._filtering():
            self.count_label.setText(tr("（显示 {n} / 共 {total} 条）", "({n} of {total} shown)",
                                        n=shown, total=self.total))
        else:
            self.count_label.setText(tr("（共 {n} 条）", "({n})", n=shown))
        if self.submitted:
            self.add_button.setToolTip(tr("检查已提交，不能再添加问题；请先重新打开。",
                                          "The inspection is submitted; reopen it to add "
                                          "findings."))
        else:
            self.add_button.setToolTip("")
        self.empty_label.setVisible(shown == 0)
        if not has_inspection:
            self.empty_label.setText(tr("请先选择一次检查", "Choose an inspection first"))
        elif self._filtering():
            self.empty_label.setText(tr("没有符合筛选条件的问题", "No findings match the filter"))
        else:
            self.empty_label.setText(tr("本次检查尚未记录问题", "No findings recorded yet"))

    # -- dialogs -------------------------------------------------------------------------

    def add_finding(self, item_code: str | None = None) -> FindingDialog | None:
        """Open the add dialog (non-blocking) and return it; None if adding is not possible."""
        if self.inspection_id is None:
            errors.show_error(self, tr("请先选择一次检查", "Choose an inspection first"))
            return None
        # Is it still a draft? (The rows need not be read again for that.)
        self.inspection = inspections.get(self.store, self.inspection_id)
        self._update_state()
        if self.submitted:
            errors.show_error(self, tr(
                "检查 {sid} 已提交，不能再添加问题；请先重新打开。",
                "The inspection {sid} is submitted; reopen it to add findings.",
                sid=self.inspection["short_id"] if self.inspection else ""))
            return None
        return self._open(lambda: FindingDialog(self.store, str(self.inspection_id),
                                                item_code=item_code, parent=self,
                                                undo_stack=self.undo_stack))

    def edit_finding(self, finding_id: str) -> FindingDialog | None:
        """Open the edit dialog (non-blocking) and return it; None if it cannot be opened."""
        row = errors.guarded(self, lambda: findings.get(self.store, finding_id))
        if row is None:
            return None
        inspection_id = str(row["inspection_id"])
        return self._open(lambda: FindingDialog(self.store, inspection_id,
                                                finding_id=finding_id, parent=self,
                                                undo_stack=self.undo_stack))

    def _open(self, make: Callable[[], FindingDialog]) -> FindingDialog | None:
        dialog: FindingDialog | None = errors.guarded(self, make)
        if dialog is None:
            return None
        if self.dialog is not None and not self.dialog.isVisible():
            self.dialog.deleteLater()
        self.dialog = dialog
        dialog.saved.connect(self._saved)
        dialog.photos_changed.connect(self._photos_changed)
        dialog.open()
        return dialog

    def _saved(self, finding_id: str) -> None:
        self.refresh_findings({finding_id})
        row = self.model.row_of(finding_id)
        if row >= 0:
            self.table.selectRow(row)
        self.changed.emit()

    def _photos_changed(self, finding_id: str) -> None:
        self.refresh_findings({finding_id})
        self.changed.emit()

    def _open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.edit_finding(self.model.finding_id(index.row()))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table and event.type() == QEvent.Type.KeyPress \
                and isinstance(event, QKeyEvent) \
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            index = self.table.currentIndex()
            if index.isValid():
                self._open_index(index)
                return True
        return super().eventFilter(watched, event)

    # -- language ------------------------------------------------------------------------

    def retranslate(self) -> None:
        self._update_title()
        self.add_button.setText(tr("添加问题", "Add finding"))
        self.status_label.setText(tr("状态：", "Status:"))
        self.department_label.setText(tr("部门：", "Department:"))
        for index, code in enumerate(STATUS_FILTERS):
            self.status_filter.setItemText(index, status_name(code) if code
                                           else tr("全部", "All"))
        self.department_filter.setItemText(0, tr("全部", "All"))
        if self.template is not None:
            for index, department in enumerate(self.template.departments, start=1):
                self.department_filter.setItemText(
                    index, department_text(self.template, department.code))
        self.model.retranslate()
        self._fit_columns()
        self._update_state()
