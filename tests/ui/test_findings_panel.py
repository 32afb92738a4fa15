"""The findings panel and the finding dialog, driven like a user would (pytest-qt)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QColor, QInputMethodEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDateEdit,
    QDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QWidget,
)
from pytestqt.qtbot import QtBot

from inspector.core.store import Store
from inspector.domain import audit, findings, inspections
from tests.conftest import TEST_MOMENT
from ui import errors
from ui.finding_dialog import FindingDialog
from ui.findings_panel import FindingsPanel
from ui.i18n import language


def _draft(store: Store) -> str:
    rows = store.query("SELECT id FROM inspections WHERE status='draft' ORDER BY short_id")
    assert rows, "the demo data has a draft inspection"
    return str(rows[0]["id"])


def _submitted_with_findings(store: Store) -> tuple[str, str]:
    row = store.query_one(
        "SELECT f.id AS finding, f.inspection_id AS inspection FROM findings f"
        " JOIN inspections i ON i.id = f.inspection_id"
        " WHERE i.status = 'submitted' AND f.status = 'open' ORDER BY f.short_id LIMIT 1")
    assert row is not None
    return str(row["inspection"]), str(row["finding"])


def _panel(qtbot: QtBot, store: Store, inspection_id: str | None) -> FindingsPanel:
    panel = FindingsPanel(store)
    qtbot.addWidget(panel)
    panel.resize(900, 400)
    panel.set_inspection(inspection_id)
    panel.show()
    return panel


def _combo(widget: QWidget, name: str) -> QComboBox:
    found = widget.findChild(QComboBox, name)
    assert found is not None, name
    return found


def _choose(combo: QComboBox, code: str | None) -> None:
    index = combo.findData(code)
    assert index >= 0, code
    combo.setCurrentIndex(index)


def _deadline(dialog: FindingDialog) -> date:
    edit = dialog.findChild(QDateEdit, "deadline")
    assert edit is not None
    value = edit.date()
    return date(value.year(), value.month(), value.day())


def _table(panel: FindingsPanel) -> QTableView:
    table = panel.findChild(QTableView, "findingsTable")
    assert table is not None
    return table


def _column(panel: FindingsPanel, title: str) -> int:
    model = _table(panel).model()
    for column in range(model.columnCount()):
        if model.headerData(column, Qt.Orientation.Horizontal) == title:
            return column
    raise AssertionError(f"no column {title}")


def _shown_ids(panel: FindingsPanel) -> list[str]:
    model = _table(panel).model()
    return [model.index(row, 0).data(Qt.ItemDataRole.UserRole) for row in range(model.rowCount())]


def _cell(panel: FindingsPanel, finding_id: str, title: str) -> str:
    model = _table(panel).model()
    row = _shown_ids(panel).index(finding_id)
    return str(model.index(row, _column(panel, title)).data())


def _type(qtbot: QtBot, widget: QWidget, text: str) -> None:
    """Type text: keyClicks for ASCII, an input-method commit for Chinese (as an IME sends it).

    QTest's keyClicks only knows ASCII keys; a Chinese character aborts the process.
    """
    for run in re.findall(r"[\x00-\x7f]+|[^\x00-\x7f]+", text):
        if run.isascii():
            qtbot.keyClicks(widget, run)
        else:
            event = QInputMethodEvent("", [])
            event.setCommitString(run)
            QApplication.sendEvent(widget, event)


def _save(qtbot: QtBot, dialog: FindingDialog) -> None:
    button = dialog.findChild(QPushButton, "saveButton")
    assert button is not None
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_add_a_finding_prefilled_from_its_item(qtbot: QtBot, demo_store: Store) -> None:
    inspection_id = _draft(demo_store)
    before = {row["id"] for row in findings.list_findings(demo_store, inspection_id=inspection_id)}
    panel = _panel(qtbot, demo_store, inspection_id)
    dialog = panel.add_finding("C01")
    assert dialog is not None and dialog.isVisible()

    assert _combo(dialog, "category").currentData() == "fire_lane_blocked"
    assert _combo(dialog, "department").currentData() == "消防"
    assert _combo(dialog, "severity").currentData() == "severe"
    assert _deadline(dialog) == TEST_MOMENT.date() + timedelta(days=3)
    item_label = dialog.findChild(QLabel, "itemLabel")
    assert item_label is not None and item_label.text().startswith("C01")
    assert not _combo(dialog, "status").isVisibleTo(dialog)

    description = dialog.findChild(QPlainTextEdit, "description")
    location = dialog.findChild(QLineEdit, "location")
    assert description is not None and location is not None
    description.setFocus()
    _type(qtbot, description, "9幢北侧消防车道停放3辆三轮车")
    _type(qtbot, location, "9幢北侧")
    with qtbot.waitSignals([dialog.saved, panel.changed]):
        _save(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert not dialog.isVisible()

    added = [row for row in findings.list_findings(demo_store, inspection_id=inspection_id)
             if row["id"] not in before]
    assert len(added) == 1
    finding = added[0]
    assert (finding["category"], finding["department"], finding["severity"]) == (
        "fire_lane_blocked", "消防", "severe")
    assert finding["description"] == "9幢北侧消防车道停放3辆三轮车"
    assert finding["location"] == "9幢北侧"
    assert finding["item_code"] == "C01"
    assert finding["status"] == findings.OPEN
    assert finding["deadline"] == (TEST_MOMENT.date() + timedelta(days=3)).isoformat()
    logged = {e.field for e in audit.entries(demo_store, table="findings",
                                             row_id=finding["id"])}
    assert {"category", "description", "location", "department", "deadline"} <= logged

    assert finding["id"] in _shown_ids(panel)
    assert _cell(panel, finding["id"], "描述") == "9幢北侧消防车道停放3辆三轮车"
    assert _cell(panel, finding["id"], "类别") == "消防通道堵塞"
    assert _cell(panel, finding["id"], "状态") == "待整改"


def test_category_fills_defaults_but_keeps_what_was_set_by_hand(qtbot: QtBot,
                                                                demo_store: Store) -> None:
    dialog = FindingDialog(demo_store, _draft(demo_store), item_code="C01")
    qtbot.addWidget(dialog)
    category, department = _combo(dialog, "category"), _combo(dialog, "department")
    severity = _combo(dialog, "severity")

    _choose(category, "garbage_piles")  # 执法, serious (7 days)
    assert department.currentData() == "执法"
    assert severity.currentData() == "serious"
    assert _deadline(dialog) == TEST_MOMENT.date() + timedelta(days=7)

    _choose(department, "住建")  # by hand
    _choose(category, "ebike_indoor_charging")  # 消防, severe (3 days)
    assert department.currentData() == "住建"
    assert severity.currentData() == "severe"
    assert _deadline(dialog) == TEST_MOMENT.date() + timedelta(days=3)

    _choose(severity, "general")  # re-derives the deadline
    assert _deadline(dialog) == TEST_MOMENT.date() + timedelta(days=15)
    by_hand = TEST_MOMENT.date() + timedelta(days=30)
    deadline = dialog.findChild(QDateEdit, "deadline")
    assert deadline is not None
    deadline.setDate(QDate(by_hand.year, by_hand.month, by_hand.day))
    _choose(severity, "severe")
    _choose(category, "garbage_piles")
    assert _deadline(dialog) == by_hand
    assert severity.currentData() == "severe"  # set by hand before, so kept


def test_the_catch_all_category_takes_the_department_of_its_item(qtbot: QtBot,
                                                                 demo_store: Store) -> None:
    inspection_id = _draft(demo_store)
    dialog = FindingDialog(demo_store, inspection_id, item_code="H02")
    qtbot.addWidget(dialog)
    template = inspections.view(demo_store, inspection_id).template
    assert _combo(dialog, "category").currentData() == "other"
    assert _combo(dialog, "department").currentData() == template.item("H02").departments[0]


def test_edit_status_and_filter_the_table(qtbot: QtBot, demo_store: Store) -> None:
    inspection_id = _draft(demo_store)
    first = findings.add(demo_store, inspection_id, category="corridor_clutter",
                         description="楼道堆放纸箱", item_code="C04")
    second = findings.add(demo_store, inspection_id, category="garbage_piles",
                          description="西侧装修垃圾", item_code="B05")
    panel = _panel(qtbot, demo_store, inspection_id)
    all_ids = set(_shown_ids(panel))
    assert {first, second} <= all_ids

    dialog = panel.edit_finding(first)
    assert dialog is not None and dialog.isVisible()
    assert _combo(dialog, "status").isVisibleTo(dialog)
    _choose(_combo(dialog, "status"), findings.RECTIFIED)
    with qtbot.waitSignal(panel.changed):
        _save(qtbot, dialog)
    assert findings.get(demo_store, first)["status"] == findings.RECTIFIED
    assert [e.new_value for e in audit.entries(demo_store, table="findings", row_id=first)
            if e.field == "status"][-1] == findings.RECTIFIED
    assert _cell(panel, first, "状态") == "已整改"

    _choose(_combo(panel, "statusFilter"), findings.RECTIFIED)
    shown = set(_shown_ids(panel))
    assert first in shown and second not in shown
    assert all(findings.get(demo_store, fid)["status"] == findings.RECTIFIED for fid in shown)

    _choose(_combo(panel, "statusFilter"), None)
    _choose(_combo(panel, "departmentFilter"), "执法")
    assert second in _shown_ids(panel) and first not in _shown_ids(panel)

    _choose(_combo(panel, "departmentFilter"), None)
    # Overdue: a deadline on the inspection's day (none may be before it), seen a day later.
    findings.edit(demo_store, second, deadline=TEST_MOMENT.date())
    demo_store.wall.advance(timedelta(days=1))  # type: ignore[attr-defined]
    _choose(_combo(panel, "statusFilter"), "overdue")
    assert _shown_ids(panel) == [second]
    assert _cell(panel, second, "状态") == "已逾期"
    model = _table(panel).model()
    brush = model.index(0, _column(panel, "状态")).data(Qt.ItemDataRole.ForegroundRole)
    assert brush.color() == QColor("#c62828")


def test_enter_and_double_click_open_the_edit_dialog(qtbot: QtBot, demo_store: Store) -> None:
    inspection_id, finding_id = _submitted_with_findings(demo_store)
    panel = _panel(qtbot, demo_store, inspection_id)
    table = _table(panel)
    row = _shown_ids(panel).index(finding_id)
    rect = table.visualRect(table.model().index(row, 2))
    # Qt 6's QTest double click needs the press of a first click before it.
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert panel.dialog is not None and panel.dialog.finding_id == finding_id
    assert panel.dialog.isVisible()
    panel.dialog.reject()
    first_dialog = panel.dialog

    table.setFocus()
    table.selectRow(row)
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert panel.dialog is not first_dialog
    assert panel.dialog is not None and panel.dialog.finding_id == finding_id


def test_a_submitted_inspection_locks_the_facts(qtbot: QtBot, demo_store: Store) -> None:
    inspection_id, finding_id = _submitted_with_findings(demo_store)
    panel = _panel(qtbot, demo_store, inspection_id)
    add = panel.findChild(QPushButton, "addFindingButton")
    assert add is not None and not add.isEnabled()
    assert panel.add_finding("C01") is None
    assert errors.shown_messages

    dialog = panel.edit_finding(finding_id)
    assert dialog is not None
    for name in ("description", "category", "severity", "location"):
        widget = dialog.findChild(QPlainTextEdit, name) or dialog.findChild(QComboBox, name) \
            or dialog.findChild(QLineEdit, name)
        assert widget is not None and not widget.isEnabled(), name
    for name in ("department", "status"):
        assert _combo(dialog, name).isEnabled()
    note = dialog.findChild(QLabel, "lockedNote")
    assert note is not None and note.isVisibleTo(dialog)

    # Routing and life cycle still change after submission.
    _choose(_combo(dialog, "department"), "街道")
    _choose(_combo(dialog, "status"), findings.RECTIFIED)
    with qtbot.waitSignal(dialog.saved):
        _save(qtbot, dialog)
    stored = findings.get(demo_store, finding_id)
    assert (stored["department"], stored["status"]) == ("街道", findings.RECTIFIED)


def test_an_empty_description_keeps_the_dialog_open(qtbot: QtBot, demo_store: Store) -> None:
    inspection_id = _draft(demo_store)
    count = len(findings.list_findings(demo_store, inspection_id=inspection_id))
    panel = _panel(qtbot, demo_store, inspection_id)
    dialog = panel.add_finding("C01")
    assert dialog is not None
    location = dialog.findChild(QLineEdit, "location")
    assert location is not None
    _type(qtbot, location, "9幢北侧")
    with qtbot.assertNotEmitted(dialog.saved), qtbot.assertNotEmitted(panel.changed):
        _save(qtbot, dialog)
    assert dialog.isVisible()
    assert errors.shown_messages and "描述" in errors.shown_messages[-1]
    assert len(findings.list_findings(demo_store, inspection_id=inspection_id)) == count


def test_switching_language_translates_the_panel_and_dialog(qtbot: QtBot,
                                                            demo_store: Store) -> None:
    inspection_id = _draft(demo_store)
    finding_id = findings.add(demo_store, inspection_id, category="corridor_clutter",
                              description="楼道堆放纸箱", item_code="C04")
    panel = _panel(qtbot, demo_store, inspection_id)
    dialog = panel.edit_finding(finding_id)
    assert dialog is not None
    add = panel.findChild(QPushButton, "addFindingButton")
    save = dialog.findChild(QPushButton, "saveButton")
    assert add is not None and save is not None
    model = _table(panel).model()
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers[0] == "编号" and add.text() == "添加问题" and save.text() == "保存"
    try:
        # The view is told to repaint its headers and cells, not only asked again.
        with qtbot.waitSignals([model.headerDataChanged, model.dataChanged], timeout=1000):
            language.set("en")
        headers = [model.headerData(c, Qt.Orientation.Horizontal)
                   for c in range(model.columnCount())]
        assert headers == ["No.", "Category", "Description", "Location", "Department",
                           "Severity", "Deadline", "Status", "Photos"]
        assert add.text() == "Add finding"
        assert save.text() == "Save"
        assert _cell(panel, finding_id, "Status") == "Open"
        assert _cell(panel, finding_id, "Category") == "Items stored in corridors"
        assert _combo(panel, "statusFilter").itemText(0) == "All"
        assert _combo(dialog, "category").currentText() == "Items stored in corridors"
        assert dialog.windowTitle().startswith("Edit finding")
    finally:
        language.set("zh")
    assert add.text() == "添加问题"
    assert _cell(panel, finding_id, "状态") == "待整改"
