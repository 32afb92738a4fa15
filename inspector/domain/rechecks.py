"""复查 (return visits) and 销号 (closing findings).

A re-check walks the open findings of one inspection (or of every inspection of a community):
each gets a result, fixed or not fixed, with a note and after-photos, recorded as a follow-up
of the finding. Signing the re-check applies the results: a fixed finding is closed (销号:
status verified, with who and when), a finding not fixed stays open with a new deadline and
one more re-check on its count. Until signed, results can be changed; afterwards the re-check
is read-only.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from inspector.core import identity, records
from inspector.core.changes import Changes, Created
from inspector.core.errors import InspectorError, NotFoundError, ReadOnlyError
from inspector.core.i18n import t
from inspector.core.store import Store
from inspector.domain import communities, findings, inspections, templates
from inspector.domain.districts import district_code

DRAFT, SUBMITTED = "draft", "submitted"
FIXED, NOT_FIXED = "rectified", "not_rectified"  # the follow-up results (followups.RESULTS)
RESULT_WORDS = {"fixed": FIXED, "rectified": FIXED, "已整改": FIXED, "1": FIXED,
                "not-fixed": NOT_FIXED, "not_fixed": NOT_FIXED, "not_rectified": NOT_FIXED,
                "未整改": NOT_FIXED, "2": NOT_FIXED}
NAMESPACE = uuid.UUID("3c9a1e57-0f2b-4d68-a4c1-5e7f9b2d0a86")
PENDING = (findings.OPEN, findings.RECTIFIED)


@dataclass(frozen=True)
class Entry:
    """One finding in a re-check, with its answer so far (None: not yet visited)."""

    finding: dict[str, Any]
    answer: dict[str, Any] | None

    @property
    def result(self) -> str | None:
        return self.answer["result"] if self.answer else None


def followup_id(recheck_id: str, finding_id: str) -> str:
    # One follow-up per finding and re-check: answering again (on any laptop) meets one row.
    return uuid.uuid5(NAMESPACE, f"{recheck_id}|{finding_id}").hex


def parse_result(text: str) -> str:
    value = RESULT_WORDS.get(text.strip().lower())
    if value is None:
        raise InspectorError(t("复查结果应为 fixed（已整改）或 not-fixed（未整改），不是“{r}”",
                               "A re-check result is fixed or not-fixed, not {r!r}", r=text))
    return value


def _names(names: list[str]) -> list[str]:
    return [n.strip() for n in names if n and n.strip()]


def _scope_sql(recheck: dict[str, Any]) -> tuple[str, list[Any]]:
    if recheck.get("inspection_id"):
        return "f.inspection_id = ?", [recheck["inspection_id"]]
    return ("f.inspection_id IN (SELECT id FROM inspections WHERE community_id = ?)",
            [recheck["community_id"]])


def open_findings(store: Store, *, inspection_id: str | None = None,
                  community_id: str | None = None) -> list[dict[str, Any]]:
    """Findings still to be re-checked (open or reported fixed, not deleted)."""
    scope = {"inspection_id": inspection_id, "community_id": community_id}
    where, params = _scope_sql(scope)
    return store.query(
        f"SELECT f.* FROM findings f WHERE {where} AND f.deleted IS NULL"
        f" AND f.status IN ({', '.join('?' for _ in PENDING)})"
        " ORDER BY f.created_at, f.short_id", [*params, *PENDING])


def _next_short_id(store: Store, district: str) -> str:
    """HS-20261206-K3-R01: district, day, this laptop's code, a counter."""
    prefix = (f"{district_code(district)}-{store.wall.today():%Y%m%d}-"
              f"{identity.device_code(store)}-R")
    row = store.query_one("SELECT MAX(CAST(substr(short_id, ?) AS INTEGER)) AS last"
                          " FROM rechecks WHERE short_id LIKE ?",
                          (len(prefix) + 1, prefix + "%"))
    return f"{prefix}{((row or {}).get('last') or 0) + 1:02d}"


def start(store: Store, *, inspection: str | None = None, community: str | None = None,
          inspectors: list[str]) -> str:
    """Start a re-check of an inspection's (or a community's) open findings; returns its id
    (``create`` also returns the rows written)."""
    return create(store, inspection=inspection, community=community,
                  inspectors=inspectors).id


