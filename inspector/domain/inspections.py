"""Inspections (检查): start, answer items, team, submit (locks it) and reopen (with a reason)."""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import dataclass, field
from typing import Any

from inspector.core import identity, records
from inspector.core.errors import InspectorError, NotFoundError, ReadOnlyError
from inspector.core.i18n import t
from inspector.core.store import Store
from inspector.domain import communities, scoring, signatures, templates
from inspector.domain.districts import district_code
from inspector.domain.scoring import FAIL, NA, PASS, Score
from inspector.domain.templates import Item, Template

DRAFT, SUBMITTED, REOPENED = "draft", "submitted", "reopened"
ANSWER_WORDS = {
    PASS: PASS, "符合": PASS, "yes": PASS, "y": PASS, "1": PASS,
    FAIL: FAIL, "不符合": FAIL, "no": FAIL, "n": FAIL, "2": FAIL,
    NA: NA, "不适用": NA, "n/a": NA, "3": NA,
}


@dataclass(frozen=True)
class ItemState:
    item: Item
    answer: str | None
    value: float | None
    note: str | None


@dataclass(frozen=True)
class InspectionView:
    row: dict[str, Any]
    community: dict[str, Any]
    template: Template
    items: tuple[ItemState, ...]
    score: Score
    photo_counts: dict[str, int] = field(default_factory=dict)  # item code -> photos

    @property
    def id(self) -> str:
        return str(self.row["id"])

    @property
    def status(self) -> str:
        return str(self.row["status"])

    @property
    def locked(self) -> bool:
        return bool(self.row["status"] == SUBMITTED)

    def photo_missing(self) -> tuple[str, ...]:
        """Failed items whose rule needs a photo, and that have none yet."""
        return tuple(s.item.code for s in self.items
                     if s.answer == FAIL and s.item.photo_on_fail == "required"
                     and not self.photo_counts.get(s.item.code))


def _loads(text: str | None) -> list[str]:
    return list(json.loads(text)) if text else []


def _dumps(names: list[str]) -> str | None:
    return json.dumps(names, ensure_ascii=False) if names else None


def _clean_names(names: list[str]) -> list[str]:
    seen: list[str] = []
    for name in names:
        name = name.strip()
        if name and name not in seen:
            seen.append(name)
    return seen


def _next_short_id(store: Store, district: str) -> str:
    """District, the local date, this device's code and a counter: HS-20261201-K3-001."""
    prefix = f"{district_code(district)}-{store.wall.today():%Y%m%d}-{identity.device_code(store)}-"
    # Compare the counters as numbers: as text "…-999" would sort after "…-1000".
    row = store.query_one(
        "SELECT MAX(CAST(substr(short_id, ?) AS INTEGER)) AS last FROM inspections"
        " WHERE short_id LIKE ?", (len(prefix) + 1, prefix + "%"))
    last = row["last"] if row else None
    return f"{prefix}{(last or 0) + 1:03d}"


def start(store: Store, community_id_or_name: str, inspectors: list[str], *,
          template_uid: str | None = None, departments: list[str] | None = None) -> str:
    """Start a draft inspection of a community; returns its id."""
    names = _clean_names(inspectors)
    if not names:
        raise InspectorError(t("至少需要一名检查人员", "At least one inspector is needed"))
    with store.write():
        community = communities.resolve(store, community_id_or_name)
        template = (templates.get(store, template_uid) if template_uid
                    else templates.latest(store))
        codes = [template.department(d).code for d in _clean_names(departments or [])]
        inspection_id = uuid.uuid4().hex
        records.put(store, "inspections", inspection_id, {
            "short_id": _next_short_id(store, community["district"]),
            "community_id": community["id"],
            "template_id": template.sha256,
            "started_at": store.wall.iso(),
            "status": DRAFT,
            "inspectors": _dumps(names),
            "departments": _dumps(codes),
            "created_by": store.actor,
        })
    return inspection_id


def get(store: Store, inspection_id: str) -> dict[str, Any]:
    row = store.query_one("SELECT * FROM inspections WHERE id = ?", (inspection_id,))
    if row is None:
        raise NotFoundError(t("没有检查 {id}", "No inspection {id}", id=inspection_id))
    return row


def resolve(store: Store, text: str) -> dict[str, Any]:
    """Find an inspection by id, short id (HS-20261201-K3-003) or a unique id prefix; more
    than one match is refused with the candidates."""
    text = text.strip()
    rows = store.query("SELECT * FROM inspections WHERE id = ? OR short_id = ?",
                       (text, text.upper()))
    if not rows and len(text) >= 6:
        rows = store.query("SELECT * FROM inspections WHERE id LIKE ? || '%' LIMIT 10",
                           (text,))
    if len(rows) == 1:
        return rows[0]
    if rows:
        raise NotFoundError(ambiguous(text, rows))
    raise NotFoundError(t("找不到检查 {id}", "No inspection {id}", id=text))


