"""A whole inspection from the keyboard: pick, start, answer everything, two findings, sign."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QPushButton
from pytestqt.qtbot import QtBot

from inspector.core.store import Store
from inspector.domain import audit, findings, inspections, overview
from tests.ui.conftest import type_text
from tests.ui.test_workbench import make_window
from ui.finding_dialog import FindingDialog
from ui.new_inspection_dialog import NewInspectionDialog
from ui.signature_pad import SignaturePad
from ui.submit_dialog import SubmitDialog

CTRL = Qt.KeyboardModifier.ControlModifier
FAILING = {"C04": "2", "E03": "2"}
NOT_APPLICABLE = {"F04", "F05", "F06"}  # no heritage trees here
# typed into the value field: numbers, counts (occurrences) and samples (good/checked)
NUMBERS = {"D01": "24", "D05": "6", "I03": "2", "B04": "1", "B05": "0", "C05": "0",
           "D02": "3", "D03": "0", "D04": "0", "E07": "0"}
SAMPLES = {"A05": (11, 12), "B06": (15, 20)}  # B06 at 75 %: the sorting veto fails
CHOICES = {"H01": ("2", "quasi")}  # 准物业
ENCOURAGED = {"E06": "1", "E09": "2", "F03": "1", "H03": "2"}  # 1 有, 2 无
FINDINGS = {"C04": ("6幢1单元楼梯间堆放旧沙发", "6幢1单元"),
            "D02": ("9幢门厅停放电动自行车3辆并充电", "9幢门厅")}


def _never_inspected(store: Store) -> overview.CommunityStatus:
    return next(s for s in overview.community_statuses(store) if s.state == overview.NEVER)


def _add_finding_by_keyboard(qtbot: QtBot, editor_tree: object, dialog: FindingDialog,
                             description: str, location: str) -> None:
    text = dialog.findChild(QPlainTextEdit, "description")
    assert text is not None
    qtbot.waitUntil(text.hasFocus)
    type_text(text, description)
    qtbot.keyClick(text, Qt.Key.Key_Tab)
    place = dialog.findChild(QLineEdit, "location")
    assert place is not None and place.hasFocus()
    type_text(place, location)
    qtbot.keyClick(place, Qt.Key.Key_Return)  # the dialog's default button saves
    qtbot.waitUntil(lambda: not dialog.isVisible())


def test_keyboard_only_walkthrough(qtbot: QtBot, demo_store: Store) -> None:
    store = demo_store
    window = make_window(qtbot, store)
    target = _never_inspected(store)

    # pick the community: Ctrl+L, type its name, Enter
    qtbot.keyClick(window, Qt.Key.Key_L, CTRL)
    assert window.browser.search.hasFocus()
    type_text(window.browser.search, target.name)
    qtbot.keyClick(window.browser.search, Qt.Key.Key_Return)
    assert window.community_page.community_id == target.id

    # start an inspection: Ctrl+N, inspectors, the fire department ticked, Enter
    qtbot.keyClick(window, Qt.Key.Key_N, CTRL)
    dialog = window.dialog
    assert isinstance(dialog, NewInspectionDialog)
    qtbot.waitUntil(dialog.inspectors.hasFocus)
    type_text(dialog.inspectors, "王建国、陈晓燕")
    qtbot.keyClick(dialog.inspectors, Qt.Key.Key_Tab)
    assert dialog.departments.hasFocus()
    for _ in range(dialog.departments.count()):
        current = dialog.departments.currentItem()
        if current is not None and current.data(Qt.ItemDataRole.UserRole) == "消防":
            break
        qtbot.keyClick(dialog.departments, Qt.Key.Key_Down)
    qtbot.keyClick(dialog.departments, Qt.Key.Key_Space)
    qtbot.keyClick(dialog.departments, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(dialog.inspectors, Qt.Key.Key_Return)
    editor = window.editor
    assert window.stack.currentWidget() is editor and editor.inspection_id
    inspection_id = editor.inspection_id
    row = inspections.get(store, inspection_id)
    assert inspections.inspectors_of(row) == ["王建国", "陈晓燕"]
    assert inspections.departments_of(row) == ["消防"]

    # answer every item with keys; add a finding on two of them with F
    expected: dict[str, tuple[str, float | None]] = {}
    assert editor.view is not None
    tree = editor.tree
    for state in editor.view.items:
        code = state.item.code
        assert editor.current_code() == code
        if code in NUMBERS:
            digits = NUMBERS[code]
            qtbot.keyClick(tree, digits[0])
            qtbot.keyClicks(editor.value_edit, digits[1:])
            qtbot.keyClick(editor.value_edit, Qt.Key.Key_Return)
            value = float(digits)
            if state.item.answer_type == "count":
                expected[code] = ("pass" if value == 0 else "fail", value)
            else:
                passes = state.item.pass_if.passes(value) if state.item.pass_if else None
                expected[code] = ({True: "pass", False: "fail", None: "recorded"}[passes],
                                  value)
        elif code in SAMPLES:
            good, checked = SAMPLES[code]
            typed = f"{good}/{checked}"
            qtbot.keyClick(tree, typed[0])
            qtbot.keyClicks(editor.value_edit, typed[1:])
            qtbot.keyClick(editor.value_edit, Qt.Key.Key_Return)
            rate = 100 * good / checked
            expected[code] = ("pass" if rate >= 80 else "fail", rate)
        elif code in CHOICES:
            qtbot.keyClick(tree, CHOICES[code][0])
            expected[code] = ("pass", None)
        elif code in ENCOURAGED:
            qtbot.keyClick(tree, ENCOURAGED[code])
            expected[code] = ("pass" if ENCOURAGED[code] == "1" else "na", None)
        elif code in NOT_APPLICABLE:
            qtbot.keyClick(tree, Qt.Key.Key_3)
            expected[code] = ("na", None)
        else:
            key = FAILING.get(code, "1")
            qtbot.keyClick(tree, key)
            expected[code] = ("fail" if key == "2" else "pass", None)
        if code in FINDINGS:
            qtbot.keyClick(tree, Qt.Key.Key_K)  # back to the item just answered
            assert editor.current_code() == code
            qtbot.keyClick(tree, Qt.Key.Key_F)
            finding_dialog = editor.findings.dialog
            assert isinstance(finding_dialog, FindingDialog)
            _add_finding_by_keyboard(qtbot, tree, finding_dialog, *FINDINGS[code])
            tree.setFocus()  # the dialog hands focus back to the checklist
            qtbot.keyClick(tree, Qt.Key.Key_J)
    assert editor.view.score.unanswered == ()
    assert editor.verdict.text() == "未达标"  # the sorting accuracy (B06) is a veto
    assert editor.view.score.key_failed == ("B06",)
    assert "一票否决项（B06、C01、E02、E05、E08）" in editor.rule_label.text()

    # submit with both signatures: Ctrl+Enter, names, draw, submit
    window.activateWindow()  # the offscreen platform does not hand activation back itself
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_Return, CTRL)
    submit = window.dialog
    assert isinstance(submit, SubmitDialog)
    representative = submit.findChild(QLineEdit, "representativeName")
    assert representative is not None
    representative.setFocus()
    type_text(representative, "刘芳")
    for name in ("inspectorPad", "representativePad"):
        pad = submit.findChild(SignaturePad, name)
        assert pad is not None
        pad.add_stroke([QPointF(20 + 8 * i, 60 + (i % 5) * 9) for i in range(30)])
    button = submit.findChild(QPushButton, "submitButton")
    assert button is not None and button.isEnabled()
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: inspections.get(store, inspection_id)["status"] == "submitted")

    # the store holds exactly what was typed, and the change log has it
    answers = inspections.answers_of(store, inspection_id)
    assert {code: (r["answer"], r["value"]) for code, r in answers.items()} == expected
    assert answers["H01"]["detail"] == '{"choice": "quasi"}'
    assert answers["B06"]["detail"] == '{"qualified": 15, "sampled": 20}'
    stored_findings = findings.list_findings(store, inspection_id=inspection_id)
    assert sorted((f["item_code"], f["description"], f["location"]) for f in stored_findings) == [
        (code, *FINDINGS[code]) for code in sorted(FINDINGS)]
    row = inspections.get(store, inspection_id)
    assert row["representative"] == "刘芳"
    assert inspections.signers_of(row) == ["王建国", "陈晓燕"]
    for field in ("inspector_signature", "representative_signature"):
        assert (store.data_dir / "signatures" / f"{row[field]}.png").stat().st_size > 0
    found = {row["id"] for row in store.query("SELECT id FROM findings WHERE inspection_id = ?",
                                              (inspection_id,))}
    logged = [e for e in audit.entries(store)
              if e.row_id.startswith(inspection_id) or e.row_id in found]
    answer_log = {e.row_id.split(":")[1]: e.new_value for e in logged
                  if e.table == "responses" and e.field == "answer"}
    assert answer_log == {code: answer for code, (answer, _) in expected.items()}
    assert {e.field for e in logged if e.table == "inspections"} >= {
        "status", "signed_by", "inspector_signature", "representative_signature"}
    assert sum(1 for e in logged if e.table == "findings" and e.field == "description") == 2
    assert editor.reopen_button.isVisible()  # the editor shows it locked
