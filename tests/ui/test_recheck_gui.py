"""复查 mode and the pending view in the GUI: the same domain functions as the CLI."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from inspector.core.store import Store
from inspector.domain import findings, rechecks
from tests.photo_helpers import real


def _inspection(store: Store) -> str:
    return str(store.query("SELECT i.id FROM inspections i JOIN findings f ON"
                           " f.inspection_id = i.id WHERE i.status = 'submitted'"
                           " AND f.status = 'open' ORDER BY i.short_id")[0]["id"])


def test_recheck_mode_keys_photos_and_signing(qtbot: QtBot, demo_store: Store,
                                              tmp_path: Path) -> None:
    from ui.recheck_dialog import RecheckDialog

    inspection = _inspection(demo_store)
    recheck = rechecks.start(demo_store, inspection=inspection, inspectors=["李明"])
    dialog = RecheckDialog(demo_store, recheck)
    qtbot.addWidget(dialog)
    first = dialog.current()
    assert first is not None
    qtbot.keyClick(dialog.list, Qt.Key.Key_1)
    assert dialog.entries[0].result == rechecks.FIXED
    dialog.list.setCurrentRow(0)
    dialog.add_photo(real("Canon_40D.jpg"))
    assert dialog.after.pixmap() is not None and not dialog.after.pixmap().isNull()
    if len(dialog.entries) > 1:
        dialog.list.setCurrentRow(1)
        qtbot.keyClick(dialog.list, Qt.Key.Key_2)
        assert dialog.entries[1].result == rechecks.NOT_FIXED
    dialog.sign("李明")
    assert findings.get(demo_store, first.finding["id"])["status"] == findings.VERIFIED
    assert not dialog.fixed_button.isEnabled()
    dialog.grab().save(str(tmp_path / "recheck.png"))


def test_pending_view_lists_overdue_by_department_and_party(qtbot: QtBot,
                                                            demo_store: Store) -> None:
    from ui.pending_view import PendingView

    view = PendingView(demo_store)
    qtbot.addWidget(view)
    assert view.overdue.rowCount() == len(view.view.overdue)
    assert view.by_department.rowCount() == len(view.view.by_department)
    assert view.due.rowCount() == len(view.view.due_this_week)
