"""The workbench as an inspector uses it: undo, restart, a big registry, two languages."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QElapsedTimer, Qt, QTimer
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot

from inspector.core.store import Store
from inspector.domain import audit, findings, inspections, overview
from tests.conftest import given_for
from tests.ui.conftest import type_text
from ui import browser as browser_module
from ui import errors
from ui.main_window import MainWindow
from ui.settings import Settings

CJK = re.compile(r"[\u3400-\u9fff]")


def make_window(qtbot: QtBot, store: Store) -> MainWindow:
    window = MainWindow(store, Settings())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.browser.community_count() > 0
                    and not window.browser.is_loading, timeout=20_000)
    return window


def a_draft(store: Store) -> str:
    return str(store.query("SELECT id FROM inspections WHERE status = 'draft'"
                           " ORDER BY short_id")[0]["id"])


def stored(store: Store, inspection_id: str, code: str) -> tuple[str | None, str | None]:
    row = inspections.answers_of(store, inspection_id).get(code)
    return (row["answer"], row["note"]) if row else (None, None)


def test_undo_and_redo_restore_the_stored_values(qtbot: QtBot, demo_store: Store) -> None:
    window = make_window(qtbot, demo_store)
    inspection_id = a_draft(demo_store)
    inspections.clear_answer(demo_store, inspection_id, "B07")
    inspections.answer(demo_store, inspection_id, "B08", "pass")
    inspections.set_note(demo_store, inspection_id, "B09", "")
    window.open_inspection(inspection_id)
    editor = window.editor
    editor.select_item("B07")
    qtbot.keyClick(editor.tree, Qt.Key.Key_2)  # B07 fails; the cursor moves to B08
    qtbot.keyClick(editor.tree, Qt.Key.Key_3)  # B08: pass -> n/a
    assert stored(demo_store, inspection_id, "B07")[0] == "fail"
    assert stored(demo_store, inspection_id, "B08")[0] == "na"

    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert stored(demo_store, inspection_id, "B08")[0] == "pass"
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert stored(demo_store, inspection_id, "B07")[0] is None  # back to unanswered
    assert editor.current_code() == "B07"
    qtbot.keyClick(window, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert stored(demo_store, inspection_id, "B07")[0] == "fail"
    qtbot.keyClick(window, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert stored(demo_store, inspection_id, "B08")[0] == "na"

    # a note, undone
    inspections.set_note(demo_store, inspection_id, "B09", "")
    editor.reload()
    editor.select_item("B09")
    editor.note_edit.setFocus()
    type_text(editor.note_edit, "现场未见对接记录")
    qtbot.keyClick(editor.note_edit, Qt.Key.Key_Return)
    assert stored(demo_store, inspection_id, "B09")[1] == "现场未见对接记录"
    window.undo_stack.undo()
    assert stored(demo_store, inspection_id, "B09")[1] is None
    # every step is in the change log too
    logged = [e.new_value for e in audit.entries(demo_store, table="responses",
                                                 row_id=f"{inspection_id}:B07")
              if e.field == "answer"]
    assert logged[-3:] == ["fail", None, "fail"]


def test_choices_samples_and_counts_are_undone_to_what_was_given(qtbot: QtBot,
                                                                  demo_store: Store) -> None:
    window = make_window(qtbot, demo_store)
    inspection_id = a_draft(demo_store)
    inspections.answer(demo_store, inspection_id, "H01", inspections.Given(choice="quasi"))
    inspections.answer(demo_store, inspection_id, "B06",
                       inspections.Given(sampled=20, qualified=18))
    window.open_inspection(inspection_id)
    editor = window.editor

    def detail(code: str) -> object:
        return inspections.answers_of(demo_store, inspection_id)[code]["detail"]

    editor.select_item("H01")
    assert [b.text() for b in editor.choice_buttons if b.isVisible()] == [
        "1 专业物业", "2 准物业", "3 自治", "4 无"]
    assert editor.choice_buttons[1].isChecked()
    qtbot.keyClick(editor.tree, Qt.Key.Key_4)  # 无: fails H01
    assert stored(demo_store, inspection_id, "H01")[0] == "fail"
    editor.select_item("B06")
    qtbot.keyClick(editor.tree, Qt.Key.Key_1)
    qtbot.keyClicks(editor.value_edit, "2/20")
    qtbot.keyClick(editor.value_edit, Qt.Key.Key_Return)
    assert detail("B06") == '{"qualified": 12, "sampled": 20}'
    editor.select_item("D03")
    qtbot.keyClick(editor.tree, Qt.Key.Key_2)
    qtbot.keyClick(editor.value_edit, Qt.Key.Key_Return)
    assert stored(demo_store, inspection_id, "D03")[0] == "fail"
    assert editor._rows["D03"].text(2) == "2起 −4分 ✗"  # noqa: SLF001

    window.undo_stack.undo()
    window.undo_stack.undo()
    assert detail("B06") == '{"qualified": 18, "sampled": 20}'
    window.undo_stack.undo()
    assert detail("H01") == '{"choice": "quasi"}'
    window.undo_stack.redo()
    assert detail("H01") == '{"choice": "none"}'
    # a bad sample is a message, and nothing changes
    editor.select_item("B06")
    editor.value_edit.setFocus()
    editor.value_edit.setText("30/20")
    qtbot.keyClick(editor.value_edit, Qt.Key.Key_Return)
    assert detail("B06") == '{"qualified": 18, "sampled": 20}'
    assert errors.shown_messages and "合格数 30" in errors.shown_messages[-1]


def test_reopening_the_application_shows_the_same_state(qtbot: QtBot, demo_dir: Path) -> None:
    with Store.open(demo_dir, actor="王建国") as store:
        window = make_window(qtbot, store)
        inspection_id = a_draft(store)
        window.open_inspection(inspection_id)
        editor = window.editor
        editor.select_item("B01")
        qtbot.keyClick(editor.tree, Qt.Key.Key_2)
        editor.select_item("B06")
        qtbot.keyClick(editor.tree, Qt.Key.Key_1)  # the first digit moves focus to the value
        assert editor.value_edit.hasFocus() or editor.value_edit.text() == "1"
        qtbot.keyClicks(editor.value_edit, "5/20")  # a sample: 15 of 20 bins sorted well
        qtbot.keyClick(editor.value_edit, Qt.Key.Key_Return)
        editor.select_item("B01")
        editor.note_edit.setFocus()
        type_text(editor.note_edit, "可回收物桶缺失")
        window.close()  # closing commits the note being typed
        shown_before = {code: row.text(2) for code, row in editor._rows.items()}  # noqa: SLF001
        findings_before = editor.findings.findChild(QWidget, "findingsTable")
        assert findings_before is not None
    with Store.open(demo_dir, actor="王建国") as store:
        window = make_window(qtbot, store)
        window.open_inspection(inspection_id)
        editor = window.editor
        shown_after = {code: row.text(2) for code, row in editor._rows.items()}  # noqa: SLF001
        assert shown_after == shown_before
        assert shown_after["B01"] == "不符合" and shown_after["B06"] == "15/20 = 75% ✗"
        editor.select_item("B01")
        assert editor.note_edit.text() == "可回收物桶缺失"
        assert stored(store, inspection_id, "B01") == ("fail", "可回收物桶缺失")


def _big_registry(folder: Path, communities: int = 1000, per: int = 5) -> None:
    from inspector.domain import communities as community_domain
    from inspector.domain import templates
    from inspector.domain.communities import CommunityData

    districts = ["海曙区", "江北区", "镇海区", "北仑区", "鄞州区"]
    with Store.open(folder, actor="生成") as store, store.write():
        templates.ensure_builtin(store)
        template = templates.latest(store)
        for n in range(communities):
            community_id = community_domain.create(store, CommunityData(
                districts[n % 5], f"第{n % 37}街道", f"测试{n:04d}社区", f"测试路{n}号"))
            for k in range(per):
                inspection_id = inspections.start(store, community_id, ["生成"])
                if k == per - 1 and n % 3 == 0:
                    for item in template.items[:10]:
                        inspections.answer(store, inspection_id, item.code, given_for(item))


@pytest.fixture(scope="session")
def big_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("big")
    _big_registry(folder)
    return folder


def test_a_thousand_communities_load_without_blocking(qtbot: QtBot, big_dir: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      record_property: object) -> None:
    threads: list[threading.Thread] = []
    real = overview.community_statuses

    def spy(*args: object, **kwargs: object) -> list[overview.CommunityStatus]:
        threads.append(threading.current_thread())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(overview, "community_statuses", spy)
    gaps: list[float] = []
    clock = QElapsedTimer()
    probe = QTimer()
    probe.setInterval(2)

    def tick() -> None:
        gaps.append(clock.restart())

    probe.timeout.connect(tick)
    with Store.open(big_dir, actor="测试") as store:
        window = MainWindow(store, Settings())
        qtbot.addWidget(window)
        window.show()  # constructing and showing the window is not the load being measured
        started = time.monotonic()
        clock.start()
        probe.start()
        qtbot.waitUntil(lambda: window.browser.community_count() == 1000
                        and not window.browser.is_loading, timeout=60_000)
        probe.stop()
        elapsed = time.monotonic() - started
        window.close()  # before its store closes
    longest = max(gaps[1:], default=0.0)
    record_property("browser_longest_event_loop_gap_ms", longest)  # type: ignore[operator]
    record_property("browser_load_seconds", round(elapsed, 3))  # type: ignore[operator]
    # The guard: the full load ran off the GUI thread, and the event loop kept turning.
    assert threads and all(t is not threading.main_thread() for t in threads)
    assert len(gaps) >= 5
    assert window.browser.status_of(window.browser._rows and next(iter(  # noqa: SLF001
        window.browser._rows))) is not None  # noqa: SLF001


def visible_texts(root: QWidget) -> list[str]:
    texts: list[str] = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisible():
            continue
        if isinstance(widget, QAbstractButton) and widget.text():
            texts.append(widget.text())
        if isinstance(widget, QLabel) and widget.text():
            texts.append(widget.text())
        if widget.windowTitle() and widget.isWindow():
            texts.append(widget.windowTitle())
    return texts


def test_switching_language_changes_the_visible_strings(qtbot: QtBot, demo_store: Store) -> None:
    window = make_window(qtbot, demo_store)
    inspection_id = a_draft(demo_store)
    window.open_inspection(inspection_id)
    chinese = visible_texts(window)
    assert window.windowTitle() == "绿色社区巡查"
    try:
        window.set_language("en")
        assert window.windowTitle() == "Green Community Inspector"
        assert window.file_menu.title() == "&File"
        english = visible_texts(window)
        assert english != chinese
        data = {window.editor.title.text(), window.editor.subtitle.text(),
                window.editor.item_guidance.text()}
        leftovers = [text for text in english if CJK.search(text) and text not in data]
        assert leftovers == []
        headers = [window.editor.tree.headerItem().text(i) for i in range(5)]
        assert headers == ["No.", "Item", "Result", "Photo", "Note"]
        assert not any(CJK.search(a.text()) for a in window.findChildren(type(window.quit_action))
                       if a.text() not in ("中文",))
        assert Settings().language == "en"
    finally:
        window.set_language("zh")
    assert window.windowTitle() == "绿色社区巡查"
    assert QApplication.instance() is not None


def test_a_submitted_inspection_refuses_edits_with_a_message(qtbot: QtBot,
                                                            demo_store: Store) -> None:
    from ui import errors

    window = make_window(qtbot, demo_store)
    submitted = demo_store.query("SELECT id FROM inspections WHERE status = 'submitted'")[0]["id"]
    window.open_inspection(submitted)
    before = inspections.answers_of(demo_store, submitted)
    window.editor.select_item("A01")
    qtbot.keyClick(window.editor.tree, Qt.Key.Key_2)
    assert inspections.answers_of(demo_store, submitted) == before
    assert errors.shown_messages and "已提交" in errors.shown_messages[-1]
    assert window.editor.reopen_button.isVisible()
    assert not window.editor.submit_button.isVisible()
    assert findings.list_findings(demo_store, inspection_id=submitted) is not None


def test_a_reload_sets_only_the_badges_that_changed(qtbot: QtBot, demo_store: Store,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    window = make_window(qtbot, demo_store)
    browser = window.browser
    touched: list[str] = []
    set_status = browser._set_status  # noqa: SLF001

    def counting(status: overview.CommunityStatus) -> None:
        touched.append(status.id)
        set_status(status)

    monkeypatch.setattr(browser, "_set_status", counting)
    with qtbot.waitSignal(browser.loaded, timeout=20_000):
        browser.reload()
    assert touched == []  # nothing changed: no badge is set again (a city has 1,600)
    inspection_id = a_draft(demo_store)
    community = str(inspections.get(demo_store, inspection_id)["community_id"])
    findings.add(demo_store, inspection_id, category="corridor_clutter", description="楼道堆物",
                 item_code="B01")
    with qtbot.waitSignal(browser.loaded, timeout=20_000):
        browser.reload()
    assert touched == [community]
    assert browser._statuses[community].open_findings >= 1  # noqa: SLF001


def test_the_warm_up_imports_the_domain_off_the_gui_thread_and_the_editor_on_it(
        qtbot: QtBot, demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    from PySide6.QtCore import QThread

    seen: list[tuple[str, QThread]] = []
    original = importlib.import_module

    def recording(name: str, package: str | None = None) -> object:
        seen.append((name, QThread.currentThread()))
        return original(name, package)

    monkeypatch.setattr(importlib, "import_module", recording)
    make_window(qtbot, demo_store)
    qtbot.waitUntil(lambda: any(name == "ui.inspection_editor" for name, _ in seen),
                    timeout=20_000)
    gui = QApplication.instance()
    assert gui is not None
    # Qt subclasses are made on the GUI thread only (two threads at once crash shiboken)
    assert all(thread is gui.thread() for name, thread in seen
               if name == "ui.inspection_editor")
    assert all(thread is not gui.thread() for name, thread in seen
               if name.startswith("inspector."))
    assert any(name.startswith("inspector.") for name, _ in seen)


def test_the_browser_s_states_are_the_overview_s() -> None:
    assert (browser_module.NEVER, browser_module.MET, browser_module.NOT_MET,
            browser_module.IN_PROGRESS) == (overview.NEVER, overview.MET, overview.NOT_MET,
                                            overview.IN_PROGRESS)
    assert set(browser_module.STATE_COLOURS) == {overview.NEVER, overview.MET,
                                                 overview.NOT_MET, overview.IN_PROGRESS}
