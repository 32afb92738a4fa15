"""The canvas of the annotation editor: the photo, each annotation drawn as the report draws it.

``AnnotationGraphic`` is one annotation on the scene (laid out in the image's own pixels, with
line widths, arrow heads and text sizes computed exactly as ``inspector.domain.annotations.render``
computes them; blurred regions previewed pixelated and hatched); ``AnnotationCanvas`` shows the
scene scaled to fit and turns mouse drags into annotations for its editor
(``ui.annotation_editor.AnnotationEditor``: the dialog, its toolbar and undo stack). The
geometry helpers turn the annotation JSON's fractions into scene coordinates.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QLineF, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontDatabase,
    QFontMetricsF,
    QImage,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
    QPolygonF,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import QGraphicsItem, QGraphicsView, QStyleOptionGraphicsItem, QWidget

from inspector.domain import annotations as anno

if TYPE_CHECKING:
    from ui.annotation_editor import AnnotationEditor

Item = dict[str, Any]

MIN_DRAG = 4.0  # screen pixels: a shorter drag is a click, not a shape
BLUR_PREVIEW_BLOCKS = anno.BLUR_BLOCKS


@lru_cache(maxsize=1)
def text_font_family() -> str:
    """The family of the font ``render`` uses, so the editor shows text as the report will."""
    path = anno.find_font()
    if path is not None:
        font_id = QFontDatabase.addApplicationFont(path)
        families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        if families:
            return families[0]
    return QFont().family()


# -- geometry ------------------------------------------------------------------------------

def line_width(item: Mapping[str, Any], size: QSize) -> float:
    return float(max(1, round(float(item.get("width", anno.DEFAULT_WIDTH))
                              * max(size.width(), size.height()))))


def box_rect(item: Mapping[str, Any], size: QSize) -> QRectF:
    return QRectF(item["x"] * size.width(), item["y"] * size.height(),
                  item["w"] * size.width(), item["h"] * size.height())


def text_font(item: Mapping[str, Any], size: QSize) -> tuple[QFont, int]:
    pixels = max(6, round(float(item.get("size", anno.DEFAULT_TEXT_SIZE))
                          * max(size.width(), size.height())))
    font = QFont(text_font_family())
    font.setPixelSize(pixels)
    return font, pixels


def text_lines(item: Mapping[str, Any], size: QSize
               ) -> tuple[QFont, list[tuple[QPointF, str]], QRectF, float]:
    """The font, each line's baseline origin, the text's bounds and the halo width."""
    font, pixels = text_font(item, size)
    metrics = QFontMetricsF(font)
    stroke = max(1, round(pixels / 12))
    step = metrics.ascent() + stroke + round(pixels * 0.2)
    left, top = item["x"] * size.width(), item["y"] * size.height()
    lines: list[tuple[QPointF, str]] = []
    bounds = QRectF()
    for number, line in enumerate(str(item["text"]).split("\n")):
        baseline = QPointF(left, top + metrics.ascent() + number * step)
        lines.append((baseline, line))
        width = max(metrics.horizontalAdvance(line), 1.0)
        line_box = QRectF(left, baseline.y() - metrics.ascent(), width, metrics.height())
        bounds = bounds.united(line_box)
    return font, lines, bounds.adjusted(-stroke, -stroke, stroke, stroke), float(stroke)


def item_bounds(item: Mapping[str, Any]) -> tuple[float, float, float, float] | None:
    """Left, top, right, bottom as fractions (None for text, whose extent depends on size)."""
    kind = item["type"]
    if kind == "arrow":
        return (min(item["x1"], item["x2"]), min(item["y1"], item["y2"]),
                max(item["x1"], item["x2"]), max(item["y1"], item["y2"]))
    if kind == "text":
        return None
    return item["x"], item["y"], item["x"] + item["w"], item["y"] + item["h"]


def moved(item: Mapping[str, Any], dx: float, dy: float) -> Item:
    """The item shifted by (dx, dy) fractions, kept inside the photo."""
    bounds = item_bounds(item)
    if bounds is None:
        bounds = (item["x"], item["y"], item["x"], item["y"])
    left, top, right, bottom = bounds
    dx = min(max(dx, -left), 1.0 - right)
    dy = min(max(dy, -top), 1.0 - bottom)
    result = dict(item)
    for key in ("x", "x1", "x2"):
        if key in result:
            result[key] = min(max(result[key] + dx, 0.0), 1.0)
    for key in ("y", "y1", "y2"):
        if key in result:
            result[key] = min(max(result[key] + dy, 0.0), 1.0)
    return result


# -- the graphics of one annotation ----------------------------------------------------------

class AnnotationGraphic(QGraphicsItem):
    """One annotation in the scene, painted as ``render`` draws it (blur: as a preview)."""

    def __init__(self, item: Mapping[str, Any], index: int, image: QImage) -> None:
        super().__init__()
        self.index = index
        self._image = image
        self._size = image.size()
        self._item: Item = dict(item)
        self._pixelated: QImage | None = None
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable)
        self.setZValue(index if item["type"] == "blur" else 1000 + index)
        self._update_blur()

    def item(self) -> Item:
        return dict(self._item)

    def set_item(self, item: Mapping[str, Any]) -> None:
        self.prepareGeometryChange()
        self._item = dict(item)
        self._update_blur()
        self.update()

    def _update_blur(self) -> None:
        if self._item["type"] != "blur":
            return
        rect = box_rect(self._item, self._size).toAlignedRect().intersected(self._image.rect())
        if rect.width() < 1 or rect.height() < 1:
            self._pixelated = None
            return
        across = max(1, min(BLUR_PREVIEW_BLOCKS, rect.width()))
        down = max(1, min(rect.height(), round(BLUR_PREVIEW_BLOCKS * rect.height()
                                               / rect.width())))
        self._pixelated = self._image.copy(rect).scaled(
            across, down, Qt.AspectRatioMode.IgnoreAspectRatio,
            Qt.TransformationMode.SmoothTransformation)

    # -- geometry --

    def _outline_rect(self) -> QRectF:
        kind = self._item["type"]
        if kind == "arrow":
            width, height = self._size.width(), self._size.height()
            line = QLineF(self._item["x1"] * width, self._item["y1"] * height,
                          self._item["x2"] * width, self._item["y2"] * height)
            pad = line_width(self._item, self._size) * 3 + 10
            return QRectF(line.p1(), line.p2()).normalized().adjusted(-pad, -pad, pad, pad)
        if kind == "text":
            return text_lines(self._item, self._size)[2]
        pad = line_width(self._item, self._size) if kind != "blur" else 0.0
        return box_rect(self._item, self._size).adjusted(-pad, -pad, pad, pad)

    def boundingRect(self) -> QRectF:
        return self._outline_rect().adjusted(-4, -4, 4, 4)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        kind = self._item["type"]
        if kind == "arrow":
            width, height = self._size.width(), self._size.height()
            path.moveTo(self._item["x1"] * width, self._item["y1"] * height)
            path.lineTo(self._item["x2"] * width, self._item["y2"] * height)
            stroker = QPainterPathStroker()
            long_side = max(width, height)
            stroker.setWidth(max(line_width(self._item, self._size) * 3, long_side * 0.025))
            return stroker.createStroke(path)
        if kind == "ellipse":
            path.addEllipse(self._outline_rect())
        else:
            path.addRect(self._outline_rect())
        return path

    # -- painting --

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        kind = self._item["type"]
        if kind == "blur":
            self._paint_blur(painter)
        else:
            color = QColor(self._item["color"])
            if kind == "arrow":
                self._paint_arrow(painter, color)
            elif kind in ("ellipse", "rect"):
                width = line_width(self._item, self._size)
                rect = box_rect(self._item, self._size)
                # render() draws the outline inside the box, as Pillow does.
                inner = rect.adjusted(width / 2, width / 2, -width / 2, -width / 2)
                painter.setPen(QPen(color, width))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                if kind == "ellipse":
                    painter.drawEllipse(inner)
                else:
                    painter.drawRect(inner)
            elif kind == "text":
                self._paint_text(painter, color)
        if self.isSelected():
            rect = self._outline_rect().adjusted(-2, -2, 2, 2)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(QColor(255, 255, 255), 0))
            painter.drawRect(rect)
            painter.setPen(QPen(QColor(20, 20, 20), 0, Qt.PenStyle.DashLine))
            painter.drawRect(rect)

    def _paint_arrow(self, painter: QPainter, color: QColor) -> None:
        width, height = self._size.width(), self._size.height()
        x1, y1 = self._item["x1"] * width, self._item["y1"] * height
        x2, y2 = self._item["x2"] * width, self._item["y2"] * height
        line = line_width(self._item, self._size)
        shaft_end, head = anno.arrow_geometry(x1, y1, x2, y2, line)
        if not head:
            return
        painter.setPen(QPen(color, line, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.drawLine(QPointF(x1, y1), QPointF(*shaft_end))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawPolygon(QPolygonF([QPointF(x, y) for x, y in head]))

    def _paint_text(self, painter: QPainter, color: QColor) -> None:
        font, lines, _bounds, stroke = text_lines(self._item, self._size)
        red, green, blue = anno.halo_color(self._item["color"])
        path = QPainterPath()
        for origin, line in lines:
            path.addText(origin, font, line)
        painter.setPen(QPen(QColor(red, green, blue), stroke * 2, Qt.PenStyle.SolidLine,
                            Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawPath(path)

    def _paint_blur(self, painter: QPainter) -> None:
        rect = box_rect(self._item, self._size)
        if self._pixelated is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
            painter.drawImage(rect, self._pixelated)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(QColor(255, 255, 255, 110), Qt.BrushStyle.BDiagPattern))
        painter.drawRect(rect)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(QColor(255, 255, 255), 0))
        painter.drawRect(rect)
        painter.setPen(QPen(QColor(30, 30, 30), 0, Qt.PenStyle.DashLine))
        painter.drawRect(rect)


# -- undo --------------------------------------------------------------------------------------

# -- the canvas --------------------------------------------------------------------------------

class AnnotationCanvas(QGraphicsView):
    """Shows the photo scaled to fit and turns mouse drags into annotations."""

    def __init__(self, editor: AnnotationEditor) -> None:
        super().__init__(editor.scene, editor)
        self.editor = editor
        self._press: QPointF | None = None  # scene point where a drag started
        self._press_screen: QPointF | None = None
        self._preview: AnnotationGraphic | None = None
        self.setRenderHints(QPainter.RenderHint.Antialiasing
                            | QPainter.RenderHint.SmoothPixmapTransform)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setBackgroundBrush(QColor(58, 62, 68))
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(320, 240)

    def fit(self) -> None:
        self.fitInView(self.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.fit()

    def is_dragging(self) -> bool:
        return self._press is not None

    def cancel_drag(self) -> None:
        self._press = self._press_screen = None
        if self._preview is not None:
            self.scene().removeItem(self._preview)
            self._preview = None

    def _scene_point(self, event: QMouseEvent) -> QPointF:
        point = self.mapToScene(event.position().toPoint())
        bounds = self.sceneRect()
        return QPointF(min(max(point.x(), bounds.left()), bounds.right()),
                       min(max(point.y(), bounds.top()), bounds.bottom()))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        tool = self.editor.tool()
        if tool == "select" or event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self.scene().clearSelection()
        self._press = self._scene_point(event)
        self._press_screen = event.position()
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is None:
            super().mouseMoveEvent(event)
            return
        event.accept()
        if not event.buttons() & Qt.MouseButton.LeftButton:
            return
        if self.editor.tool() == "text":
            return
        item = self.editor.drawn_item(self._press, self._scene_point(event))
        if item is None:
            if self._preview is not None:
                self._preview.setVisible(False)
            return
        if self._preview is None:
            self._preview = AnnotationGraphic(item, len(self.editor.items()), self.editor.image)
            self._preview.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, False)
            self._preview.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable, False)
            self.scene().addItem(self._preview)
        self._preview.set_item(item)
        self._preview.setVisible(True)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._press is None:
            super().mouseReleaseEvent(event)
            if self.editor.tool() == "select":
                self.editor.commit_moves()
            return
        event.accept()
        start, start_screen = self._press, self._press_screen
        end = self._scene_point(event)
        self.cancel_drag()
        if event.button() != Qt.MouseButton.LeftButton or start_screen is None:
            return
        distance = QLineF(start_screen, event.position()).length()
        if self.editor.tool() == "text":
            if distance < MIN_DRAG * 2:
                self.editor.ask_text(start)
            return
        if distance < MIN_DRAG:
            return
        item = self.editor.drawn_item(start, end)
        if item is not None:
            self.editor.add_item(item)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if self.editor.tool() == "select" and event.button() == Qt.MouseButton.LeftButton:
            for graphic in self.items(event.position().toPoint()):
                if isinstance(graphic, AnnotationGraphic) and graphic.item()["type"] == "text":
                    self.editor.edit_text(graphic.index)
                    event.accept()
                    return
        super().mouseDoubleClickEvent(event)
