"""Sync in the GUI: the sync dialog, conflicts, the roster and the status bar, two devices.

Each test makes a team of two stores that trust each other (``tests.sync.team``) and a
shared folder; jobs are waited for before the test ends. ``team`` comes before ``qtbot`` in
every signature, so the widgets are closed before the stores are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QFileDialog, QTableWidget
from pytestqt.qtbot import QtBot

from inspector.core import changelog, conflicts
from inspector.core.errors import InspectorError
from inspector.core.store import Store
from inspector.domain import findings, inspections, photos
from sync import exchange, folder, roster
from tests.sync.team import make_team, seed_inspection, small_jpeg
from ui import errors
from ui.conflicts_dialog import ConflictsDialog
from ui.i18n import language
from ui.roster_dialog import RosterDialog
from ui.sync_dialog import SyncDialog
from ui.sync_status import SyncStatus

CJK = re.compile(r"[\u3400-\u9fff]")
JOB_TIMEOUT = 30_000


@pytest.fixture
def team(tmp_path: Path) -> Iterator[list[Store]]:
    stores = make_team(tmp_path, 2)
    try:
        yield stores
    finally:
        for store in stores:
            store.close()


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    path = tmp_path / "shared"
    path.mkdir()
    return path


def click(qtbot: QtBot, button: QAbstractButton) -> None:
    assert button.isEnabled(), f"{button.objectName()} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def sync_dialog(qtbot: QtBot, store: Store, shared: Path | None = None) -> SyncDialog:
    dialog = SyncDialog(store)
    qtbot.addWidget(dialog)
    dialog.show()
    if shared is not None:
        assert dialog.set_folder(shared)
    return dialog


def click_sync(qtbot: QtBot, dialog: SyncDialog) -> None:
    click(qtbot, dialog.sync_button)
    assert dialog.running
    assert dialog.progress.isVisible() and dialog.cancel_button.isVisible()
    qtbot.waitUntil(lambda: not dialog.running, timeout=JOB_TIMEOUT)
    assert not dialog.progress.isVisible()


def settled(qtbot: QtBot, status: SyncStatus) -> None:
    """Wait for the status bar's background check (and any asked for meanwhile) to end."""
    qtbot.waitUntil(lambda: status.op is None, timeout=JOB_TIMEOUT)


def refresh(qtbot: QtBot, status: SyncStatus) -> None:
    status.refresh()
    settled(qtbot, status)


def cell(table: QTableWidget, row: int, column: int) -> str:
    item = table.item(row, column)
    return item.text() if item is not None else ""


def table_texts(table: QTableWidget, row: int) -> str:
    return " | ".join(cell(table, row, c) for c in range(table.columnCount()))


def row_of(table: QTableWidget, text: str) -> int:
    rows = [r for r in range(table.rowCount()) if text in table_texts(table, r)]
    assert len(rows) == 1, f"{text!r} in rows {rows}"
    return rows[0]


def test_a_sync_through_the_dialog_exports_then_the_other_device_imports(
        team: list[Store], qtbot: QtBot, tmp_path: Path, shared: Path) -> None:
    a, b = team
    _inspection, made = seed_inspection(a)
    picture = tmp_path / "corridor.jpg"
    picture.write_bytes(small_jpeg(5))
    photos.import_photo(a, picture, photos.target_for_finding(a, made[0]))

    dialog_a = sync_dialog(qtbot, a, shared)
    assert a.get_setting("sync_folder") == str(shared.resolve())
    click_sync(qtbot, dialog_a)
    written = sorted((shared / folder.ROOT / a.device_id).iterdir())
    assert written and dialog_a.report is not None and dialog_a.report.exported in written
    assert written[-1].name in dialog_a.status_label.text()
    assert dialog_a.bundles_value.text() == "0"  # nobody else has written anything yet

    dialog_b = sync_dialog(qtbot, b, shared)
    with qtbot.waitSignal(dialog_b.synced, timeout=JOB_TIMEOUT):
        click_sync(qtbot, dialog_b)
    sent = exchange.have(a, a.device_id)
    assert exchange.have(b, a.device_id) == sent
    assert dialog_b.bundles_value.text() == str(len(written))
    assert dialog_b.changes_value.text() == str(sent)
    assert dialog_b.photos_value.text() == "1"
    assert dialog_b.conflicts_value.text() == "0"
    assert not dialog_b.conflicts_button.isVisible()
    assert dialog_b.summary_lines() == []
    assert findings.get(b, made[0])["description"] == findings.get(a, made[0])["description"]
    # The rows applied go to the main window, which refreshes just the badges they touch.
    assert dialog_b.applied is not None and made[0] in dialog_b.applied.rows("findings")

    # back to the first device: it reads the second one's bundle and both hold the same data
    before = exchange.have(a, b.device_id)
    with qtbot.waitSignal(dialog_a.synced, timeout=JOB_TIMEOUT):
        click_sync(qtbot, dialog_a)
    assert dialog_a.bundles_value.text() == "1"
    assert dialog_a.changes_value.text() == str(exchange.have(b, b.device_id) - before)
    assert exchange.state_hash(a) == exchange.state_hash(b)