def ambiguous(text: str, rows: list[dict[str, Any]]) -> str:
    return t("“{x}”不唯一，可能是：{all}；请用更长的编号",
             "{x!r} is ambiguous, it may be: {all}; give more of the id", x=text,
             all="; ".join(f"{r['short_id']} ({r['id'][:12]})" for r in rows))


def _editable(store: Store, inspection_id: str) -> dict[str, Any]:
    row = get(store, inspection_id)
    if row["status"] == SUBMITTED:
        raise ReadOnlyError(t(
            "检查 {sid} 已提交，不能修改；如需修改请先重新打开（需说明原因）。",
            "The inspection {sid} is submitted and read-only; reopen it (with a reason) to "
            "change it.", sid=row["short_id"]))
    return row


def parse_answer(item: Item, text: str) -> tuple[str, float | None]:
    """Turn what the user typed into (answer, value) for this item, or refuse it."""
    word = text.strip().lower()
    if item.answer_type == "number":
        if word in (NA, "不适用", "n/a"):
            return NA, None
        try:
            number = float(word)
        except ValueError:
            raise InspectorError(t(
                "检查项 {code} 需要一个数字或 na，而不是“{v}”",
                "Item {code} takes a number or na, not {v!r}", code=item.code, v=text)) from None
        return scoring.judge_number(item, number), number
    answer = ANSWER_WORDS.get(word)
    if answer is None:
        raise InspectorError(t("检查项 {code} 的答案应为 pass、fail 或 na，而不是“{v}”",
                               "Item {code} takes pass, fail or na, not {v!r}",
                               code=item.code, v=text))
    return answer, None


def answer(store: Store, inspection_id: str, item_code: str, answer: str, *,
           value: float | None = None, note: str | None = None) -> None:
    """Record an item's answer (pass/fail/na; for number items the value decides)."""
    with store.write():
        row = _editable(store, inspection_id)
        template = templates.get(store, row["template_id"])
        item = template.item(item_code)
        if item.answer_type == "number" and answer != NA:
            if value is None or not math.isfinite(value):
                raise InspectorError(t("检查项 {code} 需要一个数字", "Item {code} needs a number",
                                       code=item.code))
            if item.minimum is not None and value < item.minimum or (
                    item.maximum is not None and value > item.maximum):
                raise InspectorError(t(
                    "检查项 {code} 的数值 {v:g} 超出范围 {lo}–{hi}",
                    "Item {code}: {v:g} is outside {lo}–{hi}", code=item.code, v=value,
                    lo=f"{item.minimum:g}" if item.minimum is not None else "",
                    hi=f"{item.maximum:g}" if item.maximum is not None else ""))
            answer = scoring.judge_number(item, value)
        elif answer not in (PASS, FAIL, NA):
            raise InspectorError(t("答案应为 pass、fail 或 na", "An answer is pass, fail or na"))
        elif item.answer_type == "number":
            value = None
        if answer == NA and not item.allows_na:
            raise InspectorError(t("检查项 {code} 是一票否决项，不允许“不适用”",
                                   "Item {code} is a key item and cannot be N/A",
                                   code=item.code))
        if item.answer_type != "number":
            value = None
        fields: dict[str, Any] = {"answer": answer, "value": value}
        if note is not None:
            fields["note"] = note.strip() or None
        _put_response(store, inspection_id, item.code, fields)


def set_note(store: Store, inspection_id: str, item_code: str, note: str) -> None:
    with store.write():
        row = _editable(store, inspection_id)
        item = templates.get(store, row["template_id"]).item(item_code)
        _put_response(store, inspection_id, item.code, {"note": note.strip() or None})


def clear_answer(store: Store, inspection_id: str, item_code: str) -> None:
    """Take an answer back (the GUI's undo of a first answer)."""
    with store.write():
        row = _editable(store, inspection_id)
        item = templates.get(store, row["template_id"]).item(item_code)
        _put_response(store, inspection_id, item.code, {"answer": None, "value": None})


def _put_response(store: Store, inspection_id: str, code: str, fields: dict[str, Any]) -> None:
    """Write a response row; the answer's time and author change only with what was typed."""
    response_id = f"{inspection_id}:{code}"
    current = store.query_one("SELECT * FROM responses WHERE id = ?", (response_id,))
    typed = {k: v for k, v in fields.items() if k in ("answer", "value", "note")}
    if current is not None and all(current[k] == v for k, v in typed.items()):
        return
    if current is None:
        fields = {"inspection_id": inspection_id, "item_code": code, **fields}
    else:
        fields = {k: v for k, v in fields.items() if k not in ("inspection_id", "item_code")}
    if "answer" in typed:
        fields.update(answered_at=store.wall.iso(), answered_by=store.actor)
    records.put(store, "responses", response_id, fields, current=current)


