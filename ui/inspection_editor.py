"""The inspection editor: the checklist by section, answered from the keyboard.

Keys in the checklist: 1 符合, 2 不符合, 3 不适用 (N too); on a choice item 1, 2, 3 … pick the
choice; on an encouraged item 1 有 and 2 无; digits go to the value field of number and count
items, and ``合格/抽查`` (17/20) to that of sample items. Up/Down or J/K move, Delete clears an
answer, F adds a finding for the item, Tab reaches the note. Every edit is saved at once
through the domain and can be undone. The checklist's pass rule is shown under the title.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QDoubleValidator,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QKeySequence,
    QRegularExpressionValidator,
    QShortcut,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inspector.core.store import Store
from inspector.domain import inspections, photos
from inspector.domain.inspections import InspectionView, ItemState
from inspector.domain.scoring import FAIL, NA, PASS, RECORDED
from ui.checklist_tree import (
    CODE_ROLE,
    COL_ANSWER,
    COL_CODE,
    COL_NOTE,
    COL_PHOTO,
    COL_TEXT,
    GREEN,
    GREY,
    RED,
    ChecklistTree,
    answer_label,
)
from ui.community_page import status_label
from ui.elided_label import ElidedLabel
from ui.errors import guarded
from ui.findings_panel import FindingsPanel
from ui.i18n import language, tr
from ui.photo_strip import PhotoStrip
from ui.undo import AnswerCommand, AnswerState, NoteCommand

if TYPE_CHECKING:  # opened on demand
    from ui.folder_import_dialog import FolderImportDialog

class InspectionEditor(QWidget):
    changed = Signal()
    locked_changed = Signal(bool)
    back_requested = Signal()
    submit_requested = Signal(str)
    reopen_requested = Signal(str)
    report_requested = Signal(str)

    def __init__(self, store: Store, undo_stack: QUndoStack,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.undo_stack = undo_stack
        self.inspection_id: str | None = None
        self.view: InspectionView | None = None
        self._rows: dict[str, QTreeWidgetItem] = {}
        self._sections: dict[str, QTreeWidgetItem] = {}

        # header: where we are, and the live score
        self.back_button = QPushButton(self)
        self.back_button.setObjectName("backButton")
        self.back_button.clicked.connect(self.back_requested)
        self.title = QLabel(self)
        self.title.setObjectName("inspectionTitle")
        title_font = QFont(self.title.font())
        title_font.setPointSizeF(title_font.pointSizeF() * 1.35)
        title_font.setBold(True)
        self.title.setFont(title_font)
        # One line, elided rather than wrapped or widening the window (the English checklist
        # name is long): the header keeps its height as the score changes.
        self.subtitle = ElidedLabel(self)
        self.subtitle.setObjectName("inspectionSubtitle")
        self.subtitle.setStyleSheet("color: #555;")
        self.rule_label = QLabel(self)
        self.rule_label.setObjectName("passRule")
        self.rule_label.setStyleSheet("color: #555;")
        self.rule_label.setWordWrap(True)
        self.progress_label = QLabel(self)
        self.progress_label.setObjectName("progressLabel")
        self.score_label = QLabel(self)
        self.score_label.setObjectName("scoreLabel")
        score_font = QFont(self.score_label.font())
        score_font.setPointSizeF(score_font.pointSizeF() * 1.3)
        score_font.setBold(True)
        self.score_label.setFont(score_font)
        # As wide as its widest text, so nothing beside it moves as the score changes.
        self.score_label.setMinimumWidth(max(
            QFontMetrics(score_font).horizontalAdvance(text)
            for text in ("得分 100.0%", "Score 100.0%", "得分 —")) + 8)
        self.verdict = QLabel(self)
        self.verdict.setObjectName("verdictLabel")
        self.verdict.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.verdict.setMinimumWidth(96)
        verdict_font = QFont(score_font)
        self.verdict.setFont(verdict_font)
        self.submit_button = QPushButton(self)
        self.submit_button.setObjectName("submitButton")
        self.submit_button.clicked.connect(self._request_submit)
        self.report_button = QPushButton(self)
        self.report_button.setObjectName("reportButton")
        self.report_button.clicked.connect(self._request_report)
        self.reopen_button = QPushButton(self)
        self.reopen_button.setObjectName("reopenButton")
        self.reopen_button.clicked.connect(self._request_reopen)
        self.card_button = QPushButton(self)
        self.card_button.setObjectName("cameraFolderButton")
        self.card_button.clicked.connect(self.import_camera_folder)
        self.folder_dialog: FolderImportDialog | None = None

        header = QHBoxLayout()
        header.addWidget(self.back_button)
        titles = QVBoxLayout()
        titles.setSpacing(0)
        titles.addWidget(self.title)
        titles.addWidget(self.subtitle)
        titles.addWidget(self.rule_label)
        header.addLayout(titles, 1)
        header.addWidget(self.progress_label)
        header.addSpacing(12)
        header.addWidget(self.score_label)
        header.addWidget(self.verdict)
        header.addSpacing(12)
        header.addWidget(self.card_button)
        header.addWidget(self.report_button)
        header.addWidget(self.reopen_button)
        header.addWidget(self.submit_button)

        # the checklist
        self.tree = ChecklistTree(self)
        self.tree.setObjectName("checklistTree")
        self.tree.setColumnCount(5)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setWordWrap(False)
        header_view = self.tree.header()
        header_view.setStretchLastSection(False)
        header_view.setSectionResizeMode(COL_CODE, QHeaderView.ResizeMode.ResizeToContents)
        header_view.setSectionResizeMode(COL_TEXT, QHeaderView.ResizeMode.Stretch)
        header_view.setSectionResizeMode(COL_ANSWER, QHeaderView.ResizeMode.ResizeToContents)
        header_view.setSectionResizeMode(COL_PHOTO, QHeaderView.ResizeMode.ResizeToContents)
        header_view.setSectionResizeMode(COL_NOTE, QHeaderView.ResizeMode.Interactive)
        header_view.resizeSection(COL_NOTE, 180)
        self.tree.currentItemChanged.connect(self._current_changed)
        self.tree.answer_key.connect(self.answer_current)
        self.tree.choice_key.connect(self.choose_current)
        self.tree.digit_typed.connect(self._start_number)
        self.tree.clear_key.connect(self.clear_current)
        self.tree.finding_key.connect(self.add_finding)

        # the current item in full, with its editors
        self.item_text = QLabel(self)
        self.item_text.setObjectName("itemText")
        self.item_text.setWordWrap(True)
        item_font = QFont(self.item_text.font())
        item_font.setBold(True)
        self.item_text.setFont(item_font)
        self.item_info = QLabel(self)
        self.item_info.setObjectName("itemInfo")
        self.item_info.setWordWrap(True)
        self.item_info.setStyleSheet("color: #555;")
        self.item_guidance = QLabel(self)
        self.item_guidance.setObjectName("itemGuidance")
        self.item_guidance.setWordWrap(True)
        self.item_guidance.setStyleSheet("color: #555;")
        self.pass_button = QPushButton(self)
        self.fail_button = QPushButton(self)
        self.na_button = QPushButton(self)
        for button, answer in ((self.pass_button, PASS), (self.fail_button, FAIL),
                               (self.na_button, NA)):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _checked=False, a=answer: self.answer_current(a))
        # one button per choice of a choice item (made when such an item is shown)
        self.choice_buttons: list[QPushButton] = []
        self.choice_row = QHBoxLayout()
        self.choice_row.setSpacing(6)
        self.value_label = QLabel(self)
        self.value_edit = QLineEdit(self)
        self.value_edit.setObjectName("valueEdit")
        self.number_validator = QDoubleValidator(self.value_edit)
        self.sample_validator = QRegularExpressionValidator(
            QRegularExpression(r"\d{0,6}\s*[/／]?\s*\d{0,6}"), self.value_edit)
        self.value_edit.setValidator(self.number_validator)
        self.value_edit.setMaximumWidth(120)
        self.value_edit.returnPressed.connect(self._commit_number)
        self.note_label = QLabel(self)
        self.note_edit = QLineEdit(self)
        self.note_edit.setObjectName("noteEdit")
        self.note_edit.returnPressed.connect(self._commit_note_and_return)
        self.note_edit.editingFinished.connect(self._commit_note)
        self.finding_button = QPushButton(self)
        self.finding_button.setObjectName("addFindingFromItem")
        self.finding_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.finding_button.clicked.connect(self.add_finding)
        self.hint = QLabel(self)
        self.hint.setObjectName("keyHint")
        self.hint.setStyleSheet("color: #777;")
        # the current item's photos (Ctrl+V in the checklist pastes into them too)
        self.photo_strip = PhotoStrip(store, self)
        self.photo_strip.undo_stack = undo_stack
        self.photo_strip.changed.connect(self._photos_changed)
        self.photo_strip.removal_undone.connect(self._photo_removal_undone)
        self.paste_shortcut = QShortcut(QKeySequence.StandardKey.Paste, self.tree)
        self.paste_shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
        self.paste_shortcut.activated.connect(self.photo_strip.paste)

        editors = QHBoxLayout()
        editors.addWidget(self.pass_button)
        editors.addWidget(self.fail_button)
        editors.addWidget(self.na_button)
        editors.addLayout(self.choice_row)
        editors.addSpacing(12)
        editors.addWidget(self.value_label)
        editors.addWidget(self.value_edit)
        editors.addSpacing(12)
        editors.addWidget(self.note_label)
        editors.addWidget(self.note_edit, 1)
        editors.addWidget(self.finding_button)
        detail = QFrame(self)
        detail.setObjectName("itemDetail")
        detail.setFrameShape(QFrame.Shape.StyledPanel)
        detail_layout = QVBoxLayout(detail)
        detail_layout.addWidget(self.item_text)
        detail_layout.addWidget(self.item_info)
        detail_layout.addWidget(self.item_guidance)
        detail_layout.addLayout(editors)
        detail_layout.addWidget(self.photo_strip)
        detail_layout.addWidget(self.hint)

        self.findings = FindingsPanel(store, self)
        self.findings.undo_stack = undo_stack
        self.findings.changed.connect(self._findings_changed)

        checklist = QWidget(self)
        checklist_layout = QVBoxLayout(checklist)
        checklist_layout.setContentsMargins(0, 0, 0, 0)
        checklist_layout.addWidget(self.tree, 1)
        checklist_layout.addWidget(detail)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(checklist)
        self.splitter.addWidget(self.findings)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addLayout(header)
        layout.addWidget(self.splitter, 1)
        self.setTabOrder(self.tree, self.value_edit)
        self.setTabOrder(self.value_edit, self.note_edit)
        self.retranslate()
        language.changed.connect(self.retranslate)

    # -- loading and showing ------------------------------------------------------------------

    def load(self, inspection_id: str) -> None:
        if inspection_id != self.inspection_id:
            self.undo_stack.clear()  # undo belongs to the inspection it was made in
        self.inspection_id = inspection_id
        self.view = inspections.view(self.store, inspection_id)
        self._build_tree()
        self.findings.set_inspection(inspection_id)
        self._show_view()
        rows = self.tree.item_rows()
        first_open = next((r for r in rows if self._state(r.data(0, CODE_ROLE)).answer is None),
                          rows[0] if rows else None)
        if first_open is not None:
            self.tree.setCurrentItem(first_open)
        self.tree.setFocus()

    def reload(self, code: str | None = None) -> None:
        """Show the stored state again (after an edit, an undo, or a change elsewhere)."""
        if self.inspection_id is None:
            return
        self.view = inspections.view(self.store, self.inspection_id)
        self._show_view()
        if code and code in self._rows:
            self.tree.setCurrentItem(self._rows[code])
        self._show_current()

    def _build_tree(self) -> None:
        assert self.view is not None
        self.tree.clear()
        self.tree.items.clear()
        self._rows.clear()
        self._sections.clear()
        bold = QFont(self.tree.font())
        bold.setBold(True)
        for section in self.view.template.sections:
            section_row = QTreeWidgetItem(self.tree)
            section_row.setData(0, CODE_ROLE, "")
            section_row.setFirstColumnSpanned(True)
            section_row.setFont(0, bold)
            section_row.setFlags(Qt.ItemFlag.ItemIsEnabled)
            section_row.setBackground(0, QBrush(QColor("#e8eef5")))
            self._sections[section.code] = section_row
            for item in section.items:
                row = QTreeWidgetItem(section_row)
                row.setData(0, CODE_ROLE, item.code)
                self.tree.items[item.code] = item
                self._rows[item.code] = row
        self.tree.expandAll()

    def _state(self, code: str) -> ItemState:
        assert self.view is not None
        return next(s for s in self.view.items if s.item.code == code)

    def _show_view(self) -> None:
        view = self.view
        if view is None:
            return
        missing_photos = set(view.photo_missing())
        for state in view.items:
            row = self._rows[state.item.code]
            item = state.item
            row.setText(COL_CODE, ("★ " if item.key else "   ") + item.code)
            row.setText(COL_TEXT, item.label())
            row.setToolTip(COL_TEXT, item.label())
            row.setText(COL_ANSWER, answer_label(state))
            colour = {PASS: GREEN, FAIL: RED, NA: GREY, RECORDED: GREY}.get(state.answer or "")
            row.setForeground(COL_ANSWER, QBrush(colour) if colour else QBrush())
            if item.code in missing_photos:
                row.setText(COL_PHOTO, tr("缺照片", "Photo needed"))
                row.setForeground(COL_PHOTO, QBrush(RED))
            else:
                row.setText(COL_PHOTO, "")
            row.setText(COL_NOTE, state.note or "")
            if item.key:
                row.setToolTip(COL_CODE, tr("一票否决项", "Key item (veto)"))
        for section in view.template.sections:
            done = sum(1 for s in view.items if s.item.section == section.code and s.answer)
            self._sections[section.code].setText(
                0, f"{section.code}　{section.label()}　（{done}/{len(section.items)}）")
        community = view.community
        self.title.setText(f"{community['name']}　{view.row['short_id']}")
        self.subtitle.setText("　".join([
            f"{community['district']} {community['street']}",
            status_label(view.status),
            tr("检查人员：", "Inspectors: ") + "、".join(inspections.inspectors_of(view.row)),
            view.template.label() + f" v{view.template.version}",
        ]))
        self.rule_label.setText(view.template.rule_text())
        answered = len(view.items) - len(view.score.unanswered)
        self.progress_label.setText(tr("已填 {a}/{n}", "Answered {a}/{n}", a=answered,
                                       n=len(view.items)))
        percent = view.score.percent
        self.score_label.setText(tr("得分 {s}", "Score {s}",
                                    s="—" if percent is None else f"{percent:.1f}%"))
        if view.score.met:
            text, colour = tr("达标", "Meets"), GREEN
        elif view.score.key_failed or (percent is not None and not view.score.key_unanswered):
            text, colour = tr("未达标", "Below"), RED
        else:
            text, colour = tr("待定", "Pending"), GREY
        self.verdict.setText(text)
        self.verdict.setStyleSheet(
            f"color: white; background: {colour.name()}; border-radius: 4px; padding: 4px 10px;")
        locked = view.locked
        self.submit_button.setVisible(not locked)
        self.reopen_button.setVisible(locked)
        self.card_button.setEnabled(not locked)
        self.card_button.setToolTip(tr("检查已提交，不能再导入照片；请先重新打开。",
                                       "The inspection is submitted; reopen it to import "
                                       "photos.") if locked else "")
        for widget in (self.pass_button, self.fail_button, self.na_button, self.value_edit,
                       self.note_edit, self.finding_button):
            widget.setEnabled(not locked)
        self.finding_button.setToolTip(tr("检查已提交，不能再添加问题；请先重新打开。",
                                          "The inspection is submitted; reopen it to add "
                                          "findings.") if locked else "")
        self.locked_changed.emit(locked)
        self._show_current()

    def _current_changed(self, current: QTreeWidgetItem | None,
                         _previous: QTreeWidgetItem | None) -> None:
        self._show_current()

    def current_code(self) -> str | None:
        current = self.tree.currentItem()
        code = current.data(0, CODE_ROLE) if current else None
        return str(code) if code else None

    def select_item(self, code: str) -> None:
        self.tree.setCurrentItem(self._rows[code])

    def _show_current(self) -> None:
        code = self.current_code()
        if code is None or self.view is None or self.inspection_id is None:
            self.item_text.setText("")
            self.item_info.setText("")
            self.photo_strip.set_target(None)
            return
        state = self._state(code)
        self.photo_strip.set_target(
            photos.target_for_response(self.store, self.inspection_id, code),
            read_only=self.view.locked)
        item = state.item
        self.item_text.setText(f"{item.code}　{item.label()}"
                               + (tr("　【一票否决】", "  [key item]") if item.key else ""))
        photo = {"required": tr("不符合时必须拍照", "photo required when failed"),
                 "optional": tr("可拍照", "photo optional"),
                 "none": tr("无需拍照", "no photo")}[item.photo_on_fail]
        template = self.view.template
        departments = "/".join(template.department(code).label() if language.current() == "en"
                               else code for code in item.departments)
        parts = [tr("依据：{c}", "Plan clause: {c}", c=item.clause_label()),
                 tr("责任部门：{d}", "Department: {d}", d=departments), photo]
        if item.scored or item.encouraged:
            parts.append(tr("分值 {w:g}", "{w:g} points", w=item.weight))
        rule = item.rule_text()
        if rule:
            parts.append(rule)
        self.item_info.setText("　·　".join(parts))
        # Guidance is checklist data, written in Chinese only.
        self.item_guidance.setText(item.guidance)
        self.item_guidance.setVisible(bool(item.guidance))
        typed = item.numeric
        is_choice = item.answer_type == "choice"
        self.pass_button.setVisible(not typed and not is_choice)
        self.fail_button.setVisible(not typed and not is_choice)
        self.na_button.setVisible(item.allows_na and not item.encouraged)
        self.pass_button.setText(tr("1 有（加分）", "1 Yes (bonus)") if item.encouraged
                                 else tr("1 符合", "1 Pass"))
        self.fail_button.setText(tr("2 无", "2 None") if item.encouraged
                                 else tr("2 不符合", "2 Fail"))
        self._show_choices(state)
        self.value_label.setVisible(typed)
        self.value_edit.setVisible(typed)
        if typed and not self.value_edit.hasFocus():
            sample = state.sample
            self.value_edit.setValidator(self.sample_validator if item.answer_type == "sample"
                                         else self.number_validator)
            if sample is not None:
                self.value_edit.setText(f"{sample[0]}/{sample[1]}")
            else:
                self.value_edit.setText("" if state.value is None else f"{state.value:g}")
            if item.answer_type == "sample":
                unit = item.sample_unit
                self.value_label.setText(tr("合格/抽查（{u}）", "Good/checked ({u})", u=unit))
                self.value_edit.setPlaceholderText(tr("如 17/20", "e.g. 17/20"))
            else:
                unit = f"（{item.unit}）" if item.unit else ""
                self.value_label.setText((tr("次数", "Count") if item.answer_type == "count"
                                          else tr("数值", "Value")) + unit)
                self.value_edit.setPlaceholderText("")
        if not self.note_edit.hasFocus():
            self.note_edit.setText(state.note or "")

    # -- editing ------------------------------------------------------------------------------

    def _show_choices(self, state: ItemState) -> None:
        """One button per choice of a choice item (keys 1, 2, 3 … choose too)."""
        choices = state.item.choices if state.item.answer_type == "choice" else ()
        while len(self.choice_buttons) < len(choices):
            button = QPushButton(self)
            button.setObjectName(f"choiceButton{len(self.choice_buttons) + 1}")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setCheckable(True)
            number = len(self.choice_buttons) + 1
            button.clicked.connect(lambda _checked=False, n=number: self.choose_current(n))
            self.choice_row.addWidget(button)
            self.choice_buttons.append(button)
        locked = self.view is not None and self.view.locked
        for index, button in enumerate(self.choice_buttons):
            if index < len(choices):
                choice = choices[index]
                button.setText(f"{index + 1} {choice.label()}")
                button.setChecked(state.choice == choice.code)
                button.setEnabled(not locked)
                button.setVisible(True)
            else:
                button.setVisible(False)

    def _record(self, code: str, before: AnswerState, after: AnswerState) -> None:
        if before == after:
            return
        assert self.inspection_id is not None
        self.undo_stack.push(AnswerCommand(self.store, self.inspection_id, code, before, after,
                                           self._undone))

    def _undone(self, code: str) -> None:
        self.reload(code)
        self.changed.emit()

    def _save_answer(self, code: str, given: inspections.Given) -> bool:
        assert self.inspection_id is not None
        state = self._state(code)
        before: AnswerState = state.given() if state.answer is not None else None
        inspection_id = self.inspection_id
        done = guarded(self, lambda: inspections.answer(self.store, inspection_id, code, given)
                       or True)
        if not done:
            return False
        self.reload(code)
        after_state = self._state(code)
        self._record(code, before, after_state.given() if after_state.answer else None)
        self.changed.emit()
        return True

    def answer_current(self, answer: str) -> None:
        code = self.current_code()
        if code is None:
            return
        item = self._state(code).item
        if item.numeric and answer != NA:
            self.value_edit.setFocus()
            return
        if item.answer_type == "choice":
            return  # a choice item is answered by its choices (1, 2, 3 … pick them)
        if self._save_answer(code, inspections.Given(answer)):
            self.tree.move(+1)

    def choose_current(self, number: int) -> None:
        """Pick the ``number``-th choice of the current choice item."""
        code = self.current_code()
        if code is None:
            return
        item = self._state(code).item
        if item.answer_type != "choice" or not 1 <= number <= len(item.choices):
            return
        if self._save_answer(code, inspections.Given(choice=item.choices[number - 1].code)):
            self.tree.move(+1)

    def clear_current(self) -> None:
        code = self.current_code()
        if code is None or self.inspection_id is None:
            return
        state = self._state(code)
        if state.answer is None:
            return
        inspection_id = self.inspection_id
        if guarded(self, lambda: inspections.clear_answer(self.store, inspection_id, code)
                   or True):
            self.reload(code)
            self._record(code, state.given(), None)
            self.changed.emit()

    def _start_number(self, text: str) -> None:
        if self.view is not None and self.view.locked:
            guarded(self, lambda: inspections.answer(self.store, self.inspection_id or "",
                                                     self.current_code() or "", NA))
            return
        self.value_edit.setFocus()
        self.value_edit.setText(text)

    def _commit_number(self) -> None:
        code = self.current_code()
        text = self.value_edit.text().strip().replace(",", ".")
        if code is None or not text or self.view is None:
            return
        item = self._state(code).item
        if item.answer_type == "sample":
            given = guarded(self, lambda: inspections.parse_answer(item, text))
            if given is None:
                return
        else:
            try:
                given = inspections.Given("value", float(text))
            except ValueError:
                return
        if self._save_answer(code, given):
            self.tree.setFocus()
            self.tree.move(+1)

    def _commit_note(self) -> None:
        code = self.current_code()
        if code is None or self.inspection_id is None or self.view is None or self.view.locked:
            return
        before = self._state(code).note or ""
        after = self.note_edit.text().strip()
        if before == after:
            return
        inspection_id = self.inspection_id
        if guarded(self, lambda: inspections.set_note(self.store, inspection_id, code, after)
                   or True):
            self.reload(code)
            self.undo_stack.push(NoteCommand(self.store, inspection_id, code, before, after,
                                             self._undone))
            self.changed.emit()

    def _commit_note_and_return(self) -> None:
        self._commit_note()
        self.tree.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.key() == Qt.Key.Key_Escape and (self.note_edit.hasFocus()
                                                 or self.value_edit.hasFocus()):
            self._show_current()
            self.tree.setFocus()
            return
        super().keyPressEvent(event)

    def add_finding(self) -> None:
        self.findings.add_finding(self.current_code())

    def _findings_changed(self) -> None:
        self.changed.emit()

    def _photos_changed(self) -> None:
        """Photos were added or annotated: the "缺照片" marks may have changed."""
        self.reload(self.current_code())
        self.changed.emit()

    def _photo_removal_undone(self, target: object) -> None:
        """An undone (or redone) photo removal: show the answer it was on."""
        if isinstance(target, photos.Target) and target.kind == "response" \
                and target.inspection_id == self.inspection_id:
            code = target.id.split(":", 1)[1]
            if code in self._rows:
                self.select_item(code)
        self.findings.refresh()

    def import_camera_folder(self) -> FolderImportDialog | None:
        """Open the (non-blocking) camera-folder import for this inspection."""
        if self.inspection_id is None:
            return None
        from ui.folder_import_dialog import FolderImportDialog

        inspection_id = self.inspection_id
        dialog = guarded(self, lambda: FolderImportDialog(self.store, inspection_id,
                                                          parent=self))
        if dialog is None:
            return None
        dialog.imported.connect(self._folder_imported)
        if self.folder_dialog is not None and not self.folder_dialog.isVisible():
            self.folder_dialog.deleteLater()
        self.folder_dialog = dialog
        dialog.open()
        return dialog

    def _folder_imported(self, _result: object) -> None:
        self.photo_strip.refresh()
        self.findings.refresh()
        self._photos_changed()

    def _request_submit(self) -> None:
        if self.inspection_id:
            self.submit_requested.emit(self.inspection_id)

    def _request_report(self) -> None:
        if self.inspection_id:
            self.report_requested.emit(self.inspection_id)

    def _request_reopen(self) -> None:
        if self.inspection_id:
            self.reopen_requested.emit(self.inspection_id)

    def retranslate(self) -> None:
        self.back_button.setText(tr("← 返回社区", "← Community"))
        self.submit_button.setText(tr("提交…", "Submit…"))
        self.reopen_button.setText(tr("重新打开…", "Reopen…"))
        self.report_button.setText(tr("检查报告…", "Report…"))
        self.report_button.setToolTip(tr("生成检查报告 PDF（Ctrl+P）",
                                         "Make the findings report PDF (Ctrl+P)"))
        self.card_button.setText(tr("从相机文件夹导入…", "Import camera folder…"))
        self.pass_button.setText(tr("1 符合", "1 Pass"))
        self.fail_button.setText(tr("2 不符合", "2 Fail"))
        self.na_button.setText(tr("3 不适用", "3 N/A"))
        self.note_label.setText(tr("备注", "Note"))
        self.value_label.setText(tr("数值", "Value"))
        self.finding_button.setText(tr("添加问题 (F)", "Add finding (F)"))
        self.hint.setText(tr(
            "键盘：1 符合　2 不符合　3 不适用　选择项按 1、2、3…　数字项输入数字、抽查项输入"
            "合格/抽查（如 17/20）后回车　↑↓ 或 J/K 移动　Delete 清除　F 添加问题　Tab 备注　"
            "Ctrl+Z 撤销",
            "Keys: 1 pass  2 fail  3 n/a  choices: 1, 2, 3…  number items: type the number, "
            "sample items good/checked (17/20), Enter  ↑↓ or J/K move  Delete clear  "
            "F add finding  Tab note  Ctrl+Z undo"))
        self.tree.setHeaderLabels([tr("编号", "No."), tr("检查内容", "Item"),
                                   tr("结果", "Result"), tr("照片", "Photo"),
                                   tr("备注", "Note")])
        if self.view is not None:
            self._show_view()
