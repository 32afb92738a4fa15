"""Score and 达标, computed by hand for small templates."""

from __future__ import annotations

from typing import Any

import pytest

from inspector.domain import scoring, templates


def _template(threshold: float = 80, key_rule: bool = True) -> templates.Template:
    def item(code: str, answer_type: str = "yes_no_na", key: bool = False, weight: float = 1,
             pass_if: Any = "absent") -> dict[str, Any]:
        data: dict[str, Any] = {"code": code, "text": code, "answer_type": answer_type,
                                "key": key, "photo_on_fail": "none", "departments": ["住建"],
                                "weight": weight, "clause": "三(一)1"}
        if pass_if != "absent":
            data["pass_if"] = pass_if
        return data

    data = {
        "format": 1, "id": "t", "version": 1, "title": "T",
        "departments": [{"code": "住建", "name": "住建"}],
        "severities": [{"code": "general", "name": "一般", "deadline_days": 7}],
        "sections": [{"code": "A", "title": "A", "items": [
            item("K1", "yes_no", key=True, weight=2),
            item("N1", weight=1),
            item("N2", weight=1),
            item("N3", weight=3),
            item("P1", "number", weight=2, pass_if={"op": ">=", "value": 80}),
            item("R1", "number", weight=0, pass_if=None),
        ]}],
        "hazard_categories": [],
        "rule": {"key_items_must_pass": key_rule, "min_score_percent": threshold},
    }
    return templates.parse_template(data, "test")


def test_all_pass_is_100_percent_and_met() -> None:
    result = scoring.score(_template(), {"K1": "pass", "N1": "pass", "N2": "pass",
                                         "N3": "pass", "P1": "pass", "R1": "recorded"})
    assert result.percent == 100 and result.met
    assert (result.passed, result.failed, result.recorded) == (5, 0, 1)


def test_not_applicable_leaves_the_denominator() -> None:
    # passed weight 2 + 1 + 2 = 5; N3 (3) is n/a; N2 fails (1): 5 / 6 = 83.3 % -> met
    result = scoring.score(_template(), {"K1": "pass", "N1": "pass", "N2": "fail",
                                         "N3": "na", "P1": "pass", "R1": "recorded"})
    assert result.percent == pytest.approx(500 / 6)
    assert result.met and result.not_applicable == 1


def test_weights_count() -> None:
    # N3 (weight 3) fails: (2 + 1 + 1 + 2) / 9 = 66.7 % -> not met
    result = scoring.score(_template(), {"K1": "pass", "N1": "pass", "N2": "pass",
                                         "N3": "fail", "P1": "pass", "R1": "recorded"})
    assert result.percent == pytest.approx(600 / 9)
    assert not result.met


def test_a_failed_key_item_vetoes_even_with_a_high_score() -> None:
    # K1 fails: (1 + 1 + 3 + 2) / 9 = 77.8 % with threshold 70 -> score fine, veto applies
    answers = {"K1": "fail", "N1": "pass", "N2": "pass", "N3": "pass", "P1": "pass"}
    vetoed = scoring.score(_template(threshold=70), answers)
    assert vetoed.percent == pytest.approx(700 / 9)
    assert not vetoed.met and vetoed.key_failed == ("K1",)
    # a district template without the veto rule meets the standard with the same answers
    assert scoring.score(_template(threshold=70, key_rule=False), answers).met


def test_unanswered_key_item_means_not_met_yet() -> None:
    result = scoring.score(_template(), {"N1": "pass", "N2": "pass", "N3": "pass"})
    assert result.percent == 100
    assert not result.met
    assert result.key_unanswered == ("K1",) and set(result.unanswered) == {"K1", "P1", "R1"}


def test_nothing_scored_has_no_score() -> None:
    result = scoring.score(_template(), {"N1": "na", "R1": "recorded"})
    assert result.percent is None and not result.met


def test_exactly_at_threshold_meets() -> None:
    # (2 + 1) / (2 + 1 + 1) = 75 % with N3 and P1 n/a
    answers = {"K1": "pass", "N1": "pass", "N2": "fail", "N3": "na", "P1": "na",
               "R1": "recorded"}
    assert scoring.score(_template(threshold=75), answers).percent == pytest.approx(75.0)
    assert scoring.score(_template(threshold=75), answers).met
    assert not scoring.score(_template(threshold=76), answers).met


def test_number_items_judge_by_their_rule() -> None:
    template = _template()
    assert scoring.judge_number(template.item("P1"), 80) == "pass"
    assert scoring.judge_number(template.item("P1"), 79.9) == "fail"
    assert scoring.judge_number(template.item("R1"), 12) == "recorded"
