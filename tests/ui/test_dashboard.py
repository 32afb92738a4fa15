"""The dashboard window: the summary's figures, computed off the GUI thread; every number
opens the list behind it; a row of a list opens the community in the main window."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QPointF, Qt
from PySide6.QtWidgets import QTableWidget
from pytestqt.qtbot import QtBot

from inspector.core import i18n
from inspector.core.store import Store
from inspector.domain import config, dashboard, standing
from inspector.reports import summary
from tests.conftest import TEST_MOMENT
from tests.ui.test_workbench import make_window
from ui import ops
from ui.dashboard import STREET_COLUMNS, DashboardDialog, FigureList
from ui.i18n import language

TODAY = TEST_MOMENT.date()


def _open(qtbot: QtBot, store: Store) -> tuple[object, DashboardDialog]:
    window = make_window(qtbot, store)
    qtbot.keyClick(window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    board = window.dashboard
    assert isinstance(board, DashboardDialog)
    qtbot.waitUntil(lambda: board.data is not None, timeout=20_000)
    return window, board


def _names(dialog: FigureList, column: int = 2) -> list[str]:
    table = dialog.table
    return [table.item(row, column).text() for row in range(table.rowCount())]


def test_the_dashboard_shows_the_summarys_figures_and_the_lists_behind_them(
        qtbot: QtBot, demo_store: Store) -> None:
    window, board = _open(qtbot, demo_store)
    assert board.as_of() == TODAY.isoformat()
    expected = standing.compute(demo_store, as_of=TODAY)
    data = board.data
    assert data is not None and data.summary.total.met == expected.total.met > 0
    # the street table is the summary's own text, row by row
    shown = summary.Summary(**{**expected.__dict__, "columns": STREET_COLUMNS})
    table = board.streets
    assert table.rowCount() == len(expected.rows)
    for number, row in enumerate(expected.rows):
        cells = [table.item(number, c).text() for c in range(table.columnCount())]
        assert cells == summary.text_cells(shown, row, empty="—")
    assert board.tiles["met"].value.text() == str(expected.total.met)

    # the 达标 tile lists the 名单
    qtbot.mouseClick(board.tiles["met"], Qt.MouseButton.LeftButton)
    met = board.lists[-1]
    assert sorted(_names(met)) == sorted(e.community for e in expected.roll)
    # a street's 已检查 cell lists that street's inspected communities
    street_row = next(i for i, r in enumerate(expected.rows)
                      if r.level == "street" and r.inspected)
    line = expected.rows[street_row]
    column = 2 + STREET_COLUMNS.index("inspected")
    board.streets.cellClicked.emit(street_row, column)
    assert len(_names(board.lists[-1])) == line.inspected
    # a bar of the chart lists the street's communities meeting the standard
    bar = next(i for i, b in enumerate(board.chart.bars) if b.met)
    centre = board.chart.bar_rect(bar).center()
    qtbot.mouseClick(board.chart, Qt.MouseButton.LeftButton, pos=centre.toPoint())
    assert len(_names(board.lists[-1])) == board.chart.bars[bar].met

    # findings: the overdue tile and a department's overdue cell list those findings
    overdue = set(data.overdue_findings)
    qtbot.mouseClick(board.tiles["overdue"], Qt.MouseButton.LeftButton)
    listed = board.lists[-1]
    ids = {row["id"] for row in dashboard.finding_rows(demo_store, TODAY, None, overdue)}
    assert len(_names(listed, 0)) == len(overdue) == len(ids)
    group = next(g for g in data.by_department if g.open)
    row_index = [g.key for g in data.by_department].index(group.key)
    board.departments.cellClicked.emit(row_index, 1)
    assert len(_names(board.lists[-1], 0)) == len(group.open)

    # a community in a list opens in the main window
    met.table.itemActivated.emit(met.table.item(0, 0))
    first = next(e for e in expected.roll if e.community == met.table.item(0, 2).text())
    assert window.community_page.community_id == first.community_id


def test_a_district_and_a_date_recompute_with_that_districts_target(
        qtbot: QtBot, demo_store: Store) -> None:
    config.set_value(demo_store, f"targets.海曙区.{TODAY.year}", "40")
    _window, board = _open(qtbot, demo_store)
    board.district.setCurrentIndex(board.district.findData("海曙区"))
    qtbot.waitUntil(lambda: board.data is not None and board.data.district == "海曙区",
                    timeout=20_000)
    data = board.data
    assert data is not None and data.summary.total.labels() == ("海曙区", "合计")
    assert {b.target for b in board.chart.bars} == {0.40}
    assert "目标 40%" in board.status.text()
    board.date.setDate(QDate(TODAY.year - 1, 12, 31))  # before the demo's inspections
    qtbot.waitUntil(lambda: board.data is not None and board.data.as_of.year == TODAY.year - 1,
                    timeout=20_000)
    assert board.tiles["open"].value.text() == "0"
    board.report_day.click()
    qtbot.waitUntil(lambda: board.data is not None
                    and board.data.as_of.isoformat() == f"{TODAY.year - 1}-08-31",
                    timeout=20_000)


def test_a_cancelled_computation_keeps_the_figures_shown(qtbot: QtBot,
                                                         demo_store: Store) -> None:
    _window, board = _open(qtbot, demo_store)
    before = board.data
    job = board.refresh()
    job.cancel()
    qtbot.waitUntil(job.done.is_set, timeout=20_000)
    assert ops.stop_all()
    assert board.data is before or board.data is not None


def test_switching_language_retranslates_the_dashboard(qtbot: QtBot,
                                                       demo_store: Store) -> None:
    _window, board = _open(qtbot, demo_store)
    assert board.windowTitle() == "统计看板"
    language.set("en")
    try:
        assert board.windowTitle() == "Dashboard"
        assert board.tiles["met"].title.text() == "Meeting standard"
        header = board.departments.horizontalHeaderItem(2)
        assert header is not None and header.text() == "Overdue"
    finally:
        language.set("zh")
        i18n.set_language("zh")


def test_the_chart_knows_which_bar_a_point_is_on(qtbot: QtBot, demo_store: Store) -> None:
    _window, board = _open(qtbot, demo_store)
    chart = board.chart
    assert chart.bar_at(QPointF(5, 1000)) is None
    assert chart.bar_at(chart.bar_rect(0).center()) == 0
    assert isinstance(board.streets, QTableWidget)


def test_the_summary_shown_is_the_summary_exported(qtbot: QtBot, demo_store: Store,
                                                   tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import csv

    from ui import report_actions

    monkeypatch.setattr(report_actions, "open_results", False)
    _window, board = _open(qtbot, demo_store)
    board.district.setCurrentIndex(board.district.findData("海曙区"))
    qtbot.waitUntil(lambda: board.data is not None and board.data.district == "海曙区",
                    timeout=20_000)
    target = Path(str(tmp_path)) / "海曙区.csv"
    run = board.export_summary(target)
    qtbot.waitUntil(lambda: run.outcome is not None, timeout=20_000)
    with open(target, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert board.data is not None
    expected = board.data.summary
    total = next(row for row in rows if row[:2] == ["海曙区", "合计"])
    assert total[2:] == summary.text_cells(expected, expected.total)[2:]
    assert ["填报日期", TODAY.isoformat()] in rows