def test_a_folder_holding_the_data_directory_is_refused_with_a_message(
        team: list[Store], qtbot: QtBot, shared: Path) -> None:
    a, _b = team
    dialog = sync_dialog(qtbot, a)
    assert not dialog.sync_button.isEnabled()  # no folder yet
    click(qtbot, dialog.browse_button)
    chooser = dialog.folder_dialog
    assert isinstance(chooser, QFileDialog) and chooser.isVisible()
    holding = a.data_dir.parent
    chooser.setDirectory(str(holding.parent))
    chooser.selectFile(str(holding))
    chooser.accept()
    with pytest.raises(InspectorError) as refused:
        folder.check_folder(a, holding)
    assert errors.shown_messages == [str(refused.value)]
    assert a.get_setting("sync_folder") is None
    assert dialog.folder_edit.text() == "" and dialog.folder is None
    assert not dialog.sync_button.isEnabled()
    # the data directory itself is refused too; an ordinary folder is taken
    assert not dialog.set_folder(a.data_dir)
    assert len(errors.shown_messages) == 2 and a.get_setting("sync_folder") is None
    assert dialog.set_folder(shared)
    assert dialog.sync_button.isEnabled()
    assert a.get_setting("sync_folder") == str(shared.resolve())
    # a folder that is gone (the stick is out) is a message, not a folder made on this disk
    shared.rmdir()
    click(qtbot, dialog.sync_button)
    assert not dialog.running and not shared.exists()
    assert len(errors.shown_messages) == 3 and str(shared.resolve()) in errors.shown_messages[-1]

    # this device's name, as the team will see it
    dialog.name_edit.setText("甲的笔记本")
    dialog.name_edit.editingFinished.emit()
    assert a.get_setting("device_name") == "甲的笔记本" == roster.device_name(a)
    dialog.name_edit.clear()
    dialog.name_edit.editingFinished.emit()
    assert a.get_setting("device_name") is None


