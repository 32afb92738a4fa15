"""Score and 达标 (meets the standard) from the rule written in the template.

- Items answered 不适用 (na) and record-only number items leave the denominator.
- score = points earned / points of the passed and failed items, in percent. A passed item
  earns its points (``weight``), a failed one none — except a ``count`` item, which loses
  ``deduct.per`` per occurrence up to ``deduct.cap`` and keeps the rest.
- Encouraged items (鼓励) are outside the denominator: present, they add their points, at most
  ``rule.bonus_max`` in all; the score never exceeds 100.
- 达标 when the score reaches the template's threshold and, if the rule says so, every key
  item (一票否决) is answered 符合. An unanswered key item means 达标 cannot be claimed yet.

A format-1 checklist has no count or encouraged items, so it scores exactly as it always did.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from inspector.core.i18n import t
from inspector.domain.templates import Item, Template

PASS, FAIL, NA, RECORDED = "pass", "fail", "na", "recorded"


def answer_word(answer: str | None) -> str:
    """An answer as the documents and the command line name it (符合, 不符合, 不适用, 已记录;
    未填 when there is none)."""
    words = {PASS: t("符合", "pass"), FAIL: t("不符合", "fail"), NA: t("不适用", "n/a"),
             RECORDED: t("已记录", "recorded"), None: t("未填", "—")}
    return words.get(answer, str(answer))


def verdict_text(met: bool) -> str:
    """达标 or 未达标, as the documents and the command line say it."""
    return t("达标", "meets the standard") if met else t("未达标", "does not meet the standard")


@dataclass(frozen=True)
class Score:
    percent: float | None
    passed_weight: float  # points earned (count items' partial points included)
    scored_weight: float  # points at stake
    met: bool
    passed: int
    failed: int
    not_applicable: int
    recorded: int
    unanswered: tuple[str, ...] = field(default_factory=tuple)
    key_failed: tuple[str, ...] = field(default_factory=tuple)
    key_unanswered: tuple[str, ...] = field(default_factory=tuple)
    bonus: float = 0.0  # points added by encouraged items (after the cap)
    deducted: float = 0.0  # points taken by count items


def judge_number(item: Item, value: float) -> str:
    """The answer a number, sample (its rate) or count item gets from its value."""
    if item.answer_type == "count":
        return PASS if value <= 0 else FAIL
    if item.pass_if is None:
        return RECORDED
    return PASS if item.pass_if.passes(value) else FAIL


def earned(item: Item, answer: str, value: float | None) -> float:
    """The points a scored item earns with this answer."""
    if answer == PASS:
        return item.weight
    if answer == FAIL and item.deduct is not None and value is not None:
        return item.weight - item.deduct.points(value)
    return 0.0


def score(template: Template, answers: Mapping[str, str | None],
          values: Mapping[str, float | None] | None = None) -> Score:
    """``answers`` maps item code to pass / fail / na / recorded (missing or None: unanswered);
    ``values`` the numbers typed (a count item's occurrences decide its partial points; a
    count item without its number earns nothing when failed)."""
    values = values or {}
    passed_weight = scored_weight = bonus = deducted = 0.0
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
        if item.encouraged:
            bonus += item.weight if answer == PASS else 0.0
            continue
        if not item.scored or answer not in (PASS, FAIL):
            continue
        points = earned(item, answer, values.get(item.code))
        passed_weight += points
        scored_weight += item.weight
        if answer == FAIL:
            deducted += item.weight - points
            if item.key:
                key_failed.append(item.code)
    rule = template.rule
    bonus = min(bonus, rule.bonus_max)
    percent = (min(100.0, 100.0 * passed_weight / scored_weight + bonus)
               if scored_weight > 0 else None)
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
        bonus=bonus,
        deducted=deducted,
    )
