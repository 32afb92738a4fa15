"""Inspections (检查): start, answer items, team, submit (locks it) and reopen (with a reason)."""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import dataclass, field
from typing import Any

from inspector.core import identity, records
from inspector.core.changes import Changes, Created
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
class Given:
    """What an inspector gave for an item, before it is judged: a word (pass / fail / na), a
    number (``value``), a choice, or a sample (``qualified`` of ``sampled``)."""

    answer: str | None = None
    value: float | None = None
    choice: str | None = None
    sampled: int | None = None
    qualified: int | None = None


@dataclass(frozen=True)
class Submitted:
    """What a submission signed (its score) and the rows it wrote."""

    score: Score
    changes: Changes


@dataclass(frozen=True)
class ItemState:
    item: Item
    answer: str | None
    value: float | None
    note: str | None
    detail: dict[str, Any] | None = None

    @property
    def choice(self) -> str | None:
        return str(self.detail["choice"]) if self.detail and "choice" in self.detail else None

    @property
    def sample(self) -> tuple[int, int] | None:
        """(qualified, sampled) of a sample answer."""
        if self.detail and "sampled" in self.detail and "qualified" in self.detail:
            return int(self.detail["qualified"]), int(self.detail["sampled"])
        return None

    def given(self) -> Given:
        """The answer as it would be given again (undo and redo replay it)."""
        sample = self.sample
        return Given(self.answer, self.value, self.choice,
                     sample[1] if sample else None, sample[0] if sample else None)


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
        " WHERE short_id >= ? AND short_id < ?", (len(prefix) + 1, prefix, prefix + "\uffff"))
    last = row["last"] if row else None
    return f"{prefix}{(last or 0) + 1:03d}"


def start(store: Store, community_id_or_name: str, inspectors: list[str], *,
          template_uid: str | None = None, departments: list[str] | None = None) -> str:
    """Start a draft inspection of a community; returns its id (``create`` also returns the
    rows written)."""
    return create(store, community_id_or_name, inspectors, template_uid=template_uid,
                  departments=departments).id


def create(store: Store, community_id_or_name: str, inspectors: list[str], *,
           template_uid: str | None = None, departments: list[str] | None = None) -> Created:
    """Start a draft inspection of a community: its id and the rows written."""
    names = _clean_names(inspectors)
    if not names:
        raise InspectorError(t("至少需要一名检查人员", "At least one inspector is needed"))
    with records.changing(store) as done:
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
    return Created(inspection_id, done.changes)


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


ENCOURAGED_ABSENT = {"无", "没有", "none", "0"}


def parse_answer(item: Item, text: str) -> Given:
    """Turn what the user typed into an answer for this item, or refuse it: pass / fail / na
    (or 符合 / 不符合 / 不适用 / 1 / 2 / 3), a number, a choice by name or number, or a sample
    as ``合格/抽查`` (17/20)."""
    word = text.strip().lower()
    if word in (NA, "不适用", "n/a") and item.answer_type != "choice":
        return Given(NA)
    if item.answer_type == "choice":
        return Given(choice=item.choice(text).code)
    if item.answer_type == "sample":
        qualified, sampled = _parse_sample(item, word)
        return Given(sampled=sampled, qualified=qualified)
    if item.answer_type in ("number", "count"):
        try:
            number = float(word)
        except ValueError:
            raise InspectorError(t(
                "检查项 {code} 需要一个数字或 na，而不是“{v}”",
                "Item {code} takes a number or na, not {v!r}", code=item.code, v=text)) from None
        return Given(scoring.judge_number(item, number), number)
    if item.encouraged and word in ENCOURAGED_ABSENT:
        return Given(NA)
    answer = ANSWER_WORDS.get(word)
    if answer is None:
        raise InspectorError(t("检查项 {code} 的答案应为 pass、fail 或 na，而不是“{v}”",
                               "Item {code} takes pass, fail or na, not {v!r}",
                               code=item.code, v=text))
    return Given(answer)


def _parse_sample(item: Item, text: str) -> tuple[int, int]:
    """``合格/抽查`` (17/20) as (qualified, sampled)."""
    good, slash, total = text.replace("／", "/").partition("/")
    try:
        if not slash:
            raise ValueError(text)
        return int(good.strip()), int(total.strip())
    except ValueError:
        raise InspectorError(t(
            "检查项 {code} 是抽查项：请写 合格数/抽查数（如 17/20），而不是“{v}”",
            "Item {code} is a sample: give good/checked (e.g. 17/20), not {v!r}",
            code=item.code, v=text)) from None


