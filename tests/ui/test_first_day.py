"""The first day without dead ends: the first-run assistant, the registry imported in the GUI
with a preview, Qt's own Chinese, the data directory chosen the same way as the CLI's."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox
from pytestqt.qtbot import QtBot

from inspector import cli
from inspector.core import datadir
from inspector.core.datadir import DataDirChoice
from inspector.core.store import Store
from inspector.domain import audit
from tests.conftest import fixed_clock
from tests.ui.conftest import type_text
from tests.ui.test_workbench import make_window
from ui import browser as browser_module
from ui import errors
from ui.community_import_dialog import CommunityImportDialog
from ui.first_run import DEMO, EMPTY, IMPORT, KEEP, FirstRunWizard
from ui.i18n import install_qt_translations
from ui.main_window import MainWindow
from ui.settings import Settings

REGISTRY = ("区县(市),街道,社区,地址,户数,物业管理,纬度,经度\n"
            "海曙区,南门街道,柳西社区,柳汀街120号,821,专业物业,29.8683,121.5440\n"
            "海曙区,南门街道,尹江岸社区,尹江路159号,2907,准物业,,\n"
            "鄞州区,中河街道,长丰社区,长丰路1号,1500,自治,,\n")


def _empty_window(qtbot: QtBot, store: Store) -> MainWindow:
    window = MainWindow(store, Settings())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: not window.browser.is_loading, timeout=20_000)
    return window


# -- Qt's own texts in Chinese ------------------------------------------------------------------


def test_qt_itself_speaks_chinese(qtbot: QtBot) -> None:
    assert install_qt_translations("zh")
    try:
        box = QMessageBox(QMessageBox.Icon.Question, "t", "x",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        assert {b.text() for b in box.buttons()} == {"是(&Y)", "否(&N)"}
        field = QLineEdit()
        qtbot.addWidget(field)
        menu = field.createStandardContextMenu()
        assert any(a.text().startswith("撤消") for a in menu.actions())
        menu.deleteLater()
        install_qt_translations("en")
        english = QMessageBox(QMessageBox.Icon.Question, "t", "x",
                              QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        assert {b.text() for b in english.buttons()} == {"&Yes", "&No"}
    finally:
        install_qt_translations("zh")


def test_the_edit_menu_says_what_undo_will_undo(qtbot: QtBot, demo_store: Store) -> None:
    window = make_window(qtbot, demo_store)
    draft = demo_store.query("SELECT id FROM inspections WHERE status = 'draft'")[0]["id"]
    window.open_inspection(draft)
    editor = window.editor
    editor.select_item("B09")
    editor.note_edit.setFocus()
    editor.note_edit.clear()
    type_text(editor.note_edit, "现场核实")
    qtbot.keyClick(editor.note_edit, Qt.Key.Key_Return)
    assert window.undo_action.text() == "撤销 备注 B09"
    window.set_language("en")
    try:
        assert window.undo_action.text() == "Undo 备注 B09"  # the command keeps its name
    finally:
        window.set_language("zh")
    window.undo_stack.undo()
    assert window.redo_action.text() == "重做 备注 B09" and window.undo_action.text() != ""


# -- the data directory: one rule for GUI and CLI -----------------------------------------------


def test_the_cli_and_the_gui_choose_the_same_data_directory(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]
                                                             ) -> None:
    chosen = tmp_path / "数据, 目录"
    settings = Settings()
    settings.set("data_dir", str(chosen))
    assert datadir.choose_data_dir() == DataDirChoice(chosen.resolve(), datadir.SETTINGS)
    assert cli.main(["init"], wall=fixed_clock()) == 0
    assert str(chosen.resolve()) in capsys.readouterr().out
    monkeypatch.setenv("INSPECTOR_DATA_DIR", str(tmp_path / "env"))
    assert datadir.choose_data_dir().source == datadir.ENVIRONMENT  # env beats settings
    assert datadir.choose_data_dir(tmp_path / "arg").source == datadir.ARGUMENT


def test_saving_settings_pins_the_data_directory_only_when_it_was_changed(
        qtbot: QtBot, demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    window = make_window(qtbot, demo_store)
    window.data_choice = DataDirChoice(demo_store.data_dir, datadir.ENVIRONMENT)
    dialog = window.open_settings()
    assert "INSPECTOR_DATA_DIR" in dialog.data_source.text()
    assert str(demo_store.data_dir) in dialog.data_source.text()
    dialog.inspector_name.setText("陈晓燕")
    dialog.accept()
    assert Settings().get("data_dir") == ""  # only the name was saved
    assert Settings().inspector_name == "陈晓燕"
    dialog = window.open_settings()
    dialog.data_dir.setText("/srv/巡查数据")
    dialog.accept()
    assert Settings().get("data_dir") == "/srv/巡查数据"


# -- the registry in the GUI ---------------------------------------------------------------------


def test_a_community_list_is_previewed_then_imported(qtbot: QtBot, store: Store,
                                                     tmp_path: Path) -> None:
    window = _empty_window(qtbot, store)
    assert window.welcome_import.isVisible() and window.welcome_demo.isVisible()
    registry = tmp_path / "社区名单.csv"
    registry.write_bytes(REGISTRY.encode("gbk"))
    dialog = window.import_communities(registry)
    assert isinstance(dialog, CommunityImportDialog)
    qtbot.waitUntil(lambda: not dialog.busy(), timeout=10_000)
    assert "GBK/GB18030" in dialog.facts.text() and "将新增 3" in dialog.facts.text()
    assert dialog.table.rowCount() == 3 and dialog.table.item(0, 3).text() == "柳西社区"
    assert dialog.import_button.isEnabled()
    assert store.query_one("SELECT COUNT(*) AS n FROM communities")["n"] == 0  # type: ignore[index]
    with qtbot.waitSignal(dialog.imported, timeout=10_000):
        dialog.import_button.click()
    qtbot.waitUntil(lambda: window.browser.community_count() == 3, timeout=10_000)
    assert not window.welcome_import.isVisible()
    assert "新增 3" in window.statusBar().currentMessage()


def test_a_bad_list_shows_every_bad_line_and_imports_nothing(qtbot: QtBot, store: Store,
                                                            tmp_path: Path) -> None:
    window = _empty_window(qtbot, store)
    registry = tmp_path / "bad.csv"
    registry.write_text("区县(市),街道,社区,户数\n海曙区,南门街道,柳西社区,很多\n"
                        "海曙区,,尹江岸社区,12\n", encoding="utf-8")
    dialog = window.import_communities(registry)
    qtbot.waitUntil(lambda: not dialog.busy(), timeout=10_000)
    problems = [dialog.problems.item(i).text() for i in range(dialog.problems.count())]
    assert len(problems) == 2
    assert "第 2 行" in problems[0] and "户数" in problems[0]
    assert "第 3 行" in problems[1] and "街道" in problems[1]
    assert not dialog.import_button.isEnabled()
    dialog.import_file()  # refused: nothing happens
    assert store.query_one("SELECT COUNT(*) AS n FROM communities")["n"] == 0  # type: ignore[index]


def test_the_demo_can_be_loaded_from_an_empty_window(qtbot: QtBot, store: Store) -> None:
    window = _empty_window(qtbot, store)
    assert window.demo_action.isEnabled()
    job = window.load_demo()
    assert job is not None
    qtbot.waitUntil(lambda: window.browser.community_count() > 60, timeout=60_000)
    assert not window.demo_action.isEnabled() and window.load_demo() is None


# -- the first-run assistant --------------------------------------------------------------------


def test_the_first_run_assistant_asks_who_and_where(qtbot: QtBot, tmp_path: Path) -> None:
    settings = Settings()
    choice = DataDirChoice(tmp_path / "default", datadir.DEFAULT)
    wizard = FirstRunWizard(settings, choice, empty=True)
    qtbot.addWidget(wizard)
    wizard.show()
    assert wizard.currentPage() is wizard.person
    wizard.next()
    assert wizard.currentPage() is wizard.person  # the name is required
    assert "姓名" in errors.shown_messages[-1]
    type_text(wizard.person.name, "王建国")
    wizard.person.unit.setText("海曙区住建局")
    wizard.person.district.setCurrentIndex(wizard.person.district.findData("海曙区"))
    wizard.next()
    assert wizard.currentPage() is wizard.data
    assert "本机默认位置" in wizard.data.note.text()
    wizard.next()
    assert wizard.begin.registry.isVisible() and wizard.answers().start == IMPORT
    wizard.begin.demo.setChecked(True)
    assert wizard.answers().start == DEMO
    wizard.begin.blank.setChecked(True)
    answers = wizard.save()
    assert answers.start == EMPTY and not answers.data_dir_changed
    assert settings.inspector_name == "王建国" and settings.get("district") == "海曙区"
    assert settings.get("inspector_unit") == "海曙区住建局"
    assert settings.get("data_dir") == ""  # the default was not pinned
    wizard.close()


def test_the_assistant_keeps_an_argument_s_directory_and_a_directory_with_data(
        qtbot: QtBot, demo_dir: Path) -> None:
    wizard = FirstRunWizard(Settings(), DataDirChoice(demo_dir, datadir.ARGUMENT), empty=False)
    qtbot.addWidget(wizard)
    wizard.show()
    type_text(wizard.person.name, "陈晓燕")
    wizard.next()
    assert wizard.data.path.isReadOnly() and "--data-dir" in wizard.data.note.text()
    wizard.next()
    assert not wizard.begin.demo.isVisible() and "已有数据" in wizard.begin.has_data.text()
    assert wizard.answers().start == KEEP
    wizard.close()


def test_the_assistant_s_name_goes_into_the_audit_trail(qtbot: QtBot, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The start-up path: an empty data directory, the assistant answered, the registry
    imported; every change carries the inspector's name, not the OS account."""
    from ui import app as app_module
    from ui import first_run as first_run_module

    data = tmp_path / "data"

    def answer(wizard: FirstRunWizard) -> int:
        wizard.person.name.setText("王建国")
        wizard.data.path.setText(str(tmp_path / "chosen"))
        wizard.begin.blank.setChecked(True)
        return 1  # Accepted

    monkeypatch.setattr(first_run_module.FirstRunWizard, "exec", answer)
    store = Store.open(data, wall=fixed_clock())
    store, choice, start = app_module.first_run(store, Settings(), DataDirChoice(
        data, datadir.DEFAULT))
    try:
        assert start == EMPTY and choice.path == (tmp_path / "chosen").resolve()
        assert store.data_dir == choice.path and store.actor == "王建国"
        assert Settings().get("data_dir") == str(choice.path)
        registry = tmp_path / "list.csv"
        registry.write_text(REGISTRY, encoding="utf-8")
        from inspector.domain import community_import

        community_import.import_file(store, registry)
        assert {e.actor for e in audit.entries(store)} == {"王建国"}
    finally:
        store.close()


