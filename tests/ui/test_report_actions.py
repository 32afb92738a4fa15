"""Reports and exports from the GUI run in the background and produce their files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from inspector.core.store import Store
from ui import report_actions


@pytest.fixture(autouse=True)
def _no_viewer() -> Iterator[None]:
    report_actions.open_results = False
    yield
    report_actions.open_results = True


def _inspection(store: Store) -> str:
    return str(store.query("SELECT id FROM inspections WHERE status = 'submitted'"
                           " ORDER BY short_id")[0]["id"])


def test_findings_report_and_notices(qtbot: QtBot, demo_store: Store, tmp_path: Path) -> None:
    inspection = _inspection(demo_store)
    run = report_actions.findings_report(None, demo_store, inspection, tmp_path / "r.pdf")
    with qtbot.waitSignal(run.done, timeout=60_000):
        pass
    assert run.outcome is not None
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    assert "页" in run.outcome.lines[0]
    from tests.test_reports import issue_settings

    issue_settings(demo_store)  # notices are issued in the street office's name
    folder = tmp_path / "notices"
    folder.mkdir()
    run = report_actions.notices(None, demo_store, inspection, folder)
    with qtbot.waitSignal(run.done, timeout=60_000):
        pass
    assert run.outcome is not None and run.outcome.lines


def test_summary_and_export(qtbot: QtBot, demo_store: Store, tmp_path: Path) -> None:
    year = int(demo_store.query("SELECT substr(started_at, 1, 4) AS y FROM inspections")[0]["y"])
    run = report_actions.district_summary(None, demo_store, year, tmp_path / "s.xlsx")
    with qtbot.waitSignal(run.done, timeout=60_000):
        pass
    assert (tmp_path / "s.xlsx").stat().st_size > 0
    run = report_actions.export_data(None, demo_store, "json", tmp_path / "all.json")
    with qtbot.waitSignal(run.done, timeout=60_000):
        pass
    data = json.loads((tmp_path / "all.json").read_text(encoding="utf-8"))
    assert data


def test_a_failure_is_a_message(qtbot: QtBot, demo_store: Store, tmp_path: Path) -> None:
    from ui import errors

    run = report_actions.findings_report(None, demo_store, "no-such-inspection",
                                         tmp_path / "x.pdf")
    with qtbot.waitSignal(run.failed, timeout=60_000):
        pass
    assert errors.shown_messages and "no-such-inspection" in errors.shown_messages[-1]
    assert not (tmp_path / "x.pdf").exists()


def test_the_window_menu_makes_the_report_of_the_open_inspection(qtbot: QtBot,
                                                                 demo_store: Store,
                                                                 tmp_path: Path) -> None:
    from tests.ui.test_workbench import make_window

    window = make_window(qtbot, demo_store)
    assert window.report_findings(tmp_path / "none.pdf") is None  # nothing open: a message
    window.open_inspection(_inspection(demo_store))
    run = window.report_findings(tmp_path / "r.pdf")
    assert run is not None
    with qtbot.waitSignal(run.done, timeout=60_000):
        pass
    assert (tmp_path / "r.pdf").exists()
    assert window.report_menu.title() == "报告(&R)"