def answer(store: Store, inspection_id: str, item_code: str, answer: str | Given, *,
           value: float | None = None, note: str | None = None) -> Changes:
    """Record an item's answer: pass/fail/na, or for number and count items the value, for
    choice items ``Given(choice=…)``, for sample items ``Given(sampled=…, qualified=…)``.
    The item's rule turns what was given into pass or fail. Returns the rows written."""
    given = answer if isinstance(answer, Given) else Given(answer, value)
    with records.changing(store) as done:
        row = _editable(store, inspection_id)
        template = templates.get(store, row["template_id"])
        item = template.item(item_code)
        judged, number, detail = judge(item, given)
        fields: dict[str, Any] = {"answer": judged, "value": number,
                                  "detail": json.dumps(detail, sort_keys=True) if detail
                                  else None}
        if note is not None:
            fields["note"] = note.strip() or None
        _put_response(store, inspection_id, item.code, fields)
    return done.changes


def judge(item: Item, given: Given) -> tuple[str, float | None, dict[str, Any] | None]:
    """(answer, value, detail) as stored for what was given, or a clear refusal."""
    if given.answer == NA:
        if not item.allows_na:
            raise InspectorError(
                t("检查项 {code} 是一票否决项，不允许“不适用”",
                  "Item {code} is a key item and cannot be N/A", code=item.code)
                if item.key else
                t("检查项 {code} 不允许“不适用”", "Item {code} cannot be N/A", code=item.code))
        return NA, None, None
    if item.answer_type == "choice":
        if given.choice is None:
            raise InspectorError(t(
                "检查项 {code} 需要选择：{all}", "Item {code} needs a choice: {all}",
                code=item.code, all=" / ".join(c.name for c in item.choices)))
        chosen = item.choice(given.choice)
        return (PASS if chosen.passes else FAIL), None, {"choice": chosen.code}
    if item.answer_type == "sample":
        return _judge_sample(item, given)
    if item.answer_type in ("number", "count"):
        number = given.value
        if number is None or not math.isfinite(number):
            raise InspectorError(t("检查项 {code} 需要一个数字", "Item {code} needs a number",
                                   code=item.code))
        if item.answer_type == "count" and (number < 0 or number != int(number)):
            raise InspectorError(t("检查项 {code} 记的是次数，应为 0 或正整数，而不是 {v:g}",
                                   "Item {code} counts occurrences: give 0 or a whole number, "
                                   "not {v:g}", code=item.code, v=number))
        if item.minimum is not None and number < item.minimum or (
                item.maximum is not None and number > item.maximum):
            raise InspectorError(t(
                "检查项 {code} 的数值 {v:g} 超出范围 {lo}–{hi}",
                "Item {code}: {v:g} is outside {lo}–{hi}", code=item.code, v=number,
                lo=f"{item.minimum:g}" if item.minimum is not None else "",
                hi=f"{item.maximum:g}" if item.maximum is not None else ""))
        return scoring.judge_number(item, number), number, None
    if given.answer not in (PASS, FAIL):
        raise InspectorError(t("答案应为 pass、fail 或 na", "An answer is pass, fail or na"))
    if item.encouraged and given.answer == FAIL:
        return NA, None, None  # an encouraged item that is absent adds nothing, never fails
    return given.answer, None, None


def _judge_sample(item: Item, given: Given) -> tuple[str, float | None, dict[str, Any] | None]:
    sampled, qualified = given.sampled, given.qualified
    if sampled is None or qualified is None:
        raise InspectorError(t("检查项 {code} 是抽查项：需要抽查数和合格数",
                               "Item {code} is a sample: give how many were checked and how "
                               "many were good", code=item.code))
    unit = item.sample_unit
    if sampled < item.min_sample:
        raise InspectorError(t("检查项 {code} 至少要抽查 {n} {u}，而不是 {s} {u}",
                               "Item {code} needs a sample of at least {n} {u}, not {s}",
                               code=item.code, n=item.min_sample, u=unit, s=sampled))
    if not 0 <= qualified <= sampled:
        raise InspectorError(t("检查项 {code}：合格数 {q} 应在 0 到抽查数 {s} 之间",
                               "Item {code}: {q} good must be between 0 and the {s} checked",
                               code=item.code, q=qualified, s=sampled))
    rate = 100.0 * qualified / sampled
    return (scoring.judge_number(item, rate), rate,
            {"sampled": sampled, "qualified": qualified})


