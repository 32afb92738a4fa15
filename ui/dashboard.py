"""The dashboard (统计看板): a district's progress against its target on a chosen date, by
street; findings open and overdue by department and by responsible party; re-checks due.

Every number is clickable and opens the list behind it (communities or findings); a row of
such a list opens that community or inspection in the main window. The figures come from
``inspector.domain.dashboard.compute`` — the summary's own computation — run off the GUI
thread with a progress dialog and cancel; the table cells are the summary's own text.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inspector.core.store import Store
from inspector.domain import dashboard, findings, standing
from inspector.domain.dashboard import Dashboard, FindingGroup
from inspector.reports import summary as summary_text
from ui import ops
from ui.i18n import language, tr

log = logging.getLogger(__name__)
GREEN, RED, GREY, BLUE = QColor("#2e7d32"), QColor("#c62828"), QColor("#e0e0e0"), QColor(
    "#1565c0")
ID_ROLE = Qt.ItemDataRole.UserRole + 1
# The street table's columns: summary column keys; counts among them open their communities.
STREET_COLUMNS = ("registered", "participating", "inspected", "met", "ratio", "target", "gap",
                  "needed")
MEMBERS_OF = {"registered": "registered", "participating": "participating",
              "inspected": "inspected", "met": "met", "needed": "not_met"}


# -- the chart --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    district: str
    street: str
    registered: int
    met: int
    target: float | None  # fraction

    @property
    def ratio(self) -> float:
        return self.met / self.registered if self.registered else 0.0


class StreetChart(QWidget):
    """One horizontal bar per street: the share meeting the standard, the target as a red
    mark. Clicking a bar asks for that street's communities meeting the standard."""

    bar_clicked = Signal(str, str)
    ROW, LABEL, RIGHT = 26, 150, 120

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("streetChart")
        self.bars: list[Bar] = []
        self.setMouseTracking(True)
        self.setMinimumWidth(420)

    def set_bars(self, bars: Sequence[Bar]) -> None:
        self.bars = list(bars)
        self.setMinimumHeight(self.ROW * len(self.bars) + 36)
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(560, self.ROW * max(1, len(self.bars)) + 36)

    def bar_rect(self, index: int) -> QRectF:
        width = max(40.0, self.width() - self.LABEL - self.RIGHT - 12)
        return QRectF(self.LABEL, 8 + index * self.ROW + 5, width, self.ROW - 10)

    def bar_at(self, point: QPointF) -> int | None:
        for index in range(len(self.bars)):
            rect = self.bar_rect(index)
            if rect.top() - 5 <= point.y() <= rect.bottom() + 5 and \
                    0 <= point.x() <= self.width():
                return index
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        index = self.bar_at(event.position())
        if index is not None and event.button() == Qt.MouseButton.LeftButton:
            bar = self.bars[index]
            self.bar_clicked.emit(bar.district, bar.street)
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        over = self.bar_at(event.position()) is not None
        self.setCursor(Qt.CursorShape.PointingHandCursor if over else Qt.CursorShape.ArrowCursor)
        super().mouseMoveEvent(event)

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = painter.fontMetrics()
        if not self.bars:
            painter.setPen(QColor("#777"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                             tr("没有社区", "No communities"))
            painter.end()
            return
        for index, bar in enumerate(self.bars):
            rect = self.bar_rect(index)
            label = metrics.elidedText(bar.street, Qt.TextElideMode.ElideRight, self.LABEL - 10)
            painter.setPen(QColor("#222"))
            painter.drawText(QRectF(4, rect.top() - 4, self.LABEL - 10, rect.height() + 8),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, label)
            painter.fillRect(rect, GREY)
            reached = bar.target is not None and bar.ratio >= bar.target
            filled = QRectF(rect.left(), rect.top(), rect.width() * bar.ratio, rect.height())
            painter.fillRect(filled, GREEN if reached or bar.target is None else BLUE)
            if bar.target is not None:
                x = rect.left() + rect.width() * bar.target
                painter.setPen(QPen(RED, 2))
                painter.drawLine(QPointF(x, rect.top() - 3), QPointF(x, rect.bottom() + 3))
            painter.setPen(QColor("#222"))
            painter.drawText(QRectF(rect.right() + 8, rect.top() - 4, self.RIGHT, rect.height()
                                    + 8), Qt.AlignmentFlag.AlignVCenter,
                             f"{bar.met}/{bar.registered}  {bar.ratio * 100:.0f}%")
        painter.end()


# -- the list behind a number -----------------------------------------------------------------


class FigureList(QDialog):
    """The communities or findings behind a number; double-click (or Enter) opens one."""

    open_community = Signal(str)
    open_inspection = Signal(str)

    def __init__(self, title: str, kind: str, rows: list[dict[str, Any]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("figureList")
        self.setWindowTitle(title)
        self.kind = kind
        self.table = QTableWidget(self)
        self.table.setObjectName("figureTable")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.itemActivated.connect(self._activated)
        heading = QLabel(tr("{t}：共 {n} 项（双击打开）", "{t}: {n} in all (double-click to open)",
                            t=title, n=len(rows)), self)
        heading.setObjectName("figureHeading")
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.table)
        self._fill(rows)
        self.resize(900, 480)

    def _fill(self, rows: list[dict[str, Any]]) -> None:
        if self.kind == "communities":
            header = [tr("区县(市)", "District"), tr("街道", "Street"), tr("社区", "Community"),
                      tr("依据", "Basis"), tr("日期", "Date"), tr("结论", "Result"),
                      tr("得分", "Score")]
        else:
            header = [tr("编号", "No."), tr("社区", "Community"), tr("描述", "Description"),
                      tr("部门", "Department"), tr("责任单位", "Party"),
                      tr("期限", "Deadline"), tr("状态", "Status")]
        self.table.setColumnCount(len(header))
        self.table.setHorizontalHeaderLabels(header)
        self.table.setRowCount(len(rows))
        for number, row in enumerate(rows):
            if self.kind == "communities":
                found = row.get("standing")
                cells = [row["district"], row["street"], row["name"],
                         found.basis_label() if found else tr("未检查", "not inspected"),
                         found.on if found else "",
                         (tr("达标", "meets") if found.met else tr("未达标", "below"))
                         if found else "",
                         f"{found.score:.1f}" if found and found.score is not None else ""]
                target = row["id"]
            else:
                status = "overdue" if row["overdue"] else row["status"]
                cells = [row["short_id"] or "", row["community"] or "", row["description"],
                         row["department"] or "", row["party"] or "", row["deadline"] or "",
                         tr(findings.STATUS_NAMES.get(status, status), status)]
                target = row["inspection_id"]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(str(text))
                item.setData(ID_ROLE, target)
                self.table.setItem(number, column, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)

    def _activated(self, item: QTableWidgetItem) -> None:
        target = str(item.data(ID_ROLE))
        if self.kind == "communities":
            self.open_community.emit(target)
        else:
            self.open_inspection.emit(target)


# -- the dashboard ----------------------------------------------------------------------------


class Tile(QPushButton):
    """A headline number (large) under its title; clicking it opens the list behind it."""

    def __init__(self, key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.setObjectName(f"tile_{key}")
        self.setMinimumSize(130, 70)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setStyleSheet(
            "QPushButton { border: 1px solid #c9d3df; border-radius: 6px;"
            " background: #f7f9fc; } QPushButton:hover { background: #e8eef7; }")
        self.title = QLabel(self)
        self.title.setStyleSheet("color: #555; background: transparent; border: none;")
        self.value = QLabel(self)
        self.note = QLabel(self)
        self.note.setStyleSheet("color: #555; background: transparent; border: none;")
        font = QFont(self.value.font())
        font.setPointSizeF(font.pointSizeF() * 1.7)
        font.setBold(True)
        self.value.setFont(font)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 4, 10, 4)
        layout.setSpacing(0)
        row = QHBoxLayout()
        row.addWidget(self.value)
        row.addSpacing(8)
        row.addWidget(self.note, 1, Qt.AlignmentFlag.AlignBottom)
        layout.addWidget(self.title)
        layout.addLayout(row)
        for label in (self.title, self.value, self.note):
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)

    def show_figure(self, title: str, value: str, note: str = "", colour: str = "#222") -> None:
        self.title.setText(title)
        self.value.setText(value)
        self.value.setStyleSheet(f"color: {colour}; background: transparent; border: none;")
        self.note.setText(note)
        self.setAccessibleName(f"{title} {value} {note}".strip())
        self.setToolTip(tr("点击查看名单", "Click for the list"))


TILES = ("registered", "participating", "inspected", "met", "needed", "open", "overdue",
         "rechecks")


class DashboardDialog(QDialog):
    """A non-blocking window; ``computed`` fires when new figures are shown."""

    computed = Signal(object)
    open_community = Signal(str)
    open_inspection = Signal(str)

    def __init__(self, store: Store, parent: QWidget | None = None, *,
                 district: str | None = None, as_of: QDate | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboardDialog")
        self.store = store
        self.data: Dashboard | None = None
        self.job: ops.QueryOp[Dashboard] | None = None
        self.lists: list[FigureList] = []

        self.district_label = QLabel(self)
        self.district = QComboBox(self)
        self.district.setObjectName("districtChoice")
        self.district.addItem("", None)
        for name in standing.known_districts(store):
            self.district.addItem(name, name)
        if district is not None:
            self.district.setCurrentIndex(max(0, self.district.findData(district)))
        self.date_label = QLabel(self)
        self.date = QDateEdit(self)
        self.date.setObjectName("asOf")
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        today = store.wall.today()
        self.date.setDate(as_of or QDate(today.year, today.month, today.day))
        self.report_day = QPushButton(self)
        self.report_day.setObjectName("reportDay")
        self.report_day.clicked.connect(self._to_report_day)
        self.refresh_button = QPushButton(self)
        self.refresh_button.setObjectName("refreshButton")
        self.refresh_button.clicked.connect(self.refresh)
        self.export_button = QPushButton(self)
        self.export_button.setObjectName("exportSummary")
        self.export_button.clicked.connect(lambda: self.export_summary())
        self.status = QLabel(self)
        self.status.setObjectName("dashboardStatus")
        self.status.setStyleSheet("color: #555;")
        controls = QHBoxLayout()
        for widget in (self.district_label, self.district, self.date_label, self.date,
                       self.report_day, self.refresh_button, self.export_button):
            controls.addWidget(widget)
        controls.addSpacing(12)
        controls.addWidget(self.status, 1)

        self.tiles = {key: Tile(key, self) for key in TILES}
        tile_row = QGridLayout()
        for index, key in enumerate(TILES):
            tile_row.addWidget(self.tiles[key], 0, index)
            self.tiles[key].clicked.connect(lambda _c=False, k=key: self.open_tile(k))

        self.chart = StreetChart(self)
        self.chart.bar_clicked.connect(
            lambda d, s: self.open_members("met", d, s))
        chart_scroll = QScrollArea(self)
        chart_scroll.setWidgetResizable(True)
        chart_scroll.setWidget(self.chart)
        self.chart_box = QGroupBox(self)
        QVBoxLayout(self.chart_box).addWidget(chart_scroll)

        self.departments = self._findings_table("departmentTable")
        self.parties = self._findings_table("partyTable")
        self.departments.cellClicked.connect(
            lambda r, c: self.open_group(self.departments, r, c))
        self.parties.cellClicked.connect(lambda r, c: self.open_group(self.parties, r, c))
        self.department_box = QGroupBox(self)
        QVBoxLayout(self.department_box).addWidget(self.departments)
        self.party_box = QGroupBox(self)
        self.party_note = QLabel(self)
        self.party_note.setWordWrap(True)
        self.party_note.setStyleSheet("color: #777;")
        party_layout = QVBoxLayout(self.party_box)
        party_layout.addWidget(self.parties)
        party_layout.addWidget(self.party_note)
        self.rechecks = QTableWidget(0, 2, self)
        self.rechecks.setObjectName("recheckTable")
        self.rechecks.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rechecks.verticalHeader().setVisible(False)
        self.rechecks.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.Stretch)
        self.rechecks.cellClicked.connect(self.open_recheck)
        self.recheck_box = QGroupBox(self)
        QVBoxLayout(self.recheck_box).addWidget(self.rechecks)
        side = QWidget(self)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.department_box)
        side_layout.addWidget(self.party_box)
        side_layout.addWidget(self.recheck_box)

        self.streets = QTableWidget(self)
        self.streets.setObjectName("streetTable")
        self.streets.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.streets.verticalHeader().setVisible(False)
        self.streets.cellClicked.connect(self.open_street_cell)
        self.street_box = QGroupBox(self)
        QVBoxLayout(self.street_box).addWidget(self.streets)

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.chart_box)
        left_layout.addWidget(self.street_box, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(left)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        side.setMinimumWidth(380)
        self.splitter.setSizes([940, 420])

        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addLayout(tile_row)
        layout.addWidget(self.splitter, 1)
        self.district.currentIndexChanged.connect(lambda _i: self.refresh())
        self.date.dateChanged.connect(lambda _d: self.refresh())
        self.retranslate()
        language.changed.connect(self.retranslate)
        self.resize(1320, 860)

    def _findings_table(self, name: str) -> QTableWidget:
        table = QTableWidget(0, 3, self)
        table.setObjectName(name)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().setVisible(False)
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        return table

    # -- computing --------------------------------------------------------------------------

    def as_of(self) -> str:
        return str(self.date.date().toString("yyyy-MM-dd"))

    def chosen_district(self) -> str | None:
        data = self.district.currentData()
        return str(data) if data else None

    def _to_report_day(self) -> None:
        self.date.setDate(QDate(self.date.date().year(), *standing.REPORT_MONTH_DAY))

    def refresh(self) -> ops.QueryOp[Dashboard]:
        """Compute the figures for the chosen district and date off the GUI thread."""
        if self.job is not None and not self.job.done.is_set():
            self.job.cancel()
        store, as_of, district = self.store, self.as_of(), self.chosen_district()

        def work(token: ops.CancelToken, progress: ops.Progress) -> Dashboard:
            with store.open_worker() as worker, worker.interrupted_by(token):
                return dashboard.compute(worker, as_of, district, progress=progress,
                                         cancelled=token)

        job: ops.QueryOp[Dashboard] = ops.QueryOp(
            self, work, on_success=lambda result: self._computed(job, result),
            on_failure=self._failed)
        self.job = job
        self.status.setText(tr("正在计算…", "Computing…"))
        return job.with_progress(tr("统计看板", "Dashboard")).run()

    def _computed(self, job: ops.QueryOp[Dashboard], result: Dashboard) -> None:
        if job is not self.job:
            return  # an older computation, overtaken by a newer one
        self.data = result
        self._show()
        self.computed.emit(result)

    def _failed(self, exc: BaseException) -> None:
        from ui.errors import show_error

        message = ops.failure_message(exc)
        self.status.setText(message)
        show_error(self, message)

    # -- showing ------------------------------------------------------------------------------

    def _show(self) -> None:
        data = self.data
        if data is None:
            return
        total = data.summary.total
        ratio = "—" if total.ratio is None else f"{total.ratio * 100:.1f}%"
        target = total.target_percent
        self.status.setText(tr(
            "{s}，截至 {d}：目标 {t}，生成于 {g}", "{s}, as of {d}: target {t}, made {g}",
            s=data.summary.scope(), d=data.as_of.isoformat(),
            t="—" if target is None else f"{target:g}%",
            g=data.summary.generated_at[11:16]))
        figures = {
            "registered": (tr("社区总数", "Communities"), str(total.registered), ""),
            "participating": (tr("参与创建", "Taking part"), str(total.participating), ""),
            "inspected": (tr("已检查或认定", "Inspected/decided"), str(total.inspected), ""),
            "met": (tr("达标", "Meeting standard"), str(total.met), ratio),
            "needed": (tr("尚需达标", "Still needed"),
                       "—" if total.needed is None else str(total.needed),
                       "" if total.gap is None else tr("差 {g:.1f} 个百分点",
                                                       "{g:.1f} points short", g=total.gap)),
            "open": (tr("待整改问题", "Open findings"), str(len(data.open_findings)), ""),
            "overdue": (tr("已逾期", "Overdue"), str(len(data.overdue_findings)), ""),
            "rechecks": (tr("待复查", "Re-checks due"), str(len(data.rechecks)), ""),
        }
        for key, (title, value, note) in figures.items():
            colour = "#c62828" if key in ("overdue", "needed") and value not in ("0", "—") \
                else "#222"
            self.tiles[key].show_figure(title, value, note, colour)
        self.chart.set_bars([Bar(r.district, r.street, r.registered, r.met, r.target)
                             for r in data.summary.streets()])
        # The chart takes the height its streets need (up to half the window); the table
        # below has the rest.
        self.chart_box.setFixedHeight(min(self.chart.sizeHint().height() + 56,
                                          max(180, self.height() // 2)))
        self._fill_streets()
        self._fill_rechecks()
        self._fill_groups(self.departments, data.by_department)
        self._fill_groups(self.parties, data.by_party)
        self.party_note.setVisible(not data.parties_recorded)

    def _fill_streets(self) -> None:
        assert self.data is not None
        result = self.data.summary
        shown = replace(result, columns=STREET_COLUMNS)
        self.streets.setColumnCount(2 + len(STREET_COLUMNS))
        self.streets.setHorizontalHeaderLabels(shown.header(one_line=True))
        self.streets.setRowCount(len(result.rows))
        bold = QFont(self.streets.font())
        bold.setBold(True)
        for number, row in enumerate(result.rows):
            cells = summary_text.text_cells(shown, row, empty="—")
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column >= 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                    key = STREET_COLUMNS[column - 2]
                    if key in MEMBERS_OF:
                        item.setForeground(QBrush(BLUE))
                        item.setToolTip(tr("点击查看名单", "Click for the list"))
                if row.level != "street":
                    item.setFont(bold)
                self.streets.setItem(number, column, item)
        header = self.streets.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)  # the street's name

    def _recheck_groups(self) -> list[tuple[str, list[str]]]:
        """Re-checks due, by community: (community, finding ids), most first."""
        assert self.data is not None
        rows = dashboard.finding_rows(self.store, self.data.as_of, self.data.district,
                                      self.data.rechecks)
        by_community: dict[str, list[str]] = {}
        for row in rows:
            by_community.setdefault(f"{row['street']} {row['community']}", []).append(row["id"])
        return sorted(by_community.items(), key=lambda pair: (-len(pair[1]), pair[0]))

    def _fill_rechecks(self) -> None:
        groups = self._recheck_groups()
        self.rechecks.setRowCount(len(groups))
        for number, (name, ids) in enumerate(groups):
            self.rechecks.setItem(number, 0, QTableWidgetItem(name))
            count = QTableWidgetItem(str(len(ids)))
            count.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            count.setForeground(QBrush(BLUE))
            self.rechecks.setItem(number, 1, count)

    def open_recheck(self, row: int, _column: int) -> FigureList | None:
        if self.data is None:
            return None
        groups = self._recheck_groups()
        if not 0 <= row < len(groups):
            return None
        name, ids = groups[row]
        return self.open_findings(f"{name} · {tr('待复查', 're-checks due')}", ids)

    def _fill_groups(self, table: QTableWidget, groups: Sequence[FindingGroup]) -> None:
        table.setRowCount(len(groups))
        for number, group in enumerate(groups):
            for column, text in enumerate((group.label, str(len(group.open)),
                                           str(len(group.overdue)))):
                item = QTableWidgetItem(text)
                item.setData(ID_ROLE, group.key)
                if column:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                    item.setForeground(QBrush(RED if column == 2 and group.overdue else BLUE))
                table.setItem(number, column, item)

    def export_summary(self, target: Path | None = None, font_path: str | None = None
                       ) -> Any:
        """The summary (附件2 and 名单) of what is shown, as XLSX, CSV or PDF."""
        from ui import report_actions

        if self.data is None:
            return None
        result = self.data.summary
        if target is None:
            from PySide6.QtWidgets import QFileDialog

            name = f"绿色社区汇总表-{result.scope()}-{result.as_of.isoformat()}.xlsx"
            chosen, _filter = QFileDialog.getSaveFileName(
                self, tr("保存汇总表", "Save the summary"),
                str(self.store.data_dir / "exports" / name),
                "Excel (*.xlsx);;CSV (*.csv);;PDF (*.pdf)")
            if not chosen:
                return None
            target = Path(chosen)
        return report_actions.write_summary(self, self.store, result, target, font_path)

    # -- the lists behind the numbers ---------------------------------------------------------

    def _show_list(self, title: str, kind: str, rows: list[dict[str, Any]]) -> FigureList:
        dialog = FigureList(title, kind, rows, self)
        dialog.open_community.connect(self.open_community)
        dialog.open_inspection.connect(self.open_inspection)
        self.lists = [d for d in self.lists if d.isVisible()] + [dialog]
        dialog.show()  # not modal: a row opened in the main window stays in view
        return dialog

    def open_members(self, key: str, district: str | None = None,
                     street: str | None = None) -> FigureList | None:
        """The communities behind a count of the total, a district or a street."""
        if self.data is None:
            return None
        result = self.data.summary
        row = result.total if district is None else result.row(district, street)
        ids = row.members.get(MEMBERS_OF.get(key, key), frozenset())
        rows = standing.community_rows(self.store, ids, result.standings)
        place = " ".join(p for p in (district, street) if p) or result.scope()
        title = f"{place} · {self._column_title(key)}"
        return self._show_list(title, "communities", rows)

    def open_findings(self, title: str, ids: Sequence[str]) -> FigureList | None:
        if self.data is None:
            return None
        rows = dashboard.finding_rows(self.store, self.data.as_of, self.data.district, ids)
        return self._show_list(title, "findings", rows)

    def open_tile(self, key: str) -> FigureList | None:
        if self.data is None:
            return None
        if key == "open":
            return self.open_findings(tr("待整改问题", "Open findings"), self.data.open_findings)
        if key == "overdue":
            return self.open_findings(tr("已逾期问题", "Overdue findings"),
                                      self.data.overdue_findings)
        if key == "rechecks":
            return self.open_findings(tr("待复查问题", "Re-checks due"), self.data.rechecks)
        return self.open_members(key)

    def open_street_cell(self, row: int, column: int) -> FigureList | None:
        if self.data is None or column < 2:
            return None
        key = STREET_COLUMNS[column - 2]
        if key not in MEMBERS_OF:
            return None
        line = self.data.summary.rows[row]
        if line.level == "total":
            return self.open_members(key)
        return self.open_members(key, line.district,
                                 line.street if line.level == "street" else None)

    def open_group(self, table: QTableWidget, row: int, column: int) -> FigureList | None:
        if self.data is None or column == 0:
            return None
        groups = self.data.by_department if table is self.departments else self.data.by_party
        group = groups[row]
        ids = group.open if column == 1 else group.overdue
        kind = tr("待整改", "open") if column == 1 else tr("已逾期", "overdue")
        return self.open_findings(f"{group.label} · {kind}", ids)

    def _column_title(self, key: str) -> str:
        if key in standing.COLUMNS:
            return standing.COLUMNS[key].label(self.data.summary.year if self.data else None
                                               ).replace("\n", "")
        return {"not_met": tr("未达标", "below the standard")}.get(key, key)

    # -- language and closing -----------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(tr("统计看板", "Dashboard"))
        self.district_label.setText(tr("区县：", "District:"))
        self.district.setItemText(0, tr("全市", "All districts"))
        self.date_label.setText(tr("日期：", "As of:"))
        self.report_day.setText(tr("初评日（8月31日）", "Report day (31 Aug)"))
        self.refresh_button.setText(tr("刷新", "Refresh"))
        self.export_button.setText(tr("导出汇总表…", "Export summary…"))
        self.chart_box.setTitle(tr("各街道达标进度（红线为目标；点击看达标名单）",
                                   "Progress by street (red mark: target; click for the list)"))
        self.department_box.setTitle(tr("问题：按责任部门", "Findings by department"))
        self.party_box.setTitle(tr("问题：按责任单位", "Findings by responsible party"))
        self.party_note.setText(tr("尚未记录责任单位的问题计入“未指定责任单位”。",
                                   "Findings with no responsible party recorded yet are "
                                   "counted under “no responsible party yet”."))
        self.recheck_box.setTitle(tr("待复查：按社区（已整改待核实、或已到期）",
                                     "Re-checks due by community (reported fixed, or due)"))
        self.rechecks.setHorizontalHeaderLabels([tr("社区", "Community"),
                                                 tr("待复查", "Due")])
        self.street_box.setTitle(tr("各街道数字（与汇总表同一计算；蓝色数字可点击）",
                                    "By street (the summary's own figures; blue numbers "
                                    "open their list)"))
        for table, first in ((self.departments, tr("部门", "Department")),
                             (self.parties, tr("责任单位", "Party"))):
            table.setHorizontalHeaderLabels([first, tr("待整改", "Open"),
                                             tr("已逾期", "Overdue")])
        self._show()

    def done(self, result: int) -> None:
        if self.job is not None:
            self.job.cancel()
        super().done(result)
