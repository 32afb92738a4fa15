"""The annotation editor: drawing with the mouse, undo, delete, colours, text, save, languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image, ImageOps
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialog,
    QLineEdit,
    QPushButton,
)
from pytestqt.qtbot import QtBot

from inspector.core.errors import InspectorError
from inspector.domain import annotations as anno
from inspector.domain.annotations import AnnotationError
from tests.photo_helpers import real
from tests.ui.conftest import type_text
from ui.annotation_editor import AnnotationEditor, AnnotationGraphic
from ui.i18n import language

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
LEFT, NO_BUTTON = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
TOOL_BUTTONS = ("toolArrow", "toolEllipse", "toolRect", "toolText", "toolBlur", "toolSelect",
                "colourButton", "undoButton", "redoButton")


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    """The report-size derived copy the caller passes: upright, JPEG, in a temp folder."""
    target = tmp_path / "derived.jpg"
    with Image.open(real("gps_DSCN0010.jpg")) as original:  # a camera file in the checkout
        upright = ImageOps.exif_transpose(original)
        upright.thumbnail((1600, 1600))
        upright.save(target, quality=90)
    return target


def make_editor(qtbot: QtBot, path: Path, data: str | None = None) -> AnnotationEditor:
    editor = AnnotationEditor(path, data)
    qtbot.addWidget(editor)
    editor.show()
    editor.activateWindow()
    # Keyboard shortcuts go to the active window.
    qtbot.waitUntil(lambda: QApplication.activeWindow() is editor, timeout=5000)
    return editor


def at(editor: AnnotationEditor, fx: float, fy: float) -> QPoint:
    """The viewport point showing the fraction (fx, fy) of the photo."""
    return editor.view.mapFromScene(QPointF(fx * editor.image.width(),
                                            fy * editor.image.height()))


def send_move(editor: AnnotationEditor, point: QPoint) -> None:
    """A mouse move with the left button held (QTest.mouseMove carries no buttons)."""
    viewport = editor.view.viewport()
    event = QMouseEvent(QEvent.Type.MouseMove, QPointF(point),
                        QPointF(viewport.mapToGlobal(point)), NO_BUTTON, LEFT,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(viewport, event)


def drag(editor: AnnotationEditor, start: tuple[float, float], end: tuple[float, float]) -> None:
    viewport = editor.view.viewport()
    first, last = at(editor, *start), at(editor, *end)
    QTest.mousePress(viewport, LEFT, Qt.KeyboardModifier.NoModifier, first)
    for step in range(1, 6):
        send_move(editor, first + (last - first) * step / 5)
    QTest.mouseRelease(viewport, LEFT, Qt.KeyboardModifier.NoModifier, last)


def click(editor: AnnotationEditor, fx: float, fy: float) -> None:
    QTest.mouseClick(editor.view.viewport(), LEFT, Qt.KeyboardModifier.NoModifier,
                     at(editor, fx, fy))


def button(editor: AnnotationEditor, name: str) -> QAbstractButton:
    found = editor.findChild(QAbstractButton, name)
    assert found is not None, name
    return found


def close_to(value: float, expected: float) -> bool:
    return abs(value - expected) < 0.01


# -- drawing ---------------------------------------------------------------------------------

def test_an_arrow_and_a_blur_are_drawn_with_the_mouse(qtbot: QtBot, photo: Path) -> None:
    editor = make_editor(qtbot, photo)
    assert editor.tool() == "arrow"  # the first tool is ready
    drag(editor, (0.2, 0.3), (0.6, 0.5))
    [arrow] = editor.items()
    assert arrow["type"] == "arrow" and arrow["color"] == anno.DEFAULT_COLOR
    assert close_to(arrow["x1"], 0.2) and close_to(arrow["y1"], 0.3)
    assert close_to(arrow["x2"], 0.6) and close_to(arrow["y2"], 0.5)

    qtbot.mouseClick(button(editor, "toolBlur"), LEFT)
    assert editor.tool() == "blur"
    drag(editor, (0.75, 0.35), (0.55, 0.1))  # dragged up and left: still a proper box
    blur = editor.items()[1]
    assert blur["type"] == "blur" and "color" not in blur
    assert close_to(blur["x"], 0.55) and close_to(blur["y"], 0.1)
    assert close_to(blur["w"], 0.2) and close_to(blur["h"], 0.25)

    drag(editor, (0.3, 0.8), (0.3, 0.8))  # a click is not a shape
    drag(editor, (-0.2, -0.2), (0.1, 0.1))  # a drag from outside the photo is clamped
    assert len(editor.items()) == 3
    clamped = editor.items()[2]
    assert clamped["x"] >= 0 and clamped["y"] >= 0

    graphics = [g for g in editor.scene.items() if isinstance(g, AnnotationGraphic)]
    assert len(graphics) == 3  # and no preview left behind


def test_ellipse_and_rectangle_tools_by_key(qtbot: QtBot, photo: Path) -> None:
    editor = make_editor(qtbot, photo)
    qtbot.keyClick(editor, Qt.Key.Key_E)
    assert editor.tool() == "ellipse"
    drag(editor, (0.1, 0.1), (0.3, 0.2))
    qtbot.keyClick(editor, Qt.Key.Key_R)
    assert editor.tool() == "rect"
    drag(editor, (0.4, 0.4), (0.9, 0.9))
    assert [item["type"] for item in editor.items()] == ["ellipse", "rect"]
    assert close_to(editor.items()[1]["w"], 0.5)


def test_undo_removes_the_last_and_redo_restores_it(qtbot: QtBot, photo: Path) -> None:
    editor = make_editor(qtbot, photo)
    undo, redo = button(editor, "undoButton"), button(editor, "redoButton")
    assert not undo.isEnabled() and not redo.isEnabled()
    drag(editor, (0.2, 0.3), (0.6, 0.5))
    editor.set_tool("blur")
    drag(editor, (0.5, 0.1), (0.7, 0.3))
    both = editor.items()
    assert undo.isEnabled()

    qtbot.mouseClick(undo, LEFT)
    assert editor.items() == both[:1]
    qtbot.keyClick(editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert editor.items() == []
    assert not undo.isEnabled() and redo.isEnabled()
    qtbot.keyClick(editor, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert editor.items() == both[:1]
    qtbot.mouseClick(redo, LEFT)
    assert editor.items() == both
    assert not redo.isEnabled()


def test_delete_removes_the_selected_item(qtbot: QtBot, photo: Path) -> None:
    editor = make_editor(qtbot, photo)
    rect = {"type": "rect", "x": 0.1, "y": 0.1, "w": 0.3, "h": 0.3, "color": "#1976d2"}
    editor.add_item(rect)
    editor.add_item({"type": "arrow", "x1": 0.6, "y1": 0.6, "x2": 0.9, "y2": 0.9})
    assert not button(editor, "deleteButton").isEnabled()

    qtbot.mouseClick(button(editor, "toolSelect"), LEFT)
    click(editor, 0.25, 0.25)
    assert editor.selected_indexes() == [0]
    assert button(editor, "deleteButton").isEnabled()
    qtbot.keyClick(editor.view, Qt.Key.Key_Delete)
    assert [item["type"] for item in editor.items()] == ["arrow"]

    qtbot.keyClick(editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert editor.items()[0] == anno.parse({"version": 1, "items": [rect]})[0]
    assert len(editor.items()) == 2

    click(editor, 0.75, 0.75)  # on the arrow's line
    assert editor.selected_indexes() == [1]
    qtbot.mouseClick(button(editor, "deleteButton"), LEFT)
    assert [item["type"] for item in editor.items()] == ["rect"]

    click(editor, 0.8, 0.2)  # nothing there: nothing selected, Delete does nothing
    qtbot.keyClick(editor.view, Qt.Key.Key_Delete)
    assert len(editor.items()) == 1


def test_the_select_tool_moves_an_item(qtbot: QtBot, photo: Path) -> None:
    editor = make_editor(qtbot, photo)
    editor.add_item({"type": "ellipse", "x": 0.2, "y": 0.2, "w": 0.2, "h": 0.2})
    before = editor.items()[0]
    editor.set_tool("select")
    drag(editor, (0.3, 0.3), (0.4, 0.35))
    after = editor.items()[0]
    assert close_to(after["x"], 0.3) and close_to(after["y"], 0.25)
    assert (after["w"], after["h"]) == (before["w"], before["h"])
    drag(editor, (0.4, 0.35), (1.2, 0.35))  # pushed against the edge: stays inside
    assert close_to(editor.items()[0]["x"] + editor.items()[0]["w"], 1.0)
    editor.undo_stack.undo()
    editor.undo_stack.undo()
    assert editor.items()[0] == before


def test_the_text_tool_asks_for_the_text(qtbot: QtBot, photo: Path) -> None:
    editor = make_editor(qtbot, photo)
    qtbot.mouseClick(button(editor, "toolText"), LEFT)
    click(editor, 0.3, 0.4)
    dialog = editor.text_dialog
    assert dialog is not None and dialog.isVisible()
    line = dialog.findChild(QLineEdit)
    assert line is not None and line.maxLength() == anno.MAX_TEXT
    type_text(line, "消防通道堵塞")
    dialog.accept()
    [text] = editor.items()
    assert text["type"] == "text" and text["text"] == "消防通道堵塞"
    assert close_to(text["x"], 0.3) and close_to(text["y"], 0.4)

    # Double-click with the select tool edits it, undoably.
    editor.set_tool("select")
    bounds = [g for g in editor.scene.items() if isinstance(g, AnnotationGraphic)][0]
    centre = editor.view.mapFromScene(bounds.sceneBoundingRect().center())
    QTest.mouseDClick(editor.view.viewport(), LEFT, Qt.KeyboardModifier.NoModifier, centre)
    assert dialog.isVisible() and dialog.textValue() == "消防通道堵塞"
    dialog.setTextValue("已清理")
    dialog.accept()
    assert editor.items()[0]["text"] == "已清理"
    editor.undo_stack.undo()
    assert editor.items()[0]["text"] == "消防通道堵塞"

    # Cancelled or empty: nothing is added.
    editor.set_tool("text")
    click(editor, 0.5, 0.5)
    dialog.reject()
    click(editor, 0.6, 0.6)
    dialog.setTextValue("   ")
    dialog.accept()
    assert len(editor.items()) == 1


def test_colours_from_swatches_and_the_colour_dialog(qtbot: QtBot, photo: Path) -> None:
    editor = make_editor(qtbot, photo)
    qtbot.mouseClick(button(editor, "swatchBlue"), LEFT)
    assert editor.colour() == "#1976d2"
    assert button(editor, "swatchBlue").isChecked()
    assert not button(editor, "swatchRed").isChecked()
    editor.set_tool("rect")
    drag(editor, (0.1, 0.1), (0.4, 0.4))
    assert editor.items()[0]["color"] == "#1976d2"

    # A selected item takes the new colour, as one undoable step.
    editor.set_tool("select")
    editor.select_item(0)
    qtbot.mouseClick(button(editor, "swatchYellow"), LEFT)
    assert editor.items()[0]["color"] == "#fbc02d"
    editor.undo_stack.undo()
    assert editor.items()[0]["color"] == "#1976d2"

    qtbot.mouseClick(button(editor, "colourButton"), LEFT)
    chooser = editor.colour_dialog
    assert chooser is not None and chooser.isVisible()
    chooser.setCurrentColor(QColor("#00aa55"))
    chooser.accept()
    assert editor.colour() == "#00aa55"
    assert not any(swatch.isChecked() for swatch in editor.swatch_buttons.values())


# -- loading and saving ------------------------------------------------------------------------

def test_save_emits_json_the_domain_accepts(qtbot: QtBot, photo: Path) -> None:
    editor = make_editor(qtbot, photo)
    drag(editor, (0.2, 0.3), (0.6, 0.5))
    editor.set_tool("blur")
    drag(editor, (0.5, 0.1), (0.7, 0.3))
    editor.set_tool("ellipse")
    drag(editor, (0.9, 0.9), (0.99, 0.999))
    editor.add_item({"type": "text", "x": 0.05, "y": 0.9, "text": "门口堆物"})
    assert editor.is_modified()

    save = editor.findChild(QPushButton, "saveButton")
    assert save is not None
    with qtbot.waitSignal(editor.saved, timeout=1000) as signal:
        qtbot.mouseClick(save, LEFT)
    text = signal.args[0]
    assert text == editor.annotations_json()
    items = anno.parse(text)
    assert [item["type"] for item in items] == ["arrow", "blur", "ellipse", "text"]
    for item in items:
        for key, value in item.items():
            if key in ("x", "y", "w", "h", "x1", "y1", "x2", "y2"):
                assert 0.0 <= value <= 1.0, (item, key)
        if "w" in item:
            assert item["x"] + item["w"] <= 1.0 and item["y"] + item["h"] <= 1.0
    assert editor.result() == QDialog.DialogCode.Accepted
    assert not editor.isVisible()


def test_cancel_discards(qtbot: QtBot, photo: Path) -> None:
    editor = make_editor(qtbot, photo)
    drag(editor, (0.2, 0.3), (0.6, 0.5))
    emitted: list[str] = []
    editor.saved.connect(emitted.append)
    qtbot.mouseClick(button(editor, "cancelButton"), LEFT)
    assert emitted == []
    assert editor.result() == QDialog.DialogCode.Rejected


def test_existing_annotations_are_shown_and_kept(qtbot: QtBot, photo: Path) -> None:
    data = anno.dumps(anno.parse({"version": 1, "items": [
        {"type": "blur", "x": 0.6, "y": 0.3, "w": 0.2, "h": 0.15},
        {"type": "text", "x": 0.1, "y": 0.1, "text": "旧标注", "color": "#ffffff"},
    ]}))
    editor = make_editor(qtbot, photo, data)
    assert editor.annotations_json() == data
    assert not editor.is_modified()
    graphics = [g for g in editor.scene.items() if isinstance(g, AnnotationGraphic)]
    assert sorted(g.index for g in graphics) == [0, 1]
    editor.undo_stack.undo()  # nothing to undo: the loaded state stays
    assert editor.annotations_json() == data


def test_bad_input_is_refused_clearly(qtbot: QtBot, photo: Path, tmp_path: Path) -> None:
    with pytest.raises(AnnotationError, match="items\\[0\\]"):
        AnnotationEditor(photo, '{"version": 1, "items": [{"type": "star"}]}')
    not_an_image = tmp_path / "broken.jpg"
    not_an_image.write_bytes(b"not a jpeg")
    with pytest.raises(InspectorError, match="broken.jpg"):
        AnnotationEditor(not_an_image, None)
    editor = make_editor(qtbot, photo)
    with pytest.raises(AnnotationError, match="color"):
        editor.add_item({"type": "rect", "x": 0, "y": 0, "w": 0.5, "h": 0.5, "color": "red"})
    assert editor.items() == []


# -- languages and looks -----------------------------------------------------------------------

def visible_texts(editor: AnnotationEditor) -> list[str]:
    texts = [editor.windowTitle().split(" — ")[0], editor.hint.text()]
    for name in TOOL_BUTTONS:
        widget = button(editor, name)
        texts += [widget.text(), widget.toolTip()]
    for name in ("saveButton", "cancelButton", "deleteButton"):
        texts.append(button(editor, name).text())
    texts += [swatch.toolTip() for swatch in editor.swatch_buttons.values()]
    return texts


def test_switching_the_language_retranslates(qtbot: QtBot, photo: Path) -> None:
    editor = make_editor(qtbot, photo)
    assert all(CJK.search(text) for text in visible_texts(editor)), visible_texts(editor)
    try:
        language.set("en")
        english = visible_texts(editor)
        assert not [text for text in english if CJK.search(text)], english
        assert button(editor, "toolArrow").text() == "Arrow"
        assert "(A)" in button(editor, "toolArrow").toolTip()
        assert button(editor, "saveButton").text() == "Save"
        assert "Ctrl+Z" in button(editor, "undoButton").toolTip()
        assert editor.windowTitle().startswith("Annotate photo")
        editor.set_tool("blur")
        assert "number plates" in editor.hint.text()
    finally:
        language.set("zh")
    assert button(editor, "toolArrow").text() == "箭头"
    assert "车牌" in editor.hint.text()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_editor_renders_the_annotations(qtbot: QtBot, photo: Path, tmp_path: Path,
                                            lang: str) -> None:
    data = anno.dumps(anno.parse({"version": 1, "items": [
        {"type": "blur", "x": 0.6, "y": 0.3, "w": 0.2, "h": 0.15},
        {"type": "arrow", "x1": 0.1, "y1": 0.1, "x2": 0.45, "y2": 0.4, "width": 0.01},
        {"type": "ellipse", "x": 0.5, "y": 0.5, "w": 0.3, "h": 0.2, "color": "#fbc02d"},
        {"type": "rect", "x": 0.05, "y": 0.6, "w": 0.3, "h": 0.3, "color": "#1976d2"},
        {"type": "text", "x": 0.05, "y": 0.45, "text": "西侧垃圾堆放", "color": "#ffffff"},
    ]}))
    try:
        language.set(lang)
        editor = make_editor(qtbot, photo, data)
        editor.resize(900, 640)
        QApplication.processEvents()
        target = tmp_path / f"annotation-editor-{lang}.png"
        assert editor.grab().save(str(target))
        assert target.stat().st_size > 10_000
        view = editor.view.viewport().grab().toImage()
        middle = at(editor, 0.275, 0.25)  # the middle of the arrow
        colour = view.pixelColor(middle)
        assert colour.red() > 150 and colour.green() < 110, colour.name()
    finally:
        language.set("zh")
