"""A community's details and its inspections, newest first."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inspector.core.store import Store
from ui.i18n import language, tr

# By inspections.DRAFT, SUBMITTED, REOPENED: the domain modules are imported when a community
# is first shown (and by the main window's warm-up before that), not for the first window.
STATUS_LABELS = {
    "draft": ("草稿", "Draft"),
    "submitted": ("已提交", "Submitted"),
    "reopened": ("已重新打开", "Reopened"),
}


PROPERTY_EN = {"专业物业": "Professional management", "准物业": "Quasi-property management",
               "自治": "Self-managed", "无": "None"}


def property_label(value: str | None) -> str:
    if not value:
        return "—"
    return tr(value, PROPERTY_EN.get(value, value))


def status_label(status: str) -> str:
    zh, en = STATUS_LABELS.get(status, (status, status))
    return tr(zh, en)


class CommunityPage(QWidget):
    open_inspection = Signal(str)
    new_inspection_requested = Signal(str)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.community_id: str | None = None
        self.title = QLabel(self)
        self.title.setObjectName("communityTitle")
        font = QFont(self.title.font())
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.title.setFont(font)
        self.details = QFormLayout()
        self.detail_captions = [QLabel(self) for _ in range(6)]
        self.detail_values = [QLabel(self) for _ in range(6)]
        for caption, label in zip(self.detail_captions, self.detail_values, strict=True):
            caption.setStyleSheet("color: #555;")
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.details.addRow(caption, label)
        self.new_button = QPushButton(self)
        self.new_button.setObjectName("newInspectionButton")
        self.new_button.clicked.connect(self._request_new)
        self.open_button = QPushButton(self)
        self.open_button.setObjectName("openInspectionButton")
        self.open_button.clicked.connect(self._open_selected)
        self.plan_button = QPushButton(self)
        self.plan_button.setObjectName("sitePlanButton")
        self.plan_button.clicked.connect(self.open_site_plan)
        self.plan_dialog: QDialog | None = None
        self.table = QTableWidget(0, 6, self)
        self.table.setObjectName("inspectionsTable")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.activated.connect(lambda _index: self._open_selected())
        self.table.doubleClicked.connect(lambda _index: self._open_selected())
        self.history_label = QLabel(self)
        bold = QFont(self.history_label.font())
        bold.setBold(True)
        self.history_label.setFont(bold)

        buttons = QHBoxLayout()
        buttons.addWidget(self.history_label)
        buttons.addStretch(1)
        buttons.addWidget(self.plan_button)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.new_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addWidget(self.title)
        layout.addLayout(self.details)
        layout.addSpacing(8)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        self.retranslate()
        language.changed.connect(self.retranslate)

    def show_community(self, community_id: str) -> None:
        self.community_id = community_id
        self.refresh()

    def refresh(self) -> None:
        if self.community_id is None:
            return
        import json

        from inspector.domain import communities, geo, inspections

        community = communities.get(self.store, self.community_id)
        self.title.setText(community["name"])
        tags = "、".join(json.loads(community["tags"])) if community["tags"] else ""
        values = [
            f"{community['district']}　{community['street']}",
            community["address"] or "—",
            str(community["households"]) if community["households"] is not None else "—",
            property_label(community["property_management"]),
            tags or "—",
            geo.with_gcj02(community.get("latitude"), community.get("longitude")) or "—",
        ]
        for label, value in zip(self.detail_values, values, strict=True):
            label.setText(value)
        rows = inspections.list_for_community(self.store, self.community_id)
        self.table.setRowCount(len(rows))
        for row_number, row in enumerate(rows):
            view = inspections.view(self.store, row["id"])
            score = view.score
            if row["status"] == inspections.SUBMITTED:
                result = tr("达标", "Meets") if score.met else tr("未达标", "Below")
            else:
                result = tr("（未提交）", "(not submitted)")
            cells = [
                row["short_id"],
                (row["started_at"] or "")[:10],
                status_label(row["status"]),
                "、".join(inspections.inspectors_of(row)),
                "—" if score.percent is None else f"{score.percent:.1f}",
                result,
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, row["id"])
                if column == 5 and row["status"] == inspections.SUBMITTED:
                    item.setForeground(QColor("#1b7f3b" if score.met else "#c62828"))
                self.table.setItem(row_number, column, item)
        if rows:
            self.table.selectRow(0)
        self.open_button.setEnabled(bool(rows))

    def selected_inspection(self) -> str | None:
        items = self.table.selectedItems()
        return str(items[0].data(Qt.ItemDataRole.UserRole)) if items else None

    def _open_selected(self) -> None:
        inspection_id = self.selected_inspection()
        if inspection_id:
            self.open_inspection.emit(inspection_id)

    def open_site_plan(self) -> QDialog | None:
        """The community's site plan with its findings' pins (non-blocking)."""
        from inspector.domain import places
        from ui.site_plan import SitePlanDialog, pin_marks

        if self.community_id is None:
            return None
        rows = self.store.query(
            "SELECT f.* FROM findings f JOIN inspections i ON i.id = f.inspection_id"
            " WHERE i.community_id = ? AND f.deleted IS NULL ORDER BY f.short_id",
            (self.community_id,))
        plan = places.site_plan_of(self.store, self.community_id)
        dialog = SitePlanDialog(self.store, self.community_id,
                                pin_marks(self.store, rows, str(plan["id"]) if plan else None),
                                parent=self)
        self.plan_dialog = dialog
        dialog.open()
        return dialog

    def _request_new(self) -> None:
        if self.community_id:
            self.new_inspection_requested.emit(self.community_id)

    def retranslate(self) -> None:
        labels = [tr("区县(市)/街道", "District / street"), tr("地址", "Address"),
                  tr("户数", "Households"), tr("物业管理", "Property management"),
                  tr("标签", "Tags"), tr("位置", "Position")]
        for caption, text in zip(self.detail_captions, labels, strict=True):
            caption.setText(text)
        self.new_button.setText(tr("新建检查 (Ctrl+N)", "New inspection (Ctrl+N)"))
        self.open_button.setText(tr("打开检查", "Open inspection"))
        self.history_label.setText(tr("检查记录", "Inspections"))
        self.plan_button.setText(tr("总平面图…", "Site plan…"))
        self.plan_button.setToolTip(tr("本社区的总平面图和问题标注；可载入平面图",
                                       "The community's site plan with its findings pinned; "
                                       "load a plan here"))
        self.table.setHorizontalHeaderLabels([
            tr("编号", "No."), tr("日期", "Date"), tr("状态", "Status"),
            tr("检查人员", "Inspectors"), tr("得分", "Score"), tr("结果", "Result")])
        self.refresh()
