"""A row of photo thumbnails for one target (an answer, a finding, …), and ways to add photos.

Photos come from "添加照片…" (a file dialog), from files dropped on the strip, from the
clipboard (Ctrl+V: image data or copied files) or from a camera when one is attached. A
wrongly attached photo is taken off with Delete, the context menu or the viewer's button,
while the answer or finding can still be edited; the removal is undoable (the owner's undo
stack) and the original stays in the store. A photo with evidence hints (taken long before
the inspection, far from the community, damaged) carries a red mark and says why. In *draft*
mode (a finding not saved yet) photos are only staged, and stored when the owner saves. Every
import is staged in a background job (copy, hash, decode) and stored on the writer thread
(``photo_jobs``), so a big batch never freezes the window; a batch with bad files shows one
message naming each of them while the good ones are kept. Thumbnails are made off the GUI
thread too and appear as they are ready. Double-click (or Enter on) a thumbnail to open the viewer.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QMimeData, QPoint, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFont,
    QIcon,
    QImage,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPen,
    QPixmap,
    QShortcut,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from inspector.core.store import Store
from inspector.domain import derived, evidence, photos
from inspector.domain.photos import BatchResult, StagedPhoto, Target
from ui import camera, errors, ops
from ui.i18n import language, tr
from ui.photo_jobs import ImportItem, PhotoImport, failure_message
from ui.undo import RemovePhotoCommand

SHA_ROLE = Qt.ItemDataRole.UserRole + 1
ARRIVING_ROLE = Qt.ItemDataRole.UserRole + 2  # a file of an import under way (no photo yet)
ICON_SIZE = QSize(112, 84)
PHOTO_PATTERNS = "*.jpg *.jpeg *.png *.heic *.heif *.JPG *.JPEG *.PNG *.HEIC *.HEIF"


def kind_name(kind: str | None) -> str:
    return {"before": tr("整改前", "Before"), "after": tr("整改后", "After")}.get(kind or "", "")


def _card(text: str, background: QColor, ink: QColor) -> QPixmap:
    pixmap = QPixmap(ICON_SIZE)
    pixmap.fill(background)
    painter = QPainter(pixmap)
    painter.setPen(QPen(ink))
    painter.drawRect(pixmap.rect().adjusted(0, 0, -1, -1))
    painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    return pixmap


def placeholder_pixmap() -> QPixmap:
    """Shown while a thumbnail is being made."""
    return _card("…", QColor("#eceff3"), QColor("#9aa3ad"))


def broken_pixmap() -> QPixmap:
    return _card(tr("无法显示", "Cannot show"), QColor("#fbeaea"), QColor("#b23b3b"))


def fit_pixmap(pixmap: QPixmap, size: QSize = ICON_SIZE) -> QPixmap:
    """Scale into ``size`` and centre on a light card, so every icon has the same shape."""
    scaled = pixmap.scaled(size, Qt.AspectRatioMode.KeepAspectRatio,
                           Qt.TransformationMode.SmoothTransformation)
    card = QPixmap(size)
    card.fill(QColor("#f4f6f8"))
    painter = QPainter(card)
    painter.drawPixmap((size.width() - scaled.width()) // 2,
                       (size.height() - scaled.height()) // 2, scaled)
    painter.end()
    return card


def with_badge(pixmap: QPixmap, text: str) -> QPixmap:
    """A small label in the picture's corner (整改后 …)."""
    if not text:
        return pixmap
    badged = QPixmap(pixmap)
    painter = QPainter(badged)
    font = QFont(painter.font())
    font.setPixelSize(11)
    font.setBold(True)
    painter.setFont(font)
    width = painter.fontMetrics().horizontalAdvance(text) + 8
    painter.fillRect(0, badged.height() - 17, width, 17, QColor(27, 127, 59, 220))
    painter.setPen(QColor("white"))
    painter.drawText(4, badged.height() - 5, text)
    painter.end()
    return badged


def local_files(mime: QMimeData) -> list[Path]:
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


