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
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime
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
from inspector.domain import camera_card, derived, findings, inspections, photos, templates
from inspector.domain.camera_card import FolderScan, Moment, Proposal
from inspector.domain.photos import BatchResult, Target
from inspector.domain.scoring import FAIL, NA, PASS, RECORDED
from ui import errors, ops
from ui.i18n import language, tr
from ui.photo_jobs import ImportItem, PhotoImport, failure_message
from ui.photo_strip import broken_pixmap, fit_pixmap, placeholder_pixmap

COL_PHOTO, COL_TIME, COL_TARGET, COL_GAP = range(4)
THUMB = QSize(72, 54)
ModelIndex = QModelIndex | QPersistentModelIndex


def gap_text(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    whole = round(seconds)
    if whole < 60:
        return tr("{s} 秒", "{s} s", s=whole)
    return tr("{m} 分 {s} 秒", "{m} min {s} s", m=whole // 60, s=whole % 60)


def time_text(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "—"


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
        self.folder: Path | None = None
        self.inspection = inspections.get(store, inspection_id)
        self.template = templates.get(store, self.inspection["template_id"])
        # Read here, on the GUI thread; the scan job gets copies and never the store.
        self.general = photos.target_for_inspection(store, inspection_id)
        self.recorded: list[Moment] = camera_card.moments(store, inspection_id)
        self.visit = camera_card.visit_days(store, inspection_id)
        self.answers = {code: row["answer"] for code, row in
                        inspections.answers_of(store, inspection_id).items()}
        finding_rows = sorted(findings.list_findings(store, inspection_id=inspection_id),
                              key=lambda r: str(r["short_id"]))
        self.finding_rows = {str(r["id"]): r for r in finding_rows}
        self.choices: list[Target] = [self.general]
        self.choices += [photos.target_for_finding(store, str(r["id"])) for r in finding_rows]
        self.choices += [photos.target_for_response(store, inspection_id, item.code)
                         for item in self.template.items]
        self.actions: list[camera_card.Action] = []
        self.base: list[Proposal] = []  # as scanned (camera times)
        self.proposals: list[Proposal] = []  # as shown: matched again, changed by hand
        self.overrides: dict[int, Target] = {}
        self.skipped: list[tuple[Path, str]] = []
        self.result: BatchResult | None = None
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

    # -- describing targets ------------------------------------------------------------------

    def describe(self, target: Target) -> str:
        if target.kind == "inspection":
            return tr("一般照片（检查 {sid}）", "General photos (inspection {sid})",
                      sid=self.inspection["short_id"])
        if target.kind == "finding":
            row = self.finding_rows.get(target.id)
            if row is None:
                return target.label
            prefix = f"{self.inspection['short_id']}-"
            short = str(row["short_id"])
            short = short[len(prefix):] if short.startswith(prefix) else short
            try:
                category = self.template.category(row["category"]).label()
            except Exception:  # noqa: BLE001 - an unknown category is shown by its code
                category = str(row["category"])
            description = " ".join(str(row["description"] or "").split())
            if len(description) > 24:
                description = description[:23] + "…"
            return tr("问题 {s} {c}：{d}", "Finding {s} {c}: {d}", s=short, c=category,
                      d=description)
        code = target.id.split(":", 1)[1]
        item = self.template.item(code)
        text = item.label()
        if len(text) > 28:
            text = text[:27] + "…"
        answer = self.answers.get(code)
        mark = {PASS: tr("符合", "pass"), FAIL: tr("不符合", "fail"), NA: tr("不适用", "n/a"),
                RECORDED: tr("已记录", "recorded"), "value": tr("已记录", "recorded")}.get(
            answer or "", tr("未作答", "unanswered"))
        return f"{item.code} {text}（{mark}）" if language.current() == "zh" \
            else f"{item.code} {text} ({mark})"

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
        self.folder = folder
        self.folder_edit.setText(str(folder))
        self.base, self.proposals, self.overrides, self.skipped = [], [], {}, []
        self.model.removeRows(0, self.model.rowCount())
        general, recorded, tz = self.general, list(self.recorded), self.store.wall.tz
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
        self.base = list(result.proposals)
        self.skipped = list(result.skipped)
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
        if not self.base:
            return
        matched = camera_card.rematch(self.base, self.general, self.recorded,
                                      window_minutes=float(self.window_spin.value()),
                                      offset_minutes=float(self.offset_spin.value()),
                                      visit=self.visit, any_day=self.any_day.isChecked())
        self.proposals = [camera_card.reassign(p, self.overrides[i]) if i in self.overrides
                          else p for i, p in enumerate(matched)]
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
            self.actions = camera_card.actions(self.store, self.inspection_id, self.proposals)
            for row, (proposal, action) in enumerate(zip(self.proposals, self.actions,
                                                         strict=True)):
                if row >= self.model.rowCount():
                    break
                when = self.model.item(row, COL_TIME)
                text = time_text(proposal.taken_at)
                if proposal.time_source == "file":
                    text += tr("（文件时间）", " (file time)")
                elif proposal.zoned:
                    text += tr("（带时区，不校正）", " (with UTC offset, not corrected)")
                when.setText(text)
                when.setToolTip(tr("校正后：{t}", "Corrected: {t}",
                                   t=time_text(proposal.corrected(offset)))
                                if proposal.taken_at else tr("没有拍摄时间", "No time taken"))
                target = self.model.item(row, COL_TARGET)
                manual = row in self.overrides
                gap = self.model.item(row, COL_GAP)
                grey = QBrush(QColor("#9e9e9e")) if proposal.excluded else QBrush()
                for item in (self.model.item(row, COL_PHOTO), when, target, gap):
                    item.setForeground(grey)
                if proposal.excluded == camera_card.OTHER_DAY:
                    target.setText(tr("其他日期，不导入（{d} 以外）  ▾", "Another day, left out "
                                      "(not {d})  ▾", d=self.visit.label()))
                    target.setToolTip(tr("双击指定归属即可导入", "Double-click to give it a "
                                         "target and import it"))
                    gap.setText("—")
                    continue
                if proposal.excluded == camera_card.DUPLICATE:
                    target.setText(tr("与 {f} 相同，不导入", "Same as {f}, left out",
                                      f=proposal.duplicate_of.name if proposal.duplicate_of
                                      else "?"))
                    gap.setText("—")
                    continue
                target.setText(self.describe(proposal.target) + "  ▾")
                target.setToolTip(tr("双击更改归属", "Double-click to change"))
                if action.kind == camera_card.MOVE:
                    target.setToolTip(tr("上次导入在 {f}，将移到这里", "Imported to {f} before; "
                                         "it moves here", f="、".join(
                                             m.label for m in action.moved_from)))
                elif action.kind == camera_card.UNCHANGED:
                    target.setToolTip(tr("已关联到这里", "Already linked here"))
                gap.setText(tr("手动", "manual") if manual else gap_text(proposal.gap_seconds))
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
        return self.proposals[row].target

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
        for row in rows:
            if 0 <= row < len(self.proposals):
                self.overrides[row] = target
                self.proposals[row] = camera_card.reassign(self.proposals[row], target)
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
        proposal = self.proposals[rows[0]]
        if proposal.taken_at is None:
            errors.show_error(self, tr("这张照片没有拍摄时间，不能用来校准。",
                                       "This photo has no time, so it cannot set the clock."))
            return None
        moment = camera_card.moment_of(self.recorded, proposal.target)
        if moment is None:
            errors.show_error(self, tr(
                "“{t}”没有记录时间（一般照片或未作答的检查项），不能用来校准；"
                "请先把这张照片改归到它拍的检查项或问题。",
                "“{t}” has no recorded time (general photos or an unanswered item); first "
                "change this photo's target to the answer or finding it shows.",
                t=self.describe(proposal.target)))
            return None
        offset = camera_card.offset_from_match(proposal.taken_at, moment.at)
        self.overrides[rows[0]] = proposal.target
        self.offset_spin.setValue(offset)  # proposes again
        self._rematch()
        return offset

    def reviewed(self) -> list[Proposal]:
        """The list as shown: what "导入" stores."""
        return list(self.proposals)

    # -- importing ---------------------------------------------------------------------------

    def import_reviewed(self) -> PhotoImport | None:
        wanted = [p for p in self.proposals if not p.excluded]
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
        card = camera_card.CardResult(total=len(self.proposals), failed=list(result.failed))
        card.other_day = [p.source for p in self.proposals
                          if p.excluded == camera_card.OTHER_DAY]
        card.duplicates = [p.source for p in self.proposals
                           if p.excluded == camera_card.DUPLICATE]
        for imported in result.imported:
            camera_card.record(card, imported, imported.source)
        return card

    # -- state and language ------------------------------------------------------------------

    def _update_state(self) -> None:
        scanning = self._scan_relay is not None
        self.import_button.setEnabled(any(not p.excluded for p in self.proposals)
                                      and not self.busy_importing() and not scanning)
        self.browse_button.setEnabled(not scanning and not self.busy_importing())
        counts = {"response": 0, "finding": 0, "inspection": 0}
        for proposal in self.proposals:
            if not proposal.excluded:
                counts[proposal.target.kind] = counts.get(proposal.target.kind, 0) + 1
        left_out = {kind: sum(1 for p in self.proposals if p.excluded == kind)
                    for kind in (camera_card.OTHER_DAY, camera_card.DUPLICATE)}
        moves = sum(1 for a in self.actions if a.kind == camera_card.MOVE)
        by_file = len(camera_card.by_file_time(
            [p for p in self.proposals if not p.excluded]))
        if scanning:
            self.summary_label.setText(tr("正在读取文件夹…", "Reading the folder…"))
        elif self.folder is None:
            self.summary_label.setText(tr("请选择相机或手机照片所在的文件夹。",
                                          "Choose the folder the camera or phone photos are in."))
        else:
            text = tr(
                "共 {n} 张照片：{a} 张归入检查项，{f} 张归入问题，{g} 张为一般照片；"
                "其他日期 {d} 张、重复 {p} 张不导入。",
                "{n} photos: {a} for checklist answers, {f} for findings, {g} general; "
                "{d} of other days and {p} duplicates left out.",
                n=len(self.proposals), a=counts["response"], f=counts["finding"],
                g=counts["inspection"], d=left_out[camera_card.OTHER_DAY],
                p=left_out[camera_card.DUPLICATE])
            if moves:
                text += tr("其中 {m} 张上次导入到别处，将移过来。",
                           " {m} were imported elsewhere before and move.", m=moves)
            if by_file:
                text += tr("{m} 张没有 EXIF 拍摄时间，按文件时间匹配。",
                           " {m} have no EXIF time and are matched by file time.", m=by_file)
            self.summary_label.setText(text)
        self.skipped_list.clear()
        for path, reason in self.skipped:
            self.skipped_list.addItem(tr("{name}：{reason}", "{name}: {reason}",
                                         name=path.name, reason=reason))
        self.skipped_label.setText(tr("未导入的文件（{n}）：", "Files left out ({n}):",
                                      n=len(self.skipped)))
        self.skipped_label.setVisible(bool(self.skipped))
        self.skipped_list.setVisible(bool(self.skipped))
        # As tall as its lines, at most four: the table keeps the room.
        lines = min(max(len(self.skipped), 1), 4)
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


