"""Add or edit one finding (问题): category, description, location, routing and deadline.

Choosing a hazard category fills in its department and severity, and the severity fills in the
deadline (today + the severity's days), unless the user has already set that field by hand in
this dialog. After the inspection is submitted only the routing and life cycle (department,
deadline, status) can change; the facts are shown but disabled.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, TypeVar

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QShowEvent, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from inspector.core.errors import NotFoundError
from inspector.core.store import Store
from inspector.domain import findings, inspections, photos, templates
from inspector.domain.templates import HazardCategory, Template
from ui import errors
from ui.i18n import language, tr
from ui.photo_strip import PhotoStrip

OTHER_CATEGORY = "other"
WidgetT = TypeVar("WidgetT", bound=QWidget)
STATUS_NAMES_EN = {findings.OPEN: "Open", findings.RECTIFIED: "Rectified",
                   findings.VERIFIED: "Verified", "overdue": "Overdue"}


def named(widget: WidgetT, name: str) -> WidgetT:
    """Give a widget its objectName (what tests and style sheets find it by)."""
    widget.setObjectName(name)
    return widget


def status_name(code: str) -> str:
    """The status (or 'overdue') in the current language."""
    return tr(findings.STATUS_NAMES.get(code, code), STATUS_NAMES_EN.get(code, code))


def department_text(template: Template, code: str) -> str:
    """A department as "code — full name" (the code is the short form used everywhere)."""
    try:
        named = template.department(code)
    except NotFoundError:  # an unknown code is still shown as it is
        return code
    return f"{named.code} — {named.label()}"


def category_for_item(template: Template, item_code: str | None) -> HazardCategory | None:
    """The first hazard category linked to an item, else the catch-all category."""
    if item_code:
        wanted = item_code.upper()
        for category in template.hazard_categories:
            if wanted in (code.upper() for code in category.items):
                return category
    for category in template.hazard_categories:
        if category.code == OTHER_CATEGORY:
            return category
    return template.hazard_categories[0] if template.hazard_categories else None


class FindingDialog(QDialog):
    """Add a finding (``finding_id`` None) or edit one. Callers use ``open()``."""

    saved = Signal(str)
    photos_changed = Signal(str)  # the finding's id, after photos were added or annotated

    def __init__(self, store: Store, inspection_id: str, *, finding_id: str | None = None,
                 item_code: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("findingDialog")
        self.setModal(True)
        self.store = store
        self.inspection_id = inspection_id
        self.finding_id = finding_id
        inspection = inspections.get(store, inspection_id)
        self.template: Template = templates.get(store, inspection["template_id"])
        self.locked = inspection["status"] == inspections.SUBMITTED
        self.row: dict[str, Any] | None = (findings.get(store, finding_id) if finding_id
                                           else None)
        self.item_code: str | None = self.row["item_code"] if self.row else item_code
        if self.item_code:
            self.item_code = self.template.item(self.item_code).code
        self.touched: set[str] = set()
        self._filling = False

        self.category = named(QComboBox(), "category")
        for category in self.template.hazard_categories:
            self.category.addItem(category.label(), category.code)
        self.description = named(QPlainTextEdit(), "description")
        self.description.setTabChangesFocus(True)
        self.description.setMinimumHeight(72)
        self.location = named(QLineEdit(), "location")
        self.severity = named(QComboBox(), "severity")
        for severity in self.template.severities:
            self.severity.addItem(severity.label(), severity.code)
        self.department = named(QComboBox(), "department")
        for department in self.template.departments:
            self.department.addItem(department_text(self.template, department.code),
                                    department.code)
        self.deadline = named(QDateEdit(), "deadline")
        self.deadline.setCalendarPopup(True)
        self.deadline.setDisplayFormat("yyyy-MM-dd")
        self.status = named(QComboBox(), "status")
        for code in findings.STATUSES:
            self.status.addItem(status_name(code), code)
        self.item_label = named(QLabel(), "itemLabel")
        self.item_label.setWordWrap(True)
        self.item_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.locked_note = named(QLabel(), "lockedNote")
        self.locked_note.setWordWrap(True)
        self.locked_note.setStyleSheet("color: #8a5a00;")
        # Photos of a stored finding; after submission only after-photos (整改后) are taken.
        self.photo_strip: PhotoStrip | None = None
        if self.row is not None:
            self.photo_strip = named(PhotoStrip(store), "findingPhotos")
            self.photo_strip.set_target(photos.target_for_finding(store, str(self.row["id"])),
                                        kind="after" if self.locked else None)
            self.photo_strip.changed.connect(self._photos_changed)

        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.row_labels: dict[str, QLabel] = {}
        rows: list[tuple[str, QWidget]] = [
            ("item", self.item_label), ("category", self.category),
            ("description", self.description), ("location", self.location),
            ("severity", self.severity), ("department", self.department),
            ("deadline", self.deadline), ("status", self.status),
        ]
        if self.photo_strip is not None:
            rows.append(("photos", self.photo_strip))
        for key, widget in rows:
            label = QLabel()
            label.setBuddy(widget)
            self.row_labels[key] = label
            self.form.addRow(label, widget)
        self.form.setRowVisible(self.item_label, self.item_code is not None)
        self.form.setRowVisible(self.status, self.row is not None)

        self.save_button = named(QPushButton(), "saveButton")
        self.save_button.setDefault(True)
        self.cancel_button = named(QPushButton(), "cancelButton")
        self.buttons = QDialogButtonBox()
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.locked_note)
        layout.addLayout(self.form)
        layout.addWidget(self.buttons)
        self.locked_note.setVisible(self.row is not None and self.locked)

        self._fill()
        self.category.currentIndexChanged.connect(self._category_changed)
        self.severity.currentIndexChanged.connect(self._severity_changed)
        self.department.currentIndexChanged.connect(lambda _i: self._touch("department"))
        self.deadline.dateChanged.connect(lambda _d: self._touch("deadline"))
        if self.row is not None and self.locked:
            for widget in (self.category, self.description, self.location, self.severity):
                widget.setEnabled(False)
        self.retranslate()
        language.changed.connect(self.retranslate)
        # Room for a few lines of description; the dialog grows if the user drags it.
        self.resize(560 if self.photo_strip is None else 640,
                    self.minimumSizeHint().height() + 48)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        # Focus set before the dialog is shown is lost; the description is typed first.
        if self.description.isEnabled():
            self.description.setFocus()

    def _photos_changed(self) -> None:
        if self.row is not None:
            self.photos_changed.emit(str(self.row["id"]))

    # -- filling in ----------------------------------------------------------------------

    def _fill(self) -> None:
        self._filling = True
        try:
            if self.row is not None:
                self._select(self.category, self.row["category"])
                self.description.setPlainText(self.row["description"] or "")
                self.location.setText(self.row["location"] or "")
                self._select(self.severity, self.row["severity"])
                self._select(self.department, self.row["department"])
                if self.row["deadline"]:
                    self.deadline.setDate(_qdate(date.fromisoformat(self.row["deadline"])))
                self._select(self.status, self.row["status"])
                self._limit_statuses(self.row["status"])
            else:
                chosen = category_for_item(self.template, self.item_code)
                if chosen is not None:
                    self._select(self.category, chosen.code)
                self._apply_category_defaults()
        finally:
            self._filling = False

    def _limit_statuses(self, current: str) -> None:
        """Offer only the statuses the finding can move to from where it is."""
        allowed = findings.TRANSITIONS.get(current, set()) | {current}
        model = self.status.model()
        if isinstance(model, QStandardItemModel):
            for index in range(self.status.count()):
                item = model.item(index)
                if item is not None:
                    item.setEnabled(self.status.itemData(index) in allowed)

    @staticmethod
    def _select(combo: QComboBox, code: str | None) -> None:
        index = combo.findData(code)
        if index >= 0:
            combo.setCurrentIndex(index)

    def _touch(self, field: str) -> None:
        if not self._filling:
            self.touched.add(field)

    def _category_changed(self, _index: int) -> None:
        if self._filling:
            return
        self.touched.add("category")
        self._filling = True
        try:
            self._apply_category_defaults()
        finally:
            self._filling = False

    def _severity_changed(self, _index: int) -> None:
        if self._filling:
            return
        self.touched.add("severity")
        self._filling = True
        try:
            self._apply_deadline_default()
        finally:
            self._filling = False

    def _apply_category_defaults(self) -> None:
        code = self.category.currentData()
        if not code:
            return
        chosen = self.template.category(code)
        if "severity" not in self.touched:
            self._select(self.severity, chosen.severity)
        if "department" not in self.touched:
            self._select(self.department, self._default_department(chosen))
        self._apply_deadline_default()

    def _default_department(self, chosen: HazardCategory) -> str:
        # As the domain does: the catch-all category takes the department of its item.
        if self.item_code and not chosen.items:
            departments = self.template.item(self.item_code).departments
            if departments:
                return departments[0]
        return chosen.department

    def _apply_deadline_default(self) -> None:
        if "deadline" in self.touched:
            return
        code = self.severity.currentData()
        if not code:
            return
        days = self.template.severity(code).deadline_days
        self.deadline.setDate(_qdate(self.store.wall.today() + timedelta(days=days)))

    # -- saving --------------------------------------------------------------------------

    def deadline_date(self) -> date:
        value = self.deadline.date()
        return date(value.year(), value.month(), value.day())

    def changed_fields(self) -> dict[str, Any]:
        """Edit mode: the fields whose value differs from the stored finding."""
        assert self.row is not None
        current: dict[str, Any] = {
            "department": self.department.currentData(),
            "deadline": self.deadline_date().isoformat(),
        }
        if not self.locked:
            current.update(
                category=self.category.currentData(),
                description=self.description.toPlainText().strip(),
                location=self.location.text().strip() or None,
                severity=self.severity.currentData(),
            )
        return {field: value for field, value in current.items() if value != self.row[field]}

    def save(self) -> None:
        """Store the finding; on success emit ``saved`` and close, else stay open."""
        finding_id = errors.guarded(self, self._store)
        if finding_id is None:
            return
        self.saved.emit(finding_id)
        self.accept()

    def _store(self) -> str:
        if self.row is None:
            return findings.add(
                self.store, self.inspection_id,
                category=self.category.currentData(),
                description=self.description.toPlainText(),
                item_code=self.item_code,
                location=self.location.text(),
                severity=self.severity.currentData(),
                department=self.department.currentData(),
                deadline=self.deadline_date(),
            )
        finding_id = str(self.row["id"])
        changes = self.changed_fields()
        status = self.status.currentData()
        with self.store.write():
            if changes:
                findings.edit(self.store, finding_id, **changes)
            if status != self.row["status"]:
                findings.set_status(self.store, finding_id, status)
        return finding_id

    # -- language ------------------------------------------------------------------------

    def retranslate(self) -> None:
        if self.row is None:
            self.setWindowTitle(tr("添加问题", "Add finding"))
        else:
            self.setWindowTitle(tr("编辑问题 {sid}", "Edit finding {sid}",
                                   sid=self.row["short_id"]))
        names = {
            "item": tr("检查项", "Checklist item"),
            "category": tr("隐患类别", "Hazard category"),
            "description": tr("问题描述", "Description"),
            "location": tr("位置", "Location"),
            "severity": tr("严重程度", "Severity"),
            "department": tr("责任部门", "Department"),
            "deadline": tr("整改期限", "Deadline"),
            "status": tr("状态", "Status"),
            "photos": tr("整改后照片", "After photos") if self.locked else tr("照片", "Photos"),
        }
        for key, label in self.row_labels.items():
            label.setText(names[key] + tr("：", ":"))
        if self.item_code:
            item = self.template.item(self.item_code)
            self.item_label.setText(f"{item.code}  {item.label()}")
        for index, category in enumerate(self.template.hazard_categories):
            self.category.setItemText(index, category.label())
        for index, severity in enumerate(self.template.severities):
            self.severity.setItemText(index, severity.label())
        for index, department in enumerate(self.template.departments):
            self.department.setItemText(index, department_text(self.template, department.code))
        for index, code in enumerate(findings.STATUSES):
            self.status.setItemText(index, status_name(code))
        self.description.setPlaceholderText(tr("发现了什么问题（必填）",
                                               "What is wrong (required)"))
        self.location.setPlaceholderText(tr("如：3幢东侧消防车道",
                                            "e.g. fire lane east of building 3"))
        self.locked_note.setText(tr(
            "本次检查已提交：问题的类别、描述、位置和严重程度已锁定，只能修改责任部门、整改期限和状态。",
            "This inspection is submitted: the finding's category, description, location and "
            "severity are locked; only the department, deadline and status can change."))
        self.save_button.setText(tr("保存", "Save"))
        self.cancel_button.setText(tr("取消", "Cancel"))


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)