def mime_image(mime: QMimeData) -> QImage | None:
    if not mime.hasImage():
        return None
    data = mime.imageData()
    if isinstance(data, QImage):
        image = data
    elif isinstance(data, QPixmap):
        image = data.toImage()
    else:
        return None
    return None if image.isNull() else image


def with_warning(pixmap: QPixmap) -> QPixmap:
    """A red "!" in the picture's top right corner (the photo has evidence hints)."""
    marked = QPixmap(pixmap)
    painter = QPainter(marked)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(198, 40, 40))
    painter.setPen(QPen(QColor("white"), 1.5))
    painter.drawEllipse(marked.width() - 21, 3, 18, 18)
    font = QFont(painter.font())
    font.setPixelSize(13)
    font.setBold(True)
    painter.setFont(font)
    painter.drawText(marked.width() - 21, 3, 18, 18, Qt.AlignmentFlag.AlignCenter, "!")
    painter.end()
    return marked


def tooltip_for(row: dict[str, Any], hints: list[str] | None = None) -> str:
    lines = [str(row["original_name"] or row["id"][:12])]
    if row.get("taken_at"):
        lines.append(tr("拍摄：{t}", "Taken: {t}", t=str(row["taken_at"]).replace("T", " ")))
    if row.get("kind"):
        lines.append(kind_name(row["kind"]))
    lines += [f"⚠ {hint}" for hint in hints or []]
    lines.append(tr("双击查看 · Delete 移除", "Double-click to view · Delete removes"))
    return "\n".join(lines)


