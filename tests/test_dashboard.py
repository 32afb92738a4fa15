"""The dashboard's figures: the summary's own, and findings by department, party and due."""

from __future__ import annotations

from datetime import date

import pytest

from inspector.core.clock import SetClock
from inspector.core.errors import InspectorError
from inspector.core.store import Store
from inspector.domain import communities, dashboard, findings, inspections, standing, templates
from inspector.domain.communities import CommunityData
from tests.conftest import TEST_MOMENT

TODAY = TEST_MOMENT.date()


@pytest.fixture
def two_districts(store: Store, wall: SetClock) -> dict[str, str]:
    """Findings in two districts: name → finding id (inspected on 1 November, so that every
    deadline below is after the inspection)."""
    today = wall.moment
    wall.moment = today.replace(month=11, day=1)
    templates.ensure_builtin(store)
    for district, street, name in (("海曙区", "南门街道", "柳西社区"),
                                   ("海曙区", "月湖街道", "郡庙社区"),
                                   ("江北区", "孔浦街道", "孔浦社区")):
        communities.create(store, CommunityData(district, street, name))
    made: dict[str, str] = {}
    for community, entries in (
            ("柳西社区", (("a", "fire_lane_blocked", "消防", "2026-11-20", "open"),
                         ("b", "corridor_clutter", "消防", "2026-12-20", "open"),
                         ("c", "garbage_piles", "执法", "2026-11-01", "rectified"),
                         ("d", "road_damaged", "住建", "2026-11-29", "open"))),
            ("郡庙社区", (("e", "road_damaged", "住建", "2026-12-31", "verified"),)),
            ("孔浦社区", (("f", "fire_lane_blocked", "消防", "2026-11-01", "open"),))):
        inspection_id = inspections.start(store, community, ["王建国"])
        for key, category, department, deadline, status in entries:
            made[key] = findings.add(store, inspection_id, category=category,
                                     description=f"问题{key}", department=department,
                                     deadline=deadline)
            if status != "open":
                findings.set_status(store, made[key], status)
    wall.moment = today
    return made


def test_findings_by_department_and_due_rechecks(store: Store,
                                                 two_districts: dict[str, str]) -> None:
    made = two_districts
    board = dashboard.compute(store, TODAY, "海曙区")
    groups = {g.key: (set(g.open), set(g.overdue)) for g in board.by_department}
    # open: a, b (消防), d (住建); overdue on 11-29: a only (d's deadline is today)
    assert groups == {"消防": ({made["a"], made["b"]}, {made["a"]}),
                      "住建": ({made["d"]}, set())}
    # a re-check is due for c (reported fixed) and for a and d (deadline come)
    assert set(board.rechecks) == {made["a"], made["c"], made["d"]}
    # every finding has a responsible party by default (here the community's 居委会)
    assert board.parties_recorded
    assert sum(len(g.open) for g in board.by_party) == 3 and all(g.key for g in board.by_party)
    everywhere = dashboard.compute(store, TODAY)
    assert set(everywhere.overdue_findings) == {made["a"], made["f"]}
    # a date before the inspections shows no findings at all
    assert dashboard.compute(store, date(2026, 10, 31)).open_findings == ()


def test_the_progress_is_the_summarys_own(store: Store, two_districts: dict[str, str],
                                          wall: SetClock) -> None:
    standing.recognise(store, "郡庙社区", level="city", decision="pass", decided_on="2026-01-05")
    board = dashboard.compute(store, TODAY, "海曙区", year_target=50)
    again = standing.compute(store, as_of=TODAY, district="海曙区", year_target=50)
    assert [(r.street, r.registered, r.met, r.needed) for r in board.summary.rows] == [
        (r.street, r.registered, r.met, r.needed) for r in again.rows]
    assert board.summary.total.labels() == ("海曙区", "合计")
    with pytest.raises(InspectorError, match="2026-02-30"):
        dashboard.compute(store, "2026-02-30")
    with pytest.raises(InspectorError, match="西湖区"):
        dashboard.compute(store, TODAY, "西湖区")


def test_a_responsible_party_column_groups_by_party(store: Store,
                                                    two_districts: dict[str, str]) -> None:
    """Findings group by who must fix them."""
    findings.set_responsible(store, two_districts["a"], responsible="业主:某物业公司")
    board = dashboard.compute(store, TODAY, "海曙区")
    assert board.parties_recorded
    grouped = {g.key: len(g.open) for g in board.by_party}
    assert grouped["某物业公司"] == 1 and sum(grouped.values()) == 3