def test_a_conflict_shows_in_the_dialog_and_resolving_it_there_closes_it(
        team: list[Store], qtbot: QtBot, shared: Path) -> None:
    a, b = team
    _inspection, made = seed_inspection(a, 3)
    folder.sync(a, shared)
    folder.sync(b, shared)
    findings.edit(a, made[0], description="甲：楼道堆放纸箱")
    findings.edit(b, made[0], description="乙：楼道堆放自行车")
    findings.edit(a, made[1], location="1幢")
    findings.edit(b, made[1], location="2幢")
    findings.edit(a, made[2], severity="general")
    findings.edit(b, made[2], severity="severe")
    folder.sync(a, shared)
    status = SyncStatus(b)
    qtbot.addWidget(status)
    settled(qtbot, status)
    assert not status.conflicts_button.isVisibleTo(status)

    dialog = sync_dialog(qtbot, b, shared)
    click_sync(qtbot, dialog)
    assert dialog.conflicts_value.text() == "3" == str(conflicts.count_open(b))
    refresh(qtbot, status)
    assert status.conflicts_button.isVisibleTo(status)
    assert status.conflicts_button.text() == "冲突 3"
    with qtbot.waitSignal(status.conflicts_clicked):
        click(qtbot, status.conflicts_button)

    click(qtbot, dialog.conflicts_button)
    view = dialog.conflicts_dialog
    assert isinstance(view, ConflictsDialog) and view.isVisible()
    assert view.table.rowCount() == 3
    open_rows = {c.row_id: c for c in conflicts.list_open(b)}
    short = {f: str(findings.get(b, f)["short_id"]) for f in made}
    row = row_of(view.table, short[made[0]])
    text = table_texts(view.table, row)
    assert "问题描述" in text and "同时修改" in text
    view.table.selectRow(row)
    versions = "".join(table_texts(view.versions, r) for r in range(view.versions.rowCount()))
    assert "甲：楼道堆放纸箱" in versions and "乙：楼道堆放自行车" in versions
    assert "检查员0" in versions and "当前显示" in versions
    other = next(v for v in open_rows[made[0]].versions if not v.shown)

    # take the other version (selected by default)
    with qtbot.waitSignal(view.resolved):
        click(qtbot, view.take_button)
    assert findings.get(b, made[0])["description"] == other.content["description"]
    assert conflicts.count_open(b) == 2 and view.table.rowCount() == 2
    assert all(short[made[0]] not in table_texts(view.table, r) for r in range(2))

    # type a new value
    view.table.selectRow(row_of(view.table, short[made[1]]))
    click(qtbot, view.type_button)
    typing = view.input_dialog
    assert typing is not None and typing.isVisible()
    typing.setTextValue("3幢东侧")
    with qtbot.waitSignal(view.resolved):
        typing.accept()
    assert findings.get(b, made[1])["location"] == "3幢东侧"

    # keep the version shown
    kept = findings.get(b, made[2])["severity"]
    view.table.selectRow(row_of(view.table, short[made[2]]))
    with qtbot.waitSignal(view.resolved):
        click(qtbot, view.keep_button)
    assert findings.get(b, made[2])["severity"] == kept
    assert view.table.rowCount() == 0 and conflicts.count_open(b) == 0
    assert view.empty_label.isVisibleTo(view)
    refresh(qtbot, status)
    assert not status.conflicts_button.isVisibleTo(status)

    # the resolutions are changes: they close the conflicts on the other device too
    folder.sync(b, shared)
    folder.sync(a, shared)
    assert conflicts.count_open(a) == 0
    assert exchange.state_hash(a) == exchange.state_hash(b)
    assert findings.get(a, made[1])["location"] == "3幢东侧"


def test_an_untrusted_devices_bundle_is_quarantined_until_trusted_in_the_roster(
        team: list[Store], qtbot: QtBot, tmp_path: Path, shared: Path) -> None:
    a, _b = team
    with Store.open(tmp_path / "stranger", actor="赵六") as stranger:
        stranger.set_setting("device_name", "街道办台式机")
        seed_inspection(stranger)
        folder.sync(stranger, shared)
        dialog = sync_dialog(qtbot, a, shared)
        click_sync(qtbot, dialog)
        lines = dialog.summary_lines()
        assert any("已隔离" in line and stranger.device_id[:8] in line for line in lines)
        assert dialog.changes_value.text() == "0"
        assert exchange.have(a, stranger.device_id) == 0

        click(qtbot, dialog.roster_button)
        roster_view = dialog.roster_dialog
        assert isinstance(roster_view, RosterDialog) and roster_view.isVisible()
        row = row_of(roster_view.table, stranger.device_id[:8])
        text = table_texts(roster_view.table, row)
        assert "未信任" in text and "街道办台式机" in text
        assert roster.device_key(stranger).fingerprint() in text
        assert cell(roster_view.table, row, 4) == "1"
        assert not roster_view.revoke_button.isEnabled()

        roster_view.table.selectRow(row)
        click(qtbot, roster_view.trust_button)
        asking = roster_view.input_dialog
        assert asking is not None and asking.isVisible()
        assert asking.textValue() == "街道办台式机"
        asking.setTextValue("南门街道办")
        with qtbot.waitSignal(dialog.synced, timeout=JOB_TIMEOUT):
            asking.accept()
            qtbot.waitUntil(lambda: not roster_view.running, timeout=JOB_TIMEOUT)
        assert exchange.have(a, stranger.device_id) == exchange.have(stranger,
                                                                     stranger.device_id)
        assert roster_view.last_applied is not None and roster_view.last_applied[0] == 1
        assert "1" in roster_view.result_label.text()
        row = row_of(roster_view.table, stranger.device_id[:8])
        text = table_texts(roster_view.table, row)
        assert "受信任" in text and "南门街道办" in text
        assert cell(roster_view.table, row, 4) == ""

        # revoking asks first; cancelling keeps the trust, confirming takes it away
        roster_view.table.selectRow(row)
        click(qtbot, roster_view.revoke_button)
        box = roster_view.confirm_box
        assert box is not None and box.isVisible()
        cancel = next(button for button in box.buttons() if button.text() == "取消")
        click(qtbot, cancel)
        assert roster.trusted_key(a, stranger.device_id) is not None
        roster_view.table.selectRow(row_of(roster_view.table, stranger.device_id[:8]))
        click(qtbot, roster_view.revoke_button)
        box = roster_view.confirm_box
        assert box is not None
        with qtbot.waitSignal(roster_view.changed):
            click(qtbot, next(b for b in box.buttons() if b.text() == "撤销信任"))
        # a cut: what it had made so far still counts, nothing after it
        assert changelog.cut_of(a, stranger.device_id) == exchange.have(a, stranger.device_id)
        assert "已撤销" in table_texts(roster_view.table,
                                      row_of(roster_view.table, stranger.device_id[:8]))


