"""Conflicts for review: versions of the same thing made without seeing each other.

A conflict (``inspector.core.conflicts``) lists the versions of one thing — a finding's
facts, an answer, a deadline … — that were made on different laptops without seeing each
other, or after a submission their author had not seen. The upper table lists the open
conflicts in human terms; the lower one shows the selected conflict's versions side by side
(who, when, and the fields in which they differ). The reviewer keeps the version shown,
takes another, or types a new value; ``conflicts.resolve`` records that choice as a change
that replaces every version, and it closes the conflict on every laptop it reaches. Callers
open the dialog non-blocking (``open()``) and listen to ``resolved``.
"""

from __future__ import annotations

import html
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

from inspector.core import conflicts
from inspector.core.conflicts import Conflict, Version
from inspector.core.errors import InspectorError
from inspector.core.store import Store
from inspector.core.timeutil import stamp_to_local
from inspector.domain import findings, inspections, templates
from inspector.domain.scoring import FAIL, NA, PASS, RECORDED
from sync import roster
from ui.errors import guarded
from ui.i18n import language, tr

COL_WHAT, COL_KIND, COL_FIELDS, COL_COUNT = range(4)
VCOL_NUMBER, VCOL_WHO, VCOL_CONTENT, VCOL_SHOWN = range(4)
SHORT_TEXT = 28

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
    "short_id": ("编号", "short id"),
    "signed_by": ("签名人", "signed by"),
    "finished_at": ("结束时间", "finished at"),
    "name": ("名称", "name"),
    "address": ("地址", "address"),
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
    "trusted_upto": ("计入到", "counted up to"),
    "result": ("复查结果", "result"),
}
FINDING_STATUS = {findings.OPEN: ("待整改", "Open"), findings.RECTIFIED: ("已整改", "Rectified"),
                  findings.VERIFIED: ("已复查", "Verified")}
ANSWERS = {PASS: ("符合", "Pass"), FAIL: ("不符合", "Fail"), NA: ("不适用", "N/A"),
           RECORDED: ("已记录", "Recorded")}
INSPECTION_STATUS = {"draft": ("草稿", "draft"), "submitted": ("已提交", "submitted"),
                     "reopened": ("已重新打开", "reopened")}


def _short(text: str, limit: int = SHORT_TEXT) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def when_text(hlc: str | None, now: datetime | None = None) -> str:
    """A clock stamp as local date and minute (without the year when it is this year)."""
    if not hlc:
        return "—"
    try:
        moment = datetime.fromisoformat(stamp_to_local(hlc))
    except ValueError:
        return hlc
    if now is not None and moment.year == now.year:
        return moment.strftime("%m-%d %H:%M")
    return moment.strftime("%Y-%m-%d %H:%M")


def kind_name(kind: str) -> str:
    return tr(*conflicts.KIND_NAMES.get(kind, (kind, kind)))


def field_name(field: str) -> str:
    return tr(*FIELD_NAMES.get(field, (field, field)))


def differing(conflict: Conflict) -> list[str]:
    """The fields in which the versions differ (all of them for a single version)."""
    columns = conflict.columns
    return [c for c in columns
            if len({repr(v.content.get(c)) for v in conflict.versions}) > 1] or list(columns)