def set_team(store: Store, inspection_id: str, *, inspectors: list[str] | None = None,
             departments: list[str] | None = None) -> None:
    with store.write():
        row = _editable(store, inspection_id)
        values: dict[str, Any] = {}
        if inspectors is not None:
            names = _clean_names(inspectors)
            if not names:
                raise InspectorError(t("至少需要一名检查人员", "At least one inspector is needed"))
            values["inspectors"] = _dumps(names)
        if departments is not None:
            template = templates.get(store, row["template_id"])
            values["departments"] = _dumps(
                [template.department(d).code for d in _clean_names(departments)])
        records.put(store, "inspections", inspection_id, values)


def answers_of(store: Store, inspection_id: str) -> dict[str, dict[str, Any]]:
    rows = store.query("SELECT * FROM responses WHERE inspection_id = ?", (inspection_id,))
    return {row["item_code"]: row for row in rows}


def view(store: Store, inspection_id: str) -> InspectionView:
    row = get(store, inspection_id)
    template = templates.get(store, row["template_id"])
    answers = answers_of(store, inspection_id)
    states = tuple(
        ItemState(item, answers.get(item.code, {}).get("answer"),
                  answers.get(item.code, {}).get("value"), answers.get(item.code, {}).get("note"))
        for item in template.items
    )
    result = scoring.score(template, {s.item.code: s.answer for s in states})
    return InspectionView(row, communities.get(store, row["community_id"]), template, states,
                          result, response_photo_counts(store, inspection_id))


def response_photo_counts(store: Store, inspection_id: str) -> dict[str, int]:
    """How many photos each checklist answer of the inspection has."""
    rows = store.query(
        "SELECT target_id, COUNT(*) AS n FROM photo_links WHERE target_kind = 'response'"
        " AND target_id LIKE ? || ':%' AND deleted IS NULL GROUP BY target_id",
        (inspection_id,))
    return {row["target_id"].split(":", 1)[1]: row["n"] for row in rows}


def submit(store: Store, inspection_id: str, signed_by: list[str], *,
           representative: str | None = None, inspector_signature: bytes | None = None,
           representative_signature: bytes | None = None) -> Score:
    """Sign and lock the inspection. Every item must be answered first.

    Drawn signatures (PNG) are stored as files before the inspection refers to them.
    """
    names = _clean_names(signed_by)
    if not names:
        raise InspectorError(t("提交需要签名人", "Submitting needs the signers' names"))
    with store.write():
        row = _editable(store, inspection_id)
        current = view(store, inspection_id)
        if current.score.unanswered:
            raise InspectorError(t(
                "检查 {sid} 还有 {n} 项未填写：{codes}",
                "The inspection {sid} still has {n} unanswered items: {codes}",
                sid=row["short_id"], n=len(current.score.unanswered),
                codes=", ".join(current.score.unanswered)))
        # The signature files are in place before the row refers to them.
        signature_fields: dict[str, Any] = {}
        if representative is not None:
            signature_fields["representative"] = representative.strip() or None
        if inspector_signature is not None:
            signature_fields["inspector_signature"] = signatures.save(store, inspector_signature)
        if representative_signature is not None:
            signature_fields["representative_signature"] = signatures.save(
                store, representative_signature)
        records.put(store, "inspections", inspection_id, {
            "status": SUBMITTED, "signed_by": _dumps(names), "finished_at": store.wall.iso(),
            **signature_fields})
        return current.score


def reopen(store: Store, inspection_id: str, reason: str) -> None:
    """Unlock a submitted inspection; the reason goes into the change log."""
    if not reason.strip():
        raise InspectorError(t("重新打开需要说明原因", "Reopening needs a reason"))
    with store.write():
        row = get(store, inspection_id)
        if row["status"] != SUBMITTED:
            raise InspectorError(t("检查 {sid} 尚未提交，无需重新打开",
                                   "The inspection {sid} is not submitted",
                                   sid=row["short_id"]))
        records.put(store, "inspections", inspection_id, {
            "status": REOPENED, "reopen_reason": reason.strip()})


def list_for_community(store: Store, community_id: str) -> list[dict[str, Any]]:
    return store.query("SELECT * FROM inspections WHERE community_id = ?"
                       " ORDER BY started_at DESC, short_id DESC", (community_id,))


def inspectors_of(row: dict[str, Any]) -> list[str]:
    return _loads(row.get("inspectors"))


def departments_of(row: dict[str, Any]) -> list[str]:
    return _loads(row.get("departments"))


def signers_of(row: dict[str, Any]) -> list[str]:
    return _loads(row.get("signed_by"))