def test_bundle_files_are_exported_and_imported_with_refusals_per_file(
        team: list[Store], qtbot: QtBot, tmp_path: Path) -> None:
    a, b = team
    seed_inspection(a)
    stick = tmp_path / "stick"
    stick.mkdir()
    dialog_a = sync_dialog(qtbot, a)
    click(qtbot, dialog_a.export_button)
    chooser = dialog_a.export_dialog
    assert chooser is not None and chooser.isVisible()
    chooser.setDirectory(str(tmp_path))
    chooser.selectFile(str(stick))
    chooser.accept()
    assert dialog_a.running
    qtbot.waitUntil(lambda: not dialog_a.running, timeout=JOB_TIMEOUT)
    written = sorted(stick.glob("*.zip"))
    assert written and dialog_a.exported == written
    assert str(len(written)) in dialog_a.status_label.text()
    broken = stick / "broken.zip"
    broken.write_bytes(b"PK\x03\x04 cut short")

    dialog_b = sync_dialog(qtbot, b)
    click(qtbot, dialog_b.import_button)
    picker = dialog_b.import_dialog
    assert picker is not None and picker.isVisible()
    picker.setDirectory(str(stick))
    picker.selectFile(" ".join(f'"{p.name}"' for p in [broken, *written]))
    with qtbot.waitSignal(dialog_b.synced, timeout=JOB_TIMEOUT):
        picker.accept()
        qtbot.waitUntil(lambda: not dialog_b.running, timeout=JOB_TIMEOUT)
    assert exchange.have(b, a.device_id) == exchange.have(a, a.device_id)
    assert dialog_b.changes_value.text() == str(exchange.have(a, a.device_id))
    assert dialog_b.bundles_value.text() == str(len(written))
    lines = dialog_b.summary_lines()
    assert len(lines) == 1 and lines[0].startswith("broken.zip：")
    with pytest.raises(InspectorError) as refused:
        exchange.import_bundle(b, broken)
    assert str(refused.value) in lines[0]


def test_the_status_counts_unexported_changes_until_a_sync(
        team: list[Store], qtbot: QtBot, shared: Path) -> None:
    a, _b = team
    status = SyncStatus(a)
    qtbot.addWidget(status)
    settled(qtbot, status)
    assert status.unexported == exchange.have(a, a.device_id) > 0  # no folder: all of them
    _inspection, made = seed_inspection(a)
    refresh(qtbot, status)
    total = exchange.have(a, a.device_id)
    assert status.unexported == total
    assert status.changes_label.text() == f"未同步变更 {total}"
    assert not status.conflicts_button.isVisibleTo(status)

    dialog = sync_dialog(qtbot, a, shared)
    dialog.job_ended.connect(status.refresh)
    with qtbot.waitSignal(dialog.job_ended, timeout=JOB_TIMEOUT):
        click(qtbot, dialog.sync_button)
    qtbot.waitUntil(lambda: not dialog.running, timeout=JOB_TIMEOUT)
    settled(qtbot, status)
    assert status.unexported == 0
    assert status.changes_label.text() == "未同步变更 0"
    findings.edit(a, made[0], description="又改了一次")
    refresh(qtbot, status)
    assert status.changes_label.text() == "未同步变更 1"

    # lazy: counted once the event loop runs (the window's start does not wait for it)
    later = SyncStatus(a, lazy=True)
    qtbot.addWidget(later)
    assert later.unexported == 0
    qtbot.waitUntil(lambda: later.unexported == 1)
    assert later.changes_label.text() == "未同步变更 1"


