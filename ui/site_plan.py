"""A community's site plan (总平面图) with the findings pinned on it, and placing a pin.

The plan is an image the inspectors load per community (the fire-lane plan, a screenshot of
the estate); it is stored like a photo (by SHA-256, synced, verified). Pins are kept in plan
coordinates (0..1 from the left and the top of the upright image), so they stay put whatever
size the plan is shown at. The dialog shows the pins of the given findings, numbered; in
placing mode a click (or the arrow keys and Enter) puts the finding's pin where the hazard is.
Callers use ``open()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPen,
    QPixmap,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGraphicsEllipseItem,
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
from inspector.domain import communities, derived, places
from ui import errors, ops
from ui.i18n import language, tr

PIN_COLOUR = QColor(200, 30, 30)
CHOSEN_COLOUR = QColor(20, 110, 200)


@dataclass(frozen=True)
class PinMark:
    label: str
    x: float
    y: float
    finding_id: str
    tooltip: str = ""


class PlanView(QGraphicsView):
    """The plan, fitted to the view, with numbered pins; ``clicked`` gives plan coordinates."""

    clicked = Signal(float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("planView")
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setBackgroundBrush(QColor("#e9ecef"))
        self.picture = QGraphicsPixmapItem()
        self.picture.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene().addItem(self.picture)
        self.message = QGraphicsSimpleTextItem()
        self.scene().addItem(self.message)
        self.marks: list[Any] = []
        self.placing = False
        self.setMinimumSize(480, 340)

    def set_plan(self, pixmap: QPixmap) -> None:
        self.message.setText("")
        self.picture.setPixmap(pixmap)
        self.scene().setSceneRect(QRectF(pixmap.rect()))
        self.fit()

    def set_message(self, text: str) -> None:
        self.picture.setPixmap(QPixmap())
        self.message.setText(text)
        self.scene().setSceneRect(self.message.boundingRect())
        self.resetTransform()

    def has_plan(self) -> bool:
        return not self.picture.pixmap().isNull()

    def fit(self) -> None:
        if self.has_plan():
            self.fitInView(self.picture, Qt.AspectRatioMode.KeepAspectRatio)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self.fit()

    def set_pins(self, pins: list[PinMark], chosen: str | None = None) -> None:
        for mark in self.marks:
            self.scene().removeItem(mark)
        self.marks.clear()
        if not self.has_plan():
            return
        size = self.picture.pixmap().size()
        radius = max(9.0, 0.02 * max(size.width(), size.height()))
        font = QFont()
        font.setBold(True)
        font.setPixelSize(round(radius * 1.2))
        for pin in pins:
            centre = QPointF(pin.x * (size.width() - 1), pin.y * (size.height() - 1))
            disc = QGraphicsEllipseItem(centre.x() - radius, centre.y() - radius, radius * 2,
                                        radius * 2)
            colour = CHOSEN_COLOUR if pin.finding_id == chosen else PIN_COLOUR
            disc.setBrush(QBrush(colour))
            disc.setPen(QPen(QColor("white"), radius / 5))
            disc.setToolTip(pin.tooltip)
            text = QGraphicsSimpleTextItem(pin.label, disc)
            text.setFont(font)
            text.setBrush(QBrush(QColor("white")))
            box = text.boundingRect()
            text.setPos(centre.x() - box.width() / 2, centre.y() - box.height() / 2)
            self.scene().addItem(disc)
            self.marks.append(disc)

    def plan_point(self, scene_point: QPointF) -> tuple[float, float] | None:
        size = self.picture.pixmap().size()
        if not self.has_plan() or size.width() < 2 or size.height() < 2:
            return None
        x, y = scene_point.x() / (size.width() - 1), scene_point.y() / (size.height() - 1)
        if not (0 <= x <= 1 and 0 <= y <= 1):
            return None
        return round(x, 4), round(y, 4)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if self.placing and event.button() == Qt.MouseButton.LeftButton:
            point = self.plan_point(self.mapToScene(event.position().toPoint()))
            if point is not None:
                self.clicked.emit(*point)
                event.accept()
                return
        super().mousePressEvent(event)


class SitePlanDialog(QDialog):
    """The community's plan with ``pins``; with ``placing`` a finding's pin is placed.

    ``pinned`` carries (x, y) when a place was chosen and saved (``None, None`` to clear);
    ``plan_loaded`` the new plan's SHA-256 after "载入总平面图…".
    """

    pinned = Signal(object, object)
    plan_loaded = Signal(str)

    def __init__(self, store: Store, community_id: str, pins: list[PinMark], *,
                 placing: PinMark | None = None, read_only: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sitePlanDialog")
        self.store = store
        self.community = communities.get(store, community_id)
        self.pins = list(pins)
        self.placing = placing
        self.read_only = read_only
        self.chosen: tuple[float, float] | None = (placing.x, placing.y) \
            if placing is not None and placing.x >= 0 else None
        self.plan: dict[str, Any] | None = places.site_plan_of(store, community_id)
        self.file_dialog: QFileDialog | None = None
        self._relay: ops.Op[Any] | None = None

        self.view = PlanView(self)
        self.view.placing = placing is not None and not read_only
        self.view.clicked.connect(self.place)
        self.hint = QLabel(self)
        self.hint.setObjectName("planHint")
        self.hint.setWordWrap(True)
        self.legend = QLabel(self)
        self.legend.setObjectName("planLegend")
        self.legend.setWordWrap(True)
        self.legend.setStyleSheet("color: #444;")
        self.load_button = QPushButton(self)
        self.load_button.setObjectName("loadPlanButton")
        self.load_button.setAutoDefault(False)
        self.load_button.clicked.connect(self.choose_plan)
        self.load_button.setEnabled(not read_only)
        self.clear_button = QPushButton(self)
        self.clear_button.setObjectName("clearPinButton")
        self.clear_button.setAutoDefault(False)
        self.clear_button.clicked.connect(self.clear)
        self.clear_button.setVisible(placing is not None and not read_only)
        self.buttons = QDialogButtonBox(self)
        if placing is not None and not read_only:
            self.buttons.setStandardButtons(QDialogButtonBox.StandardButton.Save
                                            | QDialogButtonBox.StandardButton.Cancel)
        else:
            self.buttons.setStandardButtons(QDialogButtonBox.StandardButton.Close)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.load_button)
        row.addWidget(self.clear_button)
        row.addStretch(1)
        row.addWidget(self.buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.legend)
        layout.addLayout(row)
        self.resize(1000, 760)
        self.retranslate()
        language.changed.connect(self.retranslate)
        self.load()

    # -- the picture ---------------------------------------------------------------------

    def load(self) -> None:
        """Make (or find) the plan's display copy in the background, then show it."""
        if self._relay is not None:
            self._relay.stop()
        if self.plan is None:
            self.view.set_message(tr("还没有总平面图：点“载入总平面图…”选择图片。",
                                     "No site plan yet: click “Load a site plan…”."))
            self._update()
            return
        data_dir, sha, ext = self.store.data_dir, str(self.plan["id"]), str(self.plan["ext"])

        def work(_cancelled: ops.CancelToken, _progress: ops.Progress) -> Path:
            return derived.ensure(data_dir, sha, ext, derived.REPORT)

        self.view.set_message(tr("正在准备总平面图…", "Preparing the site plan…"))
        self._relay = ops.QueryOp(self, work, on_success=self._loaded,
                                  on_failure=ops.told(self._failed))
        self._relay.run()

    def loaded(self) -> bool:
        return self._relay is None

    def _loaded(self, result: object) -> None:
        self._relay = None
        pixmap = QPixmap(str(result)) if isinstance(result, Path) else QPixmap()
        if pixmap.isNull():
            self._failed(tr("无法读取总平面图", "Cannot read the site plan"))
            return
        self.view.set_plan(pixmap)
        self._show_pins()
        self._update()

    def _failed(self, message: str) -> None:
        self._relay = None
        self.view.set_message(tr("总平面图无法显示：{e}", "The site plan cannot be shown: {e}",
                                 e=message))
        self._update()

    def _show_pins(self) -> None:
        shown = [p for p in self.pins if self.placing is None
                 or p.finding_id != self.placing.finding_id]
        if self.placing is not None and self.chosen is not None:
            shown.append(PinMark(self.placing.label, *self.chosen, self.placing.finding_id))
        self.view.set_pins(shown, self.placing.finding_id if self.placing else None)

    # -- placing -------------------------------------------------------------------------

    def place(self, x: float, y: float) -> None:
        if self.placing is None or self.read_only:
            return
        self.chosen = (x, y)
        self._show_pins()
        self._update()

    def clear(self) -> None:
        self.chosen = None
        self._show_pins()
        self._update()

    def save(self) -> None:
        if self.placing is None:
            self.accept()
            return
        x, y = self.chosen if self.chosen is not None else (None, None)
        self.pinned.emit(x, y)
        self.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        steps = {Qt.Key.Key_Left: (-0.01, 0), Qt.Key.Key_Right: (0.01, 0),
                 Qt.Key.Key_Up: (0, -0.01), Qt.Key.Key_Down: (0, 0.01)}
        if self.view.placing and event.key() in steps:
            x, y = self.chosen or (0.5, 0.5)
            dx, dy = steps[Qt.Key(event.key())]
            self.place(round(min(1.0, max(0.0, x + dx)), 4), round(min(1.0, max(0.0, y + dy)),
                                                                    4))
            return
        super().keyPressEvent(event)

    # -- loading a plan ------------------------------------------------------------------

    def choose_plan(self) -> QFileDialog:
        dialog = QFileDialog(self, tr("选择总平面图", "Choose the site plan"))
        dialog.setObjectName("planFileDialog")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilters([tr("图片 (*.png *.jpg *.jpeg *.heic)",
                                  "Images (*.png *.jpg *.jpeg *.heic)"),
                               tr("所有文件 (*)", "All files (*)")])
        dialog.fileSelected.connect(lambda name: self.load_plan(Path(name)) if name else None)
        if self.file_dialog is not None:
            self.file_dialog.deleteLater()
        self.file_dialog = dialog
        dialog.open()
        return dialog

    def load_plan(self, path: Path) -> bool:
        """Store ``path`` as the community's site plan and show it."""
        loaded = errors.guarded(self, lambda: places.set_site_plan(
            self.store, str(self.community["id"]), path))
        if loaded is None:
            return False
        sha = loaded.sha256
        self.plan = places.site_plan_of(self.store, str(self.community["id"]))
        self.pins = []  # pins on the old plan stay with it, not on this one
        self.plan_loaded.emit(sha)
        self.load()
        return True

    # -- state and language --------------------------------------------------------------

    def _update(self) -> None:
        self.legend.setText("　".join(f"{pin.label} {' '.join(pin.tooltip.split())[:40]}"
                                      for pin in self.pins if pin.tooltip))
        self.legend.setVisible(bool(self.legend.text()))
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        if save is not None:
            save.setEnabled(self.plan is not None and self.view.has_plan())
        self.clear_button.setEnabled(self.chosen is not None)
        if self.placing is not None and not self.read_only:
            where = tr("已选位置：x={x:.2f}, y={y:.2f}", "Chosen: x={x:.2f}, y={y:.2f}",
                       x=self.chosen[0], y=self.chosen[1]) if self.chosen else tr(
                "尚未选择位置", "no place chosen yet")
            self.hint.setText(tr(
                "在图上点击问题 {n} 所在的位置（也可用方向键微调），然后保存。{w}",
                "Click where finding {n} is on the plan (arrow keys nudge it), then save. {w}",
                n=self.placing.label, w=where))
        else:
            self.hint.setText(tr("{c} 总平面图：{n} 个问题已标注。", "{c} site plan: {n} findings "
                                 "pinned.", c=self.community["name"], n=len(self.pins)))

    def retranslate(self) -> None:
        self.setWindowTitle(tr("总平面图 — {c}", "Site plan — {c}", c=self.community["name"]))
        self.load_button.setText(tr("载入总平面图…", "Load a site plan…"))
        self.clear_button.setText(tr("清除标注", "Clear the pin"))
        for role, text in ((QDialogButtonBox.StandardButton.Save, tr("保存", "Save")),
                           (QDialogButtonBox.StandardButton.Cancel, tr("取消", "Cancel")),
                           (QDialogButtonBox.StandardButton.Close, tr("关闭", "Close"))):
            button = self.buttons.button(role)
            if button is not None:
                button.setText(text)
        self._update()


def pin_marks(store: Store, rows: list[dict[str, Any]], plan_sha: str | None,
              short_prefix: str = "") -> list[PinMark]:
    """Marks for the findings ``rows`` pinned on ``plan_sha``, numbered as listed."""
    if plan_sha is None:
        return []
    marks = []
    for pin in places.pins_on(rows, plan_sha):
        row = next(r for r in rows if str(r["id"]) == pin.finding_id)
        short = str(row.get("short_id") or "")
        if short_prefix and short.startswith(short_prefix):
            short = short[len(short_prefix):]
        marks.append(PinMark(pin.label, pin.x, pin.y, pin.finding_id,
                             f"{short} {row.get('description') or ''}"))
    return marks
