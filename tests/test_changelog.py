"""Every change is in the change log, in order, with a clock that never goes backwards."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from inspector.core.clock import HybridClock, SetClock, Stamp
from inspector.core.store import Store
from inspector.domain import communities, findings, inspections
from inspector.domain.communities import CommunityData
from tests.conftest import given_for


def at_millis(millis: int) -> SetClock:
    return SetClock(datetime.fromtimestamp(millis / 1000, timezone(timedelta(hours=8))))


def _changes(store: Store) -> list[dict[str, object]]:
    return store.query("SELECT * FROM changes ORDER BY seq")


def test_every_domain_change_is_logged_as_a_whole_register(ready_store: Store) -> None:
    store = ready_store
    before = len(_changes(store))
    inspection_id = inspections.start(store, "柳西社区", ["王建国"], departments=["消防"])
    inspections.answer(store, inspection_id, "C01", "fail", note="消防通道被占")
    inspections.answer(store, inspection_id, "C01", "pass")
    finding_id = findings.add(store, inspection_id, category="fire_lane_blocked",
                              description="3幢东侧消防车道被占用", item_code="C01")
    findings.set_status(store, finding_id, "rectified")
    rows = _changes(store)[before:]
    touched = {(r["tbl"], r["reg"]) for r in rows}
    assert {("inspections", "identity"), ("inspections", "state"), ("responses", "answer"),
            ("findings", "facts"), ("findings", "status")} <= touched
    answers = [r for r in rows if r["tbl"] == "responses"]
    values = [json.loads(str(r["value"])) for r in answers]
    # the answer, its note and who answered travel together: the note stays with the pass
    assert [(v["answer"], v["note"], v["answered_by"]) for v in values] == [
        ("fail", "消防通道被占", "测试员"), ("pass", "消防通道被占", "测试员")]
    # the second version names the first as the one it replaced
    first, second = answers
    assert first["replaces"] is None
    assert json.loads(str(second["replaces"])) == [f"{first['device']}:{first['seq']}"]
    assert all(r["actor"] == "测试员" and r["device"] == store.device_id for r in rows)
    # one head per register, and the row shows it
    heads = store.query("SELECT * FROM heads WHERE tbl = 'responses' AND row_id = ?",
                        (f"{inspection_id}:C01",))
    assert [(h["device"], h["seq"]) for h in heads] == [(second["device"], second["seq"])]
    response = store.query_one("SELECT * FROM responses WHERE id = ?", (f"{inspection_id}:C01",))
    assert response is not None and response["answer"] == "pass"
    assert response["note"] == "消防通道被占"


def test_an_unchanged_save_writes_no_change(ready_store: Store) -> None:
    inspection_id = inspections.start(ready_store, "柳西社区", ["王建国"])
    inspections.answer(ready_store, inspection_id, "B01", "pass")
    count = len(_changes(ready_store))
    inspections.answer(ready_store, inspection_id, "B01", "pass")
    assert len(_changes(ready_store)) == count


def test_seq_strictly_increases_and_a_clock_set_back_is_followed_only_after_a_restart(
        data_dir: Path) -> None:
    wall = at_millis(1_800_000_000_000)
    with Store.open(data_dir, wall=wall) as store:
        for n in range(5):
            communities.create(store, CommunityData("海曙区", "南门街道", f"社区{n}"))
        wall.advance(timedelta(hours=-1))  # the system clock is set back an hour
        for n in range(5, 10):
            communities.create(store, CommunityData("海曙区", "南门街道", f"社区{n}"))
        running = _changes(store)
    # While running, stamps never go back: the counter advances instead of the time.
    stamps = [Stamp.parse(str(r["hlc"])) for r in running]
    assert all(a < b for a, b in zip(stamps, stamps[1:], strict=False))
    assert stamps[-1].millis == 1_800_000_000_000  # held at the latest time seen
    # After a restart, its own stamps an hour ahead are not followed (a clock once set ahead
    # must not pin every later stamp in the future): it resumes from the wall clock, and its
    # own changes stay ordered by their sequence numbers.
    with Store.open(data_dir, wall=wall) as store:
        communities.create(store, CommunityData("海曙区", "南门街道", "社区10"))
        rows = _changes(store)
    seqs = [r["seq"] for r in rows]
    assert seqs == list(range(1, len(rows) + 1))
    assert Stamp.parse(str(rows[-1]["hlc"])).millis == wall.millis()


def test_a_stamp_far_ahead_is_not_followed() -> None:
    clock = HybridClock(Stamp(1_000_000, 0), wall=lambda: 1_000_000)
    assert not clock.observe(Stamp(1_000_000 + 26 * 3600 * 1000, 0))  # a laptop 26 h ahead
    assert clock.now() == Stamp(1_000_000, 1)
    assert clock.observe(Stamp(1_000_000 + 60_000, 0))  # a minute ahead: followed
    assert clock.now() == Stamp(1_060_000, 1)


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
        inspections.answer(store, inspection_id, item.code, given_for(item))
    inspections.submit(store, inspection_id, ["王建国"])
    inspections.reopen(store, inspection_id, "社区提出异议，复核B06")
    states = store.query("SELECT value FROM changes WHERE tbl = 'inspections' AND row_id = ?"
                         " AND reg = 'state' ORDER BY seq", (inspection_id,))
    values = [json.loads(r["value"]) for r in states]
    assert [v["status"] for v in values] == ["draft", "submitted", "reopened"]
    assert values[-1]["reopen_reason"] == "社区提出异议，复核B06"