class PhotoList(QListWidget):
    """The thumbnails; drops go to the strip, Enter opens the viewer, Delete asks to remove
    the selected photo."""

    delete_pressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.currentItem():
            self.delete_pressed.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setIconSize(ICON_SIZE)
        self.setSpacing(4)
        self.setUniformItemSizes(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setDragDropMode(QAbstractItemView.DragDropMode.NoDragDrop)
        self.setAcceptDrops(False)
        self.viewport().setAcceptDrops(False)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        # Icons only (no text line under them): the grid is the icon and a small margin.
        self.setGridSize(QSize(ICON_SIZE.width() + 8, ICON_SIZE.height() + 8))
        height = (ICON_SIZE.height() + 8 + 2 * self.frameWidth() + 2 * self.spacing()
                  + self.horizontalScrollBar().sizeHint().height())
        self.setFixedHeight(height)


class PhotoStrip(QWidget):
    """The photos of one target. ``changed`` fires after photos were added, annotated or
    removed; ``removal_undone`` carries the target whose removal was undone or redone."""

    changed = Signal()
    removal_undone = Signal(object)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("photoStrip")
        self.store = store
        self.target: Target | None = None
        self.kind: str | None = None
        self.read_only = False
        self.undo_stack: QUndoStack | None = None  # the owner's: removals are undoable
        self.draft = False  # photos of something not saved yet: staged, not stored
        self.staged: list[StagedPhoto] = []
        self._stage_relay: ops.Op[Any] | None = None
        self._where: evidence.Context | None = None
        self.rows: list[dict[str, Any]] = []
        self.imports: list[PhotoImport] = []  # running imports (kept alive until done)
        self.last_result: BatchResult | None = None
        self.file_dialog: QFileDialog | None = None
        self.camera_dialog: QDialog | None = None
        self.viewer: QDialog | None = None
        self._thumb_relay: ops.Op[Any] | None = None
        self._thumb_paths: list[Path | None] = []
        self._pixmaps: dict[str, QPixmap] = {}
        self._shown = 0

        self.list = PhotoList(self)
        self.list.setObjectName("photoList")
        self.list.itemActivated.connect(self._activated)
        self.list.delete_pressed.connect(self._delete_selected)
        self.list.customContextMenuRequested.connect(self._context_menu_at)
        self.menu: QMenu | None = None
        self.empty_label = QLabel(self)
        self.empty_label.setObjectName("photoEmptyLabel")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setFixedHeight(self.list.height())
        self.empty_label.setStyleSheet(
            "color: #6b7480; border: 1px dashed #b8c0ca; border-radius: 4px;")
        self.count_label = QLabel(self)
        self.count_label.setObjectName("photoCountLabel")
        self.add_button = QPushButton(self)
        self.add_button.setObjectName("addPhotosButton")
        self.add_button.setAutoDefault(False)  # Enter in a dialog saves, not "add photos"
        self.add_button.clicked.connect(self.choose_files)
        self.camera_button = QPushButton(self)
        self.camera_button.setObjectName("cameraButton")
        self.camera_button.setAutoDefault(False)
        self.camera_button.clicked.connect(self.open_camera)
        self.camera_button.setVisible(camera.camera_known() is not False)

        buttons = QVBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.count_label)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.camera_button)
        buttons.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty_label, 1)
        layout.addLayout(buttons)

        self.paste_shortcut = QShortcut(QKeySequence.StandardKey.Paste, self)
        self.paste_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.paste_shortcut.activated.connect(self.paste)
        self.setAcceptDrops(True)
        self.retranslate()
        language.changed.connect(self.retranslate)
        self._update_state()

    # -- what is shown ---------------------------------------------------------------------

    def set_target(self, target: Target | None, kind: str | None = None,
                   read_only: bool = False) -> None:
        """Show the photos of ``target``; new photos get ``kind`` (before/after/None)."""
        if self.draft:
            self.discard_draft()
            self.draft, self.rows = False, []
        if (target, kind, read_only) == (self.target, self.kind, self.read_only) \
                and target is not None:
            return
        same_target = target == self.target
        self.target, self.kind, self.read_only = target, kind, read_only
        if same_target:
            self._update_state()
        else:
            self.refresh()

    def refresh(self) -> None:
        """Read the target's photos again and make their thumbnails in the background."""
        if self._thumb_relay is not None:
            self._thumb_relay.stop()
            self._thumb_relay = None
        if not self.draft:
            self.rows = photos.photos_of(self.store, self.target) if self.target else []
            inspection_id = self.target.inspection_id if self.target else None
            self._where = errors.guarded(self, lambda: evidence.context(
                self.store, inspection_id)) if inspection_id else None
        self.list.clear()
        placeholder = QIcon(placeholder_pixmap())
        for row in self.rows:
            item = QListWidgetItem(placeholder, "")
            item.setData(SHA_ROLE, row["id"])
            item.setToolTip(tooltip_for(row, self.hints_of(row)))
            self.list.addItem(item)
        self._thumb_paths = [None] * len(self.rows)
        self._shown = 0
        for batch in self.imports:  # still under way: their files stay in view
            self._add_arriving(batch)
        self._update_state()
        if self.rows:
            self._start_thumbnails()

    def _start_thumbnails(self) -> None:
        data_dir = self.store.data_dir
        wanted = [(str(r["id"]), str(r["ext"]), r["annotations"]) for r in self.rows]
        paths = self._thumb_paths

        def work(cancelled: ops.CancelToken, progress: ops.Progress) -> None:
            for index, (sha, ext, notes) in enumerate(wanted):
                if cancelled():
                    raise ops.Cancelled
                try:
                    paths[index] = derived.ensure(data_dir, sha, ext, derived.THUMBNAIL, notes)
                except Exception:  # noqa: BLE001 - a missing or damaged original: shown broken
                    paths[index] = None
                progress(index + 1, len(wanted))

        self._thumb_relay = ops.QueryOp(self, work, on_progress=self._thumbnails_ready,
                                        on_success=self._thumbnails_done)
        self._thumb_relay.run()

    def _thumbnails_ready(self, done: int, _total: int) -> None:
        for index in range(self._shown, min(done, len(self.rows), self.list.count())):
            path = self._thumb_paths[index]
            pixmap = QPixmap(str(path)) if path is not None else QPixmap()
            base = fit_pixmap(pixmap) if not pixmap.isNull() else broken_pixmap()
            self._pixmaps[str(self.rows[index]["id"])] = base
            self._set_icon(index)
        self._shown = max(self._shown, min(done, len(self.rows)))

    def _thumbnails_done(self, _result: object) -> None:
        self._thumbnails_ready(len(self.rows), len(self.rows))
        self._thumb_relay = None

    def _set_icon(self, index: int) -> None:
        row = self.rows[index]
        base = self._pixmaps.get(str(row["id"]))
        item = self.list.item(index)
        if base is not None and item is not None:
            icon = with_badge(base, kind_name(row.get("kind")))
            if self.hints_of(row):
                icon = with_warning(icon)
            item.setIcon(QIcon(icon))

    def hints_of(self, row: dict[str, Any]) -> list[str]:
        """Evidence hints for a photo of this target (old, far, damaged)."""
        return evidence.hints(row, self._where) if self._where is not None else []

    def thumbnails_loaded(self) -> bool:
        return self._thumb_relay is None and self._shown >= len(self.rows)

    def photo_ids(self) -> list[str]:
        return [str(row["id"]) for row in self.rows]

    def _update_state(self) -> None:
        has_target = self.target is not None or self.draft
        can_add = has_target and not self.read_only
        self.add_button.setVisible(not self.read_only)
        self.add_button.setEnabled(can_add)
        self.camera_button.setEnabled(can_add)
        if self.read_only:
            self.camera_button.setVisible(False)
        else:
            self.camera_button.setVisible(camera.camera_known() is not False)
        self.paste_shortcut.setEnabled(can_add)
        shown = bool(self.rows) or self.arriving_count() > 0
        self.list.setVisible(shown)
        self.empty_label.setVisible(not shown)
        self._retranslate_state()

    # -- adding ----------------------------------------------------------------------------

    def choose_files(self) -> QFileDialog | None:
        """The non-blocking file dialog (multi-select); chosen files are imported."""
        if not self._can_add():
            return None
        dialog = QFileDialog(self, tr("添加照片", "Add photos"))
        dialog.setObjectName("photoFileDialog")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.setNameFilters([tr("照片 ({p})", "Photos ({p})", p=PHOTO_PATTERNS),
                               tr("所有文件 (*)", "All files (*)")])
        dialog.filesSelected.connect(self._files_chosen)
        if self.file_dialog is not None:
            self.file_dialog.deleteLater()
        self.file_dialog = dialog
        dialog.open()
        return dialog

    def _files_chosen(self, names: list[str]) -> None:
        self.import_files([Path(name) for name in names])

    def import_files(self, paths: list[Path], *, cleanup: list[Path] | None = None
                     ) -> PhotoImport | None:
        """Import files for the current target (the path every way of adding goes through)."""
        if paths and self.draft and self._can_add():
            self._stage_files(paths, cleanup or [])
            return None
        if not paths or not self._can_add():
            for path in cleanup or []:
                path.unlink(missing_ok=True)
            return None
        assert self.target is not None
        items = [ImportItem(Path(p), self.target, self.kind) for p in paths]
        batch = PhotoImport(self.store, items, self, cleanup=cleanup, on_done=self._imported)
        self.imports.append(batch)
        batch.start()
        self._add_arriving(batch)
        self._update_state()
        return batch

    def _add_arriving(self, batch: PhotoImport) -> None:
        """Show the files of an import at once, as placeholders: reading, hashing and copying
        20 camera files takes most of a second, and the strip should answer the drop now."""
        icon = QIcon(placeholder_pixmap())
        for item in batch.items:
            entry = QListWidgetItem(icon, "")
            entry.setData(ARRIVING_ROLE, True)
            entry.setToolTip(tr("正在导入 {n}…", "Importing {n}…", n=item.source.name))
            self.list.addItem(entry)

    def arriving_count(self) -> int:
        """Placeholders shown for files still being imported."""
        return sum(1 for index in range(self.list.count())
                   if (item := self.list.item(index)) is not None
                   and item.data(ARRIVING_ROLE))

    def import_mime(self, mime: QMimeData) -> PhotoImport | None:
        """Files (URLs of local files) or image data, from a drop or the clipboard."""
        files = local_files(mime)
        if files:
            return self.import_files(files)
        image = mime_image(mime)
        if image is not None:
            return self.import_image(image)
        return None

    def import_image(self, image: QImage) -> PhotoImport | None:
        """Image data (pasted or dropped): written to a temporary PNG, imported, deleted."""
        if not self._can_add():
            return None
        folder = Path(tempfile.mkdtemp(prefix="inspector-paste-"))
        name = tr("粘贴的图片", "pasted-image") + datetime.now().strftime("-%Y%m%d-%H%M%S.png")
        path = folder / name
        if not image.save(str(path)):  # PNG, by the name
            shutil.rmtree(folder, ignore_errors=True)
            errors.show_error(self, tr("无法保存粘贴的图片。", "Cannot save the pasted image."))
            return None
        return self.import_files([path], cleanup=[path, folder])

    def paste(self) -> PhotoImport | None:
        """Ctrl+V: import the clipboard's image or copied photo files."""
        if not self._can_add():
            return None
        clipboard = QApplication.clipboard()
        mime = clipboard.mimeData()
        if mime is not None and local_files(mime):
            return self.import_files(local_files(mime))
        image = clipboard.image()
        if not image.isNull():
            return self.import_image(image)
        errors.show_error(self, tr("剪贴板里没有图片或照片文件。",
                                   "The clipboard holds no image or photo file."))
        return None

    def _can_add(self) -> bool:
        return (self.target is not None or self.draft) and not self.read_only

    # -- removing --------------------------------------------------------------------------

    def can_remove(self) -> bool:
        return self.draft or (self.target is not None and not self.read_only)

    def _delete_selected(self) -> None:
        item = self.list.currentItem()
        if item is not None and item.data(SHA_ROLE) and self.can_remove():
            self.remove_photo(str(item.data(SHA_ROLE)))

    def remove_photo(self, sha256: str) -> bool:
        """Take the photo off this answer or finding (undoable); the domain refuses it once
        the inspection is submitted, and says so."""
        row = next((r for r in self.rows if r["id"] == sha256), None)
        if row is None or not self.can_remove():
            return False
        if self.draft:
            self.rows = [r for r in self.rows if r["id"] != sha256]
            for staged in [s for s in self.staged if s.sha256 == sha256]:
                staged.temporary.unlink(missing_ok=True)
                self.staged.remove(staged)
            self.refresh()
            self.changed.emit()
            return True
        target = self.target
        assert target is not None
        removed = errors.guarded(self, lambda: photos.remove(self.store, target, sha256))
        if removed is None:
            return False
        if self.undo_stack is not None:
            strip = self

            def undone(_target_id: str) -> None:
                if shiboken6.isValid(strip):
                    strip._removal_undone(target)

            self.undo_stack.push(RemovePhotoCommand(
                self.store, target, sha256, removed,
                str(row["original_name"] or sha256[:12]), undone))
        self.refresh()
        self.changed.emit()
        return True

    def _removal_undone(self, target: Target) -> None:
        if target == self.target:
            self.refresh()
        self.removal_undone.emit(target)
        self.changed.emit()

    def _context_menu_at(self, point: QPoint) -> None:
        item = self.list.itemAt(point)
        if item is None or not item.data(SHA_ROLE):  # a file still arriving has no menu
            return
        menu = self.context_menu(str(item.data(SHA_ROLE)))
        menu.popup(self.list.viewport().mapToGlobal(point))

    def context_menu(self, sha256: str) -> QMenu:
        """查看 / 移除 for one photo."""
        if self.menu is not None:
            self.menu.deleteLater()
        menu = QMenu(self)
        menu.setObjectName("photoMenu")
        view = menu.addAction(tr("查看…", "View…"))
        view.setEnabled(not self.draft)
        view.triggered.connect(lambda: self.open_viewer(sha256))
        remove = menu.addAction(tr("移除照片", "Remove photo"))
        remove.setObjectName("removePhotoAction")
        remove.setShortcut(QKeySequence(Qt.Key.Key_Delete))
        remove.setEnabled(self.can_remove())
        remove.triggered.connect(lambda: self.remove_photo(sha256))
        self.menu = menu
        return menu

    # -- draft mode (a finding being added) ------------------------------------------------

    def set_draft(self, preset: list[dict[str, Any]], where: evidence.Context | None = None
                  ) -> None:
        """Photos for something not stored yet: ``preset`` (stored photos, e.g. the failed
        answer's) plus files added now, which are only staged until ``draft_photos`` is
        stored by the owner."""
        self.draft, self.target, self.read_only = True, None, False
        self.rows = [dict(row) for row in preset]
        self._where = where
        self.refresh()

    def draft_photos(self) -> tuple[list[str], list[StagedPhoto]]:
        """The stored photos kept, and the staged files, in the order shown."""
        staged = {s.sha256: s for s in self.staged}
        kept = [str(r["id"]) for r in self.rows if r["id"] not in staged]
        return kept, [staged[str(r["id"])] for r in self.rows if r["id"] in staged]

    def discard_draft(self) -> None:
        """Delete the staged files (the draft was cancelled, or stored)."""
        if self._stage_relay is not None:
            self._stage_relay.stop()
            self._stage_relay = None
        for staged in self.staged:
            staged.temporary.unlink(missing_ok=True)
        self.staged.clear()

    def staging(self) -> bool:
        return self._stage_relay is not None

    def _stage_files(self, paths: list[Path], cleanup: list[Path]) -> None:
        data_dir = self.store.data_dir
        sources = list(paths)

        def work(cancelled: ops.CancelToken,
                 progress: ops.Progress) -> tuple[list[StagedPhoto], BatchResult]:
            # stage_all makes each photo's thumbnail from the one decode it does anyway
            try:
                staged, reasons = photos.stage_all(data_dir, sources, progress=progress,
                                                   cancelled=cancelled)
            finally:
                for path in cleanup:
                    if path.is_dir():
                        shutil.rmtree(path, ignore_errors=True)
            if cancelled():
                photos.discard(one for _index, one in staged)
                raise ops.Cancelled
            failed = BatchResult(failed=[(sources[index], reason)
                                         for index, reason in sorted(reasons.items())])
            return [one for _index, one in staged], failed

        self._stage_relay = ops.QueryOp(self, work, on_success=self._staged_files,
                                        on_failure=ops.told(self._stage_failed))
        self._stage_relay.run()

    def _stage_failed(self, message: str) -> None:
        self._stage_relay = None
        errors.show_error(self, message)

    def _staged_files(self, result: object) -> None:
        self._stage_relay = None
        if not isinstance(result, tuple):
            return
        done, failed = result
        known = {str(r["id"]) for r in self.rows}
        for staged in done:
            if staged.sha256 in known:  # the same photo twice: once is enough
                staged.temporary.unlink(missing_ok=True)
                continue
            known.add(staged.sha256)
            self.staged.append(staged)
            meta = staged.meta
            self.rows.append({
                "id": staged.sha256, "ext": photos.EXTENSIONS[staged.format],
                "original_name": staged.source.name, "taken_at": meta.taken_at,
                "latitude": meta.latitude, "longitude": meta.longitude, "kind": None,
                "annotations": None, "decode_problem": staged.decode_problem})
        self.last_result = failed
        if failed.failed:
            errors.show_error(self, failure_message(failed),
                              tr("部分照片未能导入", "Some photos were not imported"))
        self.refresh()
        self.changed.emit()

    def _imported(self, result: object) -> None:
        for batch in [b for b in self.imports if b.result is result]:
            self.imports.remove(batch)
        if not isinstance(result, BatchResult) or not result.changes:
            self._redo_arriving()  # nothing to read again: just its placeholders go
        if not isinstance(result, BatchResult):
            return
        self.last_result = result
        if result.failed:
            errors.show_error(self, failure_message(result),
                              tr("部分照片未能导入", "Some photos were not imported"))
        if result.changes:  # the rows the import wrote (none: the photos were linked already)
            self.refresh()
            self.changed.emit()

    def _redo_arriving(self) -> None:
        for index in reversed(range(self.list.count())):
            item = self.list.item(index)
            if item is not None and item.data(ARRIVING_ROLE):
                self.list.takeItem(index)
        for batch in self.imports:
            self._add_arriving(batch)
        self._update_state()

    def busy(self) -> bool:
        return bool(self.imports) or self._thumb_relay is not None \
            or self._stage_relay is not None

    # -- drag and drop ---------------------------------------------------------------------

    def _acceptable(self, mime: QMimeData | None) -> bool:
        return mime is not None and self._can_add() and (
            bool(local_files(mime)) or mime.hasImage())

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        if self._acceptable(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 - Qt's name
        if self._acceptable(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        mime = event.mimeData()
        if not self._acceptable(mime):
            event.ignore()
            return
        event.acceptProposedAction()
        self.import_mime(mime)

    # -- camera and viewer -----------------------------------------------------------------

    def open_camera(self) -> QDialog | None:
        if not self._can_add():
            return None
        if not camera.camera_available():
            self.camera_button.setVisible(False)
            errors.show_error(self, tr("没有找到相机。可以用“添加照片…”或粘贴（Ctrl+V）添加照片。",
                                       "No camera was found. Add photos with “Add photos…” "
                                       "or paste them (Ctrl+V)."))
            return None
        dialog = camera.CameraDialog(self)
        dialog.captured.connect(self._captured)
        self.camera_dialog = dialog
        dialog.open()
        return dialog

    def _captured(self, file_name: str) -> None:
        path = Path(file_name)
        self.import_files([path], cleanup=[path])

    def _activated(self, item: QListWidgetItem) -> None:
        sha = item.data(SHA_ROLE)
        if sha:
            self.open_viewer(str(sha))

    def open_viewer(self, sha256: str) -> QDialog | None:
        from ui.photo_viewer import PhotoViewer

        if self.draft:
            return None  # not stored yet: nothing to annotate
        row = next((r for r in self.rows if r["id"] == sha256), None)
        hints = self.hints_of(row) if row is not None else []
        viewer: PhotoViewer | None = errors.guarded(
            self, lambda: PhotoViewer(self.store, sha256, self, removable=self.can_remove(),
                                      hints=hints))
        if viewer is None:
            return None
        viewer.changed.connect(self._annotated)
        viewer.remove_requested.connect(lambda sha: self._remove_from_viewer(viewer, sha))
        if self.viewer is not None and not self.viewer.isVisible():
            self.viewer.deleteLater()
        self.viewer = viewer
        viewer.open()
        return viewer

    def _remove_from_viewer(self, viewer: QDialog, sha256: str) -> None:
        if self.remove_photo(sha256):
            viewer.accept()

    def _annotated(self) -> None:
        self._pixmaps.clear()
        self.refresh()
        self.changed.emit()

    # -- language --------------------------------------------------------------------------

    def _retranslate_state(self) -> None:
        count, arriving = len(self.rows), self.arriving_count()
        text = tr("照片 {n} 张", "{n} photo" if count == 1 else "{n} photos", n=count) \
            if self.target is not None or self.draft else tr("照片", "Photos")
        if arriving:
            text += tr("\n正在导入 {m} 张", "\n{m} arriving", m=arriving)
        self.count_label.setText(text)
        if self.target is None and not self.draft:
            self.empty_label.setText(tr("请选择一个检查项", "Choose an item"))
        elif self.read_only:
            self.empty_label.setText(tr("没有照片（检查已提交，不能再添加）",
                                        "No photos (the inspection is submitted)"))
        else:
            self.empty_label.setText(tr(
                "暂无照片：把照片拖到这里、按 Ctrl+V 粘贴，或点“添加照片…”",
                "No photos yet: drop photos here, paste with Ctrl+V, or click “Add photos…”"))

    def retranslate(self) -> None:
        self.add_button.setText(tr("添加照片…", "Add photos…"))
        self.add_button.setToolTip(tr("也可以把照片拖到这里，或按 Ctrl+V 粘贴",
                                      "You can also drop photos here or paste with Ctrl+V"))
        self.camera_button.setText(tr("拍照…", "Camera…"))
        for index, row in enumerate(self.rows):
            item = self.list.item(index)
            if item is not None:
                item.setToolTip(tooltip_for(row, self.hints_of(row)))
            self._set_icon(index)
        self._retranslate_state()
