"""The main window: community browser on the left; community page or inspection editor right.

It is made in two parts, so that start-up shows the real window at once (issue 11: start-up
≤ 1.3× a bare QMainWindow): ``MainWindow(None, settings, data_dir=…)`` is only its frame —
title, size, the menus' titles, the status line and an "opening…" page, with nothing imported
but QtWidgets' basic classes (the ``Qt`` namespace alone costs ≈ 15 ms) — and
``build_steps(store)`` is the rest as a few short steps that ``ui.app`` runs one per
event-loop turn after the frame is shown. ``MainWindow(store, settings)`` runs them at once.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMainWindow, QVBoxLayout, QWidget

from ui.errors import guarded, show_error
from ui.i18n import language, tr
from ui.settings import Settings

if TYPE_CHECKING:  # the editor and dialogs are imported when first opened: a quicker start
    from PySide6.QtGui import (
        QAction,
        QCloseEvent,
        QDragEnterEvent,
        QDropEvent,
        QKeySequence,
        QUndoStack,
    )
    from PySide6.QtWidgets import QDialog, QInputDialog, QPushButton, QStackedWidget

    from inspector.core.changes import Changes
    from inspector.core.datadir import DataDirChoice
    from inspector.core.store import Store
    from ui.browser import CommunityBrowser
    from ui.community_import_dialog import CommunityImportDialog
    from ui.community_page import CommunityPage
    from ui.conflicts_dialog import ConflictsDialog
    from ui.dashboard import DashboardDialog
    from ui.document_check import DocumentCheck
    from ui.inspection_editor import InspectionEditor
    from ui.new_inspection_dialog import NewInspectionDialog
    from ui.report_actions import ReportRun
    from ui.roster_dialog import RosterDialog
    from ui.settings_dialog import SettingsDialog
    from ui.submit_dialog import SubmitDialog
    from ui.sync_dialog import SyncDialog
    from ui.sync_status import SyncStatus

log = logging.getLogger(__name__)

# Imported on a worker once the registry is shown; Qt-free only (tests/ui/test_warm_up.py).
WARM_UP_OFF_THREAD = ("inspector.domain.inspections", "inspector.domain.places",
                      "inspector.domain.communities", "inspector.domain.geo",
                      "inspector.domain.evidence", "inspector.domain.provenance")
# Then the editor's own modules on the GUI thread, one per event-loop turn, leaves first (so
# each import runs one module): imported together they stopped the GUI for 100–150 ms on the
# city-year. tests/ui/test_warm_up.py checks that each step imports only what it names.
WARM_UP_ON_GUI = ("ui.checklist_tree", "ui.community_page", "ui.elided_label",
                  "ui.photo_jobs", "ui.camera", "ui.undo", "ui.photo_strip",
                  "ui.finding_dialog", "ui.findings_panel", "ui.inspection_editor")


class MainWindow(QMainWindow):
    # Made by the build steps (``build_steps``), not by the frame.
    store: Store
    undo_stack: QUndoStack
    browser: CommunityBrowser
    stack: QStackedWidget
    welcome: QWidget
    welcome_text: QLabel
    welcome_import: QPushButton
    welcome_demo: QPushButton
    sync_status: SyncStatus

    def __init__(self, store: Store | None, settings: Settings, parent: QWidget | None = None,
                 *, data_dir: Path | None = None) -> None:
        """``store`` None: the frame only (its status line names ``data_dir``); the app
        runs ``build_steps`` once it is shown."""
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.settings = settings
        self.dialog: QDialog | None = None  # the open non-blocking dialog, if any
        self.dashboard: DashboardDialog | None = None  # not modal: it stays open beside
        self.data_choice: DataDirChoice | None = None  # how the data directory was chosen
        self.built = False  # every build step has run
        self._attached = False  # the store is set (the first build step)
        self._actions_made = False
        self._sync_status_made = False  # made once the registry has been read
        self._data_dir = store.data_dir if store is not None else data_dir
        # The community page is made when a community is first opened: not for the first window.
        self._community_page: CommunityPage | None = None
        self._editor: InspectionEditor | None = None
        self._warmed = False  # the editor's modules imported in the background

        # The page shown until the browser and the welcome page are built: laid out with
        # stretches rather than an alignment flag, which would make the Qt namespace.
        self.opening: QWidget | None = QWidget(self)
        self.opening.setObjectName("opening")
        self.opening_text = QLabel(self.opening)
        self.opening_text.setObjectName("openingText")
        row = QHBoxLayout()
        row.addSpacing(330)  # the browser's width: the heading stays where the welcome page's is
        row.addStretch(1)
        row.addWidget(self.opening_text)
        row.addStretch(1)
        opening_layout = QVBoxLayout(self.opening)
        opening_layout.addStretch(1)
        opening_layout.addLayout(row)
        opening_layout.addStretch(2)
        self.setCentralWidget(self.opening)
        bar = self.menuBar()  # the titles now, so the window does not shift when filled
        self.file_menu = bar.addMenu("")
        self.edit_menu = bar.addMenu("")
        self.inspection_menu = bar.addMenu("")
        self.report_menu = bar.addMenu("")
        self.sync_menu = bar.addMenu("")
        self.language_menu = bar.addMenu("")
        self.help_menu = bar.addMenu("")
        self.status_label = QLabel(self)
        self.statusBar().addPermanentWidget(self.status_label)
        self._retranslate_frame()
        self._update_status()
        self.resize(1400, 860)
        if store is not None:
            for step in self.build_steps(store):
                step()

    def build_steps(self, store: Store) -> list[Callable[[], None]]:
        """The rest of the window, in steps short enough for one event-loop turn each."""
        return [lambda: self._attach(store), self._make_actions, self._make_panes,
                self._finish_build]

    def _attach(self, store: Store) -> None:
        from PySide6.QtGui import QUndoStack

        from inspector.core.changes import NONE

        self.store = store
        self._data_dir = store.data_dir
        self.undo_stack = QUndoStack(self)
        # What this window's store committed and the browser does not show yet: noted by the
        # store after each commit, shown after the operation ended (``_show_changes``).
        self._unshown: Changes = NONE
        self._show_pending = False
        store.on_commit(self._committed)
        self._attached = True
        self._update_status()

    def _make_panes(self) -> None:
        """The browser, the welcome page and the sync status: they replace the opening page."""
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QPushButton, QSplitter, QStackedWidget

        from ui.browser import CommunityBrowser

        self.browser = CommunityBrowser(self.store.open_worker, self)
        self.browser.community_selected.connect(self.open_community)
        # The page before a community is chosen; with no communities yet it offers the way in.
        self.welcome = QWidget(self)
        self.welcome.setObjectName("welcome")
        self.welcome_text = QLabel(self.welcome)
        self.welcome_text.setObjectName("welcomeText")
        self.welcome_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.welcome_text.setWordWrap(True)
        self.welcome_import = QPushButton(self.welcome)
        self.welcome_import.setObjectName("welcomeImport")
        self.welcome_import.clicked.connect(lambda: self.import_communities())
        self.welcome_demo = QPushButton(self.welcome)
        self.welcome_demo.setObjectName("welcomeDemo")
        self.welcome_demo.clicked.connect(lambda: self.load_demo())
        welcome_buttons = QHBoxLayout()
        welcome_buttons.addStretch(1)
        welcome_buttons.addWidget(self.welcome_import)
        welcome_buttons.addWidget(self.welcome_demo)
        welcome_buttons.addStretch(1)
        welcome_layout = QVBoxLayout(self.welcome)
        welcome_layout.addStretch(1)
        welcome_layout.addWidget(self.welcome_text)
        welcome_layout.addLayout(welcome_buttons)
        welcome_layout.addStretch(2)
        self.browser.loaded.connect(self._registry_loaded)
        self.browser.load_failed.connect(lambda _message: self._make_sync_status())
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.welcome)
        splitter = QSplitter(self)
        splitter.addWidget(self.browser)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([330, 1000])
        self.setCentralWidget(splitter)  # deletes the opening page
        self.opening = None
        self._welcome_texts()

    def _finish_build(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        # Deleted when closed, so nothing of it answers language switches after its store
        # closed.
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        language.changed.connect(self.retranslate)
        self.setAcceptDrops(True)  # a PDF dropped on the window is checked
        # Read the registry once the window is up: its worker (and the imports it needs)
        # would otherwise compete with building and showing the window for the GIL. The
        # warm-up imports wait for the registry too: on the city-year they held the GIL
        # while the browser's batches were being put in (a stall of the first paint).
        QTimer.singleShot(0, self, self.browser.reload)
        self.browser.loaded.connect(self._warm_up)
        self.built = True

    # -- actions and menus --------------------------------------------------------------------

    def _action(self, handler: Callable[[], object],
                shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None
                ) -> QAction:
        from PySide6.QtGui import QAction, QKeySequence

        action = QAction(self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(handler)
        self.addAction(action)
        return action

    def _make_actions(self) -> None:
        from PySide6.QtGui import QActionGroup, QKeySequence

        self.settings_action = self._action(self.open_settings, "Ctrl+,")
        self.import_action = self._action(lambda: self.import_communities())
        self.demo_action = self._action(lambda: self.load_demo())
        self.quit_action = self._action(self.close, QKeySequence.StandardKey.Quit)
        # Our own actions rather than QUndoStack's: their texts ("撤销 备注 C01") follow the
        # language switch, which the stack's fixed "Undo %1" prefix would not.
        self.undo_action = self._action(self.undo_stack.undo, QKeySequence.StandardKey.Undo)
        self.redo_action = self._action(self.undo_stack.redo)
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Y"), QKeySequence("Ctrl+Shift+Z")])
        self.undo_stack.canUndoChanged.connect(self.undo_action.setEnabled)
        self.undo_stack.canRedoChanged.connect(self.redo_action.setEnabled)
        self.undo_stack.undoTextChanged.connect(self._undo_text_changed)
        self.undo_stack.redoTextChanged.connect(self._undo_text_changed)
        self.undo_action.setEnabled(False)
        self.redo_action.setEnabled(False)
        self.search_action = self._action(self.focus_search, "Ctrl+L")
        self.new_action = self._action(self.new_inspection_for_current, "Ctrl+N")
        self.finding_action = self._action(self.add_finding, "Ctrl+Shift+F")
        self.submit_action = self._action(self.submit_current, "Ctrl+Return")
        self.reopen_action = self._action(self.reopen_current)
        self.back_action = self._action(self.back_to_community, "Alt+Left")
        self.zh_action = self._action(lambda: self.set_language("zh"))
        self.en_action = self._action(lambda: self.set_language("en"))
        group = QActionGroup(self)
        for action in (self.zh_action, self.en_action):
            action.setCheckable(True)
            group.addAction(action)
        (self.en_action if language.current() == "en" else self.zh_action).setChecked(True)
        self.report_action = self._action(lambda: self.report_findings(), "Ctrl+P")
        self.notices_action = self._action(lambda: self.report_notices())
        self.recheck_action = self._action(lambda: self.start_recheck())
        self.pending_action = self._action(lambda: self.show_pending())
        self.summary_action = self._action(lambda: self.report_summary())
        self.dashboard_action = self._action(lambda: self.open_dashboard(), "Ctrl+D")
        self.export_action = self._action(lambda: self.export_data())
        self.check_action = self._action(lambda: self.check_document())
        self.sync_action = self._action(self.open_sync, "Ctrl+Shift+S")
        self.conflicts_action = self._action(self.open_conflicts)
        self.roster_action = self._action(self.open_roster)
        self.keys_action = self._action(self.show_keys, QKeySequence.StandardKey.HelpContents)
        self.about_action = self._action(self.show_about)

        self.file_menu.addAction(self.import_action)
        self.file_menu.addAction(self.demo_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.settings_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.quit_action)
        self.edit_menu.addAction(self.undo_action)
        self.edit_menu.addAction(self.redo_action)
        self.edit_menu.addSeparator()
        self.edit_menu.addAction(self.search_action)
        for action in (self.new_action, self.finding_action, self.submit_action,
                       self.reopen_action, self.back_action):
            self.inspection_menu.addAction(action)
        self.inspection_menu.addSeparator()
        self.inspection_menu.addAction(self.recheck_action)
        self.inspection_menu.addAction(self.pending_action)
        for action in (self.report_action, self.notices_action):
            self.report_menu.addAction(action)
        self.report_menu.addSeparator()
        self.report_menu.addAction(self.dashboard_action)
        self.report_menu.addAction(self.summary_action)
        self.report_menu.addAction(self.export_action)
        self.report_menu.addSeparator()
        self.report_menu.addAction(self.check_action)
        self.sync_menu.addAction(self.sync_action)
        self.sync_menu.addSeparator()
        self.sync_menu.addAction(self.conflicts_action)
        self.sync_menu.addAction(self.roster_action)
        self.language_menu.addAction(self.zh_action)
        self.language_menu.addAction(self.en_action)
        self.help_menu.addAction(self.keys_action)
        self.help_menu.addAction(self.about_action)
        self._actions_made = True
        self._action_texts()

    def retranslate(self) -> None:
        self._retranslate_frame()
        if self._actions_made:
            self._action_texts()
        if self.opening is None:
            self._welcome_texts()
        self._update_status()

    def _retranslate_frame(self) -> None:
        self.setWindowTitle(tr("绿色社区巡查", "Green Community Inspector"))
        self.file_menu.setTitle(tr("文件(&F)", "&File"))
        self.edit_menu.setTitle(tr("编辑(&E)", "&Edit"))
        self.inspection_menu.setTitle(tr("检查(&I)", "&Inspection"))
        self.language_menu.setTitle(tr("语言(&L)", "&Language"))
        self.report_menu.setTitle(tr("报告(&R)", "&Reports"))
        self.sync_menu.setTitle(tr("同步(&S)", "&Sync"))
        self.help_menu.setTitle(tr("帮助(&H)", "&Help"))
        if self.opening is not None:
            # The welcome page's heading, so that the page that replaces it looks akin.
            self.opening_text.setText(tr(
                "<h2 align=center>绿色社区巡查</h2><p align=center>正在打开…</p>",
                "<h2 align=center>Green Community Inspector</h2><p align=center>Opening…</p>"))

    def _action_texts(self) -> None:
        self.sync_action.setText(tr("同步…", "Sync…"))
        self.conflicts_action.setText(tr("同步冲突…", "Sync conflicts…"))
        self.roster_action.setText(tr("团队设备…", "Team devices…"))
        self.report_action.setText(tr("检查报告（PDF）…", "Findings report (PDF)…"))
        self.notices_action.setText(tr("整改通知书…", "Rectification notices…"))
        self.summary_action.setText(tr("区县汇总表…", "District summary…"))
        self.recheck_action.setText(tr("复查本次检查的问题…",
                                       "Re-check this inspection's findings…"))
        self.pending_action.setText(tr("待整改…", "Pending rectifications…"))
        self.dashboard_action.setText(tr("统计看板…", "Dashboard…"))
        self.export_action.setText(tr("导出数据…", "Export data…"))
        self.check_action.setText(tr("核验文件（PDF）…", "Check a document (PDF)…"))
        self.check_action.setToolTip(tr("也可以把 PDF 文件拖到窗口上核验",
                                        "You can also drop a PDF file on the window"))
        self.settings_action.setText(tr("设置…", "Settings…"))
        self.import_action.setText(tr("导入社区名单…", "Import a community list…"))
        self.demo_action.setText(tr("装入演示数据", "Load the demo data"))
        self.quit_action.setText(tr("退出", "Quit"))
        self._undo_texts()
        self.search_action.setText(tr("搜索社区", "Search communities"))
        self.new_action.setText(tr("新建检查…", "New inspection…"))
        self.finding_action.setText(tr("添加问题…", "Add finding…"))
        self.submit_action.setText(tr("提交检查…", "Submit inspection…"))
        self.reopen_action.setText(tr("重新打开检查…", "Reopen inspection…"))
        self.back_action.setText(tr("返回社区", "Back to community"))
        self.zh_action.setText("中文")
        self.en_action.setText("English")
        self.keys_action.setText(tr("键盘快捷键", "Keyboard shortcuts"))
        self.about_action.setText(tr("关于", "About"))

    def _welcome_texts(self) -> None:
        self.welcome_import.setText(tr("导入社区名单…", "Import a community list…"))
        self.welcome_demo.setText(tr("装入演示数据", "Load the demo data"))
        self._show_welcome()

    def _show_welcome(self) -> None:
        empty = self.browser.community_count() == 0 and not self.browser.is_loading
        if empty:
            self.welcome_text.setText(tr(
                "<h2>绿色社区巡查</h2><p>还没有社区。导入街道或区县的社区名单（CSV），"
                "或先装入演示数据看看。</p><p>以后也可以在“文件”菜单中导入。</p>",
                "<h2>Green Community Inspector</h2><p>There are no communities yet. Import "
                "the community list of your street or district (CSV), or load the demo data "
                "to look around.</p><p>The File menu offers both later too.</p>"))
        else:
            self.welcome_text.setText(tr(
                "<h2>绿色社区巡查</h2><p>在左侧选择一个社区开始检查。</p>"
                "<p>Ctrl+L 搜索社区 · Ctrl+N 新建检查 · F1 键盘快捷键</p>",
                "<h2>Green Community Inspector</h2><p>Choose a community on the left to "
                "begin.</p><p>Ctrl+L search · Ctrl+N new inspection · F1 keyboard "
                "shortcuts</p>"))
        self.welcome_import.setVisible(empty)
        self.welcome_demo.setVisible(empty)
        self.demo_action.setEnabled(empty)

    def _registry_loaded(self, count: int) -> None:
        self._make_sync_status()
        self._show_welcome()
        district = self.settings.get("district")
        if count and district:  # the inspector's own district first
            self.browser.expand_district(district)

    def _make_sync_status(self) -> None:
        """The sync state in the status bar, once the registry has been read: its check's
        worker imports the sync modules (and pydantic), and two threads importing pydantic
        at once under PySide's import hook now and then fail ("partially initialized
        module") — the browser's worker, importing the overview, was one of them."""
        if self._sync_status_made:
            return
        from ui.sync_status import SyncStatus

        self.sync_status = SyncStatus(self.store, self, auto_refresh_ms=15_000, lazy=True)
        self.sync_status.conflicts_clicked.connect(self.open_conflicts)
        self.statusBar().addPermanentWidget(self.sync_status)
        self._sync_status_made = True

    def _refresh_sync_status(self) -> None:
        if self._sync_status_made:
            self.sync_status.refresh()

    def _warm_up(self, _count: int = 0) -> None:
        """Import the community page's domain modules on a worker thread once the registry
        is shown (they are left out of the start), then the editor's modules on the GUI
        thread, one per event-loop turn, so that showing the first community and opening the
        first inspection do not stop the GUI for their imports. Only Qt-free modules may be
        imported off the GUI thread: shiboken creating Qt subclasses on two threads at once
        crashes the process."""
        if self._warmed:
            return
        self._warmed = True
        from ui import ops

        def work(_token: ops.CancelToken, _progress: ops.Progress) -> None:
            import importlib

            for name in WARM_UP_OFF_THREAD:
                importlib.import_module(name)

        waiting = list(WARM_UP_ON_GUI)
        # Weakly: a pending step must not keep a closed window's wrapper alive.
        window = weakref.ref(self)

        def then(_result: object = None) -> None:
            import importlib

            from PySide6.QtCore import QTimer

            alive = window()
            if waiting and alive is not None and shiboken6.isValid(alive):
                importlib.import_module(waiting.pop(0))
                QTimer.singleShot(0, alive, then)

        ops.QueryOp(self, work, on_success=then, on_failure=lambda exc: log.warning(
            "warming up failed: %s", exc)).run()

    def _undo_text_changed(self, _text: str) -> None:
        self._undo_texts()

    def _undo_texts(self) -> None:
        if not shiboken6.isValid(self.undo_stack):
            return  # the window is being deleted
        undo, redo = self.undo_stack.undoText(), self.undo_stack.redoText()
        self.undo_action.setText(tr("撤销 {t}", "Undo {t}", t=undo).strip() if undo
                                 else tr("撤销", "Undo"))
        self.redo_action.setText(tr("重做 {t}", "Redo {t}", t=redo).strip() if redo
                                 else tr("重做", "Redo"))

    def _update_status(self) -> None:
        name = self.settings.inspector_name or tr("未设置", "not set")
        unit = self.settings.get("inspector_unit")
        if unit:
            name += tr("（{u}）", " ({u})", u=unit)
        self.status_label.setText(tr("检查人员：{n}　数据目录：{d}", "Inspector: {n}   Data: {d}",
                                     n=name, d=self._data_dir or ""))

    @property
    def editor(self) -> InspectionEditor:
        """The inspection editor, built the first time an inspection is opened."""
        if self._editor is None:
            from ui.inspection_editor import InspectionEditor

            editor = InspectionEditor(self.store, self.undo_stack, self)
            editor.back_requested.connect(self.back_to_community)
            editor.changed.connect(self._data_changed)
            editor.submit_requested.connect(self.submit_inspection)
            editor.reopen_requested.connect(self.reopen_inspection)
            editor.report_requested.connect(lambda _id: self.report_findings())
            editor.locked_changed.connect(lambda locked: self.finding_action.setEnabled(
                not locked))
            self.stack.addWidget(editor)
            self._editor = editor
        return self._editor

    @property
    def community_page(self) -> CommunityPage:
        if self._community_page is None:
            from ui.community_page import CommunityPage

            page = CommunityPage(self.store, self)
            page.open_inspection.connect(self.open_inspection)
            page.new_inspection_requested.connect(self.new_inspection)
            self.stack.addWidget(page)
            self._community_page = page
        return self._community_page

    def _open_community_id(self) -> str | None:
        """The community the community page shows (None before one was opened)."""
        return self._community_page.community_id if self._community_page is not None else None

    def _editing(self) -> bool:
        return self._editor is not None and self.stack.currentWidget() is self._editor and \
            self._editor.inspection_id is not None

    # -- navigation -----------------------------------------------------------------------

    def open_community(self, community_id: str) -> None:
        self.community_page.show_community(community_id)
        self.stack.setCurrentWidget(self.community_page)

    def open_inspection(self, inspection_id: str) -> None:
        from inspector.domain import inspections

        row = inspections.get(self.store, inspection_id)
        if self.community_page.community_id != row["community_id"]:
            self.community_page.show_community(row["community_id"])
            self.browser.select_community(row["community_id"])
        self.editor.load(inspection_id)
        self.stack.setCurrentWidget(self.editor)

    def back_to_community(self) -> None:
        self.finding_action.setEnabled(True)  # says "open an inspection" if used here
        if self._open_community_id():
            self.community_page.refresh()
            self.stack.setCurrentWidget(self.community_page)
            self.community_page.table.setFocus()

    def focus_search(self) -> None:
        self.browser.search.setFocus()
        self.browser.search.selectAll()

    def _data_changed(self) -> None:
        self._show_changes()
        self._refresh_sync_status()

    def _committed(self, changes: Changes) -> None:
        """The store committed a transaction: note its changes; they are shown once the
        operation that wrote them has ended (its signal, or the next event-loop turn)."""
        from PySide6.QtCore import QThread, QTimer

        if not shiboken6.isValid(self) or QThread.currentThread() is not self.thread():
            return
        self._unshown = self._unshown | changes
        if not self._show_pending:
            self._show_pending = True
            QTimer.singleShot(0, self, self._show_changes)

    def _show_changes(self) -> None:
        """Hand what was written since the last time to the browser and the findings panel:
        one badge, one row, not a rescan (a full read only when the changes cannot be
        narrowed)."""
        from inspector.core.changes import NONE

        self._show_pending = False
        changes, self._unshown = self._unshown, NONE
        if not changes:
            return
        self.browser.apply_changes(self.store, changes)
        if self._editor is not None and self._editor.inspection_id \
                and changes.touches("findings"):
            # A finding's row written elsewhere (a re-check, a dialog): just those rows.
            self._editor.findings.refresh_findings(changes.rows("findings"))

    def _reload_browser(self) -> None:
        """Read the whole registry again (communities imported, another device's changes)."""
        from inspector.core.changes import NONE

        self._unshown = NONE
        self.browser.reload()

    # -- dialogs (non-blocking: tests and users drive them the same way) ----------------------

    def _show_dialog(self, dialog: QDialog) -> QDialog:
        self.dialog = dialog
        dialog.finished.connect(lambda _result: self._dialog_closed(dialog))
        dialog.open()
        return dialog

    def _dialog_closed(self, dialog: QDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    def new_inspection_for_current(self) -> None:
        community_id = self._open_community_id()
        if community_id:
            self.new_inspection(community_id)
            return
        # Ctrl+N with no community open: say what is missing, and go where it is chosen.
        self.statusBar().showMessage(tr("请先在左侧选择一个社区（Ctrl+L 搜索），再新建检查。",
                                        "Choose a community on the left first (Ctrl+L "
                                        "searches), then start an inspection."), 8000)
        show_error(self, tr("请先在左侧选择一个社区（Ctrl+L 搜索），再新建检查。",
                            "Choose a community on the left first (Ctrl+L searches), then "
                            "start an inspection."), tr("新建检查", "New inspection"))
        self.focus_search()

    def new_inspection(self, community_id: str) -> NewInspectionDialog:
        from ui.new_inspection_dialog import NewInspectionDialog

        dialog = NewInspectionDialog(self.store, community_id,
                                     inspector_name=self.settings.inspector_name,
                                     default_template=self.settings.get("default_template"),
                                     parent=self)
        dialog.started.connect(self._inspection_started)
        self._show_dialog(dialog)
        return dialog

    def _inspection_started(self, inspection_id: str) -> None:
        self.open_inspection(inspection_id)
        self._show_changes()

    def add_finding(self) -> None:
        if self._editing():
            self.editor.add_finding()
        else:
            show_error(self, tr("请先打开一次检查，再添加问题。",
                                "Open an inspection first, then add a finding."))

    def submit_current(self) -> None:
        if self._editing() and self.editor.inspection_id:
            self.submit_inspection(self.editor.inspection_id)

    def submit_inspection(self, inspection_id: str) -> SubmitDialog:
        from ui.submit_dialog import SubmitDialog

        dialog = SubmitDialog(self.store, inspection_id, parent=self)
        dialog.submitted.connect(self._submitted)
        self._show_dialog(dialog)
        return dialog

    def _submitted(self, inspection_id: str) -> None:
        self.undo_stack.clear()
        self.editor.load(inspection_id)
        self._show_changes()

    def reopen_current(self) -> None:
        if self._editing() and self.editor.inspection_id:
            self.reopen_inspection(self.editor.inspection_id)

    def reopen_inspection(self, inspection_id: str) -> QInputDialog:
        from PySide6.QtWidgets import QInputDialog

        dialog = QInputDialog(self)
        dialog.setObjectName("reopenDialog")
        dialog.setWindowTitle(tr("重新打开检查", "Reopen inspection"))
        dialog.setLabelText(tr("请说明重新打开的原因（将记入修改记录）：",
                               "Why reopen it? (The reason goes into the change log.)"))
        dialog.setOkButtonText(tr("重新打开", "Reopen"))
        dialog.setCancelButtonText(tr("取消", "Cancel"))
        dialog.textValueSelected.connect(lambda reason: self._reopen(inspection_id, reason))
        self._show_dialog(dialog)
        return dialog

    def _reopen(self, inspection_id: str, reason: str) -> None:
        from inspector.domain import inspections

        if guarded(self, lambda: inspections.reopen(self.store, inspection_id, reason) or True):
            self.editor.load(inspection_id)
            self._show_changes()

    def open_settings(self) -> SettingsDialog:
        from ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.store, self.settings, self, data_choice=self.data_choice)
        dialog.saved.connect(self._settings_saved)
        self._show_dialog(dialog)
        return dialog

    def _settings_saved(self) -> None:
        # Changes from now on are recorded under the (new) inspector name.
        if self.settings.inspector_name:
            self.store.actor = self.settings.inspector_name
        self._update_status()

    def import_communities(self, path: Path | None = None) -> CommunityImportDialog:
        """File → 导入社区名单…: the preview dialog (non-blocking)."""
        from ui.community_import_dialog import CommunityImportDialog

        dialog = CommunityImportDialog(self.store, path, self)
        dialog.imported.connect(self._communities_imported)
        self._show_dialog(dialog)
        if path is None:
            dialog.choose_file()
        return dialog

    def _communities_imported(self, result: object) -> None:
        from inspector.domain.community_import import ImportResult

        self._reload_browser()
        if isinstance(result, ImportResult):
            self.statusBar().showMessage(tr(
                "已导入社区名单：新增 {a}，更新 {u}，未变 {n}",
                "Community list imported: {a} added, {u} updated, {n} unchanged",
                a=result.added, u=result.updated, n=result.unchanged), 10000)

    def load_demo(self) -> object | None:
        """Fill the (empty) data directory with the demo data, on the writer thread."""
        from ui import ops

        if self.browser.community_count():
            return None
        store = self.store

        def work(_token: ops.CancelToken, _progress: ops.Progress) -> int:
            from inspector.ops import demo

            worker = store.open_worker()
            try:
                return demo.fill(worker)
            finally:
                worker.close()

        self.demo_action.setEnabled(False)
        return ops.CollectionOp(self, work, on_success=lambda _n: self._reload_browser()) \
            .with_progress(tr("正在装入演示数据…", "Loading the demo data…")).run()

    def set_language(self, code: str) -> None:
        self.settings.set("language", code)
        language.set(code)
        (self.en_action if code == "en" else self.zh_action).setChecked(True)

    # -- sync -----------------------------------------------------------------------------

    def open_sync(self) -> SyncDialog:
        from ui.sync_dialog import SyncDialog

        dialog = SyncDialog(self.store, self)
        dialog.synced.connect(lambda: self._synced(dialog.applied))
        dialog.job_ended.connect(self._refresh_sync_status)
        self._show_dialog(dialog)
        return dialog

    def open_conflicts(self) -> ConflictsDialog:
        from ui.conflicts_dialog import ConflictsDialog

        dialog = ConflictsDialog(self.store, self)
        dialog.resolved.connect(self._synced)
        self._show_dialog(dialog)
        return dialog

    def open_roster(self) -> RosterDialog:
        from ui.roster_dialog import RosterDialog

        dialog = RosterDialog(self.store, self)
        dialog.changed.connect(self._synced)
        self._show_dialog(dialog)
        return dialog

    def _synced(self, applied: Changes | None = None) -> None:
        """Other devices' changes arrived: show them — the badges they touched when the
        sync says which rows it applied, else the whole registry; undo must not replay over
        them."""
        self.undo_stack.clear()
        if applied is None:
            self._reload_browser()
        else:
            self._unshown = self._unshown | applied
            self._show_changes()
        if self._open_community_id():
            self.community_page.refresh()
        if self._editing() and self.editor.inspection_id:
            from inspector.domain import inspections

            # the open inspection is read again only when what arrived can change it
            if applied is None or inspections.bears_on(self.store, self.editor.inspection_id,
                                                       applied):
                self.editor.load(self.editor.inspection_id)
        self._refresh_sync_status()

    # -- reports ------------------------------------------------------------------------

    def _font(self) -> str | None:
        return self.settings.get("report_font_path") or None

    def start_recheck(self, inspector: str | None = None) -> object | None:
        """复查 mode for the open inspection's open findings."""
        from inspector.core.errors import InspectorError
        from inspector.domain import rechecks
        from ui.recheck_dialog import RecheckDialog

        inspection_id = self._current_inspection()
        if inspection_id is None:
            show_error(self, tr("请先打开一次检查", "Open an inspection first"))
            return None
        name = inspector or self.settings.inspector_name or self.store.actor
        try:
            recheck = rechecks.start(self.store, inspection=inspection_id, inspectors=[name])
        except InspectorError as exc:
            show_error(self, str(exc))
            return None
        dialog = RecheckDialog(self.store, recheck, self)
        dialog.show()
        return dialog

    def show_pending(self) -> object:
        from ui.pending_view import PendingView

        view = PendingView(self.store, self)
        view.show()
        return view

    def _current_inspection(self) -> str | None:
        if self._editing() and self.editor.inspection_id:
            return self.editor.inspection_id
        page = self._community_page
        selected = page.selected_inspection() if page is not None else None
        if page is not None and self.stack.currentWidget() is page and selected:
            return selected
        show_error(self, tr("请先打开或选中一次检查。", "Open or select an inspection first."))
        return None

    def _save_path(self, title: str, name: str, filters: str) -> Path | None:
        from PySide6.QtWidgets import QFileDialog

        start = str(self.store.data_dir / "exports" / name)
        chosen, _filter = QFileDialog.getSaveFileName(self, title, start, filters)
        return Path(chosen) if chosen else None

    def report_findings(self, target: Path | None = None) -> ReportRun | None:
        from inspector.domain import inspections
        from ui import report_actions

        inspection_id = self._current_inspection()
        if inspection_id is None:
            return None
        short_id = inspections.get(self.store, inspection_id)["short_id"]
        target = target or self._save_path(tr("保存检查报告", "Save the findings report"),
                                           f"{short_id}.pdf", "PDF (*.pdf)")
        if target is None:
            return None
        return report_actions.findings_report(self, self.store, inspection_id, target,
                                              self._font())

    def report_notices(self, folder: Path | None = None) -> ReportRun | None:
        from PySide6.QtWidgets import QFileDialog

        from ui import report_actions

        inspection_id = self._current_inspection()
        if inspection_id is None:
            return None
        if folder is None:
            chosen = QFileDialog.getExistingDirectory(
                self, tr("通知书保存到…", "Save the notices in…"),
                str(self.store.data_dir / "exports"))
            folder = Path(chosen) if chosen else None
        if folder is None:
            return None
        return report_actions.notices(self, self.store, inspection_id, folder, self._font())

    def report_summary(self, year: int | None = None,
                       target: Path | None = None) -> ReportRun | None:
        from ui import report_actions

        if year is None:
            from PySide6.QtWidgets import QInputDialog

            chosen_year, ok = QInputDialog.getInt(
                self, tr("区县汇总表", "District summary"), tr("年份：", "Year:"),
                self.store.wall.today().year, 2020, 2100)
            if not ok:
                return None
            year = chosen_year
        target = target or self._save_path(
            tr("保存汇总表", "Save the summary"), f"绿色社区汇总表-{year}.xlsx",
            "Excel (*.xlsx);;CSV (*.csv);;PDF (*.pdf)")
        if target is None:
            return None
        return report_actions.district_summary(self, self.store, year, target, self._font())

    def open_dashboard(self) -> DashboardDialog:
        """The dashboard, beside the main window (a number's list opens communities here)."""
        from PySide6.QtCore import Qt

        from ui.dashboard import DashboardDialog

        if self.dashboard is not None and self.dashboard.isVisible():
            self.dashboard.activateWindow()
            return self.dashboard
        dialog = DashboardDialog(self.store, self)
        dialog.open_community.connect(self._open_from_dashboard)
        dialog.open_inspection.connect(self.open_inspection)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dashboard = dialog
        dialog.destroyed.connect(lambda _o=None: setattr(self, "dashboard", None))
        dialog.show()
        dialog.refresh()
        return dialog

    def _open_from_dashboard(self, community_id: str) -> None:
        self.browser.select_community(community_id)
        self.open_community(community_id)
        self.activateWindow()

    def export_data(self, kind: str | None = None,
                    target: Path | None = None) -> ReportRun | None:
        from ui import report_actions

        if kind is None or target is None:
            chosen = self._save_path(tr("导出数据", "Export data"), "green-inspector.xlsx",
                                     "Excel (*.xlsx);;GeoJSON (*.geojson);;JSON (*.json)")
            if chosen is None:
                return None
            target = chosen
            kind = {".geojson": "geojson", ".json": "json"}.get(chosen.suffix.lower(), "xlsx")
        return report_actions.export_data(self, self.store, kind, target)

    def check_document(self, path: Path | None = None) -> DocumentCheck | None:
        """Is this PDF a document the team issued, unaltered? (Also: drop it on the window.)"""
        from PySide6.QtWidgets import QFileDialog

        from ui.document_check import DocumentCheck

        if path is None:
            chosen, _filter = QFileDialog.getOpenFileName(
                self, tr("选择要核验的 PDF 文件", "Choose the PDF file to check"),
                str(self.store.data_dir / "exports"), "PDF (*.pdf);;* (*)")
            path = Path(chosen) if chosen else None
        if path is None:
            return None
        return DocumentCheck(self, self.store, path)

    def _dropped_files(self, event: QDragEnterEvent | QDropEvent) -> list[Path]:
        mime = event.mimeData()
        if not mime.hasUrls():
            return []
        return [Path(url.toLocalFile()) for url in mime.urls()
                if url.isLocalFile() and Path(url.toLocalFile()).is_file()]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        if self._dropped_files(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        files = self._dropped_files(event)
        if not files:
            event.ignore()
            return
        event.acceptProposedAction()
        for path in files[:5]:  # one message box each; a handful at a time
            self.check_document(path)

    def show_keys(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(QMessageBox.Icon.Information, tr("键盘快捷键", "Keyboard shortcuts"),
                          self.editor.hint.text().replace("　", "\n").replace("  ", "\n"),
                          QMessageBox.StandardButton.Ok, self)
        box.setInformativeText(tr(
            "Ctrl+L 搜索社区\nCtrl+N 新建检查\nCtrl+Shift+F 添加问题\nCtrl+Enter 提交\n"
            "Alt+← 返回社区\nCtrl+Z / Ctrl+Y 撤销 / 重做",
            "Ctrl+L search communities\nCtrl+N new inspection\nCtrl+Shift+F add finding\n"
            "Ctrl+Enter submit\nAlt+Left back to community\nCtrl+Z / Ctrl+Y undo / redo"))
        box.open()

    def show_about(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.about(self, tr("关于", "About"), tr(
            "绿色社区巡查：依据《宁波市绿色社区建设行动实施方案》的离线检查工具。",
            "Green Community Inspector: offline inspections against the Ningbo Green "
            "Community Construction Action Plan."))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        # Every edit is already saved; finish a note being typed before closing.
        if self._editor is not None:
            self._editor._commit_note()
        if self._sync_status_made:
            self.sync_status.stop()  # its store may be closed right after: no more checks
        if self._attached:  # (a window closed while it was being built has less to stop)
            self.store.remove_listener(self._committed)
        event.accept()