# -- small dead ends -----------------------------------------------------------------------------


def test_ctrl_n_without_a_community_says_so(qtbot: QtBot, demo_store: Store) -> None:
    window = make_window(qtbot, demo_store)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert "请先在左侧选择一个社区" in errors.shown_messages[-1]
    assert window.browser.search.hasFocus() or QApplication.focusWidget() is not None


def test_full_pinyin_finds_and_nothing_found_is_said(qtbot: QtBot, demo_store: Store) -> None:
    window = make_window(qtbot, demo_store)
    qtbot.waitUntil(lambda: window.browser.search_complete)
    window.browser.search.setText("liuxi")
    assert window.browser.open_first_match() is not None
    assert window.community_page.title.text() == "柳西社区"
    window.browser.search.setText("yzq")  # 鄞州区, a rare character
    assert window.browser.proxy.rowCount() >= 1
    window.browser.search.setText("zzzzqqq")
    assert window.browser.no_match() and "没有与“zzzzqqq”匹配的社区" in \
        window.browser.summary.text()
    window.browser.search.clear()
    assert "个社区" in window.browser.summary.text()


def test_the_browser_opens_the_inspector_s_district(qtbot: QtBot, demo_store: Store) -> None:
    Settings().set("district", "宁海县")
    window = make_window(qtbot, demo_store)
    item = window.browser._parents[("宁海县",)]  # noqa: SLF001 - the tree's own item
    assert window.browser.view.isExpanded(window.browser.proxy.mapFromSource(item.index()))


def test_the_tree_is_shown_before_its_pinyin_keys(
        qtbot: QtBot, demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first pinyin read of a process takes ≈ 0.5 s: the tree does not wait for it.
    Until the keys are in, Chinese text finds communities and a pinyin query is not said to
    find nothing."""
    released = threading.Event()
    real = browser_module.pinyin_keys

    def held(statuses: list[Any]) -> Any:
        work = real(statuses)

        def wait_then_work(token: Any, progress: Any) -> Any:
            assert released.wait(30)
            return work(token, progress)

        return wait_then_work

    monkeypatch.setattr(browser_module, "pinyin_keys", held)
    window = make_window(qtbot, demo_store)
    browser = window.browser
    assert not browser.search_complete
    browser.search.setText("柳西")
    assert browser.proxy.rowCount() >= 1
    browser.search.setText("liuxi")
    assert browser.proxy.rowCount() == 0 and not browser.no_match()
    assert "没有与" not in browser.summary.text()
    with qtbot.waitSignal(browser.pinyin_ready, timeout=20_000):
        released.set()
    assert browser.search_complete and browser.proxy.rowCount() >= 1
    assert browser.open_first_match() is not None
    assert window.community_page.title.text() == "柳西社区"