def test_switching_language_changes_the_dialogs_strings(
        team: list[Store], qtbot: QtBot, shared: Path) -> None:
    a, b = team
    _inspection, made = seed_inspection(a)
    folder.sync(a, shared)
    folder.sync(b, shared)
    findings.edit(a, made[0], description="甲改的")
    findings.edit(b, made[0], description="乙改的")
    folder.sync(a, shared)
    dialog = sync_dialog(qtbot, b, shared)
    click_sync(qtbot, dialog)
    view = dialog.open_conflicts()
    roster_view = dialog.open_roster()
    status = SyncStatus(b)
    qtbot.addWidget(status)
    settled(qtbot, status)
    assert dialog.sync_button.text() == "立即同步"
    try:
        language.set("en")
        assert dialog.windowTitle() == "Sync"
        assert dialog.sync_button.text() == "Sync now"
        assert dialog.export_button.text() == "Export to files…"
        assert dialog.import_button.text() == "Import from files…"
        assert dialog.changes_label.text() == "Changes applied:"
        assert dialog.conflicts_button.text() == "Review conflicts…"
        assert "sync finished" in dialog.status_label.text()
        assert view.windowTitle() == "Sync conflicts"
        model = view.table.model()
        header = [model.headerData(c, Qt.Orientation.Horizontal)
                  for c in range(view.table.columnCount())]
        assert header[0] == "What" and "Differs in" in header
        row = table_texts(view.table, 0)
        assert "edited at the same time" in row and "description" in row
        assert view.keep_button.text() == "Keep the version shown"
        assert roster_view.windowTitle() == "Team devices"
        assert roster_view.trust_button.text() == "Trust…"
        states = {cell(roster_view.table, r, 3) for r in range(roster_view.table.rowCount())}
        assert states == {"this device", "trusted"}
        assert status.changes_label.text().startswith("Unsynced changes ")
        assert status.conflicts_button.text() == "Conflicts 1"
        for widget in (dialog, view, roster_view):
            for button in widget.findChildren(QAbstractButton):
                assert not CJK.search(button.text()), button.text()
    finally:
        language.set("zh")
    assert dialog.sync_button.text() == "立即同步"
    assert view.keep_button.text() == "保留当前显示的版本"
    assert status.conflicts_button.text() == "冲突 1"


def test_cancelling_a_sync_keeps_what_was_applied_and_the_next_sync_finishes(
        team: list[Store], qtbot: QtBot, shared: Path) -> None:
    a, b = team
    _inspection, made = seed_inspection(a, 1)
    for n in range(25):  # 25 bundles in the folder: the job is still reading when cancelled
        findings.edit(a, made[0], description=f"第 {n} 次修改")
        folder.sync(a, shared)
    dialog = sync_dialog(qtbot, b, shared)
    click(qtbot, dialog.sync_button)
    job = dialog.relay
    assert job is not None and dialog.cancel_button.isVisible()
    click(qtbot, dialog.cancel_button)
    assert job.is_cancelled()
    qtbot.waitUntil(lambda: not dialog.running, timeout=JOB_TIMEOUT)
    assert dialog.cancelled and "已取消" in dialog.status_label.text()
    applied = exchange.have(b, a.device_id)
    assert dialog.changes_value.text() == str(applied)
    assert dialog.report is not None and dialog.bundles_value.text() == \
        str(dialog.report.bundles_read)
    click_sync(qtbot, dialog)
    assert not dialog.cancelled
    assert exchange.have(b, a.device_id) == exchange.have(a, a.device_id)
    assert dialog.changes_value.text() == str(exchange.have(a, a.device_id) - applied)


