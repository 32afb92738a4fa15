"""Start an inspection in one dialog: checklist, inspectors, joint-team departments."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inspector.core.store import Store
from inspector.domain import communities, inspections, templates
from ui.errors import guarded
from ui.i18n import language, tr


def split_names(text: str) -> list[str]:
    return [name.strip() for name in re.split(r"[、,，;；\s]+", text) if name.strip()]


class NewInspectionDialog(QDialog):
    started = Signal(str)

    def __init__(self, store: Store, community_id: str, *, inspector_name: str = "",
                 default_template: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.community = communities.get(store, community_id)
        templates.ensure_builtin(store)
        self.setObjectName("newInspectionDialog")
        self.setMinimumWidth(460)

        self.community_label = QLabel(self)
        self.community_label.setObjectName("communityLabel")
        font = self.community_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.community_label.setFont(font)
        self.template = QComboBox(self)
        self.template.setObjectName("templateCombo")
        for row in templates.list_installed(store):
            self.template.addItem(f"{row['title']}（v{row['version']}）", row["id"])
        chosen = self.template.findData(default_template) if default_template else -1
        self.template.setCurrentIndex(chosen if chosen >= 0 else self.template.count() - 1)
        self.inspectors = QLineEdit(inspector_name, self)
        self.inspectors.setObjectName("inspectorsEdit")
        self.departments = QListWidget(self)
        self.departments.setObjectName("departmentsList")
        self.departments.setMaximumHeight(150)
        self.template.currentIndexChanged.connect(self._fill_departments)
        self._fill_departments()

        self.form = QFormLayout()
        self.form.addRow("", self.community_label)
        self.form.addRow("template", self.template)
        self.form.addRow("inspectors", self.inspectors)
        self.form.addRow("departments", self.departments)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.buttons)
        self.retranslate()
        language.changed.connect(self.retranslate)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.inspectors.setFocus()  # the names are what is typed first

    def _fill_departments(self) -> None:
        self.departments.clear()
        uid = self.template.currentData()
        if not uid:
            return
        for department in templates.get(self.store, uid).departments:
            item = QListWidgetItem(f"{department.code}　{department.label()}")
            item.setData(Qt.ItemDataRole.UserRole, department.code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.departments.addItem(item)

    def set_department_checked(self, code: str, checked: bool = True) -> None:
        for row in range(self.departments.count()):
            item = self.departments.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == code:
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def chosen_departments(self) -> list[str]:
        return [str(self.departments.item(row).data(Qt.ItemDataRole.UserRole))
                for row in range(self.departments.count())
                if self.departments.item(row).checkState() == Qt.CheckState.Checked]

    def accept(self) -> None:
        inspection_id = guarded(self, lambda: inspections.start(
            self.store, self.community["id"], split_names(self.inspectors.text()),
            template_uid=self.template.currentData(), departments=self.chosen_departments()))
        if inspection_id:
            self.started.emit(inspection_id)
            super().accept()

    def retranslate(self) -> None:
        self.setWindowTitle(tr("新建检查", "New inspection"))
        c = self.community
        self.community_label.setText(f"{c['name']}　{c['district']} {c['street']}")
        labels = [tr("检查表", "Checklist"), tr("检查人员", "Inspectors"),
                  tr("联合执法部门", "Joint-team departments")]
        for row, text in zip(range(1, 4), labels, strict=True):
            label = self.form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            if label is not None and isinstance(label.widget(), QLabel):
                label.widget().setText(text)  # type: ignore[union-attr]
        self.inspectors.setPlaceholderText(tr("多人用顿号或逗号分隔", "Separate names with commas"))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("开始检查",
                                                                          "Start inspection"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("取消", "Cancel"))
        for row in range(self.departments.count()):
            item = self.departments.item(row)
            code = item.data(Qt.ItemDataRole.UserRole)
            uid = self.template.currentData()
            if uid:
                item.setText(f"{code}　{templates.get(self.store, uid).department(code).label()}")
