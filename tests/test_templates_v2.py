"""Checklist format 2: the scoring model a district can set, validated and scored.

Expected scores are worked out by hand in the comments, not with the code's own formulas.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from inspector.core.errors import InspectorError, TemplateError
from inspector.core.store import Store
from inspector.domain import inspections, scoring, templates
from inspector.domain.inspections import Given

V2 = templates.BUILTIN_DIR / "ningbo-green-community-v2.json"


def item(code: str, answer_type: str = "yes_no_na", weight: float = 10,
         **extra: Any) -> dict[str, Any]:
    return {"code": code, "text": code, "answer_type": answer_type, "key": False,
            "photo_on_fail": "none", "departments": ["住建"], "weight": weight,
            "clause": "三(一)1", **extra}


CHOICES = [{"code": "pro", "name": "专业物业", "passes": True},
           {"code": "self", "name": "自治", "passes": True},
           {"code": "none", "name": "无", "passes": False}]


def small(**rule: Any) -> dict[str, Any]:
    """Five scored items worth 50 points, two encouraged ones worth 2 and 3."""
    return {
        "format": 2, "id": "district-x", "version": 1, "title": "区县评分表",
        "departments": [{"code": "住建", "name": "住建"}],
        "severities": [{"code": "general", "name": "一般", "deadline_days": 7}],
        "sections": [{"code": "A", "title": "A", "items": [
            item("Y1", "yes_no", key=True),
            item("C1", "choice", choices=CHOICES),
            item("S1", "sample", sample_unit="桶", min_sample=10,
                 pass_if={"op": ">=", "value": 80}),
            item("D1", "count", unit="处", deduct={"per": 3, "cap": 9}),
            item("N1", "number", pass_if={"op": ">=", "value": 1}, min=0, max=99),
            item("E1", encouraged=True, weight=2),
            item("E2", encouraged=True, weight=3),
        ]}],
        "hazard_categories": [],
        "rule": {"key_items_must_pass": True, "min_score_percent": 80, **(rule or
                                                                           {"bonus_max": 4})},
    }


def load(data: Any) -> templates.Template:
    return templates.parse_template(data, "district-x.json")


def problem(data: Any) -> str:
    with pytest.raises(TemplateError) as info:
        load(data)
    message = str(info.value)
    assert "district-x.json" in message  # the file is named
    return message


# -- the default v2 -----------------------------------------------------------------------------


def test_the_default_v2_has_every_kind_of_item_100_points_and_few_vetoes() -> None:
    template = templates.load_file(V2)
    assert (template.format, template.version) == (2, 2)
    kinds = {i.answer_type for i in template.items}
    assert {"choice", "sample", "count", "number", "yes_no", "yes_no_na"} <= kinds
    assert any(i.encouraged for i in template.items)
    assert sum(i.weight for i in template.items if i.scored) == 100
    vetoes = [i.code for i in template.key_items]
    assert vetoes == ["B06", "C01", "E02", "E05", "E08"]  # see docs/decisions.md
    # momentary hazards are deductions now, not vetoes
    for code in ("B04", "B05", "D02", "D03", "D04"):
        found = template.item(code)
        assert found.answer_type == "count" and not found.key and found.deduct is not None
    assert [c.name for c in template.item("H01").choices] == ["专业物业", "准物业", "自治", "无"]
    assert template.item("B06").sample_unit == "桶"
    assert template.rule == templates.Rule(True, 80.0, 3.0)
    assert "B06、C01、E02、E05、E08" in template.rule_text()
    # the same codes as v1, so findings and reports keep their meaning
    v1 = templates.load_file(templates.BUILTIN_DIR / "ningbo-green-community-v1.json")
    assert [i.code for i in v1.items] == [i.code for i in template.items]


def test_the_v2_is_the_default_for_new_inspections_and_v1_ones_keep_v1(
        ready_store: Store) -> None:
    old = inspections.start(ready_store, "柳西社区", ["王建国"],
                            template_uid="ningbo-green-community@v1")
    new = inspections.start(ready_store, "柳西社区", ["王建国"])
    assert inspections.view(ready_store, new).template.uid == "ningbo-green-community@v2"
    assert inspections.view(ready_store, old).template.uid == "ningbo-green-community@v1"
    # the v1 inspection answers as v1 did: B06 takes a plain percentage
    inspections.answer(ready_store, old, "B06", "value", value=78)
    assert inspections.view(ready_store, old).items[10].answer == "fail"
    with pytest.raises(InspectorError, match="抽查"):
        inspections.answer(ready_store, new, "B06", "value", value=78)


# -- validation: every bad item named, nothing installed ----------------------------------------


def _with(mutate: Any) -> dict[str, Any]:
    data = copy.deepcopy(small())
    mutate(data["sections"][0]["items"])
    return data


@pytest.mark.parametrize("mutate,where,field", [
    (lambda items: items[1].update(choices=CHOICES[:1]), "C1", "choices"),
    (lambda items: items[1].update(choices=[CHOICES[0], dict(CHOICES[0])]), "C1", "code"),
    (lambda items: items[1].update(choices=[dict(c, passes=False) for c in CHOICES]), "C1",
     "choices"),
    (lambda items: items[1].pop("choices"), "C1", "choices"),
    (lambda items: items[2].pop("pass_if"), "S1", "pass_if"),
    (lambda items: items[2].update(pass_if={"op": ">=", "value": 120}), "S1", "pass_if.value"),
    (lambda items: items[2].update(min_sample=0), "S1", "min_sample"),
    (lambda items: items[3].pop("deduct"), "D1", "deduct"),
    (lambda items: items[3].update(deduct={"per": 0, "cap": 3}), "D1", "deduct.per"),
    (lambda items: items[3].update(deduct={"per": 3, "cap": 12}), "D1", "deduct.cap"),
    (lambda items: items[4].update(min=50, max=10), "N1", "min"),
    (lambda items: items[4].update(encouraged=True), "N1", "encouraged"),
    (lambda items: items[5].update(key=True), "E1", "key"),
    (lambda items: items[5].update(weight=0), "E1", "weight"),
    (lambda items: items[0].update(choices=CHOICES), "Y1", "choices"),
    (lambda items: items[0].update(answer_type="slider"), "Y1", "answer_type"),
])
def test_a_bad_v2_item_is_named_with_its_field(mutate: Any, where: str, field: str) -> None:
    message = problem(_with(mutate))
    assert f"检查项 {where}" in message and f"字段 {field}" in message


def test_format_1_files_cannot_use_format_2_features() -> None:
    data = small()
    data["format"] = 1
    message = problem(data)
    for code in ("C1", "S1", "D1"):
        assert f"检查项 {code}，字段 answer_type" in message
    assert "字段 encouraged" in message and "字段 bonus_max" in message
    assert '"format": 2' in message


def test_other_bad_rules_and_formats(tmp_path: Path, store: Store) -> None:
    assert "bonus_max" in problem(small(bonus_max=-1))
    data = small()
    data["format"] = 3
    assert "不支持的格式 3" in problem(data)
    path = tmp_path / "district-x.json"
    path.write_text(json.dumps(_with(lambda items: items[3].update(
        deduct={"per": 3, "cap": 12})), ensure_ascii=False), encoding="utf-8")
    with pytest.raises(TemplateError, match="扣分上限 12 超过该项分值 10"):
        templates.install(store, templates.load_file(path))
    assert templates.list_installed(store) == []


def test_english_messages_for_v2_problems() -> None:
    from inspector.core import i18n

    i18n.set_language("en")
    message = problem(_with(lambda items: items[4].update(min=50, max=10)))
    assert "item N1, field min: the minimum 50 is above the maximum 10" in message


# -- scoring each kind, worked out by hand ------------------------------------------------------


def judged(template: templates.Template, given: dict[str, Given]) -> scoring.Score:
    answers: dict[str, str | None] = {}
    values: dict[str, float | None] = {}
    for code, answer in given.items():
        judged_answer, value, _ = inspections.judge(template.item(code), answer)
        answers[code], values[code] = judged_answer, value
    return scoring.score(template, answers, values)


ALL_GOOD = {"Y1": Given("pass"), "C1": Given(choice="pro"),
            "S1": Given(sampled=20, qualified=20), "D1": Given("value", 0),
            "N1": Given("value", 3), "E1": Given("na"), "E2": Given("na")}


def test_all_good_is_100_and_met() -> None:
    result = judged(load(small()), ALL_GOOD)
    assert result.percent == 100 and result.met and result.bonus == 0


def test_a_choice_passes_or_fails_by_what_was_chosen() -> None:
    template = load(small())
    assert judged(template, {**ALL_GOOD, "C1": Given(choice="自治")}).percent == 100
    failed = judged(template, {**ALL_GOOD, "C1": Given(choice="3")})
    assert failed.percent == pytest.approx(80)  # 40 of 50 points
    assert failed.failed == 1 and failed.met  # 80 % is the pass mark; C1 is no veto
    with pytest.raises(InspectorError, match="物业公司"):
        inspections.judge(template.item("C1"), Given(choice="物业公司"))
    with pytest.raises(InspectorError, match="不适用"):
        inspections.judge(template.item("C1"), Given("na"))


def test_a_sample_is_judged_by_its_rate() -> None:
    template = load(small())
    s1 = template.item("S1")
    assert inspections.judge(s1, Given(sampled=20, qualified=16)) == (
        "pass", 80.0, {"sampled": 20, "qualified": 16})  # exactly 80 % passes
    assert inspections.judge(s1, Given(sampled=20, qualified=15))[0] == "fail"  # 75 %
    assert judged(template, {**ALL_GOOD, "S1": Given(sampled=10, qualified=7)}).percent == 80
    for bad, message in ((Given(sampled=9, qualified=9), "至少要抽查 10 桶"),
                         (Given(sampled=10, qualified=11), "合格数 11"),
                         (Given(sampled=10, qualified=-1), "合格数 -1"),
                         (Given("pass"), "抽查数和合格数")):
        with pytest.raises(InspectorError, match=message):
            inspections.judge(s1, bad)


def test_a_count_deducts_per_occurrence_up_to_its_cap() -> None:
    template = load(small())
    # D1 is worth 10, 3 points off per case, at most 9
    for cases, percent in ((0, 100), (1, 47 / 50 * 100), (2, 44 / 50 * 100),
                           (3, 41 / 50 * 100), (7, 41 / 50 * 100)):
        result = judged(template, {**ALL_GOOD, "D1": Given("value", cases)})
        assert result.percent == pytest.approx(percent), cases
        assert (result.failed == 1) == (cases > 0)
    assert judged(template, {**ALL_GOOD, "D1": Given("value", 7)}).deducted == 9
    with pytest.raises(InspectorError, match="0 或正整数"):
        inspections.judge(template.item("D1"), Given("value", 1.5))
    with pytest.raises(InspectorError, match="0 或正整数"):
        inspections.judge(template.item("D1"), Given("value", -1))


def test_encouraged_items_add_never_fail_and_are_capped() -> None:
    template = load(small())  # bonus at most 4
    low = {**ALL_GOOD, "N1": Given("value", 0), "D1": Given("value", 1)}
    # base: N1 fails (−10), D1 one case (−3): 37 of 50 = 74 % — below 80
    assert judged(template, low).percent == pytest.approx(74) and not judged(template, low).met
    with_one = judged(template, {**low, "E1": Given("pass")})
    assert with_one.percent == pytest.approx(76) and with_one.bonus == 2
    both = judged(template, {**low, "E1": Given("pass"), "E2": Given("pass")})
    assert both.bonus == 4 and both.percent == pytest.approx(78)  # 2 + 3 capped at 4
    absent = inspections.judge(template.item("E1"), Given("fail"))
    assert absent[0] == "na"  # an encouraged item that is absent never fails
    assert judged(template, {**ALL_GOOD, "E1": Given("pass"), "E2": Given("pass")}).percent \
        == 100  # never above 100


def test_the_veto_is_still_a_veto() -> None:
    result = judged(load(small()), {**ALL_GOOD, "Y1": Given("fail")})
    assert result.percent == pytest.approx(80) and not result.met
    assert result.key_failed == ("Y1",)


def test_answers_are_stored_with_their_detail_and_shown(ready_store: Store) -> None:
    inspection_id = inspections.start(ready_store, "柳西社区", ["王建国"])
    inspections.answer(ready_store, inspection_id, "B06", Given(sampled=20, qualified=17))
    inspections.answer(ready_store, inspection_id, "H01", Given(choice="准物业"))
    inspections.answer(ready_store, inspection_id, "D03", Given("value", 2))
    states = {s.item.code: s for s in inspections.view(ready_store, inspection_id).items}
    assert (states["B06"].answer, states["B06"].value, states["B06"].sample) == (
        "pass", 85.0, (17, 20))
    assert (states["H01"].answer, states["H01"].choice) == ("pass", "quasi")
    assert (states["D03"].answer, states["D03"].value) == ("fail", 2.0)
    assert states["B06"].given() == Given("pass", 85.0, None, 20, 17)
    inspections.clear_answer(ready_store, inspection_id, "B06")
    row = ready_store.query_one("SELECT answer, value, detail FROM responses WHERE id = ?",
                                (f"{inspection_id}:B06",))
    assert row == {"answer": None, "value": None, "detail": None}
