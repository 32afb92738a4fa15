"""Import a camera's folder: every photo proposed for the answer or finding it shows, reviewed.

The folder is read in the background (each photo's time, then thumbnails); each photo is
proposed for the answer or finding recorded closest to when it was taken, within the window,
else for the inspection's general photos (``inspector.domain.camera_card``). The inspector can
change any row's target, and can correct the camera's clock: pick a photo whose target is right and
"以此照片校准时间" derives the offset from it. Changing the window or the offset proposes again
at once, keeping the rows changed by hand. Nothing is stored until "导入"; then the reviewed
list is imported exactly as shown (staged in the background, stored on the GUI thread).
Photos of other days than the inspection's are left out (greyed, with the reason) unless
"包括其他日期的照片" is ticked or a row is given a target by hand; a second copy of a picture is
left out; a photo an earlier import put elsewhere is moved, never linked twice; the clock
offset applies only to camera-local times (a phone's time with its UTC offset stays).

What is reviewed (the plan, the rows as shown, the counts) is ``ui.folder_import_model``'s
``CardReview``; this module is its widgets, the background jobs and the import.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QBrush,
    QCloseEvent,
    QColor,
    QIcon,
    QPixmap,
    QStandardItem,
    QStandardItemModel,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from inspector.core.store import Store
from inspector.domain import camera_card, derived, photos
from inspector.domain.camera_card import FolderScan, Proposal
from inspector.domain.photos import BatchResult, Target
from ui import errors, ops
from ui.folder_import_model import CardReview, ReviewError
from ui.i18n import language, tr
from ui.photo_jobs import ImportItem, PhotoImport, failure_message
from ui.photo_strip import broken_pixmap, fit_pixmap, placeholder_pixmap

COL_PHOTO, COL_TIME, COL_TARGET, COL_GAP = range(4)
THUMB = QSize(72, 54)
ModelIndex = QModelIndex | QPersistentModelIndex


class TargetDelegate(QStyledItemDelegate):
    """Edits a row's target with a combo box of the inspection's answers and findings."""

    def __init__(self, dialog: FolderImportDialog) -> None:
        super().__init__(dialog)
        self.dialog = dialog

    def createEditor(self, parent: QWidget, _option: QStyleOptionViewItem,  # noqa: N802
                     _index: ModelIndex) -> QWidget:
        combo = QComboBox(parent)
        combo.setObjectName("rowTargetCombo")
        self.dialog.fill_combo(combo)
        return combo

    def setEditorData(self, editor: QWidget, index: ModelIndex) -> None:  # noqa: N802
        if isinstance(editor, QComboBox):
            target = self.dialog.target_of(index.row())
            editor.setCurrentIndex(max(0, self.dialog.choices.index(target)
                                       if target in self.dialog.choices else 0))

    def setModelData(self, editor: QWidget, _model: QAbstractItemModel,  # noqa: N802
                     index: ModelIndex) -> None:
        if isinstance(editor, QComboBox) and editor.currentIndex() >= 0:
            self.dialog.set_row_target([index.row()], self.dialog.choices[editor.currentIndex()])


class FolderImportDialog(QDialog):
    """Review a camera folder's photos against the inspection, then import them.

    ``imported`` carries the ``BatchResult`` after "导入". Callers use ``open()``.
    """

    imported = Signal(object)

    def __init__(self, store: Store, inspection_id: str, folder: Path | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("folderImportDialog")
        self.store = store
        self.inspection_id = inspection_id
        self.review = CardReview(store, inspection_id)
        self.inspection = self.review.inspection
        self.visit = self.review.visit
        # An attribute over QDialog.result(), which this dialog does not use.
        self.result: BatchResult | None = None  # type: ignore[assignment]
        self.summary_box: QMessageBox | None = None
        self.folder_dialog: QFileDialog | None = None
        self._scan_relay: ops.Op[Any] | None = None
        self._thumb_relay: ops.Op[Any] | None = None
        self._thumb_dir: Path | None = None  # this scan's thumbnails (a temporary folder)
        self._thumb_paths: list[Path | None] = []
        self._thumbs_shown = 0
        self._import: PhotoImport | None = None
        self._filling = False

        self.folder_label = QLabel(self)
        self.folder_edit = QLineEdit(self)
        self.folder_edit.setObjectName("folderEdit")
        self.folder_edit.returnPressed.connect(self._folder_typed)
        self.browse_button = QPushButton(self)
        self.browse_button.setObjectName("browseButton")
        self.browse_button.clicked.connect(self.choose_folder)
        self.window_label = QLabel(self)
        self.window_spin = QSpinBox(self)
        self.window_spin.setObjectName("windowSpin")
        self.window_spin.setRange(1, 24 * 60)
        self.window_spin.setValue(5)
        self.window_spin.valueChanged.connect(self._rematch)
        self.offset_label = QLabel(self)
        self.offset_spin = QDoubleSpinBox(self)
        self.offset_spin.setObjectName("offsetSpin")
        self.offset_spin.setDecimals(2)
        self.offset_spin.setRange(-400 * 24 * 60, 400 * 24 * 60)
        self.offset_spin.setValue(0)
        self.offset_spin.valueChanged.connect(self._rematch)
        self.offset_hint = QLabel(self)
        self.offset_hint.setStyleSheet("color: #666;")
        self.any_day = QCheckBox(self)
        self.any_day.setObjectName("anyDayCheck")
        self.any_day.toggled.connect(self._rematch)

        self.model = QStandardItemModel(0, 4, self)
        self.table = QTableView(self)
        self.table.setObjectName("proposalTable")
        self.table.setModel(self.model)
        self.table.setIconSize(THUMB)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.SelectedClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.table.setItemDelegateForColumn(COL_TARGET, TargetDelegate(self))
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(THUMB.height() + 6)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COL_PHOTO, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COL_TIME, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_TARGET, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COL_GAP, QHeaderView.ResizeMode.ResizeToContents)
        header.resizeSection(COL_PHOTO, 300)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)

        self.target_label = QLabel(self)
        self.target_combo = QComboBox(self)
        self.target_combo.setObjectName("targetCombo")
        self.target_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.target_combo.setMinimumContentsLength(30)
        self.target_combo.activated.connect(self._combo_chosen)
        self.calibrate_button = QPushButton(self)
        self.calibrate_button.setObjectName("calibrateButton")
        self.calibrate_button.clicked.connect(self.calibrate)
        self.summary_label = QLabel(self)
        self.summary_label.setObjectName("summaryLabel")
        self.skipped_label = QLabel(self)
        self.skipped_label.setObjectName("skippedLabel")
        self.skipped_list = QListWidget(self)
        self.skipped_list.setObjectName("skippedList")

        self.import_button = QPushButton(self)
        self.import_button.setObjectName("importButton")
        self.import_button.setDefault(True)
        self.import_button.clicked.connect(self.import_reviewed)
        self.cancel_button = QPushButton(self)
        self.cancel_button.setObjectName("cancelButton")
        self.buttons = QDialogButtonBox(self)
        self.buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.rejected.connect(self.reject)

        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_label)
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(self.browse_button)
        settings_row = QHBoxLayout()
        settings_row.addWidget(self.window_label)
        settings_row.addWidget(self.window_spin)
        settings_row.addSpacing(16)
        settings_row.addWidget(self.offset_label)
        settings_row.addWidget(self.offset_spin)
        settings_row.addWidget(self.offset_hint, 1)
        settings_row.addWidget(self.any_day)
        target_row = QHBoxLayout()
        target_row.addWidget(self.target_label)
        target_row.addWidget(self.target_combo, 1)
        target_row.addWidget(self.calibrate_button)
        layout = QVBoxLayout(self)
        layout.addLayout(folder_row)
        layout.addLayout(settings_row)
        layout.addWidget(self.table, 1)
        layout.addLayout(target_row)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.skipped_label)
        layout.addWidget(self.skipped_list)
        layout.addWidget(self.buttons)

        self.resize(980, 680)
        self.retranslate()
        language.changed.connect(self.retranslate)
        self._update_state()
        if folder is not None:
            self.scan(Path(folder))

    # -- the review ------------------------------------------------------------------------

    @property
    def choices(self) -> list[Target]:
        return self.review.choices

    @property
    def proposals(self) -> list[Proposal]:
        return self.review.proposals

    @property
    def folder(self) -> Path | None:
        return self.review.folder

    def describe(self, target: Target) -> str:
        return self.review.describe(target)

    def fill_combo(self, combo: QComboBox) -> None:
        combo.clear()
        for target in self.choices:
            combo.addItem(self.describe(target))

    # -- scanning ----------------------------------------------------------------------------

    def choose_folder(self) -> QFileDialog:
        dialog = QFileDialog(self, tr("选择相机文件夹", "Choose the camera folder"))
        dialog.setObjectName("cameraFolderDialog")
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.fileSelected.connect(self._folder_chosen)
        if self.folder_dialog is not None:
            self.folder_dialog.deleteLater()
        self.folder_dialog = dialog
        dialog.open()
        return dialog

    def _folder_chosen(self, name: str) -> None:
        if name:
            self.scan(Path(name))

    def _folder_typed(self) -> None:
        text = self.folder_edit.text().strip()
        if text:
            self.scan(Path(text).expanduser())

    def scan(self, folder: Path) -> None:
        """Read every photo's time in the background, then propose a target for each."""
        self._stop_jobs()
        self.review.start(folder)
        self.folder_edit.setText(str(folder))
        self.model.removeRows(0, self.model.rowCount())
        general, recorded = self.review.general, list(self.review.recorded)
        tz = self.store.wall.tz
        window, offset = float(self.window_spin.value()), float(self.offset_spin.value())
        visit, any_day = self.visit, self.any_day.isChecked()

        def work(cancelled: ops.CancelToken, progress: ops.Progress) -> FolderScan:
            return camera_card.scan(folder, general, recorded, tz, window_minutes=window,
                                    offset_minutes=offset, progress=progress,
                                    cancelled=cancelled, visit=visit, any_day=any_day)

        self._scan_relay = ops.QueryOp(self, work, on_success=self._scanned,
                                       on_failure=ops.told(self._scan_failed),
                                       on_cancelled=self._scan_cancelled)
        self._scan_relay.with_progress(tr("正在读取照片…", "Reading the photos…")).run()
        self._update_state()

    def scanning(self) -> bool:
        return self._scan_relay is not None

    def busy(self) -> bool:
        return self._scan_relay is not None or self._thumb_relay is not None \
            or self._import is not None

    def _scanned(self, result: object) -> None:
        self._scan_relay = None
        if not isinstance(result, FolderScan):
            return
        self.review.load(result)
        self._rematch()
        self._fill_table()
        self._start_thumbnails()

    def _scan_failed(self, message: str) -> None:
        self._scan_relay = None
        errors.show_error(self, message)
        self._update_state()

    def _scan_cancelled(self) -> None:
        self._scan_relay = None
        self._update_state()

    def _rematch(self, *_args: object) -> None:
        """Match again with the window and offset now set, keeping the rows changed by hand."""
        if self.review.rematch(float(self.window_spin.value()), float(self.offset_spin.value()),
                               self.any_day.isChecked()):
            self._show_rows()

    # -- the table ---------------------------------------------------------------------------

    def _fill_table(self) -> None:
        self.model.removeRows(0, self.model.rowCount())
        placeholder = QIcon(fit_pixmap(placeholder_pixmap(), THUMB))
        for proposal in self.proposals:
            photo = QStandardItem(placeholder, proposal.source.name)
            photo.setToolTip(str(proposal.source))
            photo.setEditable(False)
            when = QStandardItem()
            when.setEditable(False)
            target = QStandardItem()
            gap = QStandardItem()
            gap.setEditable(False)
            gap.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.model.appendRow([photo, when, target, gap])
        self._show_rows()
        if self.proposals:
            self.table.selectRow(0)

    def _show_rows(self) -> None:
        self._filling = True
        try:
            offset = float(self.offset_spin.value())
            actions = self.review.plan_actions()
            for row in range(min(len(actions), self.model.rowCount())):
                text = self.review.row_text(row, offset)
                when = self.model.item(row, COL_TIME)
                when.setText(text.time)
                when.setToolTip(text.time_tip)
                target = self.model.item(row, COL_TARGET)
                gap = self.model.item(row, COL_GAP)
                grey = QBrush(QColor("#9e9e9e")) if text.excluded else QBrush()
                for item in (self.model.item(row, COL_PHOTO), when, target, gap):
                    item.setForeground(grey)
                target.setText(text.target)
                if text.target_tip is not None:
                    target.setToolTip(text.target_tip)
                gap.setText(text.gap)
        finally:
            self._filling = False
        self._update_state()
        self._selection_changed()

    def _start_thumbnails(self) -> None:
        sources = [p.source for p in self.proposals]
        folder = Path(tempfile.mkdtemp(prefix="inspector-card-"))
        self._thumb_dir = folder
        self._thumb_paths = [None] * len(sources)
        self._thumbs_shown = 0
        paths = self._thumb_paths

        def work(cancelled: ops.CancelToken, progress: ops.Progress) -> None:
            try:
                for index, source in enumerate(sources):
                    if cancelled():
                        raise ops.Cancelled
                    target = folder / f"{index:05d}.jpg"
                    try:
                        derived.build(source, target, 160, 80)
                        paths[index] = target
                    except Exception:  # noqa: BLE001 - an unreadable file: shown as such
                        paths[index] = None
                    progress(index + 1, len(sources))
            finally:
                if cancelled():  # the dialog is gone or scanning again: nobody shows them
                    shutil.rmtree(folder, ignore_errors=True)

        self._thumb_relay = ops.QueryOp(self, work, on_progress=self._thumbnails_ready,
                                        on_success=self._thumbnails_done)
        self._thumb_relay.run()

    def _thumbnails_ready(self, done: int, _total: int) -> None:
        for index in range(self._thumbs_shown, min(done, self.model.rowCount())):
            path = self._thumb_paths[index]
            pixmap = QPixmap(str(path)) if path is not None else QPixmap()
            icon = fit_pixmap(pixmap, THUMB) if not pixmap.isNull() else fit_pixmap(
                broken_pixmap(), THUMB)
            item = self.model.item(index, COL_PHOTO)
            if item is not None:
                item.setIcon(QIcon(icon))
        self._thumbs_shown = max(self._thumbs_shown, done)

    def _thumbnails_done(self, _result: object) -> None:
        self._thumbnails_ready(len(self._thumb_paths), len(self._thumb_paths))
        self._thumb_relay = None

    def thumbnails_loaded(self) -> bool:
        return self._thumb_relay is None and self._thumbs_shown >= len(self.proposals)

    # -- reviewing ---------------------------------------------------------------------------

    def target_of(self, row: int) -> Target:
        return self.review.target_of(row)

    def selected_rows(self) -> list[int]:
        return sorted({index.row() for index in self.table.selectionModel().selectedRows()})

    def select_rows(self, rows: list[int]) -> None:
        selection = self.table.selectionModel()
        selection.clearSelection()
        for row in rows:
            selection.select(self.model.index(row, 0),
                             QItemSelectionModel.SelectionFlag.Select
                             | QItemSelectionModel.SelectionFlag.Rows)
        if rows:
            self.table.setCurrentIndex(self.model.index(rows[0], 0))

    def set_row_target(self, rows: list[int], target: Target) -> None:
        """The reviewer's choice: these rows go to ``target`` whatever the times say."""
        self.review.set_target(rows, target)
        self._show_rows()

    def _combo_chosen(self, index: int) -> None:
        if 0 <= index < len(self.choices):
            self.set_row_target(self.selected_rows(), self.choices[index])

    def _selection_changed(self, *_args: object) -> None:
        rows = self.selected_rows()
        targets = {self.proposals[r].target for r in rows if r < len(self.proposals)}
        self.target_combo.blockSignals(True)
        try:
            if len(targets) == 1:
                self.target_combo.setCurrentIndex(self.choices.index(next(iter(targets))))
            else:
                self.target_combo.setCurrentIndex(-1)
        finally:
            self.target_combo.blockSignals(False)
        self.target_combo.setEnabled(bool(rows))
        self.calibrate_button.setEnabled(len(rows) == 1)

    def calibrate(self) -> float | None:
        """Derive the camera's clock offset from the selected photo and the target chosen for
        it, then propose again with it; returns the offset (None if it cannot be derived)."""
        rows = self.selected_rows()
        if len(rows) != 1:
            errors.show_error(self, tr("请先选中一张归属正确的照片。",
                                       "Select one photo whose target is right first."))
            return None
        try:
            offset = self.review.offset_from(rows[0])
        except ReviewError as error:
            errors.show_error(self, str(error))
            return None
        self.offset_spin.setValue(offset)  # proposes again
        self._rematch()
        return offset

    def reviewed(self) -> list[Proposal]:
        """The list as shown: what "导入" stores."""
        return list(self.proposals)

    # -- importing ---------------------------------------------------------------------------

    def import_reviewed(self) -> PhotoImport | None:
        wanted = self.review.wanted()
        if not wanted or self.busy():
            return None
        items = [ImportItem(p.source, p.target, origin=photos.CARD) for p in wanted]
        batch = PhotoImport(self.store, items, self, on_done=self._imported)
        self._import = batch
        batch.start()
        self._update_state()
        return batch

    def _imported(self, result: object) -> None:
        self._import = None
        if not isinstance(result, BatchResult):
            return
        self.result = result
        if not result.imported:  # nothing stored: stay open, the review is not lost
            if result.failed:
                errors.show_error(self, failure_message(result),
                                  tr("照片未能导入", "The photos were not imported"))
            self._update_state()
            return
        parent = self.parentWidget()
        card = self.card_result(result)
        if result.failed:
            errors.show_error(parent, failure_message(result),
                              tr("部分照片未能导入", "Some photos were not imported"))
        else:
            box = QMessageBox(QMessageBox.Icon.Information, tr("导入完成", "Imported"),
                              card.lines()[0], QMessageBox.StandardButton.Ok, parent)
            box.setObjectName("importSummary")
            box.open()
            self.summary_box = box
        self.imported.emit(result)
        self.accept()

    def card_result(self, result: BatchResult) -> camera_card.CardResult:
        """The import counted as the command line counts it (they add up to the photos)."""
        return self.review.card_result(result)

    # -- state and language ------------------------------------------------------------------

    def _update_state(self) -> None:
        scanning = self._scan_relay is not None
        self.import_button.setEnabled(any(not p.excluded for p in self.proposals)
                                      and not self.busy_importing() and not scanning)
        self.browse_button.setEnabled(not scanning and not self.busy_importing())
        self.summary_label.setText(self.review.summary(scanning))
        self.skipped_list.clear()
        for line in self.review.skipped_lines():
            self.skipped_list.addItem(line)
        self.skipped_label.setText(tr("未导入的文件（{n}）：", "Files left out ({n}):",
                                      n=len(self.review.skipped)))
        self.skipped_label.setVisible(bool(self.review.skipped))
        self.skipped_list.setVisible(bool(self.review.skipped))
        # As tall as its lines, at most four: the table keeps the room.
        lines = min(max(len(self.review.skipped), 1), 4)
        self.skipped_list.setFixedHeight(lines * self.skipped_list.fontMetrics().height() + 10
                                         + 2 * self.skipped_list.frameWidth())

    def busy_importing(self) -> bool:
        return self._import is not None

    def retranslate(self) -> None:
        self.setWindowTitle(tr("从相机文件夹导入 — {sid}", "Import from a camera folder — {sid}",
                               sid=self.inspection["short_id"]))
        self.folder_label.setText(tr("文件夹：", "Folder:"))
        self.folder_edit.setPlaceholderText(tr("例如 相机存储卡的 DCIM 文件夹",
                                               "e.g. the DCIM folder of the camera's card"))
        self.browse_button.setText(tr("选择…", "Choose…"))
        self.window_label.setText(tr("时间窗口：", "Window:"))
        self.window_spin.setSuffix(tr(" 分钟", " min"))
        self.window_spin.setToolTip(tr("照片与记录时间相差不超过此值才会自动归属",
                                       "A photo is matched only within this many minutes"))
        self.offset_label.setText(tr("相机时钟偏差：", "Camera clock offset:"))
        self.offset_spin.setSuffix(tr(" 分钟", " min"))
        self.offset_hint.setText(tr("相机时间 + 偏差 = 实际时间",
                                    "camera time + offset = real time"))
        self.any_day.setText(tr("包括其他日期的照片", "Include other days' photos"))
        self.any_day.setToolTip(tr("检查日期：{d}（前后各 2 小时）",
                                   "The inspection's days: {d} (2 hours either side)",
                                   d=self.visit.label()))
        self.model.setHorizontalHeaderLabels([tr("照片", "Photo"), tr("相机时间", "Camera time"),
                                              tr("归属", "Goes to"), tr("时间差", "Gap")])
        self.target_label.setText(tr("所选照片归属：", "Selected photos go to:"))
        index = self.target_combo.currentIndex()
        self.fill_combo(self.target_combo)
        self.target_combo.setCurrentIndex(index)
        self.calibrate_button.setText(tr("以此照片校准时间", "Set the clock from this photo"))
        self.calibrate_button.setToolTip(tr(
            "选中一张归属正确的照片：按它与所属记录的时间差计算相机时钟偏差，并重新匹配",
            "Select a photo whose target is right: the camera offset is derived from it and "
            "every photo is matched again"))
        self.import_button.setText(tr("导入", "Import"))
        self.cancel_button.setText(tr("取消", "Cancel"))
        if self.proposals:
            self._show_rows()
        else:
            self._update_state()

    # -- closing -----------------------------------------------------------------------------

    def _stop_jobs(self) -> None:
        """Stop reading; a running thumbnail job removes its own folder, else it goes now."""
        if self._thumb_relay is None and self._thumb_dir is not None:
            shutil.rmtree(self._thumb_dir, ignore_errors=True)
        for relay in (self._scan_relay, self._thumb_relay):
            if relay is not None:
                relay.stop()
        self._scan_relay = self._thumb_relay = None
        self._thumb_dir = None

    def done(self, result: int) -> None:
        self._stop_jobs()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self._stop_jobs()
        super().closeEvent(event)


