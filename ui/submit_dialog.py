"""Sign and lock an inspection: what is still missing, the signers' names and drawn signatures.

What submitting needs is the domain's rule (``inspections.submission_problems``, also the
CLI's): every item answered and the inspectors' names; the drawn signatures are optional, but a
representative who drew one must be named. Failed items that need a photo are shown as a
warning but do not block. Callers open it non-blocking (``dialog.open()``) and listen to
``submitted``.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from inspector.core.store import Store
from inspector.domain import inspections
from inspector.domain.inspections import InspectionView
from inspector.domain.scoring import Score
from ui.errors import guarded
from ui.i18n import language, tr
from ui.signature_pad import SignaturePad

UNANSWERED_COLOR = QColor(160, 52, 52)  # muted red: blocks submission
PHOTO_COLOR = QColor(138, 96, 0)  # amber: a warning only
DONE_COLOR = QColor(46, 110, 60)
MUTED_COLOR = "#5f6b7a"
NAME_SEPARATORS = re.compile(r"[、,，]")


def split_names(text: str) -> list[str]:
    """Names typed in one field, separated by 、 or a comma (Chinese or ASCII)."""
    return [name.strip() for name in NAME_SEPARATORS.split(text) if name.strip()]


class SubmitDialog(QDialog):
    """Shows what is missing, takes both signatures and submits (locks) the inspection."""

    submitted = Signal(str)

    def __init__(self, store: Store, inspection_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("submitDialog")
        self._store = store
        self._inspection_id = inspection_id
        self._view: InspectionView = inspections.view(store, inspection_id)
        self._build()
        self._prefill_names()
        self._connect()
        language.changed.connect(self.retranslate)
        self.retranslate()

    # -- public --------------------------------------------------------------------------------

    @property
    def inspection_id(self) -> str:
        return self._inspection_id

    def inspector_names(self) -> list[str]:
        return split_names(self.inspector_names_edit.text())

    def representative_name(self) -> str:
        return self.representative_name_edit.text().strip()

    def unanswered(self) -> tuple[str, ...]:
        return self._view.score.unanswered

    def blockers(self) -> list[str]:
        """Why the submit button is disabled, in the current language (empty: ready): the
        domain's rule (``inspections.submission_problems``), the one the CLI applies too.
        The drawn signatures are optional; a representative who drew needs a name."""
        return inspections.submission_problems(
            self._view, self.inspector_names(), representative=self.representative_name(),
            representative_signed=not self.representative_pad.is_empty())

    def refresh(self) -> None:
        """Read the inspection again (after a refused submission, or when it changed)."""
        view = guarded(self, lambda: inspections.view(self._store, self._inspection_id))
        if view is not None:
            self._view = view
        self._fill_header()
        self._fill_missing()
        self._update_state()

    def retranslate(self) -> None:
        self.setWindowTitle(tr("提交检查", "Submit inspection"))
        self.short_id_caption.setText(tr("检查编号", "Inspection"))
        self.community_caption.setText(tr("社区", "Community"))
        self.started_caption.setText(tr("检查日期", "Date"))
        self.missing_box.setTitle(tr("待补事项", "What is missing"))
        self.inspector_box.setTitle(tr("检查人员签名（手写签名可选）",
                                       "Inspectors' signature (drawing optional)"))
        self.representative_box.setTitle(tr("社区代表签名（可选）",
                                            "Community representative's signature (optional)"))
        self.inspector_names_caption.setText(tr("姓名", "Names"))
        self.representative_name_caption.setText(tr("姓名", "Name"))
        self.inspector_names_edit.setPlaceholderText(
            tr("多人用“、”分隔", "Separate names with commas"))
        self.inspector_names_edit.setAccessibleName(tr("检查人员姓名", "Inspectors' names"))
        self.representative_name_edit.setPlaceholderText(
            tr("社区居委会或物业代表", "Residents' committee or property manager"))
        self.representative_name_edit.setAccessibleName(
            tr("社区代表姓名", "Community representative's name"))
        self.inspector_pad.setAccessibleName(tr("检查人员签名板", "Inspectors' signature pad"))
        self.representative_pad.setAccessibleName(
            tr("社区代表签名板", "Community representative's signature pad"))
        for button in (self.inspector_clear, self.representative_clear):
            button.setText(tr("清除", "Clear"))
        self.inspector_clear.setAccessibleName(
            tr("清除检查人员签名", "Clear the inspectors' signature"))
        self.representative_clear.setAccessibleName(
            tr("清除社区代表签名", "Clear the representative's signature"))
        self.missing_list.setAccessibleName(tr("待补事项", "What is missing"))
        self.lock_notice.setText(tr(
            "提交后检查将被锁定，不能再修改；如需修改，须重新打开并说明原因。",
            "Submitting locks the inspection; to change it afterwards it must be reopened "
            "with a reason."))
        self.submit_button.setText(tr("提交并锁定", "Submit and lock"))
        self.cancel_button.setText(tr("取消", "Cancel"))
        self._fill_header()
        self._fill_missing()
        self._update_state()

    # -- building ------------------------------------------------------------------------------

    def _build(self) -> None:
        self.setSizeGripEnabled(True)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 18, 20, 16)
        outer.setSpacing(14)

        header = QFrame(self)
        header.setObjectName("submitHeader")
        header.setFrameShape(QFrame.Shape.StyledPanel)
        header.setStyleSheet(
            "#submitHeader { background: #f3f6f9; border: 1px solid #d5dce4; border-radius: 4px; }")
        form = QFormLayout(header)
        form.setContentsMargins(14, 10, 14, 10)
        form.setHorizontalSpacing(18)
        form.setVerticalSpacing(6)
        self.short_id_caption = QLabel(header)
        self.short_id_label = QLabel(header)
        self.short_id_label.setObjectName("shortIdLabel")
        bold = QFont(self.short_id_label.font())
        bold.setBold(True)
        bold.setPointSizeF(bold.pointSizeF() * 1.15)
        self.short_id_label.setFont(bold)
        self.short_id_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.community_caption = QLabel(header)
        self.community_label = QLabel(header)
        self.community_label.setObjectName("communityLabel")
        self.community_label.setWordWrap(True)
        self.started_caption = QLabel(header)
        self.started_label = QLabel(header)
        self.started_label.setObjectName("startedLabel")
        for caption in (self.short_id_caption, self.community_caption, self.started_caption):
            caption.setStyleSheet(f"color: {MUTED_COLOR};")
        form.addRow(self.short_id_caption, self.short_id_label)
        form.addRow(self.community_caption, self.community_label)
        form.addRow(self.started_caption, self.started_label)
        outer.addWidget(header)

        self.missing_box = QGroupBox(self)
        self.missing_box.setObjectName("missingBox")
        missing_layout = QVBoxLayout(self.missing_box)
        missing_layout.setContentsMargins(12, 10, 12, 12)
        missing_layout.setSpacing(6)
        self.missing_summary = QLabel(self.missing_box)
        self.missing_summary.setObjectName("missingSummary")
        self.missing_summary.setWordWrap(True)
        self.missing_list = QListWidget(self.missing_box)
        self.missing_list.setObjectName("missingList")
        self.missing_list.setAlternatingRowColors(True)
        self.missing_list.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self.missing_list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        # A fixed height: a list that grows with the word-wrapped summary above it would let
        # the layout squeeze the signature pads below their minimum on a small screen.
        self.missing_list.setFixedHeight(self.missing_list.fontMetrics().height() * 6 + 16)
        self.missing_list.setTextElideMode(Qt.TextElideMode.ElideRight)
        missing_layout.addWidget(self.missing_summary)
        missing_layout.addWidget(self.missing_list)
        outer.addWidget(self.missing_box)

        signatures = QHBoxLayout()
        signatures.setSpacing(14)
        (self.inspector_box, self.inspector_names_caption, self.inspector_names_edit,
         self.inspector_pad, self.inspector_clear) = self._signature_box("inspector")
        self.inspector_names_edit.setObjectName("inspectorNames")
        (self.representative_box, self.representative_name_caption,
         self.representative_name_edit, self.representative_pad,
         self.representative_clear) = self._signature_box("representative")
        self.representative_name_edit.setObjectName("representativeName")
        self.inspector_pad.setObjectName("inspectorPad")
        self.representative_pad.setObjectName("representativePad")
        self.inspector_clear.setObjectName("inspectorClear")
        self.representative_clear.setObjectName("representativeClear")
        signatures.addWidget(self.inspector_box, 1)
        signatures.addWidget(self.representative_box, 1)
        outer.addLayout(signatures)

        self.lock_notice = QLabel(self)
        self.lock_notice.setObjectName("lockNotice")
        self.lock_notice.setWordWrap(True)
        self.lock_notice.setStyleSheet(f"color: {MUTED_COLOR};")
        outer.addWidget(self.lock_notice)

        bottom = QHBoxLayout()
        bottom.setSpacing(12)
        self.blocker_label = QLabel(self)
        self.blocker_label.setObjectName("blockerLabel")
        self.blocker_label.setWordWrap(True)
        self.buttons = QDialogButtonBox(self)
        self.submit_button = QPushButton(self)
        self.submit_button.setObjectName("submitButton")
        self.submit_button.setAutoDefault(False)
        self.cancel_button = QPushButton(self)
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setAutoDefault(False)
        self.buttons.addButton(self.submit_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        bottom.addWidget(self.blocker_label, 1)
        bottom.addWidget(self.buttons, 0)
        outer.addLayout(bottom)

    def _signature_box(self, role: str) -> tuple[QGroupBox, QLabel, QLineEdit, SignaturePad,
                                                 QPushButton]:
        box = QGroupBox(self)
        box.setObjectName(f"{role}Box")
        layout = QVBoxLayout(box)
        layout.setContentsMargins(12, 10, 12, 12)
        layout.setSpacing(8)
        row = QHBoxLayout()
        row.setSpacing(8)
        caption = QLabel(box)
        edit = QLineEdit(box)
        edit.setClearButtonEnabled(True)
        caption.setBuddy(edit)
        row.addWidget(caption)
        row.addWidget(edit, 1)
        layout.addLayout(row)
        pad = SignaturePad(box)
        layout.addWidget(pad)
        clear = QPushButton(box)
        clear.setAutoDefault(False)
        clear_row = QHBoxLayout()
        clear_row.addStretch(1)
        clear_row.addWidget(clear)
        layout.addLayout(clear_row)
        return box, caption, edit, pad, clear

    def _connect(self) -> None:
        self.inspector_names_edit.textChanged.connect(self._update_state)
        self.representative_name_edit.textChanged.connect(self._update_state)
        self.inspector_pad.changed.connect(self._update_state)
        self.representative_pad.changed.connect(self._update_state)
        self.inspector_clear.clicked.connect(self.inspector_pad.clear)
        self.representative_clear.clicked.connect(self.representative_pad.clear)
        self.submit_button.clicked.connect(self._submit)
        self.cancel_button.clicked.connect(self.reject)

    def _fill_header(self) -> None:
        row, community = self._view.row, self._view.community
        self.short_id_label.setText(str(row.get("short_id") or ""))
        place = " · ".join(str(part) for part in (community.get("district"),
                                                  community.get("street")) if part)
        name = str(community.get("name") or "")
        self.community_label.setText(
            tr("{name}（{place}）", "{name} ({place})", name=name, place=place) if place else name)
        self.started_label.setText(str(row.get("started_at") or "")[:10])

    def _prefill_names(self) -> None:
        row = self._view.row
        signers = inspections.signers_of(row) or inspections.inspectors_of(row)
        self.inspector_names_edit.setText("、".join(signers))
        self.representative_name_edit.setText(str(row.get("representative") or ""))

    def _fill_missing(self) -> None:
        view = self._view
        unanswered = [s.item for s in view.items if s.answer is None]
        photo_codes = set(view.photo_missing())
        photo = [s.item for s in view.items if s.item.code in photo_codes]
        self.missing_list.clear()
        for item in unanswered:
            self._add_line(tr("{code}  {label}　— 未填写", "{code}  {label} — not answered",
                              code=item.code, label=item.label()),
                           UNANSWERED_COLOR, item.label())
        if not unanswered:
            self._add_line(tr("✓ 全部检查项已填写", "✓ Every item is answered"), DONE_COLOR)
        for item in photo:
            self._add_line(tr("{code}  {label}　— 不符合，缺少照片",
                              "{code}  {label} — failed, photo missing",
                              code=item.code, label=item.label()),
                           PHOTO_COLOR, item.label())
        parts: list[str] = []
        if unanswered:
            parts.append(tr("{n} 项未填写（须全部填写后才能提交）",
                            "{n} unanswered (must be answered to submit)", n=len(unanswered)))
        if photo:
            parts.append(tr("{n} 项不符合但缺少照片（仅提醒，不影响提交）",
                            "{n} failed without a photo (a reminder only)", n=len(photo)))
        if not parts:
            parts.append(tr("没有待补事项", "Nothing is missing"))
        self.missing_summary.setText(tr("；", "; ").join(parts))
        self.missing_summary.setStyleSheet(
            f"color: {UNANSWERED_COLOR.name()}; font-weight: 600;" if unanswered
            else f"color: {MUTED_COLOR};")

    def _add_line(self, text: str, color: QColor, tooltip: str | None = None) -> None:
        line = QListWidgetItem(text, self.missing_list)
        line.setForeground(color)
        line.setFlags(Qt.ItemFlag.ItemIsEnabled)
        line.setToolTip(tooltip or text)

    # -- state and submission ------------------------------------------------------------------

    def _update_state(self) -> None:
        reasons = self.blockers()
        self.submit_button.setEnabled(not reasons)
        if reasons and self._view.locked:
            self.blocker_label.setText(reasons[0])
        elif reasons:
            self.blocker_label.setText(tr("提交前还需：", "Before submitting: ")
                                       + tr("；", "; ").join(reasons))
        else:
            self.blocker_label.setText(tr("可以提交。", "Ready to submit."))
        self.blocker_label.setStyleSheet(
            f"color: {MUTED_COLOR};" if reasons else f"color: {DONE_COLOR.name()};")

    def _submit(self) -> None:
        if self.blockers():
            return
        self.submit_button.setEnabled(False)
        names = self.inspector_names()
        representative = self.representative_name()
        # A pad left empty records no drawing (the drawings are optional).
        inspector_png = None if self.inspector_pad.is_empty() else self.inspector_pad.to_png()
        representative_png = (None if self.representative_pad.is_empty()
                              else self.representative_pad.to_png())

        def work() -> Score:
            return inspections.submit(
                self._store, self._inspection_id, signed_by=names,
                representative=representative, inspector_signature=inspector_png,
                representative_signature=representative_png).score

        if guarded(self, work) is None:
            self.refresh()
            return
        self.submitted.emit(self._inspection_id)
        self.accept()