class ConflictsDialog(QDialog):
    """The open conflicts; resolving one emits ``resolved`` and drops its row."""

    resolved = Signal()

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conflictsDialog")
        self.store = store
        self.rows: list[Conflict] = []
        self.input_dialog: QInputDialog | None = None
        self._typing_for: tuple[str, str] | None = None  # (conflict, field) being typed
        self._device_names: dict[str, str] = {}
        self._templates: dict[str, Any] = {}

        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.table = self._make_table("conflictsTable", 4)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COL_WHAT, QHeaderView.ResizeMode.Stretch)
        for column in (COL_KIND, COL_FIELDS, COL_COUNT):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._show_versions)
        self.versions = self._make_table("versionsTable", 4)
        header = self.versions.horizontalHeader()
        header.setSectionResizeMode(VCOL_CONTENT, QHeaderView.ResizeMode.Stretch)
        for column in (VCOL_NUMBER, VCOL_WHO, VCOL_SHOWN):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.versions.itemSelectionChanged.connect(self._update_buttons)
        self.empty_label = QLabel(self)
        self.empty_label.setObjectName("noConflicts")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setStyleSheet("color: #2e6e3c; padding: 12px;")
        self.detail = QLabel(self)
        self.detail.setObjectName("conflictDetail")
        self.detail.setWordWrap(True)
        self.detail.setStyleSheet("background: #f4f6f8; padding: 8px; border-radius: 4px;")

        self.keep_button = QPushButton(self)
        self.keep_button.setObjectName("keepButton")
        self.keep_button.clicked.connect(self.keep_shown)
        self.take_button = QPushButton(self)
        self.take_button.setObjectName("takeButton")
        self.take_button.clicked.connect(self.take_selected)
        self.type_button = QPushButton(self)
        self.type_button.setObjectName("typeButton")
        self.type_button.clicked.connect(self.type_new)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.rejected.connect(self.reject)

        actions = QHBoxLayout()
        for button in (self.keep_button, self.take_button, self.type_button):
            actions.addWidget(button)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.table, 3)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.detail)
        layout.addWidget(self.versions, 2)
        layout.addLayout(actions)
        layout.addWidget(self.buttons)
        self.resize(1120, 560)
        self.refresh()
        self.retranslate()
        language.changed.connect(self.retranslate)

    def _make_table(self, name: str, columns: int) -> QTableWidget:
        table = QTableWidget(0, columns, self)
        table.setObjectName(name)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setMinimumSectionSize(26)
        return table

    # -- reading ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the open conflicts again, keeping the selection's place."""
        keep_row = max(self.table.currentRow(), 0)
        self.rows = conflicts.list_open(self.store)
        self._device_names = {str(d["id"]): str(d["name"] or "")
                              for d in roster.list_devices(self.store)}
        self._fill()
        if self.rows:
            self.table.selectRow(min(keep_row, len(self.rows) - 1))
        self._show_versions()

    def _fill(self) -> None:
        self.table.setRowCount(len(self.rows))
        for index, conflict in enumerate(self.rows):
            head, tail = self.what_parts(conflict)
            cells = {
                COL_WHAT: f"{head} · {tail}" if tail else head,
                COL_KIND: kind_name(conflict.kind),
                COL_FIELDS: "、".join(field_name(c) for c in differing(conflict))
                if conflict.kind != conflicts.DELETE else field_name("deleted"),
                COL_COUNT: str(len(conflict.versions)),
            }
            for column, text in cells.items():
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(index, column, item)
        has_rows = bool(self.rows)
        for widget in (self.table, self.detail, self.versions):
            widget.setVisible(has_rows)
        self.empty_label.setVisible(not has_rows)

    def _template(self, template_id: str) -> Any:
        if template_id not in self._templates:
            self._templates[template_id] = templates.get(self.store, template_id)
        return self._templates[template_id]

    def what_text(self, conflict: Conflict) -> str:
        head, tail = self.what_parts(conflict)
        return f"{head} · {tail}" if tail else head

    def what_parts(self, conflict: Conflict) -> tuple[str, str]:
        """(what and its short id, a description): a finding's short id and description, an
        answer's inspection short id, item code and text, a device's name …"""
        table, row_id = conflict.table, conflict.row_id
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

    def value_text(self, conflict: Conflict, field: str, value: Any) -> str:
        if value is None or value == "":
            return tr("（空）", "(empty)")
        if conflict.table == "findings" and field == "status":
            return tr(*FINDING_STATUS.get(str(value), (str(value), str(value))))
        if conflict.table == "responses" and field == "answer":
            return tr(*ANSWERS.get(str(value), (str(value), str(value))))
        if conflict.table == "inspections" and field == "status":
            return tr(*INSPECTION_STATUS.get(str(value), (str(value), str(value))))
        if conflict.table == "findings" and field in ("severity", "category", "department"):
            try:
                finding = findings.get(self.store, conflict.row_id)
                inspection = inspections.get(self.store, str(finding["inspection_id"]))
                template = self._template(str(inspection["template_id"]))
                return str(getattr(template, field)(str(value)).label())
            except InspectorError:
                return str(value)
        if field in ("deleted", "trusted"):
            return tr("是", "yes") if value else tr("否", "no")
        return str(value)

    def content_text(self, conflict: Conflict, version: Version) -> str:
        if conflict.kind == conflicts.DELETE:
            if version.content.get("deleted"):
                return tr("删除了此条", "deleted it")
            return "；".join(f"{field_name(k)}：{self.value_text(conflict, k, v)}"
                            for k, v in version.content.items()
                            if not k.endswith(("_at", "_by")))
        return "；".join(f"{field_name(c)}：{self.value_text(conflict, c, version.content.get(c))}"
                        for c in differing(conflict))

    def author_text(self, version: Version) -> str:
        """Who, on which laptop, and when: "检查员1（笔记本甲） · 11-29 11:42"."""
        device = self._device_names.get(version.device) or version.device[:8]
        who = tr("{n}（{d}）", "{n} ({d})", n=version.actor or "?", d=device)
        return f"{who} · {when_text(version.hlc, self.store.wall.now())}"

    # -- the selected conflict ---------------------------------------------------------------

    def selected(self) -> Conflict | None:
        index = self.table.currentRow()
        if not self.table.selectionModel().hasSelection() or not 0 <= index < len(self.rows):
            return None
        return self.rows[index]

    def selected_version(self) -> Version | None:
        conflict = self.selected()
        index = self.versions.currentRow()
        if conflict is None or not self.versions.selectionModel().hasSelection() or not (
                0 <= index < len(conflict.versions)):
            return None
        return conflict.versions[index]

    def select_conflict(self, conflict_id: str) -> None:
        for index, conflict in enumerate(self.rows):
            if conflict.id == conflict_id:
                self.table.selectRow(index)
                return

    def _show_versions(self) -> None:
        conflict = self.selected()
        listed = conflict.versions if conflict else ()
        self.versions.setRowCount(len(listed))
        for index, version in enumerate(listed):
            assert conflict is not None
            cells = {VCOL_NUMBER: str(index + 1), VCOL_WHO: self.author_text(version),
                     VCOL_CONTENT: self.content_text(conflict, version),
                     VCOL_SHOWN: tr("当前显示", "shown") if version.shown else ""}
            for column, text in cells.items():
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.versions.setItem(index, column, item)
        if listed:
            other = next((i for i, v in enumerate(listed) if not v.shown), 0)
            self.versions.selectRow(other)
        self._update_buttons()

    def _update_buttons(self) -> None:
        conflict = self.selected()
        version = self.selected_version()
        deleting = conflict is not None and conflict.kind == conflicts.DELETE
        self.keep_button.setEnabled(conflict is not None)
        self.take_button.setEnabled(deleting or (version is not None and not version.shown))
        self.type_button.setEnabled(conflict is not None and not deleting
                                    and len(differing(conflict)) == 1)
        self._retranslate_buttons()
        if conflict is None:
            self.detail.setText("")
            return
        explain = {
            conflicts.VALUE: tr("这些版本是在不同设备上同时做出的，谁也没看到对方。请选定一个。",
                                "These versions were made on different laptops without "
                                "seeing each other. Choose one."),
            conflicts.LOCKED: tr("检查已签名提交，而另一版本是在未看到提交时做出的。显示的是"
                                 "签名时的版本；要采用后来的修改，须先重新打开检查。",
                                 "The inspection was signed and submitted; the other "
                                 "version was made without seeing the submission. The "
                                 "signed version is shown; to take the later change, reopen "
                                 "the inspection first."),
            conflicts.DELETE: tr("一台设备删除了此条，另一台在未看到删除时修改了它。",
                                 "One laptop deleted this; another changed it without "
                                 "seeing the delete."),
        }.get(conflict.kind, "")
        self.detail.setText(f"<b>{_html(self.what_text(conflict))}</b> — "
                            f"{_html(kind_name(conflict.kind))}<br>{_html(explain)}")

    def keep_shown(self) -> None:
        """Keep what every laptop shows now (for a delete: confirm the delete)."""
        conflict = self.selected()
        if conflict is None:
            return
        if conflict.kind == conflicts.DELETE:
            self._resolve(conflict, take=conflicts.DELETE_ROW)
        else:
            self._resolve(conflict, take=None)

    def take_selected(self) -> None:
        """Take the selected version (for a delete: keep the row)."""
        conflict = self.selected()
        if conflict is None:
            return
        if conflict.kind == conflicts.DELETE:
            self._resolve(conflict, take=conflicts.KEEP_ROW)
            return
        version = self.selected_version()
        if version is not None:
            self._resolve(conflict, take=version.id)

    def type_new(self) -> QInputDialog | None:
        """Ask for a value of the one field in question (non-blocking)."""
        conflict = self.selected()
        if conflict is None or conflict.kind == conflicts.DELETE:
            return None
        fields = differing(conflict)
        if len(fields) != 1:
            return None
        field = fields[0]
        self._typing_for = (conflict.id, field)
        dialog = QInputDialog(self)
        dialog.setObjectName("newValueDialog")
        dialog.setWindowTitle(tr("输入新值", "Type a new value"))
        dialog.setLabelText(tr("新的{field}（{what}）：", "New {field} ({what}):",
                               what=self.what_text(conflict), field=field_name(field)))
        shown = next((v for v in conflict.versions if v.shown), conflict.versions[0])
        current = shown.content.get(field)
        dialog.setTextValue("" if current is None else str(current))
        dialog.setOkButtonText(tr("确定", "OK"))
        dialog.setCancelButtonText(tr("取消", "Cancel"))
        dialog.textValueSelected.connect(self._typed)
        self.input_dialog = dialog
        dialog.open()
        return dialog

    def _typed(self, text: str) -> None:
        target, self._typing_for = self._typing_for, None
        if target is None:
            return
        conflict = next((c for c in self.rows if c.id == target[0]), None)
        if conflict is not None:
            self._resolve(conflict, take=None, values={target[1]: text.strip() or None})

    def _resolve(self, conflict: Conflict, *, take: str | None,
                 values: dict[str, Any] | None = None) -> None:
        done = guarded(self, lambda: conflicts.resolve(self.store, conflict.id, take=take,
                                                       values=values))
        self.refresh()
        if done is not None:
            self.resolved.emit()

    # -- language -----------------------------------------------------------------------------

    def _retranslate_buttons(self) -> None:
        conflict = self.selected()
        if conflict is not None and conflict.kind == conflicts.DELETE:
            self.keep_button.setText(tr("确认删除", "Confirm the delete"))
            self.take_button.setText(tr("保留此条", "Keep it"))
        else:
            self.keep_button.setText(tr("保留当前显示的版本", "Keep the version shown"))
            self.take_button.setText(tr("采用所选版本", "Take the selected version"))
        self.type_button.setText(tr("输入新值…", "Type a new value…"))

    def retranslate(self) -> None:
        self.setWindowTitle(tr("同步冲突", "Sync conflicts"))
        self.intro.setText(tr(
            "以下每一处都有几个互不知情的版本：各设备显示同一个版本，其余版本在此等您决定。"
            "您的选择会作为一次修改同步到其他设备，并在那里关闭此冲突。",
            "Each of these has versions made without seeing each other: every laptop shows "
            "the same one, and the others wait here for you. Your choice is a change that "
            "syncs to the other laptops and closes the conflict there."))
        self.table.setHorizontalHeaderLabels([
            tr("内容", "What"), tr("类型", "Kind"), tr("不同之处", "Differs in"),
            tr("版本数", "Versions")])
        self.versions.setHorizontalHeaderLabels([
            "#", tr("修改人 · 时间", "By · when"), tr("该版本的值", "This version"),
            tr("显示", "Shown")])
        self.empty_label.setText(tr("没有待处理的冲突。", "No conflicts to review."))
        close = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        if close is not None:
            close.setText(tr("关闭", "Close"))
        if self.rows:
            current = self.table.currentRow()
            self._fill()
            if current >= 0:
                self.table.selectRow(current)
        self._show_versions()


def _html(text: str) -> str:
    return html.escape(text, quote=False)