def create(store: Store, *, inspection: str | None = None, community: str | None = None,
           inspectors: list[str]) -> Created:
    """Start a re-check of an inspection's (or a community's) open findings."""
    names = _names(inspectors)
    if not names:
        raise InspectorError(t("复查至少需要一名检查人员", "A re-check needs an inspector"))
    if bool(inspection) == bool(community):
        raise InspectorError(t("请给出一次检查或一个社区（二选一）",
                               "Give either an inspection or a community"))
    with records.changing(store) as done:
        if inspection:
            row = inspections.resolve(store, inspection)
            community_row = communities.get(store, row["community_id"])
            scope = open_findings(store, inspection_id=row["id"])
            what = row["short_id"]
        else:
            community_row = communities.resolve(store, str(community))
            row = None
            scope = open_findings(store, community_id=community_row["id"])
            what = community_row["name"]
        if not scope:
            raise InspectorError(t("{w} 没有待复查的问题", "{w} has no open findings to re-check",
                                   w=what))
        recheck_id = uuid.uuid4().hex
        records.put(store, "rechecks", recheck_id, {
            "short_id": _next_short_id(store, community_row["district"]),
            "community_id": community_row["id"],
            "inspection_id": row["id"] if row else None,
            "started_at": store.wall.iso(),
            "created_by": store.actor,
            "inspectors": json.dumps(names, ensure_ascii=False),
            "status": DRAFT,
        }, current=None)
    return Created(recheck_id, done.changes)


def get(store: Store, recheck_id: str) -> dict[str, Any]:
    row = store.query_one("SELECT * FROM rechecks WHERE id = ?", (recheck_id,))
    if row is None:
        raise NotFoundError(t("没有复查 {id}", "No re-check {id}", id=recheck_id))
    return row


def resolve(store: Store, text: str) -> dict[str, Any]:
    """A re-check by id, short id or unique id prefix."""
    value = text.strip()
    rows = store.query("SELECT * FROM rechecks WHERE id = ? OR short_id = ?",
                       (value, value.upper()))
    if not rows and len(value) >= 6:
        rows = store.query("SELECT * FROM rechecks WHERE id LIKE ? || '%' LIMIT 10", (value,))
    if len(rows) == 1:
        return rows[0]
    if rows:
        raise NotFoundError(inspections.ambiguous(value, rows))
    raise NotFoundError(t("找不到复查 {id}", "No re-check {id}", id=value))


def day_of(recheck: dict[str, Any]) -> date:
    return findings.inspection_day(recheck) or date.min


def inspectors_of(recheck: dict[str, Any]) -> list[str]:
    return list(json.loads(recheck.get("inspectors") or "[]"))


def signers_of(recheck: dict[str, Any]) -> list[str]:
    return list(json.loads(recheck.get("signed_by") or "[]"))


def entries(store: Store, recheck_id: str) -> list[Entry]:
    """The findings this re-check walks, in order: those answered in it, and those still
    open in its scope (a finding closed elsewhere meanwhile drops out)."""
    recheck = get(store, recheck_id)
    answers = {row["finding_id"]: row for row in store.query(
        "SELECT * FROM followups WHERE recheck_id = ?", (recheck_id,))}
    where, params = _scope_sql(recheck)
    rows = store.query(f"SELECT f.* FROM findings f WHERE {where} AND f.deleted IS NULL"
                       " ORDER BY f.created_at, f.short_id", params)
    return [Entry(row, answers.get(row["id"])) for row in rows
            if row["id"] in answers or (recheck["status"] == DRAFT and row["status"] in PENDING)]


def _draft(store: Store, recheck_id: str) -> dict[str, Any]:
    recheck = get(store, recheck_id)
    if recheck["status"] != DRAFT:
        raise ReadOnlyError(t("复查 {sid} 已签字提交，不能再修改", "The re-check {sid} is signed "
                              "and can no longer change", sid=recheck["short_id"]))
    return recheck


