"""The domain reads the time through the store's clock only: the demo and its reports come out
right on a leap day and across New Year's Eve in China time, whatever zone the machine is in."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from inspector.core.clock import SetClock
from inspector.core.store import Store
from inspector.domain import findings, templates
from inspector.ops import demo
from inspector.reports import findings_report, notices, summary
from tests.conftest import CHINA
from tests.test_reports import all_text, page_texts

LEAP_DAY = datetime(2028, 2, 29, 9, 30, tzinfo=CHINA)
NEW_YEARS_EVE = datetime(2026, 12, 31, 23, 59, tzinfo=CHINA)


@pytest.fixture(params=["UTC", "America/Los_Angeles"])
def machine_zone(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
                 ) -> Iterator[str]:
    """The laptop's own zone differs from China's: nothing may read it."""
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield request.param
    monkeypatch.undo()
    time.tzset()


def local_day(stamp: str) -> date:
    """The date a stored time names in China (UTC+8)."""
    return datetime.fromisoformat(stamp).astimezone(CHINA).date()


def made_on(moment: datetime, folder: Path) -> Store:
    # 50 ms per clock reading: the demo takes a few thousand readings, so it runs for minutes
    # of clock time and crosses midnight when started at 23:59.
    store = Store.open(folder, actor="测试员", wall=SetClock(moment, timedelta(milliseconds=50)))
    demo.fill(store)
    return store


@pytest.mark.parametrize("moment", [LEAP_DAY, NEW_YEARS_EVE], ids=["leap-day", "new-year"])
def test_demo_numbers_dates_and_deadlines_follow_the_local_day(
        moment: datetime, machine_zone: str, tmp_path: Path) -> None:
    with made_on(moment, tmp_path / "data") as store:
        rows = store.query("SELECT short_id, started_at FROM inspections ORDER BY started_at")
        days = {local_day(row["started_at"]) for row in rows}
        for row in rows:
            assert row["short_id"].split("-")[1] == f"{local_day(row['started_at']):%Y%m%d}"
        if moment == NEW_YEARS_EVE:
            assert days == {date(2026, 12, 31), date(2027, 1, 1)}  # the demo crossed midnight
        else:
            assert days == {date(2028, 2, 29)}
        template = templates.get(store, store.query_one(
            "SELECT template_id FROM inspections LIMIT 1")["template_id"])  # type: ignore[index]
        for finding in store.query("SELECT * FROM findings"):
            days_given = template.severity(finding["severity"]).deadline_days
            expected = local_day(finding["created_at"]) + timedelta(days=days_given)
            assert finding["deadline"] == expected.isoformat()
        # nothing is overdue on the day it was found
        on_the_day = findings.list_findings(store, status="overdue")
        assert on_the_day == []


@pytest.mark.parametrize("moment", [LEAP_DAY, NEW_YEARS_EVE], ids=["leap-day", "new-year"])
def test_reports_are_dated_by_the_local_day(moment: datetime, machine_zone: str,
                                            tmp_path: Path) -> None:
    with made_on(moment, tmp_path / "data") as store:
        inspection = store.query_one(
            "SELECT i.id FROM inspections i JOIN communities c ON c.id = i.community_id"
            " WHERE c.name = '柳西社区'")
        assert inspection is not None
        report = findings_report.build(store, inspection["id"], tmp_path / "report.pdf")
        printed = store.wall.now()  # the clock moves on with every reading: read it after
        footer = page_texts(report.path)[0]
        day = printed.date()
        assert f"{day:%Y-%m-%d}" in footer
        from tests.test_reports import issue_settings

        issue_settings(store)
        results = notices.build_all(store, inspection["id"], tmp_path / "notices")
        assert results
        text = all_text(results[0].path)
        assert f"{day.year}年{day.month}月{day.day}日" in text
        this_year = summary.compute(store, store.wall.today().year)
        # every submitted inspection of the demo started in the summary's year counts
        counted = {row["started_at"][:4] for row in store.query(
            "SELECT started_at FROM inspections WHERE status = 'submitted'")}
        if moment == LEAP_DAY:
            assert counted == {"2028"} and this_year.total.inspected > 0
        else:
            assert this_year.year == 2027
