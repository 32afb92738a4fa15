"""The checklist as a tree: sections and items, an answer label per item, and the inspector's
keys (1/2/3/N, digits, J/K, Delete, F) turned into requests the editor carries out."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QWidget

from inspector.core.errors import InspectorError
from inspector.domain.inspections import ItemState
from inspector.domain.scoring import FAIL, NA, PASS, RECORDED
from inspector.domain.templates import Item
from ui.i18n import tr

CODE_ROLE = Qt.ItemDataRole.UserRole + 1
GREEN, RED, GREY, AMBER = QColor("#1b7f3b"), QColor("#c62828"), QColor("#757575"), QColor(
    "#b26a00")
COL_CODE, COL_TEXT, COL_ANSWER, COL_PHOTO, COL_NOTE = range(5)


def answer_label(state: ItemState) -> str:
    if state.answer is None:
        return ""
    item = state.item
    mark = {PASS: " ✓", FAIL: " ✗"}.get(state.answer, "")
    if item.encouraged:
        return tr("有 +{p:g}", "Yes +{p:g}", p=item.weight) if state.answer == PASS else \
            tr("无", "None")
    if state.choice is not None:
        try:
            return item.choice(state.choice).label() + mark
        except InspectorError:
            return state.choice + mark
    sample = state.sample
    if sample is not None and state.value is not None:
        return f"{sample[0]}/{sample[1]} = {state.value:.0f}%{mark}"
    if state.value is not None:
        text = f"{state.value:g}{item.unit}"
        if item.deduct is not None and state.value > 0:
            text += tr(" −{p:g}分", " −{p:g}", p=item.deduct.points(state.value))
        return text + mark
    return {PASS: tr("符合", "Pass"), FAIL: tr("不符合", "Fail"), NA: tr("不适用", "N/A"),
            RECORDED: tr("已记录", "Recorded")}[state.answer]


class ChecklistTree(QTreeWidget):
    """The checklist; turns the inspector's keys into requests the editor carries out."""

    answer_key = Signal(str)
    choice_key = Signal(int)  # 1, 2, 3 … on a choice item
    digit_typed = Signal(str)
    clear_key = Signal()
    finding_key = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Item models by code; Qt item data holds only the code string.
        self.items: dict[str, Item] = {}

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        key, text = event.key(), event.text()
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if modifiers not in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier):
            super().keyPressEvent(event)
            return
        current = self.currentItem()
        item = self.items.get(str(current.data(0, CODE_ROLE))) if current else None
        if key in (Qt.Key.Key_Down, Qt.Key.Key_J):
            self.move(+1)
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_K):
            self.move(-1)
        elif item is not None and item.answer_type == "choice" and text.isdigit() and \
                1 <= int(text) <= len(item.choices):
            self.choice_key.emit(int(text))
        elif item is not None and item.numeric and text and (
                text.isdigit() or text in ".-/"):
            self.digit_typed.emit(text)
        elif key == Qt.Key.Key_1:
            self.answer_key.emit(PASS)
        elif key == Qt.Key.Key_2:
            self.answer_key.emit(FAIL)
        elif key in (Qt.Key.Key_3, Qt.Key.Key_N):
            self.answer_key.emit(NA)
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.clear_key.emit()
        elif key == Qt.Key.Key_F:
            self.finding_key.emit()
        else:
            super().keyPressEvent(event)

    def item_rows(self) -> list[QTreeWidgetItem]:
        rows: list[QTreeWidgetItem] = []
        for index in range(self.topLevelItemCount()):
            section = self.topLevelItem(index)
            if section is None:
                continue
            rows.extend(item for child in range(section.childCount())
                        if (item := section.child(child)) is not None)
        return rows

    def move(self, step: int) -> None:  # type: ignore[override]  # the cursor, not the widget
        rows = self.item_rows()
        if not rows:
            return
        current = self.currentItem()
        position = rows.index(current) if current in rows else -1
        target = rows[max(0, min(len(rows) - 1, position + step))] if position >= 0 else rows[0]
        self.setCurrentItem(target)
        self.scrollToItem(target)