def set_note(store: Store, inspection_id: str, item_code: str, note: str) -> Changes:
    with records.changing(store) as done:
        row = _editable(store, inspection_id)
        item = templates.get(store, row["template_id"]).item(item_code)
        _put_response(store, inspection_id, item.code, {"note": note.strip() or None})
    return done.changes


def clear_answer(store: Store, inspection_id: str, item_code: str) -> Changes:
    """Take an answer back (the GUI's undo of a first answer)."""
    with records.changing(store) as done:
        row = _editable(store, inspection_id)
        item = templates.get(store, row["template_id"]).item(item_code)
        _put_response(store, inspection_id, item.code, {"answer": None, "value": None,
                                                         "detail": None})
    return done.changes


def _put_response(store: Store, inspection_id: str, code: str, fields: dict[str, Any]) -> None:
    """Write a response row; the answer's time and author change only with what was typed."""
    response_id = f"{inspection_id}:{code}"
    current = store.query_one("SELECT * FROM responses WHERE id = ?", (response_id,))
    typed = {k: v for k, v in fields.items() if k in ("answer", "value", "note", "detail")}
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
             departments: list[str] | None = None) -> Changes:
    with records.changing(store) as done:
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
    return done.changes


def answers_of(store: Store, inspection_id: str) -> dict[str, dict[str, Any]]:
    rows = store.query("SELECT * FROM responses WHERE inspection_id = ?", (inspection_id,))
    return {row["item_code"]: row for row in rows}


def view(store: Store, inspection_id: str) -> InspectionView:
    row = get(store, inspection_id)
    template = templates.get(store, row["template_id"])
    answers = answers_of(store, inspection_id)
    states = tuple(
        ItemState(item, answers.get(item.code, {}).get("answer"),
                  answers.get(item.code, {}).get("value"), answers.get(item.code, {}).get("note"),
                  parse_detail(answers.get(item.code, {}).get("detail")))
        for item in template.items
    )
    result = scoring.score(template, {s.item.code: s.answer for s in states},
                           {s.item.code: s.value for s in states})
    return InspectionView(row, communities.get(store, row["community_id"]), template, states,
                          result, response_photo_counts(store, inspection_id))


def value_text(state: ItemState) -> str:
    """What was given beyond pass / fail, as a reader wants it: the choice, the sample
    (17/20 = 85%), the occurrences and the points they cost, the number with its unit."""
    item = state.item
    if state.choice is not None:
        try:
            return item.choice(state.choice).label()
        except NotFoundError:
            return state.choice
    sample = state.sample
    if sample is not None and state.value is not None:
        return f"{sample[0]}/{sample[1]}{item.sample_unit} = {state.value:.0f}%"
    if state.value is None:
        return ""
    text = f"{state.value:g}{item.unit}"
    if item.deduct is not None and state.value > 0:
        text += t("，扣 {p:g} 分", ", −{p:g} points", p=item.deduct.points(state.value))
    return text


def parse_detail(text: str | None) -> dict[str, Any] | None:
    """A response's detail; text that is not a JSON object (from a newer program) is None."""
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def response_photo_counts(store: Store, inspection_id: str) -> dict[str, int]:
    """How many photos each checklist answer of the inspection has."""
    rows = store.query(
        "SELECT target_id, COUNT(*) AS n FROM photo_links WHERE target_kind = 'response'"
        # a range the (target_kind, target_id) index narrows; LIKE would scan every link
        " AND target_id > ? AND target_id < ? AND deleted IS NULL GROUP BY target_id",
        (inspection_id + ":", inspection_id + ";"))
    return {row["target_id"].split(":", 1)[1]: row["n"] for row in rows}


def submit(store: Store, inspection_id: str, signed_by: list[str], *,
           representative: str | None = None, inspector_signature: bytes | None = None,
           representative_signature: bytes | None = None) -> Submitted:
    """Sign and lock the inspection. Every item must be answered first.

    Drawn signatures (PNG) are stored as files before the inspection refers to them. Returns
    the score signed and the rows written.
    """
    names = _clean_names(signed_by)
    with records.changing(store) as done:
        _editable(store, inspection_id)
        current = view(store, inspection_id)
        problems = submission_problems(
            current, names, representative=representative,
            representative_signed=representative_signature is not None)
        if problems:
            raise InspectorError("\n".join(problems))
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
    return Submitted(current.score, done.changes)


