"""Pending rectifications (待整改): what is overdue, by department and by responsible party,
and the re-checks due this week."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inspector.core.store import Store
from inspector.domain import ledger
from ui.i18n import tr


def _table(parent: QWidget, headers: list[str], rows: list[list[object]]) -> QTableWidget:
    table = QTableWidget(len(rows), len(headers), parent)
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.setItem(r, c, QTableWidgetItem("" if value is None else str(value)))
    table.resizeColumnsToContents()
    table.horizontalHeader().setStretchLastSection(True)
    return table


class PendingView(QDialog):
    def __init__(self, store: Store, parent: QWidget | None = None,
                 district: str | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pendingView")
        self.resize(1000, 640)
        view = ledger.pending(store, district=district)
        self.view = view
        self.setWindowTitle(tr("待整改", "Pending rectifications"))
        monday, sunday = view.week
        self.heading = QLabel(tr(
            "<b>逾期 {n} 项</b>　本周（{a}–{b}）待复查 {m} 项",
            "<b>{n} overdue</b>   {m} re-checks due this week ({a} – {b})",
            n=len(view.overdue), m=len(view.due_this_week), a=monday.isoformat(),
            b=sunday.isoformat()), self)
        self.by_department = _table(self, [tr("交办部门", "Department"), tr("逾期", "Overdue")],
                                    [list(r) for r in view.by_department])
        self.by_party = _table(self, [tr("责任方", "Responsible party"), tr("逾期", "Overdue")],
                               [list(r) for r in view.by_party])
        columns = ["short_id", "community", "location", "description", "party", "department",
                   "deadline", "days_overdue"]
        labels = {k: tr(zh, en) for k, zh, en in ledger.COLUMNS}
        self.overdue = _table(self, [labels[k] for k in columns],
                              [[r.get(k) for k in columns] for r in view.overdue])
        due_columns = ["short_id", "community", "location", "description", "party",
                       "deadline", "measures"]
        self.due = _table(self, [labels[k] for k in due_columns],
                          [[r.get(k) for k in due_columns] for r in view.due_this_week])
        top = QHBoxLayout()
        for title, table in ((tr("按交办部门", "By department"), self.by_department),
                             (tr("按责任方", "By responsible party"), self.by_party)):
            column = QVBoxLayout()
            column.addWidget(QLabel(f"<b>{title}</b>", self))
            column.addWidget(table)
            top.addLayout(column)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(top, 1)
        layout.addWidget(QLabel(f"<b>{tr('逾期问题', 'Overdue findings')}</b>", self))
        layout.addWidget(self.overdue, 2)
        layout.addWidget(QLabel(f"<b>{tr('本周待复查', 'Re-checks due this week')}</b>", self))
        layout.addWidget(self.due, 2)
