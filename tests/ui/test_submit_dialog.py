"""The submit dialog: what is missing, drawn signatures, submission locks the inspection."""

from __future__ import annotations

import io
import math
import re

import pytest
from PIL import Image
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
)
from pytestqt.qtbot import QtBot

from inspector.core.store import Store
from inspector.domain import audit, inspections, signatures
from tests.conftest import given_for
from ui import errors
from ui.i18n import language
from ui.signature_pad import SignaturePad
from ui.submit_dialog import SubmitDialog

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def _draft(store: Store) -> str:
    rows = store.query("SELECT id FROM inspections WHERE status='draft' ORDER BY short_id")
    assert rows, "the demo data has a draft inspection"
    return str(rows[0]["id"])


def _answer_everything(store: Store, inspection_id: str) -> None:
    view = inspections.view(store, inspection_id)
    for state in view.items:
        inspections.answer(store, inspection_id, state.item.code, given_for(state.item))
    assert not inspections.view(store, inspection_id).score.unanswered


def _wave(x0: float = 30.0, y0: float = 70.0) -> list[QPointF]:
    return [QPointF(x0 + i * 3.0, y0 + 20.0 * math.sin(i / 4.0)) for i in range(60)]


def _send_mouse(pad: SignaturePad, kind: QEvent.Type, point: QPointF,
                button: Qt.MouseButton, buttons: Qt.MouseButton) -> None:
    global_point = QPointF(pad.mapToGlobal(point.toPoint()))
    event = QMouseEvent(kind, point, global_point, button, buttons,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(pad, event)


def _draw_with_mouse(pad: SignaturePad) -> None:
    """A stroke from real mouse events: press, several moves with the button held, release."""
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    points = [QPointF(40 + i * 12.0, 60 + (i % 2) * 40.0) for i in range(20)]
    _send_mouse(pad, QEvent.Type.MouseButtonPress, points[0], left, left)
    for point in points[1:]:
        _send_mouse(pad, QEvent.Type.MouseMove, point, none, left)
    _send_mouse(pad, QEvent.Type.MouseButtonRelease, points[-1], left, none)


def _dialog(qtbot: QtBot, store: Store, inspection_id: str) -> SubmitDialog:
    dialog = SubmitDialog(store, inspection_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _pad(dialog: SubmitDialog, name: str) -> SignaturePad:
    pad = dialog.findChild(SignaturePad, name)
    assert pad is not None, name
    return pad


def _button(dialog: SubmitDialog, name: str) -> QPushButton:
    button = dialog.findChild(QPushButton, name)
    assert button is not None, name
    return button


def _edit(dialog: SubmitDialog, name: str) -> QLineEdit:
    edit = dialog.findChild(QLineEdit, name)
    assert edit is not None, name
    return edit


def _missing_lines(dialog: SubmitDialog) -> list[str]:
    widget = dialog.findChild(QListWidget, "missingList")
    assert widget is not None
    return [widget.item(i).text() for i in range(widget.count())]


def _dark_pixels(png: bytes) -> int:
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        return sum(image.convert("L").histogram()[:100])


def _grey(image: Image.Image, x: int, y: int) -> int:
    value = image.getpixel((x, y))
    assert isinstance(value, int)
    return value


@pytest.fixture(autouse=True)
def _chinese() -> None:
    language.set("zh")


def test_submit_with_both_signatures_locks_and_stores_them(
        qtbot: QtBot, demo_store: Store) -> None:
    inspection_id = _draft(demo_store)
    _answer_everything(demo_store, inspection_id)
    dialog = _dialog(qtbot, demo_store, inspection_id)
    inspector_pad = _pad(dialog, "inspectorPad")
    representative_pad = _pad(dialog, "representativePad")
    submit = _button(dialog, "submitButton")

    assert submit.isEnabled()  # the inspectors' names come from the inspection
    _draw_with_mouse(inspector_pad)
    assert not inspector_pad.is_empty()
    inspector_pad.add_stroke(_wave())
    representative_pad.add_stroke(_wave(50.0, 80.0))
    _edit(dialog, "inspectorNames").setText("赵敏， 王建国,陈晓燕")
    _edit(dialog, "representativeName").setText("刘芳")
    assert submit.isEnabled(), dialog.blockers()

    with qtbot.waitSignal(dialog.submitted, timeout=2000) as submitted:
        qtbot.mouseClick(submit, Qt.MouseButton.LeftButton)
    assert submitted.args == [inspection_id]
    assert dialog.result() == SubmitDialog.DialogCode.Accepted
    assert errors.shown_messages == []

    row = inspections.get(demo_store, inspection_id)
    assert row["status"] == inspections.SUBMITTED
    assert inspections.signers_of(row) == ["赵敏", "王建国", "陈晓燕"]
    assert row["representative"] == "刘芳"
    for field in ("inspector_signature", "representative_signature"):
        digest = row[field]
        assert digest and re.fullmatch(r"[0-9a-f]{64}", digest)
        path = demo_store.data_dir / "signatures" / f"{digest}.png"
        assert path.exists()
        assert path == signatures.path_of(demo_store, digest)
        assert _dark_pixels(path.read_bytes()) > 50
    assert row["inspector_signature"] != row["representative_signature"]

    latest = {e.field: e.new_value for e in audit.entries(
        demo_store, table="inspections", row_id=inspection_id)}
    assert latest["inspector_signature"] == row["inspector_signature"]
    assert latest["representative_signature"] == row["representative_signature"]
    assert latest["representative"] == "刘芳"
    assert latest["status"] == inspections.SUBMITTED


def test_unanswered_items_block_and_are_listed(qtbot: QtBot, demo_store: Store) -> None:
    inspection_id = _draft(demo_store)
    _answer_everything(demo_store, inspection_id)
    for code in ("C02", "H01"):
        inspections.clear_answer(demo_store, inspection_id, code)
    dialog = _dialog(qtbot, demo_store, inspection_id)
    _pad(dialog, "inspectorPad").add_stroke(_wave())
    _pad(dialog, "representativePad").add_stroke(_wave())
    _edit(dialog, "representativeName").setText("刘芳")
    assert _edit(dialog, "inspectorNames").text()  # prefilled with the inspection's team

    assert not _button(dialog, "submitButton").isEnabled()
    lines = _missing_lines(dialog)
    assert [line.split()[0] for line in lines] == ["C02", "H01"]
    summary = dialog.findChild(QLabel, "missingSummary")
    assert summary is not None and "2" in summary.text()

    inspections.answer(demo_store, inspection_id, "C02", "pass")
    inspections.answer(demo_store, inspection_id, "H01", inspections.Given(choice="自治"))
    dialog.refresh()
    assert _button(dialog, "submitButton").isEnabled()
    assert _missing_lines(dialog) == ["✓ 全部检查项已填写"]


def test_failed_item_without_photo_warns_but_does_not_block(
        qtbot: QtBot, demo_store: Store) -> None:
    inspection_id = _draft(demo_store)
    _answer_everything(demo_store, inspection_id)
    view = inspections.view(demo_store, inspection_id)
    code = next(s.item.code for s in view.items
                if s.item.photo_on_fail == "required" and s.item.answer_type != "number")
    inspections.answer(demo_store, inspection_id, code, "fail")
    dialog = _dialog(qtbot, demo_store, inspection_id)
    _pad(dialog, "inspectorPad").add_stroke(_wave())
    _pad(dialog, "representativePad").add_stroke(_wave())
    _edit(dialog, "representativeName").setText("刘芳")

    lines = _missing_lines(dialog)
    assert lines[0] == "✓ 全部检查项已填写"
    assert any(line.startswith(code) and "照片" in line for line in lines[1:])
    assert _button(dialog, "submitButton").isEnabled()


def test_pads_are_optional_a_drawing_needs_a_name_and_clear_empties_a_pad(
        qtbot: QtBot, demo_store: Store) -> None:
    inspection_id = _draft(demo_store)
    _answer_everything(demo_store, inspection_id)
    dialog = _dialog(qtbot, demo_store, inspection_id)
    submit = _button(dialog, "submitButton")
    inspector_pad = _pad(dialog, "inspectorPad")
    representative_pad = _pad(dialog, "representativePad")

    # The rule is the domain's (inspections.submission_problems): names sign; drawings are
    # optional, but a representative who drew must be named.
    assert inspector_pad.is_empty() and representative_pad.is_empty()
    assert submit.isEnabled(), dialog.blockers()
    _draw_with_mouse(representative_pad)
    assert not submit.isEnabled()
    assert any("姓名" in reason for reason in dialog.blockers())
    _edit(dialog, "representativeName").setText("刘芳")
    assert submit.isEnabled()

    with qtbot.waitSignal(representative_pad.changed, timeout=1000):
        qtbot.mouseClick(_button(dialog, "representativeClear"), Qt.MouseButton.LeftButton)
    assert representative_pad.is_empty()
    inspector_pad.add_stroke(_wave())
    assert not inspector_pad.is_empty()

    # The Delete key clears the focused pad.
    inspector_pad.setFocus()
    QTest.keyClick(inspector_pad, Qt.Key.Key_Delete)
    assert inspector_pad.is_empty()

    # The inspectors' names are needed, with or without drawings.
    inspector_pad.add_stroke(_wave())
    representative_pad.add_stroke(_wave())
    assert submit.isEnabled()
    _edit(dialog, "representativeName").setText("  ")
    assert not submit.isEnabled()
    _edit(dialog, "representativeName").setText("刘芳")
    _edit(dialog, "inspectorNames").setText(" 、 ,")
    assert not submit.isEnabled()


def test_pad_png_is_the_ink_on_white(qtbot: QtBot) -> None:
    pad = SignaturePad()
    qtbot.addWidget(pad)
    blank = pad.to_png()
    assert _dark_pixels(blank) == 0
    pad.add_stroke([QPointF(20, 20), QPointF(200, 100)])
    pad.add_stroke([QPointF(300, 40)])  # a dot
    with Image.open(io.BytesIO(pad.to_png())) as image:
        assert image.size[0] >= 360 and image.size[1] >= 140
        grey = image.convert("L")
        assert _grey(grey, 110, 60) < 100  # on the line
        assert _grey(grey, 300, 40) < 160  # the dot
        assert _grey(grey, 5, 130) == 255  # no frame, baseline or placeholder
        assert _grey(grey, 200, 30) == 255  # nor the placeholder text


def test_refused_submission_keeps_the_dialog_open(qtbot: QtBot, demo_store: Store) -> None:
    inspection_id = _draft(demo_store)
    _answer_everything(demo_store, inspection_id)
    dialog = _dialog(qtbot, demo_store, inspection_id)
    _pad(dialog, "inspectorPad").add_stroke(_wave())
    _pad(dialog, "representativePad").add_stroke(_wave())
    _edit(dialog, "representativeName").setText("刘芳")
    submit = _button(dialog, "submitButton")
    assert submit.isEnabled()

    # Someone takes an answer back after the dialog opened: the domain refuses.
    inspections.clear_answer(demo_store, inspection_id, "A01")
    emitted: list[str] = []
    dialog.submitted.connect(emitted.append)
    qtbot.mouseClick(submit, Qt.MouseButton.LeftButton)

    assert emitted == []
    assert dialog.isVisible()
    assert len(errors.shown_messages) == 1 and "A01" in errors.shown_messages[0]
    assert inspections.get(demo_store, inspection_id)["status"] == inspections.DRAFT
    assert not submit.isEnabled()
    assert _missing_lines(dialog)[0].startswith("A01")


def _visible_texts(dialog: SubmitDialog) -> list[str]:
    texts = [dialog.windowTitle()]
    for label in dialog.findChildren(QLabel):
        if label.isVisibleTo(dialog):
            texts.append(label.text())
    for button in dialog.findChildren(QAbstractButton):
        if button.isVisibleTo(dialog):
            texts.append(button.text())
    for box in dialog.findChildren(QGroupBox):
        texts.append(box.title())
    for edit in dialog.findChildren(QLineEdit):
        texts.append(edit.placeholderText())
    for pad in dialog.findChildren(SignaturePad):
        texts.extend([pad.placeholder_text(), pad.accessibleName(), pad.toolTip()])
    texts.extend(_missing_lines(dialog))
    return texts


def test_switching_language_retranslates_everything(qtbot: QtBot, demo_store: Store) -> None:
    inspection_id = _draft(demo_store)
    inspections.clear_answer(demo_store, inspection_id, "C02")
    view = inspections.view(demo_store, inspection_id)
    data = [str(view.community.get(key) or "") for key in ("name", "district", "street")]
    data += inspections.inspectors_of(view.row)
    dialog = _dialog(qtbot, demo_store, inspection_id)
    submit = _button(dialog, "submitButton")
    assert dialog.windowTitle() == "提交检查"
    assert submit.text() == "提交并锁定"
    try:
        language.set("en")
        assert dialog.windowTitle() == "Submit inspection"
        assert submit.text() == "Submit and lock"
        assert _button(dialog, "inspectorClear").text() == "Clear"
        assert any("not answered" in line for line in _missing_lines(dialog))
        for text in _visible_texts(dialog):
            for datum in data:
                if datum:
                    text = text.replace(datum, "")
            assert not CJK.search(text), text
        language.set("zh")
        assert dialog.windowTitle() == "提交检查"
        assert submit.text() == "提交并锁定"
        assert "未填写" in _missing_lines(dialog)[0]
    finally:
        language.set("zh")


def test_a_closed_dialog_does_not_break_language_switch(qtbot: QtBot, demo_store: Store) -> None:
    dialog = SubmitDialog(demo_store, _draft(demo_store))
    dialog.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    del dialog
    try:
        language.set("en")
    finally:
        language.set("zh")


def test_mouse_point_is_in_widget_coordinates(qtbot: QtBot) -> None:
    pad = SignaturePad()
    qtbot.addWidget(pad)
    pad.show()
    qtbot.waitExposed(pad)
    QTest.mousePress(pad, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(50, 60))
    QTest.mouseRelease(pad, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       QPoint(50, 60))
    assert pad.strokes() == [[QPointF(50, 60)]]
