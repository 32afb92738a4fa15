"""Widgets follow the Changes of what was done: one badge, one row — never a full rescan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from inspector.core.changes import Changes
from inspector.core.store import Store
from inspector.domain import findings, inspections, overview
from tests.conftest import given_for
from tests.ui.test_findings_panel import _choose, _combo, _panel, _save, _shown_ids
from tests.ui.test_workbench import a_draft, make_window
from ui import browser as browser_module
from ui.main_window import MainWindow


class Spy:
    """Counts the browser's full loads and the badges it sets."""

    def __init__(self, window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
        self.loads = 0
        self.badges: list[str] = []
        browser = window.browser
        load, set_status = browser_module.load_statuses, browser._set_status  # noqa: SLF001

        def counting_load(data_dir: Path) -> Any:
            self.loads += 1
            return load(data_dir)

        def counting_badge(status: overview.CommunityStatus) -> None:
            self.badges.append(status.id)
            set_status(status)

        monkeypatch.setattr(browser_module, "load_statuses", counting_load)
        monkeypatch.setattr(browser, "_set_status", counting_badge)


def test_an_answer_and_a_submission_move_one_badge_without_a_full_load(
        qtbot: QtBot, demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    window = make_window(qtbot, demo_store)
    spy = Spy(window, monkeypatch)
    inspection_id = a_draft(demo_store)
    community = str(inspections.get(demo_store, inspection_id)["community_id"])
    before = window.browser.status_of(community)
    assert before is not None and before.state == overview.IN_PROGRESS
    window.open_inspection(inspection_id)
    editor = window.editor
    code = next(state.item.code for state in inspections.view(demo_store, inspection_id).items
                if state.item.answer_type not in ("choice", "sample", "count", "number"))
    editor.select_item(code)
    qtbot.keyClick(editor.tree, Qt.Key.Key_1)
    qtbot.wait(50)  # whatever the window left for the next turn of the event loop
    assert inspections.answers_of(demo_store, inspection_id)[code]["answer"] == "pass"
    assert spy.loads == 0 and window.browser._job is None  # noqa: SLF001
    assert spy.badges == []  # a draft's answer moves no badge

    for state in inspections.view(demo_store, inspection_id).items:
        inspections.answer(demo_store, inspection_id, state.item.code, given_for(state.item))
    dialog = window.submit_inspection(inspection_id)
    dialog.inspector_names_edit.setText("王建国")
    dialog._submit()  # noqa: SLF001
    qtbot.wait(50)
    assert inspections.get(demo_store, inspection_id)["status"] == inspections.SUBMITTED
    assert spy.loads == 0 and window.browser._job is None  # noqa: SLF001
    assert spy.badges == [community]  # that one badge, read from its standing row
    after = window.browser.status_of(community)
    assert after is not None and after.state in (overview.MET, overview.NOT_MET)
    assert after == next(s for s in overview.community_statuses(demo_store)
                         if s.id == community)  # the same as a full load would show

    window._reopen(inspection_id, "补充照片")  # noqa: SLF001
    assert spy.loads == 0
    assert spy.badges == [community, community]
    reopened = window.browser.status_of(community)
    assert reopened == next(s for s in overview.community_statuses(demo_store)
                            if s.id == community)


def test_only_what_cannot_be_narrowed_reads_the_registry_again(
        qtbot: QtBot, demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    window = make_window(qtbot, demo_store)
    browser = window.browser
    spy = Spy(window, monkeypatch)
    assert browser.apply_changes(demo_store, Changes.of([("photos", "abc")])) == "none"
    inspection_id = a_draft(demo_store)
    finding = findings.add(demo_store, inspection_id, category="corridor_clutter",
                           description="楼道堆物", item_code="B01")
    qtbot.wait(50)  # the window hands the store's committed changes on, next turn
    community = str(inspections.get(demo_store, inspection_id)["community_id"])
    assert spy.loads == 0 and spy.badges == [community]
    status = browser.status_of(community)
    assert status is not None and status.open_findings == next(
        s.open_findings for s in overview.community_statuses(demo_store) if s.id == community)
    # A community renamed or imported moves rows in the tree: read again, in the background.
    assert browser.apply_changes(demo_store, Changes.of([("communities", community)])) \
        == "reload"
    qtbot.waitUntil(lambda: not browser.is_loading, timeout=20_000)
    assert spy.loads == 1
    assert finding


def test_a_finding_s_status_change_refreshes_only_its_row(
        qtbot: QtBot, demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    inspection_id = a_draft(demo_store)
    first = findings.add(demo_store, inspection_id, category="corridor_clutter",
                         description="楼道堆放纸箱", item_code="C04")
    second = findings.add(demo_store, inspection_id, category="garbage_piles",
                          description="西侧装修垃圾", item_code="B05")
    panel = _panel(qtbot, demo_store, inspection_id)
    resets: list[int] = []
    changed_rows: list[tuple[int, int]] = []
    panel.model.modelReset.connect(lambda: resets.append(1))
    panel.model.dataChanged.connect(
        lambda top, bottom, _roles=None: changed_rows.append((top.row(), bottom.row())))
    listed: list[int] = []
    list_findings = findings.list_findings

    def counting(*args: Any, **kwargs: Any) -> Any:
        listed.append(1)
        return list_findings(*args, **kwargs)

    monkeypatch.setattr(findings, "list_findings", counting)
    dialog = panel.edit_finding(first)
    assert dialog is not None
    _choose(_combo(dialog, "status"), findings.RECTIFIED)
    with qtbot.waitSignal(panel.changed):
        _save(qtbot, dialog)
    row = panel.model.row_of(first)
    assert resets == [] and listed == []  # no full read of the findings
    assert changed_rows == [(row, row)]  # just that row
    assert panel.model.rows[row]["status"] == findings.RECTIFIED

    # With a filter that the new status no longer matches, the row leaves; the other stays.
    _choose(_combo(panel, "statusFilter"), findings.OPEN)
    assert set(_shown_ids(panel)) >= {second} and first not in _shown_ids(panel)
    resets.clear()
    listed.clear()
    findings.set_status(demo_store, second, findings.RECTIFIED)
    removed: list[int] = []
    panel.model.rowsRemoved.connect(lambda _parent, start, _end: removed.append(start))
    panel.refresh_findings({second})
    assert second not in _shown_ids(panel) and removed and resets == [] and listed == []


def test_adding_a_finding_puts_in_one_row(qtbot: QtBot, demo_store: Store,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    inspection_id = a_draft(demo_store)
    panel = _panel(qtbot, demo_store, inspection_id)
    shown = _shown_ids(panel)
    resets: list[int] = []
    panel.model.modelReset.connect(lambda: resets.append(1))
    inserted: list[int] = []
    panel.model.rowsInserted.connect(
        lambda _parent, start, _end: inserted.append(start))
    dialog = panel.add_finding("C04")
    assert dialog is not None
    dialog.description.setPlainText("楼道堆放纸箱")
    with qtbot.waitSignal(panel.changed):
        _save(qtbot, dialog)
    assert resets == [] and len(inserted) == 1
    new = _shown_ids(panel)[inserted[0]]
    assert [i for i in _shown_ids(panel) if i != new] == shown
    assert findings.get(demo_store, new)["description"] == "楼道堆放纸箱"
    assert [r["id"] for r in findings.list_findings(demo_store, inspection_id=inspection_id)] \
        == _shown_ids(panel)  # the order a full read gives
    assert panel.count_label.text() == f"（共 {len(shown) + 1} 条）"


def test_a_sync_that_says_what_it_applied_moves_only_those_badges(
        qtbot: QtBot, demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    window = make_window(qtbot, demo_store)
    spy = Spy(window, monkeypatch)
    inspection_id = a_draft(demo_store)
    community = str(inspections.get(demo_store, inspection_id)["community_id"])
    demo_store.remove_listener(window._committed)  # noqa: SLF001 - as if another connection wrote
    created = findings.create(demo_store, inspection_id, category="corridor_clutter",
                              description="楼道堆物", item_code="B01")
    window._synced(created.changes)  # noqa: SLF001 - what SyncDialog.synced hands on
    assert spy.loads == 0 and spy.badges == [community]
    window._synced(None)  # noqa: SLF001 - a conflict resolved, a device trusted: not known
    qtbot.waitUntil(lambda: not window.browser.is_loading, timeout=20_000)
    assert spy.loads == 1


def test_a_finding_changed_elsewhere_refreshes_its_row_in_the_open_editor(
        qtbot: QtBot, demo_store: Store) -> None:
    window = make_window(qtbot, demo_store)
    inspection_id = a_draft(demo_store)
    finding = findings.add(demo_store, inspection_id, category="corridor_clutter",
                           description="楼道堆物", item_code="B01")
    window.open_inspection(inspection_id)
    panel = window.editor.findings
    resets: list[int] = []
    panel.model.modelReset.connect(lambda: resets.append(1))
    findings.set_status(demo_store, finding, findings.RECTIFIED)  # e.g. a re-check
    qtbot.waitUntil(lambda: panel.model.rows[panel.model.row_of(finding)]["status"]
                    == findings.RECTIFIED, timeout=5_000)
    assert resets == []


def test_a_summary_left_stale_by_an_upgrade_is_rebuilt_once_by_the_first_load(
        qtbot: QtBot, demo_store: Store) -> None:
    """After the migration that made the maintained standing, the browser's first load
    rebuilds it through the one writer and keeps it: a read-only load would compute it
    again at every load (≈ 0.4 s at city scale) until something was written."""
    from inspector.core.schema_version import STANDING_STALE_KEY
    from inspector.domain import community_standing

    badges = {row["community_id"]: row for row in demo_store.query(
        "SELECT * FROM community_standing")}
    with demo_store.write():  # as the migration leaves it: empty, marked stale
        demo_store.conn.execute("DELETE FROM community_standing")
        demo_store.conn.execute("INSERT OR REPLACE INTO local_state VALUES (?, '1')",
                                (STANDING_STALE_KEY,))
    window = make_window(qtbot, demo_store)
    assert not community_standing.is_stale(demo_store)
    assert {row["community_id"]: row for row in demo_store.query(
        "SELECT * FROM community_standing")} == badges
    assert window.browser.community_count() == len(demo_store.query(
        "SELECT id FROM communities"))
