"""Draw annotations on a photo: arrows, ellipses, rectangles, text and blurred regions.

The editor works on a derived copy that is already upright (the caller passes the report-size
image); the photo file itself is evidence and is never touched. What the editor produces is
the annotation JSON of ``inspector.domain.annotations`` (coordinates as fractions of the
image), which ``inspector.domain.annotations.render`` draws on derived copies. The scene is laid
out in the image's
own pixels, and line widths, arrow heads and text sizes are computed exactly as ``render``
computes them, so what is seen here is what the report shows. Blurred regions are previewed
pixelated and hatched; the real blur is applied only in the derived copies. The scene items, the
canvas and their geometry are ``ui.annotation_canvas``; this module is the dialog: its toolbar,
undo stack, colours and texts.

Drawing tools: press, drag, release (arrow, ellipse, rectangle, blur) or click (text). The
select tool selects with a click, moves with a drag, edits a text with a double click;
Delete removes the selection. Every change is undoable (Ctrl+Z, Ctrl+Y) until the dialog
closes. Save emits ``saved`` with the canonical JSON; Cancel discards.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QColor,
    QFont,
    QIcon,
    QImage,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QPolygonF,
    QTransform,
    QUndoCommand,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QColorDialog,
    QDialog,
    QDialogButtonBox,
    QGraphicsItem,
    QGraphicsScene,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from inspector.core.errors import InspectorError
from inspector.domain import annotations as anno
from ui.annotation_canvas import (
    AnnotationCanvas,
    AnnotationGraphic,
    Item,
    moved,
)
from ui.i18n import language, tr

TOOLS = ("arrow", "ellipse", "rect", "text", "blur", "select")
TOOL_OBJECT_NAMES = {"arrow": "toolArrow", "ellipse": "toolEllipse", "rect": "toolRect",
                     "text": "toolText", "blur": "toolBlur", "select": "toolSelect"}
TOOL_KEYS = {"arrow": "A", "ellipse": "E", "rect": "R", "text": "T", "blur": "B",
             "select": "V"}
SWATCHES = (("swatchRed", "#d32f2f"), ("swatchYellow", "#fbc02d"),
            ("swatchBlue", "#1976d2"), ("swatchWhite", "#ffffff"))
ICON_INK = QColor(55, 62, 72)


def swatch_name(color: str) -> str:
    names = {"#d32f2f": tr("红色", "Red"), "#fbc02d": tr("黄色", "Yellow"),
             "#1976d2": tr("蓝色", "Blue"), "#ffffff": tr("白色", "White")}
    return names.get(color.lower(), color.lower())


# -- icons ---------------------------------------------------------------------------------

def _icon(kind: str, color: QColor | None = None) -> QIcon:
    """Small drawn icons, so the tools look the same everywhere (no icon theme needed)."""
    size = 32
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(ICON_INK, 2.6, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                   Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if kind == "arrow":
            shaft_end, head = anno.arrow_geometry(6, 26, 26, 6, 2.6)
            painter.drawLine(QPointF(6, 26), QPointF(*shaft_end))
            painter.setBrush(ICON_INK)
            painter.drawPolygon(QPolygonF([QPointF(x, y) for x, y in head]))
        elif kind == "ellipse":
            painter.drawEllipse(QRectF(4, 8, 24, 16))
        elif kind == "rect":
            painter.drawRect(QRectF(5, 8, 22, 16))
        elif kind == "text":
            font = QFont()
            font.setPixelSize(24)
            font.setBold(True)
            painter.setFont(font)
            painter.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, "A")
        elif kind == "blur":
            painter.setPen(Qt.PenStyle.NoPen)
            shades = (110, 160, 200, 140)
            for row in range(4):
                for column in range(4):
                    shade = shades[(row + column * 3) % 4]
                    painter.setBrush(QColor(shade, shade, shade))
                    painter.drawRect(QRectF(4 + column * 6, 4 + row * 6, 6, 6))
        elif kind == "select":
            cursor = QPolygonF([QPointF(9, 4), QPointF(9, 26), QPointF(14, 21), QPointF(18, 29),
                                QPointF(21, 27), QPointF(17, 20), QPointF(24, 20)])
            painter.setBrush(QColor(255, 255, 255))
            painter.drawPolygon(cursor)
        elif kind == "delete":
            painter.drawLine(QPointF(9, 9), QPointF(23, 23))
            painter.drawLine(QPointF(23, 9), QPointF(9, 23))
        elif kind in ("undo", "redo"):
            path = QPainterPath(QPointF(25, 24))
            path.cubicTo(QPointF(25, 10), QPointF(14, 8), QPointF(8, 14))
            painter.drawPath(path)
            painter.setBrush(ICON_INK)
            painter.drawPolygon(QPolygonF([QPointF(5, 7), QPointF(5, 17), QPointF(14, 15)]))
        elif kind == "swatch" and color is not None:
            painter.setPen(QPen(QColor(90, 96, 104), 1.5))
            painter.setBrush(color)
            painter.drawRoundedRect(QRectF(4, 4, 24, 24), 5, 5)
    finally:
        painter.end()
    if kind == "redo":
        pixmap = pixmap.transformed(QTransform().scale(-1, 1))
    return QIcon(pixmap)


class _Insert(QUndoCommand):
    def __init__(self, editor: AnnotationEditor, index: int, item: Item, text: str) -> None:
        super().__init__(text)
        self.editor, self.index, self.item = editor, index, dict(item)

    def redo(self) -> None:
        self.editor._insert(self.index, self.item)  # noqa: SLF001

    def undo(self) -> None:
        self.editor._remove(self.index)  # noqa: SLF001


class _Remove(QUndoCommand):
    def __init__(self, editor: AnnotationEditor, index: int, item: Item, text: str,
                 parent: QUndoCommand | None = None) -> None:
        super().__init__(text, parent)
        self.editor, self.index, self.item = editor, index, dict(item)

    def redo(self) -> None:
        self.editor._remove(self.index)  # noqa: SLF001

    def undo(self) -> None:
        self.editor._insert(self.index, self.item, select=True)  # noqa: SLF001


class _Change(QUndoCommand):
    def __init__(self, editor: AnnotationEditor, index: int, before: Item, after: Item,
                 text: str, parent: QUndoCommand | None = None) -> None:
        super().__init__(text, parent)
        self.editor, self.index = editor, index
        self.before, self.after = dict(before), dict(after)

    def redo(self) -> None:
        self.editor._replace(self.index, self.after)  # noqa: SLF001

    def undo(self) -> None:
        self.editor._replace(self.index, self.before)  # noqa: SLF001


# -- the dialog --------------------------------------------------------------------------------

class AnnotationEditor(QDialog):
    """Annotate an upright copy of a photo; ``saved`` carries the annotation JSON.

    Raises ``InspectorError`` if the image cannot be read and ``AnnotationError`` if
    ``annotations_json`` is not valid. Callers use ``open()``.
    """

    saved = Signal(str)

    def __init__(self, image_path: Path, annotations_json: str | None = None,
                 parent: QWidget | None = None, *, title: str | None = None) -> None:
        # Checked before the dialog exists, so a refusal leaves no half-made child behind.
        path = Path(image_path)
        image = QImage(str(path))
        if image.isNull():
            raise InspectorError(tr("无法读取图片 {p}。", "Cannot read the image {p}.", p=path))
        items = anno.parse(annotations_json)
        super().__init__(parent)
        self.setObjectName("annotationEditor")
        self.image_path = path
        # What the photo is called (its original file name), not the copy's SHA-256 name.
        self.title = title or path.name
        self.image = image.convertToFormat(QImage.Format.Format_RGB32)
        self._items: list[Item] = items
        self._initial = anno.dumps(self._items)
        self._color = anno.DEFAULT_COLOR
        self._tool = "arrow"
        self._graphics: list[AnnotationGraphic] = []
        self._text_target: QPointF | int | None = None  # new text here, or edit this index
        self.text_dialog: QInputDialog | None = None
        self.colour_dialog: QColorDialog | None = None

        self.undo_stack = QUndoStack(self)
        self.scene = QGraphicsScene(self)
        self.scene.addPixmap(QPixmap.fromImage(self.image)).setZValue(-1)
        self.scene.setSceneRect(QRectF(self.image.rect()))
        self.view = AnnotationCanvas(self)
        self.view.setObjectName("annotationCanvas")
        self.scene.selectionChanged.connect(self._selection_changed)

        self._make_actions()
        self.toolbar = self._make_toolbar()
        self.hint = QLabel()
        self.hint.setObjectName("annotationHint")
        self.hint.setWordWrap(True)
        self.save_button = QPushButton()
        self.save_button.setObjectName("saveButton")
        self.save_button.setAutoDefault(False)
        self.cancel_button = QPushButton()
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setAutoDefault(False)
        self.buttons = QDialogButtonBox()
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        middle = QHBoxLayout()
        middle.addWidget(self.toolbar)
        middle.addWidget(self.view, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.hint, 1)
        bottom.addWidget(self.buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(middle, 1)
        layout.addLayout(bottom)

        self._rebuild()
        self._show_colour()
        self.set_tool("arrow")
        self._update_actions()
        self.resize(self._initial_size())
        language.changed.connect(self.retranslate)
        self.retranslate()
        self.view.setFocus()

    # -- construction --

    def _make_actions(self) -> None:
        self.tool_group = QActionGroup(self)
        self.tool_group.setExclusive(True)
        self.tool_actions: dict[str, QAction] = {}
        for name in TOOLS:
            action = QAction(_icon(name), "", self)
            action.setCheckable(True)
            action.setShortcut(QKeySequence(TOOL_KEYS[name]))
            action.setData(name)
            self.tool_group.addAction(action)
            self.tool_actions[name] = action
        self.tool_group.triggered.connect(self._tool_triggered)

        self.undo_action = QAction(_icon("undo"), "", self)
        self.undo_action.setShortcuts([QKeySequence(QKeySequence.StandardKey.Undo)])
        self.undo_action.triggered.connect(self.undo_stack.undo)
        self.redo_action = QAction(_icon("redo"), "", self)
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Y"), QKeySequence("Ctrl+Shift+Z")])
        self.redo_action.triggered.connect(self.undo_stack.redo)
        self.delete_action = QAction(_icon("delete"), "", self)
        self.delete_action.setShortcuts([QKeySequence(Qt.Key.Key_Delete),
                                         QKeySequence(Qt.Key.Key_Backspace)])
        self.delete_action.triggered.connect(self.delete_selected)
        for action in (*self.tool_actions.values(), self.undo_action, self.redo_action,
                       self.delete_action):
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.addAction(action)
        self.undo_stack.canUndoChanged.connect(self._update_actions)
        self.undo_stack.canRedoChanged.connect(self._update_actions)

    def _tool_button(self, action: QAction, name: str) -> QToolButton:
        button = QToolButton()
        button.setDefaultAction(action)
        button.setObjectName(name)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setIconSize(QSize(20, 20))
        button.setAutoRaise(True)
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        return button

    def _make_toolbar(self) -> QWidget:
        """The palette on the left: tools, colour, then delete, undo and redo."""
        palette = QWidget()
        palette.setObjectName("annotationToolbar")
        column = QVBoxLayout(palette)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        self.tool_buttons: dict[str, QToolButton] = {}
        for name in TOOLS:
            button = self._tool_button(self.tool_actions[name], TOOL_OBJECT_NAMES[name])
            self.tool_buttons[name] = button
            column.addWidget(button)
        column.addSpacing(10)
        self.colour_button = QToolButton()
        self.colour_button.setObjectName("colourButton")
        self.colour_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.colour_button.setIconSize(QSize(20, 20))
        self.colour_button.setAutoRaise(True)
        self.colour_button.setSizePolicy(QSizePolicy.Policy.Expanding,
                                         QSizePolicy.Policy.Fixed)
        self.colour_button.clicked.connect(self.choose_colour)
        column.addWidget(self.colour_button)
        swatches = QGridLayout()
        swatches.setSpacing(0)
        self.swatch_buttons: dict[str, QToolButton] = {}
        for number, (object_name, color) in enumerate(SWATCHES):
            swatch = QToolButton()
            swatch.setObjectName(object_name)
            swatch.setIcon(_icon("swatch", QColor(color)))
            swatch.setIconSize(QSize(18, 18))
            swatch.setAutoRaise(True)
            swatch.setCheckable(True)
            swatch.setProperty("colour", color)
            swatch.clicked.connect(self._swatch_clicked)
            self.swatch_buttons[color] = swatch
            swatches.addWidget(swatch, 0, number)
        column.addLayout(swatches)
        column.addSpacing(10)
        self.delete_button = self._tool_button(self.delete_action, "deleteButton")
        self.undo_button = self._tool_button(self.undo_action, "undoButton")
        self.redo_button = self._tool_button(self.redo_action, "redoButton")
        for button in (self.delete_button, self.undo_button, self.redo_button):
            column.addWidget(button)
        column.addStretch(1)
        return palette

    def _initial_size(self) -> QSize:
        screen = self.screen().availableGeometry().size() if self.screen() else QSize(1280, 800)
        room = QSize(min(1200, int(screen.width() * 0.9)), min(820, int(screen.height() * 0.9)))
        chrome = QSize(self.toolbar.sizeHint().width() + 40, 70)
        picture = self.image.size().scaled(room - chrome, Qt.AspectRatioMode.KeepAspectRatio)
        return QSize(max(picture.width() + chrome.width(), 640),
                     max(picture.height() + chrome.height(), 420))

    # -- API -----------------------------------------------------------------------------

    def items(self) -> list[Item]:
        """Copies of the current annotations, in drawing order."""
        return anno.copy_items(self._items)

    def annotations_json(self) -> str:
        """The canonical annotation JSON (``inspector.domain.annotations.dumps``)."""
        return anno.dumps(self._items)

    def is_modified(self) -> bool:
        return self.annotations_json() != self._initial

    def add_item(self, item: Mapping[str, Any]) -> None:
        """Add an annotation (validated; defaults filled in) as one undoable step."""
        checked = anno.parse({"version": anno.VERSION, "items": [dict(item)]})[0]
        if len(self._items) >= anno.MAX_ITEMS:
            raise anno.AnnotationError(tr(
                "一张照片最多 {m} 个标注。", "A photo can have at most {m} annotations.",
                m=anno.MAX_ITEMS))
        self.undo_stack.push(_Insert(self, len(self._items), checked,
                                     tr("添加{k}", "Add {k}", k=self._kind_name(checked))))

    def tool(self) -> str:
        return self._tool

    def set_tool(self, name: str) -> None:
        if name not in TOOLS:
            raise ValueError(f"unknown tool {name!r}")
        self.view.cancel_drag()
        self._tool = name
        self.tool_actions[name].setChecked(True)
        drawing = name != "select"
        for graphic in self._graphics:
            graphic.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable, not drawing)
        if drawing:
            self.scene.clearSelection()
        self.view.viewport().setCursor(Qt.CursorShape.CrossCursor if drawing
                                       else Qt.CursorShape.ArrowCursor)
        self._update_hint()

    def colour(self) -> str:
        return self._color

    def set_colour(self, color: str | QColor) -> None:
        """The colour for new annotations; a selected annotation takes it too."""
        value = (color.name() if isinstance(color, QColor) else str(color)).lower()
        if not re.fullmatch(r"#[0-9a-f]{6}", value):
            raise ValueError(f"not a #rrggbb colour: {value!r}")
        self._color = value
        self._show_colour()
        changes = [(index, item) for index, item in self._selected()
                   if "color" in item and item["color"] != value]
        if changes:
            self.undo_stack.beginMacro(tr("改颜色", "Change colour"))
            for index, item in changes:
                self.undo_stack.push(_Change(self, index, item, {**item, "color": value},
                                             tr("改颜色", "Change colour")))
            self.undo_stack.endMacro()

    def _show_colour(self) -> None:
        self.colour_button.setIcon(_icon("swatch", QColor(self._color)))
        for color, swatch in self.swatch_buttons.items():
            swatch.setChecked(color == self._color)
        self._update_colour_texts()

    def selected_indexes(self) -> list[int]:
        return [index for index, _item in self._selected()]

    def select_item(self, index: int) -> None:
        self.scene.clearSelection()
        if 0 <= index < len(self._graphics):
            self._graphics[index].setSelected(True)

    def delete_selected(self) -> None:
        selected = self._selected()
        if not selected:
            return
        text = tr("删除标注", "Delete annotation")
        if len(selected) == 1:
            index, item = selected[0]
            self.undo_stack.push(_Remove(self, index, item, text))
            return
        self.undo_stack.beginMacro(text)
        for index, item in sorted(selected, key=lambda pair: pair[0], reverse=True):
            self.undo_stack.push(_Remove(self, index, item, text))
        self.undo_stack.endMacro()

    def save(self) -> None:
        self.saved.emit(self.annotations_json())
        self.accept()

    def reject(self) -> None:
        self.view.cancel_drag()
        super().reject()

    # -- drawing -------------------------------------------------------------------------

    def drawn_item(self, start: QPointF, end: QPointF) -> Item | None:
        """The annotation a drag from ``start`` to ``end`` (scene points) makes, or None."""
        width, height = float(self.image.width()), float(self.image.height())
        x1, y1 = start.x() / width, start.y() / height
        x2, y2 = end.x() / width, end.y() / height
        kind = self._tool
        if kind == "arrow":
            if abs(x2 - x1) * width < 1 and abs(y2 - y1) * height < 1:
                return None
            return {"type": "arrow", "x1": x1, "y1": y1, "x2": x2, "y2": y2,
                    "color": self._color, "width": anno.DEFAULT_WIDTH}
        if kind in ("ellipse", "rect", "blur"):
            left, top = min(x1, x2), min(y1, y2)
            w, h = abs(x2 - x1), abs(y2 - y1)
            if w * width < 1 or h * height < 1:
                return None
            item: Item = {"type": kind, "x": left, "y": top, "w": w, "h": h}
            if kind != "blur":
                item.update(color=self._color, width=anno.DEFAULT_WIDTH)
            return anno.parse({"version": 1, "items": [item]})[0]
        return None

    def ask_text(self, at: QPointF) -> QInputDialog:
        """Ask for a new text to place at ``at`` (a scene point); non-blocking."""
        self._text_target = at
        return self._open_text_dialog("")

    def edit_text(self, index: int) -> QInputDialog:
        self._text_target = index
        return self._open_text_dialog(str(self._items[index]["text"]))

    def _open_text_dialog(self, value: str) -> QInputDialog:
        if self.text_dialog is None:
            dialog = QInputDialog(self)
            dialog.setObjectName("annotationTextDialog")
            dialog.setInputMode(QInputDialog.InputMode.TextInput)
            dialog.textValueSelected.connect(self._text_entered)
            self.text_dialog = dialog
        dialog = self.text_dialog
        self._retranslate_text_dialog()
        dialog.setTextValue(value)
        editor = dialog.findChild(QLineEdit)
        if editor is not None:
            editor.setMaxLength(anno.MAX_TEXT)
        dialog.open()
        return dialog

    def _text_entered(self, text: str) -> None:
        target, self._text_target = self._text_target, None
        text = text.strip()
        if not text or target is None:
            return
        if isinstance(target, int):
            if 0 <= target < len(self._items) and self._items[target]["text"] != text:
                before = self._items[target]
                self.undo_stack.push(_Change(self, target, before, {**before, "text": text},
                                             tr("修改文字", "Edit text")))
            return
        self.add_item({"type": "text", "x": target.x() / self.image.width(),
                       "y": target.y() / self.image.height(), "text": text,
                       "color": self._color, "size": anno.DEFAULT_TEXT_SIZE})

    def choose_colour(self) -> QColorDialog:
        if self.colour_dialog is None:
            dialog = QColorDialog(self)
            dialog.setObjectName("annotationColourDialog")
            for number, (_name, color) in enumerate(SWATCHES):
                QColorDialog.setCustomColor(number, QColor(color))
            dialog.colorSelected.connect(self.set_colour)
            self.colour_dialog = dialog
        self.colour_dialog.setWindowTitle(tr("标注颜色", "Annotation colour"))
        self.colour_dialog.setCurrentColor(QColor(self._color))
        self.colour_dialog.open()
        return self.colour_dialog

    def _swatch_clicked(self) -> None:
        sender = self.sender()
        if isinstance(sender, QToolButton):
            self.set_colour(str(sender.property("colour")))

    def commit_moves(self) -> None:
        """Turn items dragged with the select tool into one undoable move."""
        width, height = float(self.image.width()), float(self.image.height())
        changes: list[tuple[int, Item, Item]] = []
        for graphic in self._graphics:
            offset = graphic.pos()
            if offset.isNull():
                continue
            before = self._items[graphic.index]
            after = anno.parse({"version": 1, "items": [
                moved(before, offset.x() / width, offset.y() / height)]})[0]
            if after != before:
                changes.append((graphic.index, before, after))
            else:
                graphic.setPos(0, 0)
        if not changes:
            return
        text = tr("移动标注", "Move annotation")
        self.undo_stack.beginMacro(text)
        for index, before, after in changes:
            self.undo_stack.push(_Change(self, index, before, after, text))
        self.undo_stack.endMacro()

    # -- model changes (only through undo commands) ----------------------------------------

    def _insert(self, index: int, item: Item, select: bool = False) -> None:
        self._items.insert(index, dict(item))
        self._rebuild([index] if select else [])

    def _remove(self, index: int) -> None:
        del self._items[index]
        self._rebuild([])

    def _replace(self, index: int, item: Item) -> None:
        self._items[index] = dict(item)
        self._rebuild([index] if self._tool == "select" else [])

    def _rebuild(self, selected: list[int] | None = None) -> None:
        keep = self.selected_indexes() if selected is None else selected
        self.scene.blockSignals(True)
        try:
            for graphic in self._graphics:
                self.scene.removeItem(graphic)
            self._graphics = []
            for index, item in enumerate(self._items):
                graphic = AnnotationGraphic(item, index, self.image)
                graphic.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable,
                                self._tool == "select")
                self.scene.addItem(graphic)
                self._graphics.append(graphic)
                graphic.setSelected(index in keep)
        finally:
            self.scene.blockSignals(False)
        self._selection_changed()

    def _selected(self) -> list[tuple[int, Item]]:
        return [(graphic.index, dict(self._items[graphic.index]))
                for graphic in self._graphics if graphic.isSelected()]

    def _selection_changed(self) -> None:
        self.delete_action.setEnabled(bool(self._selected()))

    def _update_actions(self) -> None:
        self.undo_action.setEnabled(self.undo_stack.canUndo())
        self.redo_action.setEnabled(self.undo_stack.canRedo())

    def _tool_triggered(self, action: QAction) -> None:
        self.set_tool(str(action.data()))

    # -- keys ----------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.view.is_dragging():
            self.view.cancel_drag()
            event.accept()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()  # Enter does not close the editor; Save does
            return
        super().keyPressEvent(event)

    # -- texts ---------------------------------------------------------------------------

    def _kind_name(self, item: Mapping[str, Any]) -> str:
        zh, en = anno.TYPE_NAMES[item["type"]]
        return tr(zh, en)

    def _tool_texts(self) -> dict[str, tuple[str, str]]:
        return {
            "arrow": (tr("箭头", "Arrow"),
                      tr("箭头：从起点拖到要指出的地方", "Arrow: drag from the start to the spot")),
            "ellipse": (tr("椭圆", "Ellipse"),
                        tr("椭圆：拖动圈出问题所在", "Ellipse: drag to circle the problem")),
            "rect": (tr("矩形", "Rectangle"),
                     tr("矩形：拖动画出方框", "Rectangle: drag to draw a box")),
            "text": (tr("文字", "Text"),
                     tr("文字：点击要写字的位置", "Text: click where the text goes")),
            "blur": (tr("打码", "Blur"),
                     tr("打码：拖过人脸或车牌，导出的图片中该处将被模糊",
                        "Blur: drag over faces or number plates; exported copies hide them")),
            "select": (tr("选择", "Select"),
                       tr("选择：点击选中，拖动移动，双击修改文字，Delete 删除",
                          "Select: click to select, drag to move, double-click to edit text, "
                          "Delete removes")),
        }

    def _update_hint(self) -> None:
        hint = self._tool_texts()[self._tool][1]
        self.hint.setText(hint + tr("。原始照片不会被修改。",
                                    ". The original photo is never changed."))

    def _update_colour_texts(self) -> None:
        self.colour_button.setText(tr("颜色", "Colour"))
        self.colour_button.setToolTip(tr("选择颜色（当前：{c}）", "Choose a colour (now: {c})",
                                         c=swatch_name(self._color)))

    def _retranslate_text_dialog(self) -> None:
        if self.text_dialog is None:
            return
        self.text_dialog.setWindowTitle(tr("标注文字", "Annotation text"))
        self.text_dialog.setLabelText(tr("文字（最多 {m} 字）：",
                                         "Text (at most {m} characters):",
                                         m=anno.MAX_TEXT))
        self.text_dialog.setOkButtonText(tr("确定", "OK"))
        self.text_dialog.setCancelButtonText(tr("取消", "Cancel"))

    def retranslate(self) -> None:
        self.setWindowTitle(tr("标注照片 — {n}", "Annotate photo — {n}", n=self.title))
        for name, (label, tip) in self._tool_texts().items():
            action = self.tool_actions[name]
            action.setText(label)
            action.setToolTip(f"{tip} ({TOOL_KEYS[name]})")
        self.undo_action.setText(tr("撤销", "Undo"))
        self.undo_action.setToolTip(tr("撤销 (Ctrl+Z)", "Undo (Ctrl+Z)"))
        self.redo_action.setText(tr("重做", "Redo"))
        self.redo_action.setToolTip(tr("重做 (Ctrl+Y)", "Redo (Ctrl+Y)"))
        self.delete_action.setText(tr("删除", "Delete"))
        self.delete_action.setToolTip(tr("删除选中的标注 (Delete)",
                                         "Delete the selected annotation (Delete)"))
        for color, swatch in self.swatch_buttons.items():
            swatch.setToolTip(swatch_name(color))
            swatch.setAccessibleName(swatch_name(color))
        self._update_colour_texts()
        self.view.setAccessibleName(tr("照片标注区", "Photo annotation area"))
        self.save_button.setText(tr("保存", "Save"))
        self.cancel_button.setText(tr("取消", "Cancel"))
        self._update_hint()
        self._retranslate_text_dialog()
