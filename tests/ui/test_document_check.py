"""Checking a PDF from the window: dropped on it, or through 报告 → 核验文件."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from inspector.core.store import Store
from inspector.domain import verification
from inspector.reports import findings_report
from ui.document_check import DocumentCheck
from ui.main_window import MainWindow


def _report(store: Store, tmp_path: Path) -> Path:
    inspection = store.query("SELECT id FROM inspections WHERE status = 'submitted'"
                             " ORDER BY short_id")[0]["id"]
    return findings_report.build(store, inspection, tmp_path / "report.pdf").path


def _drop(window: MainWindow, path: Path) -> DocumentCheck:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    position = QPointF(window.width() / 2, window.height() / 2)
    enter = QDragEnterEvent(position.toPoint(), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    before = set(window.findChildren(DocumentCheck))
    drop = QDropEvent(position, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    window.dropEvent(drop)
    made = set(window.findChildren(DocumentCheck)) - before
    assert len(made) == 1
    return made.pop()


def test_a_pdf_dropped_on_the_window_is_checked(qtbot: QtBot, demo_store: Store,
                                               tmp_path: Path) -> None:
    from tests.ui.test_workbench import make_window

    window = make_window(qtbot, demo_store)
    path = _report(demo_store, tmp_path)
    check = _drop(window, path)
    with qtbot.waitSignal(check.done, timeout=30_000):
        pass
    assert check.verdict is not None and check.verdict.outcome == verification.GENUINE
    assert check.box is not None and check.box.objectName() == "documentCheckBox"
    assert check.box.icon() == QMessageBox.Icon.Information
    assert "真实且未被改动" in check.box.text() and str(check.verdict.number) in check.box.text()
    check.box.close()


def test_the_menu_checks_a_file_and_says_when_it_is_not_ours(qtbot: QtBot, demo_store: Store,
                                                             tmp_path: Path) -> None:
    from tests.ui.test_workbench import make_window

    window = make_window(qtbot, demo_store)
    assert window.check_action in window.report_menu.actions()
    assert window.check_action.text() == "核验文件（PDF）…"
    other = tmp_path / "scan.pdf"
    other.write_text("not a pdf", encoding="utf-8")
    check = window.check_document(other)
    assert check is not None
    with qtbot.waitSignal(check.done, timeout=30_000):
        pass
    assert check.verdict is not None and check.verdict.outcome == verification.NOT_OURS
    assert check.box is not None and check.box.icon() == QMessageBox.Icon.Warning
    assert "不是本团队发出的文件" in check.box.text()
    assert "scan.pdf 不是 PDF 文件" in check.box.informativeText()
    check.box.close()


def test_a_summary_made_in_the_window_checks_as_genuine(qtbot: QtBot, demo_store: Store,
                                                        tmp_path: Path) -> None:
    from ui import report_actions

    report_actions.open_results = False
    try:
        run = report_actions.district_summary(None, demo_store, 2026, tmp_path / "s.pdf")
        with qtbot.waitSignal(run.done, timeout=60_000):
            pass
    finally:
        report_actions.open_results = True
    check = DocumentCheck(None, demo_store, tmp_path / "s.pdf")
    with qtbot.waitSignal(check.done, timeout=30_000):
        pass
    assert check.verdict is not None and check.verdict.outcome == verification.GENUINE
    assert str(check.verdict.number).startswith("HZ-2026-")
    assert check.box is not None
    check.box.close()