def test_the_main_window_has_the_sync_menu_and_status(qtbot: QtBot, tmp_path: Path) -> None:
    from tests.ui.test_workbench import make_window
    from ui.sync_dialog import SyncDialog as Dialog

    stores = make_team(tmp_path, 1)
    try:
        from inspector.ops import demo

        demo.fill(stores[0])
        window = make_window(qtbot, stores[0])
        assert window.sync_menu.title() == "同步(&S)"
        dialog = window.open_sync()
        assert isinstance(dialog, Dialog) and window.dialog is dialog
        refresh(qtbot, window.sync_status)
        assert window.sync_status.isVisible()
    finally:
        for store in stores:
            store.close()


@pytest.fixture
def copied(team: list[Store], shared: Path, tmp_path: Path) -> Iterator[Store]:
    """A ``cp -a`` of laptop a's data directory, after a synced once (closed after the
    dialogs that use it)."""
    import shutil

    seed_inspection(team[0])
    folder.sync(team[0], shared)
    shutil.copytree(team[0].data_dir, tmp_path / "copy",
                    ignore=shutil.ignore_patterns("*.lock"))
    copy = Store.open(tmp_path / "copy")
    yield copy
    copy.close()


def test_a_copied_data_directory_is_told_in_the_sync_dialog(
        team: list[Store], copied: Store, qtbot: QtBot, shared: Path) -> None:
    a, copy = team[0], copied
    inspections_made = a.query("SELECT id FROM inspections")
    inspections.answer(a, inspections_made[0]["id"], "B01", "fail")
    inspections.answer(copy, inspections_made[0]["id"], "B02", "fail")
    folder.sync(a, shared)
    old_id = copy.device_id
    dialog = sync_dialog(qtbot, copy, shared)
    click_sync(qtbot, dialog)
    lines = [dialog.devices_list.item(i).text() for i in range(dialog.devices_list.count())]
    assert any("新的设备身份" in line and old_id[:8] in line for line in lines)
    assert dialog.devices_list.isVisibleTo(dialog)
    # the window's own connection writes under the new identity from now on
    inspections.answer(copy, inspections_made[0]["id"], "B03", "fail")
    last = copy.query_one(
        "SELECT device FROM changes WHERE tbl = 'responses' AND row_id LIKE '%:B03'")
    assert last is not None and last["device"] == copy.device_id != old_id


def test_the_status_bar_lists_the_sync_folder_off_the_gui_thread(
        team: list[Store], qtbot: QtBot, shared: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtCore import QThread
    from PySide6.QtWidgets import QApplication

    from ui import sync_status

    a, _b = team
    a.set_setting("sync_folder", str(shared))
    threads: list[QThread] = []
    listed = sync_status.check

    def check(store: Store, chosen: Path | None) -> sync_status.Figures:
        threads.append(QThread.currentThread())
        return listed(store, chosen)

    monkeypatch.setattr(sync_status, "check", check)
    status = SyncStatus(a)
    qtbot.addWidget(status)
    settled(qtbot, status)
    refresh(qtbot, status)
    app = QApplication.instance()
    assert app is not None and len(threads) == 2
    assert all(thread is not app.thread() for thread in threads)
    assert status.reachable and status.folder == shared
    assert status.unexported == exchange.have(a, a.device_id)  # nothing synced yet

    # a folder that cannot be listed (the stick was pulled out) is said in the tooltip
    a.set_setting("sync_folder", str(shared / "gone"))
    refresh(qtbot, status)
    assert not status.reachable and "无法访问" in status.changes_label.toolTip()


def test_a_first_check_queued_as_its_store_closed_reads_nothing(
        qtbot: QtBot, store: Store) -> None:
    """The window's status line asks its first check on the next event-loop turn; a window
    closed (and its store with it) before then must not read a closed database."""
    status = SyncStatus(store, lazy=True)
    qtbot.addWidget(status)
    store.close()
    assert status.refresh() is None
    qtbot.wait(20)  # the queued first check runs: pytest-qt fails on an exception in it
    assert status.unexported == 0
