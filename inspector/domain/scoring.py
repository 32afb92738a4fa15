"""Score and 达标 (meets the standard) from the rule written in the template.

- Items answered 不适用 (na) and record-only number items leave the denominator.
- score = weight of passed items / weight of passed + failed items, in percent.
- 达标 when the score reaches the template's threshold and, if the rule says so, every key
  item (一票否决) is answered 符合. An unanswered key item means 达标 cannot be claimed yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from inspector.domain.templates import Item, Template

PASS, FAIL, NA, RECORDED = "pass", "fail", "na", "recorded"


@dataclass(frozen=True)
class Score:
    percent: float | None
    passed_weight: float
    scored_weight: float
    met: bool
    passed: int
    failed: int
    not_applicable: int
    recorded: int
    unanswered: tuple[str, ...] = field(default_factory=tuple)
    key_failed: tuple[str, ...] = field(default_factory=tuple)
    key_unanswered: tuple[str, ...] = field(default_factory=tuple)


def judge_number(item: Item, value: float) -> str:
    """The answer a number item gets from its value: pass, fail or recorded (no rule)."""
    if item.pass_if is None:
        return RECORDED
    return PASS if item.pass_if.passes(value) else FAIL


def score(template: Template, answers: Mapping[str, str | None]) -> Score:
    """``answers`` maps item code to pass / fail / na / recorded (missing or None: unanswered)."""
    passed_weight = scored_weight = 0.0
    counts = {PASS: 0, FAIL: 0, NA: 0, RECORDED: 0}
    unanswered: list[str] = []
    key_failed: list[str] = []
    key_unanswered: list[str] = []
    for item in template.items:
        answer = answers.get(item.code)
        if answer not in counts:  # none yet, or a value this program does not know (from a
            # newer program on another laptop): counted as unanswered, never a crash
            unanswered.append(item.code)
            if item.key:
                key_unanswered.append(item.code)
            continue
        counts[answer] += 1
        if answer == PASS and item.scored:
            passed_weight += item.weight
            scored_weight += item.weight
        elif answer == FAIL and item.scored:
            scored_weight += item.weight
            if item.key:
                key_failed.append(item.code)
    percent = 100.0 * passed_weight / scored_weight if scored_weight > 0 else None
    rule = template.rule
    keys_ok = not (rule.key_items_must_pass and (key_failed or key_unanswered))
    met = percent is not None and percent >= rule.min_score_percent and keys_ok
    return Score(
        percent=percent,
        passed_weight=passed_weight,
        scored_weight=scored_weight,
        met=met,
        passed=counts[PASS],
        failed=counts[FAIL],
        not_applicable=counts[NA],
        recorded=counts[RECORDED],
        unanswered=tuple(unanswered),
        key_failed=tuple(key_failed),
        key_unanswered=tuple(key_unanswered),
    )
