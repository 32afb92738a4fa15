"""Demo data: the sample registry and realistic inspections."""

from __future__ import annotations

from inspector.core.store import Store
from inspector.domain import findings, inspections
from inspector.ops import demo


def test_demo_fills_every_district_and_a_mix_of_outcomes(store: Store) -> None:
    made = demo.fill(store)
    districts = {r["district"] for r in store.query("SELECT DISTINCT district FROM communities")}
    assert len(districts) == 10
    assert store.query_one("SELECT COUNT(*) AS n FROM communities")["n"] >= 60  # type: ignore[index]
    rows = store.query("SELECT id, status FROM inspections")
    assert len(rows) == made >= 8
    statuses = {r["status"] for r in rows}
    assert {"submitted", "draft", "reopened"} <= statuses
    results = {inspections.view(store, r["id"]).score.met for r in rows
               if r["status"] == "submitted"}
    assert results == {True, False}
    # the findings carry (drawn) photos with EXIF, an after-photo once fixed
    linked = store.query("SELECT target_kind, kind FROM photo_links")
    assert {row["target_kind"] for row in linked} == {"finding", "response"}
    assert {row["kind"] for row in linked} == {None, "after"}
    assert store.query("SELECT COUNT(*) AS n FROM photos WHERE latitude IS NOT NULL")[0]["n"] > 5
    states = {f["status"] for f in findings.list_findings(store)}
    assert {"open", "rectified", "verified"} <= states
