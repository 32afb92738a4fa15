"""A pad to draw a signature on with the mouse, a pen or a finger.

Pen and touch input reach the widget as mouse events (Qt synthesizes them for widgets that do
not handle tablet or touch events themselves), so one set of handlers serves all three.
The strokes are kept as lists of points and rendered on demand; ``to_png`` gives the ink alone
on white, without the baseline and the placeholder, which only guide the hand.
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFocusEvent,
    QImage,
    QImageWriter,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from ui.i18n import language, tr

INK = QColor(20, 20, 20)
INK_WIDTH = 2.5
PAPER = QColor(255, 255, 255)
BORDER = QColor(190, 196, 204)
BORDER_FOCUS = QColor(46, 110, 180)
BASELINE = QColor(214, 218, 224)
PLACEHOLDER = QColor(160, 166, 174)
MARGIN = 18


class SignaturePad(QWidget):
    """Draw with the left button (pen tip, finger); Delete or Backspace clears when focused."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._strokes: list[list[QPointF]] = []
        self._drawing = False
        self.setMinimumSize(360, 140)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.CrossCursor)
        language.changed.connect(self.retranslate)
        self.retranslate()

    # -- API ---------------------------------------------------------------------------------

    def is_empty(self) -> bool:
        return not self._strokes

    def strokes(self) -> list[list[QPointF]]:
        """A copy of the strokes drawn so far, in widget coordinates."""
        return [list(stroke) for stroke in self._strokes]

    def clear(self) -> None:
        if not self._strokes and not self._drawing:
            return
        self._strokes.clear()
        self._drawing = False
        self.update()
        self.changed.emit()

    def add_stroke(self, points: list[QPointF]) -> None:
        """Add a finished stroke (one point is a dot)."""
        if not points:
            return
        self._strokes.append([QPointF(p) for p in points])
        self.update()
        self.changed.emit()

    def placeholder_text(self) -> str:
        return tr("请在此签名", "Sign here")

    def to_png(self) -> bytes:
        """The ink on a white image of the pad's size, as PNG bytes."""
        size = self.size().expandedTo(self.minimumSize())
        image = QImage(size, QImage.Format.Format_RGB32)
        image.fill(PAPER)
        painter = QPainter(image)
        try:
            self._paint_ink(painter)
        finally:
            painter.end()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        writer = QImageWriter(buffer, QByteArray(b"png"))
        if not writer.write(image):
            raise RuntimeError(f"cannot encode the signature as PNG: {writer.errorString()}")
        buffer.close()
        return bytes(data.data())

    def retranslate(self) -> None:
        self.setAccessibleName(tr("签名板", "Signature pad"))
        self.setAccessibleDescription(tr(
            "用鼠标、手写笔或手指签名；按 Delete 清除",
            "Sign with the mouse, a pen or a finger; press Delete to clear"))
        self.setToolTip(tr("用鼠标、手写笔或手指签名；按 Delete 键清除",
                           "Sign with the mouse, a pen or a finger; Delete clears"))
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(400, 160)

    # -- input -------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self._strokes.append([event.position()])
        self._drawing = True
        self.update()
        self.changed.emit()
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if not self._drawing or not event.buttons() & Qt.MouseButton.LeftButton:
            super().mouseMoveEvent(event)
            return
        stroke = self._strokes[-1]
        point = event.position()
        if point != stroke[-1]:
            stroke.append(point)
            self.update()
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or not self._drawing:
            super().mouseReleaseEvent(event)
            return
        self._drawing = False
        stroke = self._strokes[-1]
        if event.position() != stroke[-1]:
            stroke.append(event.position())
        self.update()
        self.changed.emit()
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.clear()
            event.accept()
            return
        super().keyPressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        self.update()
        super().focusInEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self.update()
        super().focusOutEvent(event)

    # -- painting ----------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            frame = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
            painter.setPen(QPen(BORDER_FOCUS if self.hasFocus() else BORDER,
                                1.5 if self.hasFocus() else 1.0))
            painter.setBrush(PAPER)
            painter.drawRoundedRect(frame, 4, 4)

            baseline_y = self.height() * 0.72
            painter.setPen(QPen(BASELINE, 1.0, Qt.PenStyle.DashLine))
            painter.drawLine(QPointF(MARGIN, baseline_y),
                             QPointF(self.width() - MARGIN, baseline_y))
            painter.setPen(QPen(PLACEHOLDER, 1.5))
            cross = QPointF(MARGIN + 2, baseline_y - 10)
            painter.drawLine(cross, cross + QPointF(7, 7))
            painter.drawLine(cross + QPointF(0, 7), cross + QPointF(7, 0))

            if self.is_empty():
                font = painter.font()
                font.setPointSizeF(font.pointSizeF() * 1.15)
                painter.setFont(font)
                painter.setPen(PLACEHOLDER)
                text_rect = QRectF(0, 0, self.width(), baseline_y - 6)
                painter.drawText(text_rect, Qt.AlignmentFlag.AlignCenter, self.placeholder_text())
            self._paint_ink(painter)
        finally:
            painter.end()

    def _paint_ink(self, painter: QPainter) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(INK, INK_WIDTH, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                   Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for stroke in self._strokes:
            if len(stroke) == 1:
                painter.drawPoint(stroke[0])
            else:
                painter.drawPolyline(QPolygonF(stroke))
