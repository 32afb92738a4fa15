"""Inspections and findings through the domain functions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from inspector.core.errors import InspectorError, NotFoundError, ReadOnlyError
from inspector.core.store import Store
from inspector.domain import findings, inspections
from tests.conftest import TEST_MOMENT, given_for


def _answer_all(store: Store, inspection_id: str, failing: tuple[str, ...] = ()) -> None:
    for item in inspections.view(store, inspection_id).template.items:
        inspections.answer(store, inspection_id, item.code,
                           given_for(item, fail=item.code in failing))


def test_start_gives_a_short_human_id(ready_store: Store) -> None:
    first = inspections.start(ready_store, "柳西社区", ["王建国", " 王建国 ", "陈晓燕"],
                              departments=["住建", "消防"])
    second = inspections.start(ready_store, "柳西社区", ["王建国"])
    row = inspections.get(ready_store, first)
    code = ready_store.get_setting("device_code")
    assert code and len(code) == 2
    assert row["short_id"] == f"HS-{TEST_MOMENT.date():%Y%m%d}-{code}-001"
    assert inspections.get(ready_store, second)["short_id"].endswith("-002")
    assert inspections.inspectors_of(row) == ["王建国", "陈晓燕"]
    assert inspections.departments_of(row) == ["住建", "消防"]
    assert inspections.resolve(ready_store, row["short_id"].lower())["id"] == first
    with pytest.raises(NotFoundError):
        inspections.start(ready_store, "不存在社区", ["王建国"])
    with pytest.raises(InspectorError):
        inspections.start(ready_store, "柳西社区", [" "])


def test_number_items_are_judged_by_their_rule(ready_store: Store) -> None:
    inspection_id = inspections.start(ready_store, "柳西社区", ["王建国"])
    inspections.answer(ready_store, inspection_id, "I03", "value", value=0)
    inspections.answer(ready_store, inspection_id, "D03", "value", value=0)
    inspections.answer(ready_store, inspection_id, "D01", "value", value=42)
    states = {s.item.code: s for s in inspections.view(ready_store, inspection_id).items}
    assert (states["I03"].answer, states["I03"].value) == ("fail", 0)
    assert states["D03"].answer == "pass"
    assert states["D01"].answer == "recorded"
    with pytest.raises(InspectorError, match="超出范围"):
        inspections.answer(ready_store, inspection_id, "D01", "value", value=-1)
    with pytest.raises(InspectorError, match="一票否决"):
        inspections.answer(ready_store, inspection_id, "C01", "na")
    with pytest.raises(NotFoundError):
        inspections.answer(ready_store, inspection_id, "Z99", "pass")


def test_parse_answer_words(ready_store: Store) -> None:
    inspection_id = inspections.start(ready_store, "柳西社区", ["王建国"])
    template = inspections.view(ready_store, inspection_id).template
    given = inspections.Given
    assert inspections.parse_answer(template.item("B01"), "符合") == given("pass")
    assert inspections.parse_answer(template.item("B02"), "NA") == given("na")
    assert inspections.parse_answer(template.item("I03"), "2") == given("pass", 2.0)
    assert inspections.parse_answer(template.item("D02"), "3") == given("fail", 3.0)
    assert inspections.parse_answer(template.item("B06"), "17/20") == given(
        sampled=20, qualified=17)
    assert inspections.parse_answer(template.item("H01"), "自治") == given(choice="self")
    assert inspections.parse_answer(template.item("H01"), "4") == given(choice="none")
    assert inspections.parse_answer(template.item("E06"), "无") == given("na")
    with pytest.raises(InspectorError, match="17/20"):
        inspections.parse_answer(template.item("B06"), "85.5")
    with pytest.raises(InspectorError, match="专业物业"):
        inspections.parse_answer(template.item("H01"), "物业公司")
    with pytest.raises(InspectorError):
        inspections.parse_answer(template.item("I03"), "many")
    with pytest.raises(InspectorError):
        inspections.parse_answer(template.item("B01"), "maybe")


def test_submit_needs_every_item_then_locks(ready_store: Store) -> None:
    store = ready_store
    inspection_id = inspections.start(store, "柳西社区", ["王建国"])
    inspections.answer(store, inspection_id, "A01", "pass")
    with pytest.raises(InspectorError, match="未填写"):
        inspections.submit(store, inspection_id, ["王建国"])
    _answer_all(store, inspection_id, failing=("C01",))
    score = inspections.submit(store, inspection_id, ["王建国", "社区代表 刘芳"]).score
    assert not score.met and score.key_failed == ("C01",)
    row = inspections.get(store, inspection_id)
    assert row["status"] == "submitted" and row["finished_at"]
    assert inspections.signers_of(row) == ["王建国", "社区代表 刘芳"]
    with pytest.raises(ReadOnlyError):
        inspections.answer(store, inspection_id, "C01", "pass")
    with pytest.raises(ReadOnlyError):
        inspections.set_team(store, inspection_id, inspectors=["张伟"])
    with pytest.raises(ReadOnlyError):
        findings.add(store, inspection_id, category="other", description="x")
    with pytest.raises(InspectorError, match="原因"):
        inspections.reopen(store, inspection_id, "  ")
    inspections.reopen(store, inspection_id, "复核C01")
    inspections.answer(store, inspection_id, "C01", "pass")
    assert inspections.submit(store, inspection_id, ["王建国"]).score.met


def test_finding_defaults_come_from_the_category(ready_store: Store) -> None:
    store = ready_store
    inspection_id = inspections.start(store, "柳西社区", ["王建国"])
    finding_id = findings.add(store, inspection_id, category="消防通道堵塞",
                              description="3幢东侧消防车道被占用", item_code="c01",
                              location="3幢东侧")
    row = findings.get(store, finding_id)
    assert (row["category"], row["department"], row["severity"], row["item_code"]) == (
        "fire_lane_blocked", "消防", "severe", "C01")
    assert row["deadline"] == (TEST_MOMENT.date() + timedelta(days=3)).isoformat()
    assert row["short_id"] == inspections.get(store, inspection_id)["short_id"] + "-F01"
    other = findings.add(store, inspection_id, category="其他", description="电梯困人",
                         item_code="H05", severity="较重", deadline="2030-01-31")
    other_row = findings.get(store, other)
    assert (other_row["department"], other_row["severity"], other_row["deadline"]) == (
        "市监", "serious", "2030-01-31")
    with pytest.raises(InspectorError, match="YYYY-MM-DD"):
        findings.add(store, inspection_id, category="other", description="x",
                     deadline="31/01/2030")
    with pytest.raises(NotFoundError):
        findings.add(store, inspection_id, category="外星人", description="x")
    with pytest.raises(InspectorError):
        findings.add(store, inspection_id, category="other", description=" ")


def test_finding_status_and_routing_after_submit(ready_store: Store) -> None:
    store = ready_store
    inspection_id = inspections.start(store, "柳西社区", ["王建国"])
    finding_id = findings.add(store, inspection_id, category="corridor_clutter",
                              description="5幢楼道堆物", deadline="2026-11-29")
    store.wall.advance(timedelta(days=1))  # type: ignore[attr-defined]  # now overdue
    assert [f["overdue"] for f in findings.list_findings(store, status="overdue")] == [True]
    _answer_all(store, inspection_id)
    inspections.submit(store, inspection_id, ["王建国"])
    with pytest.raises(ReadOnlyError):
        findings.edit(store, finding_id, description="改描述")
    findings.edit(store, finding_id, department="执法", deadline="2031-05-01")
    findings.set_status(store, finding_id, "rectified")
    findings.set_status(store, finding_id, "rectified")  # no change: accepted, nothing logged
    findings.set_status(store, finding_id, "已复查")
    row = findings.get(store, finding_id)
    assert (row["status"], row["department"], row["deadline"]) == ("verified", "执法",
                                                                   "2031-05-01")
    assert findings.list_findings(store, department="执法")[0]["id"] == finding_id
    assert findings.list_findings(store, status="open") == []


def test_status_transitions_are_checked(ready_store: Store) -> None:
    inspection_id = inspections.start(ready_store, "柳西社区", ["王建国"])
    finding_id = findings.add(ready_store, inspection_id, category="other", description="x")
    findings.set_status(ready_store, finding_id, "verified")
    with pytest.raises(InspectorError, match="不能从"):
        findings.set_status(ready_store, finding_id, "rectified")
    with pytest.raises(InspectorError, match="状态应为"):
        findings.set_status(ready_store, finding_id, "done")
