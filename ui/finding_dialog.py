"""Add or edit one finding (问题): category, description, location, place, routing, deadline
and photos.

Choosing a hazard category fills in its department and severity, and the severity fills in the
deadline (today + the severity's days), unless the user has already set that field by hand in
this dialog. A finding made from a checklist item starts from the item's note and photos;
photos can be added before the finding is saved (they are staged, and stored with it). Its
place is typed coordinates (WGS-84, shown with GCJ-02 for map apps), a photo's GPS, or a pin
on the community's site plan. After the inspection is submitted only the routing and life
cycle (department, deadline, status) and after-photos can change; the facts are shown but
disabled.
"""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent, QStandardItemModel, QUndoStack
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from inspector.core.errors import InspectorError, NotFoundError
from inspector.core.store import Store
from inspector.domain import (
    directory,
    evidence,
    findings,
    geo,
    inspections,
    photos,
    places,
    templates,
)
from inspector.domain.photos import BatchResult
from inspector.domain.templates import HazardCategory, Template
from ui import errors, photo_jobs
from ui.i18n import language, tr
from ui.photo_strip import PhotoStrip
from ui.undo import RemovePhotoCommand

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
    except NotFoundError:  # a directory unit (排水 …) by its name, another code as it is
        known = directory.CODES.get(code)
        return f"{code} — {tr(*known)}" if known else code
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
                 item_code: str | None = None, parent: QWidget | None = None,
                 undo_stack: QUndoStack | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("findingDialog")
        self.setModal(True)
        self.store = store
        self.inspection_id = inspection_id
        self.finding_id = finding_id
        self.undo_stack = undo_stack
        inspection = inspections.get(store, inspection_id)
        self.community_id = str(inspection["community_id"])
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
        # Photos: a new finding's are staged (starting from the item's) and stored with it; a
        # stored finding's are its own; after submission only after-photos (整改后) are taken.
        self.photo_strip: PhotoStrip = named(PhotoStrip(store), "findingPhotos")
        self.photo_import: photo_jobs.PhotoImport | None = None  # a new finding's, being stored
        self.photo_strip.undo_stack = undo_stack
        if self.row is not None:
            self.photo_strip.set_target(photos.target_for_finding(store, str(self.row["id"])),
                                        kind="after" if self.locked else None)
        else:
            preset = photos.photos_of(store, photos.target_for_response(
                store, inspection_id, self.item_code)) if self.item_code else []
            self.photo_strip.set_draft(preset, evidence.context(store, inspection_id))
        self.photo_strip.changed.connect(self._photos_changed)
        # Ctrl+Z here undoes a photo just removed in this dialog (the main window's undo
        # does not reach a dialog's window).
        self.undo_shortcut = QShortcut(QKeySequence.StandardKey.Undo, self)
        self.undo_shortcut.activated.connect(self.undo_photo_removal)

        # where it is: coordinates (typed, or a photo's GPS) and a pin on the site plan
        self.coordinates = named(QLineEdit(), "coordinates")
        self.coordinates.textEdited.connect(self._coordinates_typed)
        self.from_photo_button = named(QPushButton(), "fromPhotoButton")
        self.from_photo_button.setAutoDefault(False)
        self.from_photo_button.clicked.connect(self.coordinates_from_photo)
        self.coordinates_note = named(QLabel(), "coordinatesNote")
        self.coordinates_note.setWordWrap(True)
        self.coordinates_note.setStyleSheet("color: #555;")
        self.pin_label = named(QLabel(), "pinLabel")
        self.pin_button = named(QPushButton(), "pinButton")
        self.pin_button.setAutoDefault(False)
        self.pin_button.clicked.connect(self.open_site_plan)
        self.coordinate_source: str = places.TYPED
        self.coordinates_touched = False
        self.pin: tuple[float, float] | None = None
        self.pin_touched = False
        self.plan_dialog: QDialog | None = None
        place_row = QHBoxLayout()
        place_row.setContentsMargins(0, 0, 0, 0)
        place_row.addWidget(self.coordinates, 1)
        place_row.addWidget(self.from_photo_button)
        self.place_widget = QWidget()
        place_column = QVBoxLayout(self.place_widget)
        place_column.setContentsMargins(0, 0, 0, 0)
        place_column.setSpacing(2)
        place_column.addLayout(place_row)
        place_column.addWidget(self.coordinates_note)
        pin_row = QHBoxLayout()
        pin_row.setContentsMargins(0, 0, 0, 0)
        pin_row.addWidget(self.pin_label, 1)
        pin_row.addWidget(self.pin_button)
        self.pin_widget = QWidget()
        self.pin_widget.setLayout(pin_row)

        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.row_labels: dict[str, QLabel] = {}
        rows: list[tuple[str, QWidget]] = [
            ("item", self.item_label), ("category", self.category),
            ("description", self.description), ("location", self.location),
            ("coordinates", self.place_widget), ("pin", self.pin_widget),
            ("severity", self.severity), ("department", self.department),
            ("deadline", self.deadline), ("status", self.status),
            ("photos", self.photo_strip),
        ]
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
            for widget in (self.category, self.description, self.location, self.severity,
                           self.coordinates, self.from_photo_button, self.pin_button):
                widget.setEnabled(False)
        self.retranslate()
        language.changed.connect(self.retranslate)
        # Room for a few lines of description; the dialog grows if the user drags it.
        self.resize(700, self.minimumSizeHint().height() + 48)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        # Focus set before the dialog is shown is lost; the description is typed first.
        if self.description.isEnabled():
            self.description.setFocus()

    def _photos_changed(self) -> None:
        if self.row is not None:
            self.photos_changed.emit(str(self.row["id"]))
        self._show_place()

    def undo_photo_removal(self) -> bool:
        """Undo the last photo removal if it is the newest thing on the undo stack."""
        stack = self.undo_stack
        if stack is None or not stack.canUndo():
            return False
        if not isinstance(stack.command(stack.index() - 1), RemovePhotoCommand):
            return False
        stack.undo()
        return True

    # -- where it is ---------------------------------------------------------------------

    def _coordinates_typed(self, _text: str) -> None:
        self.coordinates_touched = True
        self.coordinate_source = places.TYPED
        self._show_place()

    def typed_position(self) -> tuple[float, float] | None:
        """The coordinates in the field (raises InspectorError naming the problem)."""
        text = self.coordinates.text().strip()
        return geo.parse(text) if text else None

    def coordinates_from_photo(self) -> bool:
        """Fill in the first GPS-tagged before-photo's position (or the selected photo's)."""
        strip = self.photo_strip
        selected = strip.list.currentItem()
        candidates = [r for r in strip.rows if r.get("kind") != "after"]
        if selected is not None:
            chosen = str(selected.data(Qt.ItemDataRole.UserRole + 1))
            candidates = [r for r in strip.rows if r["id"] == chosen] + candidates
        found = next((r for r in candidates if r.get("latitude") is not None
                      and r.get("longitude") is not None), None)
        if found is None:
            errors.show_error(self, tr("这些照片都没有 GPS 位置；请输入坐标或在总平面图上标注。",
                                       "None of these photos has a GPS position; type the "
                                       "coordinates or pin it on the site plan."))
            return False
        self.coordinates.setText(geo.text(found["latitude"], found["longitude"]))
        self.coordinate_source = f"{places.PHOTO}:{found['id']}"
        self.coordinates_touched = True
        self._show_place()
        return True

    def _show_place(self) -> None:
        try:
            typed = self.typed_position()
        except InspectorError as exc:
            self.coordinates_note.setText(str(exc))
            self.coordinates_note.setStyleSheet("color: #b23b3b;")
            return
        self.coordinates_note.setStyleSheet("color: #555;")
        if typed is not None:
            text = geo.with_gcj02(*typed)
            if self.coordinate_source.startswith(places.PHOTO):
                text += tr("（取自照片 GPS）", " (from a photo's GPS)")
            self.coordinates_note.setText(text)
        elif self.row is not None and (shown := places.finding_position(self.store, self.row)):
            self.coordinates_note.setText(shown.describe())
        else:
            self.coordinates_note.setText(tr(
                "未标定。可输入“纬度, 经度”（WGS-84，GPS 所用），或取自照片。",
                "Not set. Type \"latitude, longitude\" (WGS-84, as GPS gives it) or take a "
                "photo's."))
        plan = places.site_plan_of(self.store, self.community_id)
        if self.pin is not None:
            self.pin_label.setText(tr("已标注：x={x:.2f}, y={y:.2f}", "Pinned at x={x:.2f}, "
                                      "y={y:.2f}", x=self.pin[0], y=self.pin[1]))
        elif plan is None:
            self.pin_label.setText(tr("本社区还没有总平面图（可在标注时载入）",
                                      "This community has no site plan yet (load one when "
                                      "pinning)"))
        else:
            self.pin_label.setText(tr("未标注", "Not pinned"))

    def open_site_plan(self) -> QDialog | None:
        """The community's site plan, to place this finding's pin (non-blocking)."""
        from ui.site_plan import PinMark, SitePlanDialog, pin_marks

        plan = places.site_plan_of(self.store, self.community_id)
        others = [r for r in findings.list_findings(self.store, inspection_id=self.inspection_id)
                  if self.row is None or r["id"] != self.row["id"]]
        marks = pin_marks(self.store, others, str(plan["id"]) if plan else None)
        number = str(len(others) + 1) if self.row is None else tr("此", "this")
        mine = PinMark(number, *(self.pin or (-1.0, -1.0)),
                       finding_id=str(self.row["id"]) if self.row else "new")
        dialog: SitePlanDialog | None = errors.guarded(self, lambda: SitePlanDialog(
            self.store, self.community_id, marks, placing=mine, parent=self))
        if dialog is None:
            return None
        dialog.pinned.connect(self._pinned)
        dialog.plan_loaded.connect(lambda _sha: self._show_place())
        self.plan_dialog = dialog
        dialog.open()
        return dialog

    def _pinned(self, x: object, y: object) -> None:
        self.pin = (float(x), float(y)) if isinstance(x, float) and isinstance(y, float) \
            else None
        self.pin_touched = True
        self._show_place()

    # -- filling in ----------------------------------------------------------------------

    def _fill(self) -> None:
        self._filling = True
        try:
            if self.row is not None:
                self._select(self.category, self.row["category"])
                self.description.setPlainText(self.row["description"] or "")
                self.location.setText(self.row["location"] or "")
                position = places.finding_position(self.store, self.row)
                if position is not None and position.stored:
                    self.coordinates.setText(geo.text(position.latitude, position.longitude))
                    self.coordinate_source = str(self.row.get("coord_source") or places.TYPED)
                if self.row.get("pin_x") is not None:
                    self.pin = (float(self.row["pin_x"]), float(self.row["pin_y"]))
                self._select(self.severity, self.row["severity"])
                self._select_department(self.row["department"])
                if self.row["deadline"]:
                    self.deadline.setDate(_qdate(date.fromisoformat(self.row["deadline"])))
                self._select(self.status, self.row["status"])
                self._limit_statuses(self.row["status"])
            else:
                chosen = category_for_item(self.template, self.item_code)
                if chosen is not None:
                    self._select(self.category, chosen.code)
                self._apply_category_defaults()
                if self.item_code:  # what was typed on the item is where the finding starts
                    answer = inspections.answers_of(self.store, self.inspection_id).get(
                        self.item_code)
                    if answer and answer.get("note"):
                        self.description.setPlainText(str(answer["note"]))
        finally:
            self._filling = False
        self._show_place()

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
        # The domain's rule (findings.defaults), the one ``findings.add`` applies.
        proposed = findings.defaults(
            self.template, code, self.item_code, self.store.wall.today(),
            severity=self.severity.currentData() if "severity" in self.touched else None)
        if "severity" not in self.touched:
            self._select(self.severity, proposed.severity)
        if "department" not in self.touched:
            self._select_department(proposed.department)
        self._apply_deadline_default()

    def _select_department(self, code: str | None) -> None:
        """Select a department, adding a directory unit's code (排水 …) the checklist does
        not list when the routing or the finding names one."""
        if code and self.department.findData(code) < 0:
            self.department.addItem(department_text(self.template, code), code)
        self._select(self.department, code)

    def _apply_deadline_default(self) -> None:
        if "deadline" in self.touched:
            return
        code = self.severity.currentData()
        if not code:
            return
        self.deadline.setDate(_qdate(date.fromisoformat(
            findings.deadline_for(self.template, code, self.store.wall.today()))))

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
        """Store the finding (with its place and photos); on success emit ``saved`` and
        close, else stay open."""
        if self.photo_strip.staging():
            errors.show_error(self, tr("照片还在读取中，请稍候再保存。",
                                       "The photos are still being read; save in a moment."))
            return
        finding_id = errors.guarded(self, self._store)
        if finding_id is None:
            return
        self.saved.emit(finding_id)
        self.accept()

    def _store(self) -> str:
        position = self.typed_position()  # a bad value is refused before anything is written
        if self.row is None:
            kept, staged = self.photo_strip.draft_photos()
            with self.store.write():
                finding_id = findings.add(
                    self.store, self.inspection_id,
                    category=self.category.currentData(),
                    description=self.description.toPlainText(),
                    item_code=self.item_code,
                    location=self.location.text(),
                    severity=self.severity.currentData(),
                    department=self.department.currentData(),
                    deadline=self.deadline_date(),
                )
                target = photos.target_for_finding(self.store, finding_id)
                for sha in kept:
                    photos.link_stored(self.store, sha, target)
                self._store_place(finding_id, position)
            if staged:  # the file work was done: the writer thread stores them together
                self.photo_strip.staged.clear()
                batch = photo_jobs.PhotoImport(
                    self.store, [photo_jobs.ImportItem(one.source, target) for one in staged],
                    self, on_done=lambda result: self._draft_photos_stored(finding_id, result))
                self.photo_import = batch
                batch.store_staged(staged)
            return finding_id
        finding_id = str(self.row["id"])
        changes = self.changed_fields()
        status = self.status.currentData()
        with self.store.write():
            if changes:
                findings.edit(self.store, finding_id, **changes)
            if status != self.row["status"]:
                findings.set_status(self.store, finding_id, status)
            if not self.locked:
                self._store_place(finding_id, position)
        return finding_id

    def _draft_photos_stored(self, finding_id: str, result: BatchResult) -> None:
        """A new finding's photos were written (on the writer thread): the panel counts them."""
        if result.failed:
            errors.show_error(self.parentWidget(), "\n".join(
                f"{path.name}: {reason}" for path, reason in result.failed),
                tr("部分照片未能保存", "Some photos were not stored"))
        if result.changes:
            self.photos_changed.emit(finding_id)

    def _store_place(self, finding_id: str, position: tuple[float, float] | None) -> None:
        if self.coordinates_touched:
            if position is None:
                places.set_coordinates(self.store, finding_id, None, None)
            else:
                places.set_coordinates(self.store, finding_id, *position,
                                       source=self.coordinate_source)
        if self.pin_touched:
            if self.pin is None:
                places.clear_pin(self.store, finding_id)
            else:
                places.set_pin(self.store, finding_id, *self.pin)

    def done(self, result: int) -> None:
        if self.row is None and result != QDialog.DialogCode.Accepted:
            self.photo_strip.discard_draft()  # a cancelled new finding leaves no file behind
        super().done(result)

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
            "coordinates": tr("坐标", "Coordinates"),
            "pin": tr("总平面图", "Site plan"),
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
        self.coordinates.setPlaceholderText(tr("纬度, 经度（如 29.868300, 121.544000）",
                                               "latitude, longitude (e.g. 29.868300, "
                                               "121.544000)"))
        self.from_photo_button.setText(tr("取自照片", "From a photo"))
        self.from_photo_button.setToolTip(tr("用所选照片（或第一张带 GPS 的照片）的位置",
                                             "Use the selected photo's position (or the first "
                                             "photo with GPS)"))
        self.pin_button.setText(tr("在总平面图上标注…", "Pin on the site plan…"))
        self._show_place()
        self.save_button.setText(tr("保存", "Save"))
        self.cancel_button.setText(tr("取消", "Cancel"))


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)