def submission_problems(current: InspectionView, signed_by: list[str], *,
                        representative: str | None = None,
                        representative_signed: bool = False) -> list[str]:
    """Why this inspection cannot be submitted as given (empty: it can) — the one rule the
    GUI's submit dialog, the CLI and ``submit`` all apply. Messages in the current language.

    The rule: every item is answered; at least one inspector signs by name (``signed_by``:
    that is the signature the record requires — the CLI has no pad to draw on); drawn
    signatures are optional evidence, but a representative's drawn signature needs the
    representative's name. Findings without a photo are a reminder, not a problem.
    """
    if current.locked:
        return [t("检查 {sid} 已提交并锁定", "The inspection {sid} is already submitted and "
                  "locked", sid=current.row["short_id"])]
    problems: list[str] = []
    unanswered = current.score.unanswered
    if unanswered:
        shown = ", ".join(unanswered[:8]) + (" …" if len(unanswered) > 8 else "")
        problems.append(t("检查 {sid} 还有 {n} 项未填写：{codes}",
                          "The inspection {sid} still has {n} unanswered items: {codes}",
                          sid=current.row["short_id"], n=len(unanswered), codes=shown))
    if not _clean_names(signed_by):
        problems.append(t("提交需要签名人（检查人员姓名）",
                          "Submitting needs the signers' names (the inspectors)"))
    if representative_signed and not (representative or "").strip():
        problems.append(t("社区代表已签名，需填写其姓名",
                          "The representative has signed: their name is needed"))
    return problems


def reopen(store: Store, inspection_id: str, reason: str) -> Changes:
    """Unlock a submitted inspection; the reason goes into the change log."""
    if not reason.strip():
        raise InspectorError(t("重新打开需要说明原因", "Reopening needs a reason"))
    with records.changing(store) as done:
        row = get(store, inspection_id)
        if row["status"] != SUBMITTED:
            raise InspectorError(t("检查 {sid} 尚未提交，无需重新打开",
                                   "The inspection {sid} is not submitted",
                                   sid=row["short_id"]))
        records.put(store, "inspections", inspection_id, {
            "status": REOPENED, "reopen_reason": reason.strip()})
    return done.changes


def list_for_community(store: Store, community_id: str) -> list[dict[str, Any]]:
    return store.query("SELECT * FROM inspections WHERE community_id = ?"
                       " ORDER BY started_at DESC, short_id DESC", (community_id,))


def inspectors_of(row: dict[str, Any]) -> list[str]:
    return _loads(row.get("inspectors"))


def departments_of(row: dict[str, Any]) -> list[str]:
    return _loads(row.get("departments"))


def signers_of(row: dict[str, Any]) -> list[str]:
    return _loads(row.get("signed_by"))


# Tables whose rows never show in an inspection's view (the team's devices).
UNSHOWN_TABLES = frozenset({"devices"})


def bears_on(store: Store, inspection_id: str, changes: Changes) -> bool:
    """Whether ``changes`` (say, the rows a sync applied) can alter what the inspection's
    view shows: its row, its answers, its findings, its community's row — or rows of any
    other table this cannot narrow (photos, follow-ups, templates …: assumed to)."""
    tables = changes.tables - UNSHOWN_TABLES
    if tables - {"communities", "inspections", "responses", "findings"}:
        return True
    if inspection_id in changes.rows("inspections"):
        return True
    if any(row.split(":", 1)[0] == inspection_id for row in changes.rows("responses")):
        return True
    finding_ids = changes.rows("findings")
    if finding_ids:
        found = store.conn.execute(
            "SELECT inspection_id FROM findings WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(finding_ids)),)).fetchall()
        if len(found) != len(finding_ids) or any(row[0] == inspection_id for row in found):
            return True
    community_ids = changes.rows("communities")
    if community_ids:
        row = store.query_one("SELECT community_id FROM inspections WHERE id = ?",
                              (inspection_id,))
        if row is None or str(row["community_id"]) in community_ids:
            return True
    return False
