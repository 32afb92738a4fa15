"""Findings (问题/隐患): what is wrong, where, who must fix it, by when, and its status.

Status runs open → rectified → verified (rectified may go back to open when a re-inspection
rejects the fix; verified may be reopened if the hazard comes back). ``overdue`` is derived:
an open finding past its deadline.

After the inspection is submitted, the finding's facts (category, description, item,
location, severity) are locked with it; its routing and life cycle (department, deadline,
status) keep changing as the departments act on it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from inspector.core import identity, records
from inspector.core.changes import NONE, Changes, Created
from inspector.core.errors import InspectorError, NotFoundError, ReadOnlyError
from inspector.core.i18n import t
from inspector.core.store import Store
from inspector.domain import communities, directory, estates, inspections, responsibility, templates
from inspector.domain.templates import Template

OPEN, RECTIFIED, VERIFIED = "open", "rectified", "verified"
STATUSES = (OPEN, RECTIFIED, VERIFIED)
STATUS_NAMES = {OPEN: "待整改", RECTIFIED: "已整改", VERIFIED: "已复查", "overdue": "已逾期"}
TRANSITIONS = {
    OPEN: {RECTIFIED, VERIFIED},
    RECTIFIED: {VERIFIED, OPEN},
    VERIFIED: {OPEN},
}
LOCKED_AFTER_SUBMIT = {"category", "description", "item_code", "location", "severity"}
EDITABLE = LOCKED_AFTER_SUBMIT | {"department", "deadline"}
# Where a finding is placed is recorded by inspector.domain.places (its own registers).


def _parse_deadline(text: str | date | None, not_before: date | None = None,
                    what: str | None = None, bound: str | None = None) -> str | None:
    """A date as YYYY-MM-DD; one before ``not_before`` (the inspection's day) is refused."""
    if text is None or text == "":
        return None
    what = what or t("整改期限", "deadline")
    if isinstance(text, date):
        day = text
    else:
        try:
            day = date.fromisoformat(text.strip())
        except ValueError:
            raise InspectorError(t("{w}“{d}”不是 YYYY-MM-DD 格式的日期",
                                   "The {w} {d!r} is not a date like YYYY-MM-DD",
                                   w=what, d=text)) from None
    if not_before is not None and day < not_before:
        raise InspectorError(t("{w} {d} 早于{b} {s}", "The {w} {d} is before {b} {s}",
                               w=what, d=day.isoformat(), s=not_before.isoformat(),
                               b=bound or t("检查日期", "the inspection's day")))
    return day.isoformat()


def inspection_day(inspection: dict[str, Any]) -> date | None:
    """The local day an inspection started."""
    from datetime import datetime

    try:
        moment = datetime.fromisoformat(str(inspection.get("started_at")))
    except ValueError:
        return None
    return (moment.astimezone() if moment.tzinfo is not None else moment).date()


def department_code(template: Template, value: str) -> str:
    """A supervising department: a checklist department (code or name) or a directory code
    (供电, 排水 …, for units the checklist does not name)."""
    text = value.strip()
    if text in directory.CODES:
        return text
    return template.department(text).code


def add(store: Store, inspection_id: str, *, category: str, description: str,
        item_code: str | None = None, location: str | None = None,
        severity: str | None = None, department: str | None = None,
        deadline: str | date | None = None, latitude: float | None = None,
        longitude: float | None = None, estate: str | None = None,
        responsible: str | None = None) -> str:
    """Add a finding; returns its id (``create`` also returns the rows written)."""
    return create(store, inspection_id, category=category, description=description,
                  item_code=item_code, location=location, severity=severity,
                  department=department, deadline=deadline, latitude=latitude,
                  longitude=longitude, estate=estate, responsible=responsible).id


def create(store: Store, inspection_id: str, *, category: str, description: str,
           item_code: str | None = None, location: str | None = None,
           severity: str | None = None, department: str | None = None,
           deadline: str | date | None = None, latitude: float | None = None,
           longitude: float | None = None, estate: str | None = None,
           responsible: str | None = None) -> Created:
    """Add a finding; department, severity and deadline default from the hazard category
    (``defaults``), the responsible party from the estate (its property company, else the
    居委会). Coordinates given here are recorded as typed (WGS-84)."""
    from inspector.domain import geo

    if not description.strip():
        raise InspectorError(t("问题描述不能为空", "A finding needs a description"))
    position = geo.check(latitude, longitude) if latitude is not None or \
        longitude is not None else None
    with records.changing(store) as done:
        inspection = inspections.get(store, inspection_id)
        if inspection["status"] == inspections.SUBMITTED:
            raise ReadOnlyError(t("检查 {sid} 已提交，不能再添加问题；请先重新打开。",
                                  "The inspection {sid} is submitted; reopen it to add "
                                  "findings.", sid=inspection["short_id"]))
        template = templates.get(store, inspection["template_id"])
        chosen = template.category(category)
        code = template.item(item_code).code if item_code else None
        proposed = defaults(template, chosen.code, code, store.wall.today(),
                            severity=severity)
        level = template.severity(proposed.severity)
        dept = department_code(template, department or proposed.department)
        due = _parse_deadline(deadline, inspection_day(inspection)) or proposed.deadline
        party = _party(store, inspection, estate, responsible)
        finding_id = uuid.uuid4().hex
        records.put(store, "findings", finding_id, {
            "short_id": _next_short_id(store, inspection),
            "inspection_id": inspection_id,
            "item_code": code,
            "category": chosen.code,
            "description": description.strip(),
            "location": (location or "").strip() or None,
            "severity": level.code,
            "department": dept,
            "deadline": due,
            "status": OPEN,
            "created_at": store.wall.iso(),
            "created_by": store.actor,
            "estate_id": party.estate_id,
            "party_kind": party.kind,
            "party_name": party.name,
            **({"coord_latitude": position[0], "coord_longitude": position[1],
                "coord_source": TYPED, "coord_at": store.wall.iso(),
                "coord_by": store.actor} if position else {}),
        })
    return Created(finding_id, done.changes)


def _party(store: Store, inspection: dict[str, Any], estate: str | None,
           responsible: str | None) -> responsibility.Party:
    community = communities.get(store, inspection["community_id"])
    estate_id = estates.resolve(store, community["id"], estate)["id"] if estate else None
    if responsible and responsible.strip():
        return responsibility.parse_party(store, community, responsible, estate_id)
    return responsibility.default_party(store, community, estate_id)


TYPED = "typed"  # coordinates typed in; "photo:<sha256>" when taken from a photo's GPS


@dataclass(frozen=True)
class Defaults:
    """What a new finding gets unless someone says otherwise."""

    department: str  # a checklist department code or a directory code (排水 …)
    severity: str  # a severity code
    deadline: str  # YYYY-MM-DD


def defaults(template: Template, category: str, item_code: str | None, today: date, *,
             severity: str | None = None) -> Defaults:
    """A finding's defaults from its hazard category: the department that supervises it
    (the routing table; the catch-all category takes its item's first department), the
    category's severity, and the deadline that severity gives counted from ``today``. With
    ``severity`` (chosen by hand) only the deadline follows it. The one rule: ``add`` and
    the finding dialog both ask it."""
    chosen = template.category(category)
    level = template.severity(severity or chosen.severity)
    return Defaults(_default_department(template, chosen.code, item_code), level.code,
                    deadline_for(template, level.code, today))


def deadline_for(template: Template, severity: str, today: date) -> str:
    """The default deadline of a finding of this severity recorded on ``today``."""
    return (today + timedelta(days=template.severity(severity).deadline_days)).isoformat()


def _default_department(template: Template, category: str, item_code: str | None) -> str:
    # The catch-all category ("其他") has no real owner; the item it came from has one.
    chosen = template.category(category)
    if item_code and not chosen.items:
        departments = template.item(item_code).departments
        if departments:
            return departments[0]
    routed = responsibility.ROUTING.get(chosen.code)
    return routed[1] if routed else chosen.department


def set_responsible(store: Store, finding_id: str, *, responsible: str | None = None,
                    estate: str | None = None) -> Changes:
    """Change who must fix a finding (and in which estate); allowed after submission, like
    the department: routing changes as the street office learns who owns what. Returns the
    rows written (none if nothing changed)."""
    with records.changing(store) as done:
        row = _live(store, finding_id)
        inspection = inspections.get(store, row["inspection_id"])
        community = communities.get(store, inspection["community_id"])
        estate_id = row.get("estate_id")
        if estate is not None:
            estate_id = estates.resolve(store, community["id"], estate)["id"] \
                if estate.strip() else None
        if responsible and responsible.strip():
            party = responsibility.parse_party(store, community, responsible, estate_id)
        elif row.get("party_kind") == responsibility.OWNER:
            party = responsibility.Party(responsibility.OWNER, str(row["party_name"]),
                                         estate_id)
        else:
            party = responsibility.default_party(store, community, estate_id)
        records.put(store, "findings", finding_id, {
            "estate_id": estate_id, "party_kind": party.kind, "party_name": party.name})
    return done.changes


def set_reply(store: Store, finding_id: str, *, measures: str | None = None,
              fixed_on: str | date | None = None) -> Changes:
    """Record the responsible party's reply (整改措施, 完成时间). A reply saying the fix is
    done marks an open finding 已整改 (awaiting 复查). Returns the rows written (none if the
    reply says nothing new)."""
    text = (measures or "").strip()
    if len(text) > 1000:
        raise InspectorError(t("整改措施太长（最多 1000 字）", "The measures are too long "
                               "(at most 1000 characters)"))
    with records.changing(store) as done:
        row = _live(store, finding_id)
        if row["status"] == VERIFIED:
            raise InspectorError(t("问题 {sid} 已销号，不能再登记整改回复",
                                   "The finding {sid} is closed; no reply can be recorded",
                                   sid=row["short_id"]))
        inspection = inspections.get(store, row["inspection_id"])
        day = _parse_deadline(fixed_on, inspection_day(inspection),
                              t("完成时间", "completion date"))
        if day and date.fromisoformat(day) > store.wall.today():
            raise InspectorError(t("完成时间 {d} 在今天之后", "The completion date {d} is in "
                                   "the future", d=day))
        values: dict[str, Any] = {
            "measures": text or row.get("measures"), "fixed_on": day or row.get("fixed_on"),
            "replied_at": store.wall.iso(), "replied_by": store.actor}
        if values["measures"] == row.get("measures") and values["fixed_on"] == row.get(
                "fixed_on"):
            return NONE
        records.put(store, "findings", finding_id, values)
        if values["fixed_on"] and row["status"] == OPEN:
            records.put(store, "findings", finding_id, {"status": RECTIFIED})
    return done.changes


def _live(store: Store, finding_id: str) -> dict[str, Any]:
    row = get(store, finding_id)
    if row.get("deleted"):
        raise InspectorError(t("问题 {sid} 已删除", "The finding {sid} was deleted",
                               sid=row["short_id"]))
    return row


def _next_short_id(store: Store, inspection: dict[str, Any]) -> str:
    """The inspection's number and a counter (…-F03); a finding added on another laptop than
    the one that started the inspection carries that laptop's code (…-M7-F01), so two
    laptops adding findings to one inspection never give the same number."""
    code = identity.device_code(store)
    prefix = f"{inspection['short_id']}-"
    if f"-{code}-" not in inspection["short_id"]:
        prefix += f"{code}-"
    prefix += "F"
    row = store.query_one(
        "SELECT MAX(CAST(substr(short_id, ?) AS INTEGER)) AS last FROM findings"
        " WHERE inspection_id = ? AND short_id LIKE ?",
        (len(prefix) + 1, inspection["id"], prefix + "%"))
    last = row["last"] if row else None
    return f"{prefix}{(last or 0) + 1:02d}"


def get(store: Store, finding_id: str) -> dict[str, Any]:
    row = store.query_one("SELECT * FROM findings WHERE id = ?", (finding_id,))
    if row is None:
        raise NotFoundError(t("没有问题 {id}", "No finding {id}", id=finding_id))
    return row


def resolve(store: Store, text: str) -> dict[str, Any]:
    """A finding by id, short id or unique id prefix; more than one match is refused."""
    text = text.strip()
    rows = store.query("SELECT * FROM findings WHERE id = ? OR short_id = ?",
                       (text, text.upper()))
    if not rows and len(text) >= 6:
        rows = store.query("SELECT * FROM findings WHERE id LIKE ? || '%' LIMIT 10", (text,))
    if len(rows) == 1:
        return rows[0]
    if rows:
        raise NotFoundError(inspections.ambiguous(text, rows))
    raise NotFoundError(t("找不到问题 {id}", "No finding {id}", id=text))


def edit(store: Store, finding_id: str, **changes: Any) -> Changes:
    """Change a finding's fields (not its status: see ``set_status``); returns the rows
    written (none if nothing changed)."""
    unknown = set(changes) - EDITABLE
    if unknown:
        raise InspectorError(t("不能修改的字段：{f}", "Fields that cannot be edited: {f}",
                               f=", ".join(sorted(unknown))))
    with records.changing(store) as done:
        row = get(store, finding_id)
        if row.get("deleted"):
            raise InspectorError(t("问题 {sid} 已删除", "The finding {sid} was deleted",
                                   sid=row["short_id"]))
        inspection = inspections.get(store, row["inspection_id"])
        locked = set(changes) & LOCKED_AFTER_SUBMIT
        if locked and inspection["status"] == inspections.SUBMITTED:
            raise ReadOnlyError(t(
                "检查 {sid} 已提交，问题的 {f} 不能再修改（部门、期限和状态仍可修改）。",
                "The inspection {sid} is submitted; the finding's {f} can no longer change "
                "(department, deadline and status still can).", sid=inspection["short_id"],
                f=", ".join(sorted(locked))))
        template = templates.get(store, inspection["template_id"])
        values: dict[str, Any] = {}
        for field, value in changes.items():
            if field == "category":
                values[field] = template.category(value).code
            elif field == "severity":
                values[field] = template.severity(value).code
            elif field == "department":
                values[field] = department_code(template, value)
            elif field == "item_code":
                values[field] = template.item(value).code if value else None
            elif field == "deadline":
                values[field] = _parse_deadline(value, inspection_day(inspection))
            elif field == "description":
                if not str(value).strip():
                    raise InspectorError(t("问题描述不能为空", "A finding needs a description"))
                values[field] = str(value).strip()
            elif field == "location":
                values[field] = (value or "").strip() or None
            else:
                values[field] = value
        records.put(store, "findings", finding_id, values)
    return done.changes


def set_status(store: Store, finding_id: str, status: str) -> Changes:
    status = _status_code(status)
    with records.changing(store) as done:
        row = get(store, finding_id)
        if status == row["status"]:
            return NONE
        if status not in TRANSITIONS[row["status"]]:
            raise InspectorError(t("问题 {sid} 不能从“{a}”改为“{b}”",
                                   "The finding {sid} cannot go from {a} to {b}",
                                   sid=row["short_id"], a=row["status"], b=status))
        records.put(store, "findings", finding_id, {"status": status})
    return done.changes


def delete(store: Store, finding_id: str) -> Changes:
    """Remove a finding recorded by mistake (a tombstone: sync flags a concurrent edit)."""
    with records.changing(store) as done:
        row = get(store, finding_id)
        inspection = inspections.get(store, row["inspection_id"])
        if inspection["status"] == inspections.SUBMITTED:
            raise ReadOnlyError(t("检查 {sid} 已提交，问题不能删除。",
                                  "The inspection {sid} is submitted; its findings cannot be "
                                  "deleted.", sid=inspection["short_id"]))
        records.delete(store, "findings", row["id"])
    return done.changes


def _status_code(text: str) -> str:
    for code, name in STATUS_NAMES.items():
        if text.strip().lower() in (code, name) and code in STATUSES:
            return code
    raise InspectorError(t("状态应为 {all}", "A status is one of {all}", all=", ".join(STATUSES)))


def is_overdue(row: dict[str, Any], on: date) -> bool:
    """Still open after its deadline, as seen on the day ``on``."""
    return bool(row["status"] == OPEN and row["deadline"]
                and date.fromisoformat(row["deadline"]) < on)


def list_findings(store: Store, *, status: str | None = None, department: str | None = None,
                  inspection_id: str | None = None) -> list[dict[str, Any]]:
    """Findings, newest first; status may be 'overdue' (derived)."""
    return _select(store, status, department, inspection_id, None)


def list_among(store: Store, ids: Sequence[str], *, status: str | None = None,
               department: str | None = None,
               inspection_id: str | None = None) -> list[dict[str, Any]]:
    """Those of ``ids`` that ``list_findings`` with the same filters would list: a widget
    refreshing a few rows reads just them."""
    return _select(store, status, department, inspection_id, ids)


def _select(store: Store, status: str | None, department: str | None,
            inspection_id: str | None, ids: Sequence[str] | None) -> list[dict[str, Any]]:
    sql = "SELECT * FROM findings WHERE deleted IS NULL"
    params: list[Any] = []
    if ids is not None:
        sql += f" AND id IN ({', '.join('?' * len(ids))})" if ids else " AND 0"
        params += list(ids)
    wanted = status.strip().lower() if status else None
    if wanted and wanted not in ("overdue", STATUS_NAMES["overdue"]):
        sql += " AND status = ?"
        params.append(_status_code(wanted))
    if department:
        sql += " AND department = ?"
        params.append(department)
    if inspection_id:
        sql += " AND inspection_id = ?"
        params.append(inspection_id)
    sql += " ORDER BY created_at DESC, short_id DESC"
    rows = store.query(sql, params)
    today = store.wall.today()
    for row in rows:
        row["overdue"] = is_overdue(row, today)
    if wanted in ("overdue", STATUS_NAMES["overdue"]):
        rows = [row for row in rows if row["overdue"]]
    return rows


def count(store: Store, inspection_id: str) -> int:
    """How many findings an inspection has (deleted ones left out)."""
    found = store.query_one("SELECT COUNT(*) AS n FROM findings WHERE inspection_id = ?"
                            " AND deleted IS NULL", (inspection_id,))
    return int(found["n"]) if found else 0
