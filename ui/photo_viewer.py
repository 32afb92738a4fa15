"""One photo, large: the report-size copy (with its annotations), zoomable, and what it says.

The picture is the derived report-size copy, made in the background (the original is never
touched): wheel or Ctrl+± zooms, Ctrl+0 or "适合窗口" fits, dragging pans. The side panel
shows the stored facts: file name, size, pixels, when it was taken, GPS, camera, SHA-256 and
any EXIF problems. "标注…" opens the annotation editor on the plain report-size copy; saving
stores the annotations and shows the photo again. Callers use ``open()``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import (
    QFont,
    QFontDatabase,
    QKeySequence,
    QPainter,
    QPixmap,
    QResizeEvent,
    QShortcut,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from inspector.core.store import Store
from inspector.domain import derived, photos
from ui import errors, ops
from ui.i18n import language, tr

MIN_ZOOM, MAX_ZOOM, STEP = 0.05, 16.0, 1.25


def human_size(size: int | None) -> str:
    if size is None:
        return ""
    if size < 1024:
        return tr("{n} 字节", "{n} bytes", n=size)
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def coordinate(value: float | None, positive: str, negative: str) -> str:
    """43.467420° N / 北纬 43.467420° (the hemisphere instead of a sign)."""
    if value is None:
        return tr("无", "none")
    hemisphere = positive if value >= 0 else negative
    return tr("{h} {v:.6f}°", "{v:.6f}° {h}", h=hemisphere, v=abs(value))


class ZoomView(QGraphicsView):
    """A picture that zooms with the wheel and pans by dragging; fits the window until zoomed."""

    zoom_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("photoView")
        self.setScene(QGraphicsScene(self))
        self.item = QGraphicsPixmapItem()
        self.item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene().addItem(self.item)
        self.message = QGraphicsSimpleTextItem()
        self.scene().addItem(self.message)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setBackgroundBrush(Qt.GlobalColor.darkGray)
        self.fitting = True

    def set_pixmap(self, pixmap: QPixmap) -> None:
        self.message.setText("")
        self.item.setPixmap(pixmap)
        self.scene().setSceneRect(QRectF(pixmap.rect()))
        if self.fitting:
            self.fit()

    def set_message(self, text: str) -> None:
        self.item.setPixmap(QPixmap())
        self.message.setText(text)
        self.message.setBrush(Qt.GlobalColor.white)
        self.scene().setSceneRect(self.message.boundingRect())
        self.resetTransform()

    def has_picture(self) -> bool:
        return not self.item.pixmap().isNull()

    def zoom(self) -> float:
        return float(self.transform().m11())

    def zoom_by(self, factor: float) -> None:
        if not self.has_picture():
            return
        wanted = max(MIN_ZOOM, min(MAX_ZOOM, self.zoom() * factor))
        self.fitting = False
        self.scale(wanted / self.zoom(), wanted / self.zoom())
        self.zoom_changed.emit(self.zoom())

    def actual_size(self) -> None:
        self.fitting = False
        self.resetTransform()
        self.zoom_changed.emit(self.zoom())

    def fit(self) -> None:
        self.fitting = True
        if self.has_picture():
            self.fitInView(self.item, Qt.AspectRatioMode.KeepAspectRatio)
        self.zoom_changed.emit(self.zoom())

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt's name
        delta = event.angleDelta().y()
        if delta:
            self.zoom_by(STEP ** (delta / 120))
            event.accept()
        else:
            super().wheelEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if self.fitting:
            self.fit()


class PhotoViewer(QDialog):
    """Shows one stored photo; ``changed`` fires after its annotations were saved;
    ``remove_requested`` when the user asks to take it off the answer or finding (shown only
    when the caller says it can be removed)."""

    changed = Signal()
    remove_requested = Signal(str)

    def __init__(self, store: Store, sha256: str, parent: QWidget | None = None, *,
                 removable: bool = False, hints: list[str] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("photoViewer")
        self.store = store
        self.sha256 = sha256
        self.hints = list(hints or [])
        self.row: dict[str, Any] = photos.get(store, sha256)
        self.report_path: Path | None = None  # with the annotations
        self.plain_path: Path | None = None  # without: what the annotation editor works on
        self.editor: QDialog | None = None
        self._relay: ops.Op[Any] | None = None
        self._loading = False

        self.view = ZoomView(self)
        self.view.zoom_changed.connect(self._show_zoom)
        self.fit_button = QPushButton(self)
        self.fit_button.setObjectName("fitButton")
        self.fit_button.clicked.connect(self.view.fit)
        self.actual_button = QPushButton("100%", self)
        self.actual_button.setObjectName("actualSizeButton")
        self.actual_button.clicked.connect(self.view.actual_size)
        self.zoom_in_button = QPushButton("+", self)
        self.zoom_in_button.setObjectName("zoomInButton")
        self.zoom_in_button.clicked.connect(self.zoom_in)
        self.zoom_out_button = QPushButton("−", self)
        self.zoom_out_button.setObjectName("zoomOutButton")
        self.zoom_out_button.clicked.connect(self.zoom_out)
        for button in (self.zoom_in_button, self.zoom_out_button):
            button.setFixedWidth(36)
        self.zoom_label = QLabel(self)
        self.zoom_label.setObjectName("zoomLabel")
        self.zoom_label.setMinimumWidth(48)
        self.annotate_button = QPushButton(self)
        self.annotate_button.setObjectName("annotateButton")
        self.annotate_button.clicked.connect(self.open_annotation_editor)
        self.annotate_button.setEnabled(False)
        self.remove_button = QPushButton(self)
        self.remove_button.setObjectName("removePhotoButton")
        self.remove_button.clicked.connect(lambda: self.remove_requested.emit(self.sha256))
        self.remove_button.setVisible(removable)
        for button in (self.fit_button, self.actual_button, self.zoom_in_button,
                       self.zoom_out_button, self.annotate_button, self.remove_button):
            button.setAutoDefault(False)  # Enter closes the viewer, it does not zoom

        tools = QHBoxLayout()
        tools.addWidget(self.zoom_out_button)
        tools.addWidget(self.zoom_label)
        tools.addWidget(self.zoom_in_button)
        tools.addWidget(self.fit_button)
        tools.addWidget(self.actual_button)
        tools.addStretch(1)
        tools.addWidget(self.annotate_button)
        tools.addWidget(self.remove_button)

        # the facts
        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.names: dict[str, QLabel] = {}
        self.values: dict[str, QLabel] = {}
        for key in ("name", "size", "pixels", "taken", "latitude", "longitude", "camera",
                    "imported", "annotations", "sha256", "problems", "hints"):
            name = QLabel(self)
            value = QLabel(self)
            value.setObjectName(f"{key}Value")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.names[key] = name
            self.values[key] = value
            self.form.addRow(name, value)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(max(7.0, QFont().pointSizeF() - 1))
        self.values["sha256"].setFont(mono)
        self.details_title = QLabel(self)
        title_font = QFont(self.details_title.font())
        title_font.setBold(True)
        self.details_title.setFont(title_font)
        side = QFrame(self)
        side.setObjectName("photoDetails")
        side.setFrameShape(QFrame.Shape.StyledPanel)
        side.setFixedWidth(320)
        side_layout = QVBoxLayout(side)
        side_layout.addWidget(self.details_title)
        side_layout.addLayout(self.form)
        side_layout.addStretch(1)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.rejected.connect(self.reject)

        picture = QVBoxLayout()
        picture.addLayout(tools)
        picture.addWidget(self.view, 1)
        middle = QHBoxLayout()
        middle.addLayout(picture, 1)
        middle.addWidget(side)
        layout = QVBoxLayout(self)
        layout.addLayout(middle, 1)
        layout.addWidget(self.buttons)

        sequence: QKeySequence.StandardKey | str
        for keys, slot in (((QKeySequence.StandardKey.ZoomIn, "Ctrl+="), self.zoom_in),
                           ((QKeySequence.StandardKey.ZoomOut,), self.zoom_out),
                           (("Ctrl+0",), self.view.fit)):
            for sequence in keys:
                shortcut = QShortcut(QKeySequence(sequence), self)
                shortcut.activated.connect(slot)

        self.resize(1120, 740)
        self.retranslate()
        language.changed.connect(self.retranslate)
        self.load()

    # -- the picture -----------------------------------------------------------------------

    def load(self) -> None:
        """Make (or find) the report-size copies in the background, then show the picture."""
        if self._relay is not None:
            self._relay.stop()
        data_dir = self.store.data_dir
        sha, ext, notes = self.sha256, str(self.row["ext"]), self.row["annotations"]

        def work(_cancelled: ops.CancelToken, _progress: ops.Progress) -> tuple[Path, Path]:
            shown = derived.ensure(data_dir, sha, ext, derived.REPORT, notes)
            plain = derived.ensure(data_dir, sha, ext, derived.REPORT, None)
            return shown, plain

        self._loading = True
        self.annotate_button.setEnabled(False)
        if not self.view.has_picture():
            self.view.set_message(tr("正在准备照片…", "Preparing the photo…"))
        self._relay = ops.QueryOp(self, work, on_success=self._loaded,
                                  on_failure=ops.told(self._load_failed))
        self._relay.run()

    def loaded(self) -> bool:
        return not self._loading

    def _loaded(self, result: object) -> None:
        self._loading = False
        self._relay = None
        if not isinstance(result, tuple):
            return
        self.report_path, self.plain_path = result
        pixmap = QPixmap(str(self.report_path))
        if pixmap.isNull():
            self._load_failed(tr("无法读取 {p}", "Cannot read {p}", p=self.report_path))
            return
        self.view.set_pixmap(pixmap)
        self.annotate_button.setEnabled(True)

    def _load_failed(self, message: str) -> None:
        self._loading = False
        self._relay = None
        self.view.set_message(tr("无法显示这张照片：{e}", "Cannot show this photo: {e}",
                                 e=message))

    def zoom_in(self) -> None:
        self.view.zoom_by(STEP)

    def zoom_out(self) -> None:
        self.view.zoom_by(1 / STEP)

    def _show_zoom(self, zoom: float) -> None:
        self.zoom_label.setText(f"{zoom * 100:.0f}%")

    # -- annotations -----------------------------------------------------------------------

    def open_annotation_editor(self) -> QDialog | None:
        """The annotation editor on the plain report-size copy (non-blocking)."""
        if self.plain_path is None:
            return None
        from ui.annotation_editor import AnnotationEditor

        plain, notes = self.plain_path, self.row["annotations"]
        title = str(self.row["original_name"] or self.sha256[:12])
        editor: AnnotationEditor | None = errors.guarded(
            self, lambda: AnnotationEditor(plain, notes, self, title=title))
        if editor is None:
            return None
        editor.saved.connect(self._annotations_saved)
        if self.editor is not None and not self.editor.isVisible():
            self.editor.deleteLater()
        self.editor = editor
        editor.open()
        return editor

    def _annotations_saved(self, annotations_json: str) -> None:
        def save() -> bool:
            photos.set_annotations(self.store, self.sha256, annotations_json)
            return True

        if not errors.guarded(self, save):
            return
        self.row = photos.get(self.store, self.sha256)
        self._fill()
        self.load()
        self.changed.emit()

    # -- the facts -------------------------------------------------------------------------

    def _fill(self) -> None:
        row = self.row
        values = self.values
        values["name"].setText(str(row["original_name"] or ""))
        values["size"].setText(human_size(row["size"]))
        values["pixels"].setText(tr("{w} × {h}（{f}）", "{w} × {h} ({f})", w=row["width"],
                                    h=row["height"], f=row["format"]))
        values["taken"].setText(str(row["taken_at"]).replace("T", " ") if row["taken_at"]
                                else tr("未记录", "not recorded"))
        values["latitude"].setText(coordinate(row["latitude"], tr("北纬", "N"),
                                              tr("南纬", "S")))
        values["longitude"].setText(coordinate(row["longitude"], tr("东经", "E"),
                                               tr("西经", "W")))
        place = (f"{row['latitude']:.6f}, {row['longitude']:.6f}"
                 if row["latitude"] is not None and row["longitude"] is not None else "")
        values["latitude"].setToolTip(place)
        values["longitude"].setToolTip(place)
        values["camera"].setText(str(row["camera"] or tr("未记录", "not recorded")))
        imported = str(row["imported_at"] or "").replace("T", " ")[:19]
        values["imported"].setText(f"{imported}　{row['imported_by'] or ''}".strip())
        from inspector.domain import annotations

        count = len(annotations.parse(row["annotations"]))
        values["annotations"].setText(tr("{n} 处", "{n}", n=count) if count
                                      else tr("无", "none"))
        sha = str(row["id"])
        values["sha256"].setText("\u200b".join(sha[i:i + 16] for i in range(0, len(sha), 16)))
        values["sha256"].setToolTip(sha)
        values["problems"].setText(str(row["exif_problems"] or tr("无", "none")))
        values["hints"].setText("\n".join(self.hints) or tr("无", "none"))
        values["hints"].setStyleSheet("color: #b23b3b;" if self.hints else "")

    def details_text(self) -> str:
        """Everything the side panel shows, as text (what tests and a copy read)."""
        return "\n".join(f"{self.names[k].text()} {v.text()}" for k, v in self.values.items())

    def retranslate(self) -> None:
        self.setWindowTitle(tr("照片 — {n}", "Photo — {n}", n=self.row["original_name"]))
        labels = {"name": tr("文件名", "File name"), "size": tr("大小", "Size"),
                  "pixels": tr("像素", "Pixels"), "taken": tr("拍摄时间", "Taken at"),
                  "latitude": tr("纬度", "Latitude"), "longitude": tr("经度", "Longitude"),
                  "camera": tr("相机", "Camera"), "imported": tr("导入", "Imported"),
                  "annotations": tr("标注", "Annotations"), "sha256": "SHA-256",
                  "problems": tr("EXIF 问题", "EXIF problems"),
                  "hints": tr("提示", "Hints")}
        for key, label in self.names.items():
            label.setText(labels[key] + tr("：", ":"))
        self.details_title.setText(tr("照片信息", "Photo details"))
        self.fit_button.setText(tr("适合窗口", "Fit"))
        self.fit_button.setToolTip("Ctrl+0")
        self.zoom_in_button.setToolTip(tr("放大 (Ctrl++)", "Zoom in (Ctrl++)"))
        self.zoom_out_button.setToolTip(tr("缩小 (Ctrl+-)", "Zoom out (Ctrl+-)"))
        self.actual_button.setToolTip(tr("原始大小", "Actual size"))
        self.annotate_button.setText(tr("标注…", "Annotate…"))
        self.remove_button.setText(tr("移除照片", "Remove photo"))
        self.remove_button.setToolTip(tr("从此检查项或问题中移除（可撤销；原件保留）",
                                         "Take it off this answer or finding (can be undone; "
                                         "the original is kept)"))
        close = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        if close is not None:
            close.setText(tr("关闭", "Close"))
        self._fill()
        self._show_zoom(self.view.zoom())
        if not self.view.has_picture() and self._loading:
            self.view.set_message(tr("正在准备照片…", "Preparing the photo…"))
