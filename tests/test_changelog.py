"""Every change is in the change log, in order, with a clock that never goes backwards."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from inspector.core.clock import HybridClock, SetClock, Stamp
from inspector.core.store import Store
from inspector.domain import communities, findings, inspections
from inspector.domain.communities import CommunityData


def at_millis(millis: int) -> SetClock:
    return SetClock(datetime.fromtimestamp(millis / 1000, timezone(timedelta(hours=8))))


def _changes(store: Store) -> list[dict[str, object]]:
    return store.query("SELECT * FROM changes ORDER BY seq")


def test_every_domain_change_is_logged_with_old_and_new_value(ready_store: Store) -> None:
    store = ready_store
    before = len(_changes(store))
    inspection_id = inspections.start(store, "柳西社区", ["王建国"], departments=["消防"])
    inspections.answer(store, inspection_id, "C01", "fail", note="消防通道被占")
    inspections.answer(store, inspection_id, "C01", "pass")
    finding_id = findings.add(store, inspection_id, category="fire_lane_blocked",
                              description="3幢东侧消防车道被占用", item_code="C01")
    findings.set_status(store, finding_id, "rectified")
    rows = _changes(store)[before:]
    touched = {(r["tbl"], r["field"]) for r in rows}
    assert ("inspections", "status") in touched
    assert ("responses", "answer") in touched
    assert ("responses", "note") in touched
    assert ("findings", "status") in touched
    answer_changes = [r for r in rows if r["tbl"] == "responses" and r["field"] == "answer"]
    assert [(json.loads(str(r["old_value"])), json.loads(str(r["value"])))
            for r in answer_changes] == [(None, "fail"), ("fail", "pass")]
    # the second change's base is the first change: the version its author saw
    first, second = answer_changes
    assert first["base"] is None
    assert second["base"] == f"{first['device']}:{first['seq']}"
    assert all(r["actor"] == "测试员" and r["device"] == store.device_id for r in rows)
    # the log replays to the stored rows
    response = store.query_one("SELECT * FROM responses WHERE id = ?", (f"{inspection_id}:C01",))
    assert response is not None and response["answer"] == "pass"
    assert response["note"] == "消防通道被占"


def test_an_unchanged_save_writes_no_change(ready_store: Store) -> None:
    inspection_id = inspections.start(ready_store, "柳西社区", ["王建国"])
    inspections.answer(ready_store, inspection_id, "B01", "pass")
    count = len(_changes(ready_store))
    inspections.answer(ready_store, inspection_id, "B01", "pass")
    assert len(_changes(ready_store)) == count


def test_seq_strictly_increases_and_clock_never_goes_back_when_wall_clock_is_set_back(
        data_dir: Path) -> None:
    wall = at_millis(1_800_000_000_000)
    with Store.open(data_dir, wall=wall) as store:
        for n in range(5):
            communities.create(store, CommunityData("海曙区", "南门街道", f"社区{n}"))
        wall.advance(timedelta(hours=-1))  # the system clock is set back an hour
        for n in range(5, 10):
            communities.create(store, CommunityData("海曙区", "南门街道", f"社区{n}"))
    # and after a restart with the clock still wrong
    with Store.open(data_dir, wall=wall) as store:
        communities.create(store, CommunityData("海曙区", "南门街道", "社区10"))
        rows = _changes(store)
    seqs = [r["seq"] for r in rows]
    stamps = [Stamp.parse(str(r["hlc"])) for r in rows]
    assert seqs == list(range(1, len(rows) + 1))
    assert all(a < b for a, b in zip(stamps, stamps[1:], strict=False))
    assert stamps[-1].millis == 1_800_000_000_000  # held at the latest time seen


def test_hybrid_clock_counter_overflow_moves_time_forward() -> None:
    clock = HybridClock(Stamp(1000, 99_999), wall=lambda: 5)
    assert clock.now() == Stamp(1001, 0)
    clock.observe(Stamp(2000, 3))
    assert clock.now() == Stamp(2000, 4)
    assert str(Stamp(12, 3)) == "000000000000012-00003"
    assert Stamp.parse("000000000000012-00003") == Stamp(12, 3)


def test_reopen_reason_lands_in_the_change_log(ready_store: Store) -> None:
    store = ready_store
    inspection_id = inspections.start(store, "柳西社区", ["王建国"])
    template_items = inspections.view(store, inspection_id).template.items
    for item in template_items:
        if item.answer_type == "number":
            inspections.answer(store, inspection_id, item.code, "value", value=0)
        else:
            inspections.answer(store, inspection_id, item.code, "pass")
    inspections.submit(store, inspection_id, ["王建国"])
    inspections.reopen(store, inspection_id, "社区提出异议，复核B06")
    reasons = store.query("SELECT value FROM changes WHERE tbl = 'inspections' AND row_id = ?"
                          " AND field = 'reopen_reason'", (inspection_id,))
    assert [json.loads(r["value"]) for r in reasons] == ["社区提出异议，复核B06"]
