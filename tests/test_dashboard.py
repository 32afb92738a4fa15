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
def two_districts(store: Store) -> dict[str, str]:
    """Findings in two districts: name → finding id (made on the test day)."""
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
    assert not board.parties_recorded
    assert [(g.key, len(g.open)) for g in board.by_party] == [("", 3)]
    everywhere = dashboard.compute(store, TODAY)
    assert set(everywhere.overdue_findings) == {made["a"], made["f"]}
    # a date before the inspections shows no findings at all
    assert dashboard.compute(store, date(2026, 11, 28)).open_findings == ()


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
    """When the rectification loop adds ``findings.party_name``, findings group by it."""
    with store.write():
        store.conn.execute("ALTER TABLE findings ADD COLUMN party_name TEXT")
        store.conn.execute("UPDATE findings SET party_name = '某物业公司' WHERE id = ?",
                           (two_districts["a"],))
    board = dashboard.compute(store, TODAY, "海曙区")
    assert board.parties_recorded
    assert {g.key: len(g.open) for g in board.by_party} == {"某物业公司": 1, "": 2}