def answer(store: Store, recheck_id: str, finding: str, result: str, *, note: str = "",
           new_deadline: str | date | None = None) -> Created:
    """Record (or change) a finding's result in a draft re-check; returns the follow-up's id
    and the rows written. A not-fixed finding gets a new deadline: the one given, else its
    severity's days."""
    code = parse_result(result)
    with records.changing(store) as done:
        recheck = _draft(store, recheck_id)
        row = findings.resolve(store, finding)
        if row.get("deleted"):
            raise InspectorError(t("问题 {sid} 已删除", "The finding {sid} was deleted",
                                   sid=row["short_id"]))
        if row["status"] == findings.VERIFIED:
            raise InspectorError(t("问题 {sid} 已销号（已复查通过），不能再复查",
                                   "The finding {sid} is already closed; it cannot be "
                                   "re-checked", sid=row["short_id"]))
        if row["id"] not in {e.finding["id"] for e in entries(store, recheck_id)}:
            raise InspectorError(t("问题 {sid} 不在复查 {r} 的范围内",
                                   "The finding {sid} is not part of the re-check {r}",
                                   sid=row["short_id"], r=recheck["short_id"]))
        day = day_of(recheck)
        deadline = None
        if code == NOT_FIXED:
            deadline = findings._parse_deadline(new_deadline, day + timedelta(days=1),
                                                t("新的整改期限", "new deadline"),
                                                t("复查次日", "the day after the re-check"))
            if deadline is None:
                inspection = inspections.get(store, row["inspection_id"])
                template = templates.get(store, inspection["template_id"])
                days = template.severity(row["severity"]).deadline_days
                deadline = (day + timedelta(days=days)).isoformat()
        elif new_deadline:
            raise InspectorError(t("已整改的问题不需要新的期限",
                                   "A fixed finding needs no new deadline"))
        text = note.strip()
        if len(text) > 1000:
            raise InspectorError(t("复查说明太长（最多 1000 字）",
                                   "The note is too long (at most 1000 characters)"))
        made = followup_id(recheck_id, row["id"])
        current = store.query_one("SELECT * FROM followups WHERE id = ?", (made,))
        values: dict[str, Any] = {
            "finding_id": row["id"], "visited_on": day.isoformat(),
            "inspector": "、".join(inspectors_of(recheck)), "result": code,
            "note": text or None, "recheck_id": recheck_id, "new_deadline": deadline}
        if current is None:
            values["created_at"] = store.wall.iso()
        records.put(store, "followups", made, values, current=current)
    return Created(made, done.changes)


def clear(store: Store, recheck_id: str, finding_id: str) -> Changes:
    """Undo a result in a draft re-check (the row stays, marked unanswered); returns the rows
    written."""
    with records.changing(store) as done:
        _draft(store, recheck_id)
        made = followup_id(recheck_id, finding_id)
        if store.query_one("SELECT id FROM followups WHERE id = ?", (made,)):
            records.put(store, "followups", made, {"result": None, "new_deadline": None})
    return done.changes


@dataclass(frozen=True)
class Signed:
    """A signed re-check: how many findings it closed and kept open, and every row written."""

    closed: int
    open: int
    changes: Changes


def submit(store: Store, recheck_id: str, signed_by: list[str]) -> Signed:
    """Sign a re-check and apply it: fixed findings are closed (销号), others stay open with
    their new deadline. Returns how many were closed and kept open, and the rows written."""
    names = _names(signed_by)
    if not names:
        raise InspectorError(t("签字提交需要签字人", "Signing needs the signer's name"))
    closed = kept = 0
    with records.changing(store) as done:
        recheck = _draft(store, recheck_id)
        answered = [e for e in entries(store, recheck_id) if e.result]
        if not answered:
            raise InspectorError(t("复查 {sid} 还没有任何结果", "The re-check {sid} has no "
                                   "results yet", sid=recheck["short_id"]))
        day = day_of(recheck).isoformat()
        for entry in answered:
            finding = entry.finding
            if finding["status"] == findings.VERIFIED:
                continue  # closed on another laptop meanwhile: nothing left to apply
            if entry.result == FIXED:
                records.put(store, "findings", finding["id"], {
                    "status": findings.VERIFIED, "closed_on": day,
                    "closed_by": "、".join(names), "closed_in": recheck_id})
                closed += 1
            else:
                records.put(store, "findings", finding["id"], {
                    "status": findings.OPEN,
                    "deadline": entry.answer["new_deadline"] if entry.answer else None})
                kept += 1
        records.put(store, "rechecks", recheck_id, {
            "status": SUBMITTED, "submitted_at": store.wall.iso(),
            "signed_by": json.dumps(names, ensure_ascii=False)})
    return Signed(closed, kept, done.changes)


def count_of(store: Store, finding_id: str) -> int:
    """How many signed re-checks have visited a finding."""
    row = store.query_one(
        "SELECT COUNT(*) AS n FROM followups f JOIN rechecks r ON r.id = f.recheck_id"
        " WHERE f.finding_id = ? AND r.status = ? AND f.result IS NOT NULL",
        (finding_id, SUBMITTED))
    return int(row["n"]) if row else 0


def list_rechecks(store: Store, community_id: str | None = None) -> list[dict[str, Any]]:
    sql = ("SELECT r.*, c.name AS community FROM rechecks r"
           " LEFT JOIN communities c ON c.id = r.community_id")
    params: list[Any] = []
    if community_id:
        sql += " WHERE r.community_id = ?"
        params.append(community_id)
    return store.query(sql + " ORDER BY r.started_at DESC", params)
