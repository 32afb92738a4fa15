"""Conflicts kept for review: what was changed twice, both values, who and when; choose one.

A conflict is a value that lost to a change its author had not seen (``sync.conflicts``). The
table shows the open ones in human terms (a finding by its short id and description, an
answer by its inspection's short id and item code). For the selected row the reviewer keeps
the current value, takes the other one, or types a new one; ``conflicts.resolve`` records
that choice as a change that syncs and closes the conflict everywhere. Callers open the
dialog non-blocking (``open()``) and listen to ``resolved``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inspector.core.errors import InspectorError
from inspector.core.store import Store
from inspector.core.timeutil import stamp_to_local
from inspector.domain import findings, inspections, templates
from inspector.domain.scoring import FAIL, NA, PASS, RECORDED
from sync import conflicts, roster
from ui.errors import guarded
from ui.i18n import language, tr

COL_WHAT, COL_FIELD, COL_KIND, COL_KEPT, COL_KEPT_BY, COL_OTHER, COL_OTHER_BY = range(7)
ID_ROLE = Qt.ItemDataRole.UserRole
RESOLVABLE_KINDS = ("value", "delete")  # the others are acknowledged, their value stays
SHORT_TEXT = 24

TABLE_NAMES = {
    "findings": ("问题", "Finding"),
    "responses": ("检查项", "Answer"),
    "inspections": ("检查", "Inspection"),
    "communities": ("社区", "Community"),
    "photos": ("照片", "Photo"),
    "photo_links": ("照片关联", "Photo link"),
    "followups": ("复查", "Follow-up"),
    "devices": ("设备", "Device"),
    "templates": ("检查表", "Checklist"),
}
FIELD_NAMES = {
    "description": ("问题描述", "description"),
    "location": ("位置", "location"),
    "category": ("隐患类别", "hazard category"),
    "severity": ("严重程度", "severity"),
    "department": ("责任部门", "department"),
    "deadline": ("整改期限", "deadline"),
    "status": ("状态", "status"),
    "item_code": ("检查项", "checklist item"),
    "latitude": ("纬度", "latitude"),
    "longitude": ("经度", "longitude"),
    "deleted": ("删除", "deleted"),
    "answer": ("结论", "answer"),
    "value": ("数值", "value"),
    "note": ("备注", "note"),
    "answered_by": ("回答人", "answered by"),
    "answered_at": ("回答时间", "answered at"),
    "created_by": ("创建人", "created by"),
    "created_at": ("创建时间", "created at"),
    "short_id": ("编号", "short id"),
    "signed_by": ("签名人", "signed by"),
    "started_at": ("开始时间", "started at"),
    "finished_at": ("结束时间", "finished at"),
    "name": ("名称", "name"),
    "address": ("地址", "address"),
    "street": ("街道", "street"),
    "district": ("区县(市)", "district"),
    "households": ("户数", "households"),
    "property_management": ("物业管理", "property management"),
    "tags": ("标签", "tags"),
    "inspectors": ("检查人员", "inspectors"),
    "departments": ("参检部门", "departments"),
    "representative": ("社区代表", "community representative"),
    "reopen_reason": ("重新打开原因", "reason for reopening"),
    "caption": ("照片说明", "caption"),
    "annotations": ("标注", "annotations"),
    "trusted": ("信任", "trusted"),
    "result": ("复查结果", "result"),
}
FINDING_STATUS = {findings.OPEN: ("待整改", "Open"), findings.RECTIFIED: ("已整改", "Rectified"),
                  findings.VERIFIED: ("已复查", "Verified")}
ANSWERS = {PASS: ("符合", "Pass"), FAIL: ("不符合", "Fail"), NA: ("不适用", "N/A"),
           RECORDED: ("已记录", "Recorded")}


def _short(text: str, limit: int = SHORT_TEXT) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def when_text(hlc: str | None, *, short: bool = False) -> str:
    """A clock stamp as local date and minute (without the year when short and this year)."""
    if not hlc:
        return "—"
    try:
        moment = datetime.fromisoformat(stamp_to_local(hlc))
    except ValueError:
        return hlc
    if short and moment.year == datetime.now().year:
        return moment.strftime("%m-%d %H:%M")
    return moment.strftime("%Y-%m-%d %H:%M")


def kind_name(kind: str) -> str:
    return tr(*conflicts.KIND_NAMES.get(kind, (kind, kind)))


def field_name(field: str) -> str:
    return tr(*FIELD_NAMES.get(field, (field, field)))


class ConflictsDialog(QDialog):
    """The open conflicts; resolving one emits ``resolved`` and drops its row."""

    resolved = Signal()

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conflictsDialog")
        self.store = store
        self.rows: list[dict[str, Any]] = []
        self.input_dialog: QInputDialog | None = None
        self._typing_for: str | None = None  # the conflict a new value is typed for
        self._device_names: dict[str, str] = {}
        self._templates: dict[str, Any] = {}

        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.table = QTableWidget(0, 7, self)
        self.table.setObjectName("conflictsTable")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setMinimumSectionSize(28)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COL_WHAT, QHeaderView.ResizeMode.Stretch)
        for column in (COL_FIELD, COL_KIND, COL_KEPT_BY, COL_OTHER_BY):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        for column in (COL_KEPT, COL_OTHER):
            header.resizeSection(column, 190)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.empty_label = QLabel(self)
        self.empty_label.setObjectName("noConflicts")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setStyleSheet("color: #2e6e3c; padding: 12px;")
        self.detail = QLabel(self)
        self.detail.setObjectName("conflictDetail")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setStyleSheet("background: #f4f6f8; padding: 8px; border-radius: 4px;")

        self.keep_button = QPushButton(self)
        self.keep_button.setObjectName("keepButton")
        self.keep_button.clicked.connect(self.keep_current)
        self.other_button = QPushButton(self)
        self.other_button.setObjectName("otherButton")
        self.other_button.clicked.connect(self.use_other)
        self.type_button = QPushButton(self)
        self.type_button.setObjectName("typeButton")
        self.type_button.clicked.connect(self.type_new)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.rejected.connect(self.reject)

        actions = QHBoxLayout()
        for button in (self.keep_button, self.other_button, self.type_button):
            actions.addWidget(button)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.detail)
        layout.addLayout(actions)
        layout.addWidget(self.buttons)
        self.resize(1120, 460)
        self.refresh()
        self.retranslate()
        language.changed.connect(self.retranslate)

    # -- reading ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the open conflicts again, keeping the selection's place."""
        keep_row = max(self.table.currentRow(), 0)
        self.rows = conflicts.list_conflicts(self.store)
        self._device_names = {str(d["id"]): str(d["name"] or "")
                              for d in roster.list_devices(self.store)}
        self._fill()
        if self.rows:
            self.table.selectRow(min(keep_row, len(self.rows) - 1))
        self._update_buttons()

    def _fill(self) -> None:
        self.table.setRowCount(len(self.rows))
        for index, row in enumerate(self.rows):
            head, tail = self.what_parts(row)
            cells = {
                COL_WHAT: f"{head}\n{tail}" if tail else head,
                COL_FIELD: field_name(row["field"]),
                COL_KIND: kind_name(row["kind"]),
                COL_KEPT: self.kept_text(row),
                COL_KEPT_BY: self.author_text(row["kept_actor"], row["kept_hlc"], short=True),
                COL_OTHER: self.value_text(row, row["lost_value"]),
                COL_OTHER_BY: self.author_text(row["lost_actor"], row["lost_hlc"], short=True),
            }
            tips = {COL_KEPT_BY: self.author_text(row["kept_actor"], row["kept_hlc"]),
                    COL_OTHER_BY: self.author_text(row["lost_actor"], row["lost_hlc"])}
            for column, text in cells.items():
                item = QTableWidgetItem(text)
                item.setToolTip(tips.get(column, text))
                item.setData(ID_ROLE, row["id"])
                self.table.setItem(index, column, item)
        self.table.resizeRowsToContents()
        has_rows = bool(self.rows)
        self.table.setVisible(has_rows)
        self.detail.setVisible(has_rows)
        self.empty_label.setVisible(not has_rows)

    def _template(self, template_id: str) -> Any:
        if template_id not in self._templates:
            self._templates[template_id] = templates.get(self.store, template_id)
        return self._templates[template_id]

    def what_text(self, row: dict[str, Any]) -> str:
        """The record in human terms, on one line."""
        head, tail = self.what_parts(row)
        return f"{head} · {tail}" if tail else head

    def what_parts(self, row: dict[str, Any]) -> tuple[str, str]:
        """(what and its short id, a description): a finding's short id and description, an
        answer's inspection short id and item code and text, a community's name …"""
        table, row_id = str(row["tbl"]), str(row["row_id"])
        kind = tr(*TABLE_NAMES.get(table, (table, table)))
        try:
            if table == "findings":
                finding = findings.get(self.store, row_id)
                return f"{kind} {finding['short_id']}", _short(str(finding["description"]))
            if table == "responses":
                inspection_id, _, code = row_id.partition(":")
                inspection = inspections.get(self.store, inspection_id)
                item = self._template(str(inspection["template_id"])).item(code)
                return f"{kind} {inspection['short_id']} · {code}", _short(item.label())
            if table == "inspections":
                return f"{kind} {inspections.get(self.store, row_id)['short_id']}", ""
            if table == "devices":
                return f"{kind} {self._device_names.get(row_id) or row_id[:8]}", ""
        except InspectorError:  # not here (yet): the id still says which record
            pass
        return f"{kind} {row_id[:8]}", ""

    def value_text(self, row: dict[str, Any], value: Any) -> str:
        if value is None or value == "":
            return tr("（空）", "(empty)")
        field = row["field"]
        if row["tbl"] == "findings" and field == "status":
            return tr(*FINDING_STATUS.get(str(value), (str(value), str(value))))
        if row["tbl"] == "responses" and field == "answer":
            return tr(*ANSWERS.get(str(value), (str(value), str(value))))
        if row["tbl"] == "findings" and field in ("severity", "category", "department"):
            try:
                finding = findings.get(self.store, str(row["row_id"]))
                inspection = inspections.get(self.store, str(finding["inspection_id"]))
                template = self._template(str(inspection["template_id"]))
                named = getattr(template, field)(str(value))
                return str(named.label())
            except InspectorError:
                return str(value)
        if field in ("deleted", "trusted"):
            return tr("是", "yes") if value else tr("否", "no")
        return str(value)

    def kept_text(self, row: dict[str, Any]) -> str:
        """The value every device holds: a delete's side is the deletion; a conflict with no
        winning change (changed after submission, a clock in the future) keeps the value
        as it is."""
        if row["kind"] == "delete":
            return tr("（已删除）", "(deleted)")
        return self.value_text(row, row["kept_value"] if row["kept_change"]
                               else row["current_value"])

    def author_text(self, actor: str | None, hlc: str | None, *, short: bool = False) -> str:
        """Who and when: "检查员1 · 11-29 11:42"; in full with the device's name."""
        if not actor:
            return "—"
        name, _, device = actor.partition("@")
        if short:
            return f"{name} · {when_text(hlc, short=True)}"
        device_name = next((n for i, n in self._device_names.items()
                            if device and i.startswith(device) and n), device)
        who = tr("{n}（{d}）", "{n} ({d})", n=name, d=device_name) if device_name else name
        return f"{who} · {when_text(hlc)}"

    # -- the selected conflict ---------------------------------------------------------------

    def selected(self) -> dict[str, Any] | None:
        index = self.table.currentRow()
        if not self.table.selectionModel().hasSelection() or not 0 <= index < len(self.rows):
            return None
        return self.rows[index]

    def select_conflict(self, conflict_id: str) -> None:
        for index, row in enumerate(self.rows):
            if row["id"] == conflict_id:
                self.table.selectRow(index)
                return

    def _update_buttons(self) -> None:
        row = self.selected()
        resolvable = row is not None and row["kind"] in RESOLVABLE_KINDS
        self.keep_button.setEnabled(row is not None)
        self.other_button.setEnabled(resolvable)
        self.type_button.setEnabled(resolvable)
        if row is None:
            self.detail.setText("")
            return
        kept = self.kept_text(row)
        lines = [f"<b>{_html(self.what_text(row))}</b> — {_html(field_name(row['field']))}",
                 tr("保留的值：{v}　— {a}", "Kept value: {v} — {a}", v=_html(kept),
                    a=_html(self.author_text(row["kept_actor"], row["kept_hlc"]))),
                 tr("另一值：{v}　— {a}", "Other value: {v} — {a}",
                    v=_html(self.value_text(row, row["lost_value"])),
                    a=_html(self.author_text(row["lost_actor"], row["lost_hlc"])))]
        current = self.value_text(row, row["current_value"])
        if row["kind"] != "delete" and current != kept:
            lines.append(tr("当前值（之后又改过）：{v}", "Current value (changed since): {v}",
                            v=_html(current)))
        if not resolvable:
            lines.append(tr("此类冲突只需确认：“保留当前值”即关闭它。",
                            "This kind of conflict is only acknowledged: “Keep current "
                            "value” closes it."))
        self.detail.setText("<br>".join(lines))

    def keep_current(self) -> None:
        row = self.selected()
        if row is not None:
            self._resolve(row, row["current_value"])

    def use_other(self) -> None:
        row = self.selected()
        if row is not None and row["kind"] in RESOLVABLE_KINDS:
            self._resolve(row, row["lost_value"])

    def type_new(self) -> QInputDialog | None:
        """Ask for a value (non-blocking); it is applied when the dialog is accepted."""
        row = self.selected()
        if row is None or row["kind"] not in RESOLVABLE_KINDS:
            return None
        self._typing_for = str(row["id"])
        dialog = QInputDialog(self)
        dialog.setObjectName("newValueDialog")
        dialog.setWindowTitle(tr("输入新值", "Type a new value"))
        dialog.setLabelText(tr("新的{field}（{what}）：", "New {field} ({what}):",
                               what=self.what_text(row), field=field_name(row["field"])))
        current = row["current_value"]
        dialog.setTextValue("" if current is None else str(current))
        dialog.setOkButtonText(tr("确定", "OK"))
        dialog.setCancelButtonText(tr("取消", "Cancel"))
        dialog.textValueSelected.connect(self._typed)
        self.input_dialog = dialog
        dialog.open()
        return dialog

    def _typed(self, text: str) -> None:
        conflict_id, self._typing_for = self._typing_for, None
        row = next((r for r in self.rows if r["id"] == conflict_id), None)
        if row is not None:
            self._resolve(row, text)

    def _resolve(self, row: dict[str, Any], value: Any) -> None:
        text = None if value is None else str(value)
        done = guarded(self, lambda: conflicts.resolve(self.store, str(row["id"]), text))
        self.refresh()
        if done is not None:
            self.resolved.emit()

    # -- language -----------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(tr("同步冲突", "Sync conflicts"))
        self.intro.setText(tr(
            "两台设备同时修改了同一处：各设备已统一采用“保留的值”，另一值保存在这里待您确认。"
            "您的选择会作为一次修改同步到其他设备。",
            "Two devices changed the same thing at once: every device now holds the kept "
            "value, and the other value waits here for you. Your choice is a change that "
            "syncs to the other devices."))
        self.table.setHorizontalHeaderLabels([
            tr("内容", "What"), tr("字段", "Field"), tr("类型", "Kind"),
            tr("保留的值", "Kept value"), tr("修改人 · 时间", "By · when"),
            tr("另一值", "Other value"), tr("修改人 · 时间", "By · when")])
        self.empty_label.setText(tr("没有待处理的冲突。", "No conflicts to review."))
        self.keep_button.setText(tr("保留当前值", "Keep current value"))
        self.other_button.setText(tr("改用另一值", "Use the other value"))
        self.type_button.setText(tr("输入新值…", "Type a new value…"))
        close = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        if close is not None:
            close.setText(tr("关闭", "Close"))
        if self.rows:
            current = self.table.currentRow()
            self._fill()
            if current >= 0:
                self.table.selectRow(current)
        self._update_buttons()


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
