"""The dashboard's figures: progress against the target by street, findings open and overdue
by department and by responsible party, and re-checks due — each with the ids behind it.

Progress comes from ``standing.compute``, the computation behind the summary (附件2), so the
dashboard and the summary can never show different numbers for the same district and date.

Findings are those of inspections made on or before the date, in their current state (the
status history lives in the change log, not in the row); *overdue* means still open with its
deadline before the date; a *re-check is due* for a finding reported fixed (rectified,
waiting for its 复查) and for an open one whose deadline has come.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from inspector.core.errors import InspectorError, NotFoundError
from inspector.core.i18n import t
from inspector.core.store import Store
from inspector.domain import findings, standing, templates

UNASSIGNED = ""  # the party of a finding nobody has been named for


@dataclass(frozen=True)
class FindingGroup:
    key: str  # a department code, or a responsible party's name
    label: str
    open: tuple[str, ...]  # finding ids
    overdue: tuple[str, ...]


@dataclass(frozen=True)
class Dashboard:
    as_of: date
    district: str | None
    summary: standing.Summary
    by_department: tuple[FindingGroup, ...]
    by_party: tuple[FindingGroup, ...]
    rechecks: tuple[str, ...]  # finding ids due for a re-check
    parties_recorded: bool  # findings carry a responsible party (the rectification loop)

    @property
    def open_findings(self) -> tuple[str, ...]:
        return tuple(i for group in self.by_department for i in group.open)

    @property
    def overdue_findings(self) -> tuple[str, ...]:
        return tuple(i for group in self.by_department for i in group.overdue)


def _party_column(store: Store) -> str | None:
    """The findings' responsible-party column, once the rectification loop has added it."""
    columns = {row["name"] for row in store.query("PRAGMA table_info(findings)")}
    return "party_name" if "party_name" in columns else None


def _department_label(store: Store, code: str) -> str:
    try:
        return templates.latest(store).department(code).label()
    except (NotFoundError, InspectorError):
        return code or t("未指定", "not set")


def _groups(rows: list[dict[str, Any]], key: Callable[[dict[str, Any]], str],
            label: Callable[[str], str], order: list[str]) -> tuple[FindingGroup, ...]:
    open_ids: dict[str, list[str]] = defaultdict(list)
    overdue_ids: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        if row["status"] != findings.OPEN:
            continue
        open_ids[key(row)].append(row["id"])
        if row["overdue"]:
            overdue_ids[key(row)].append(row["id"])
    keys = sorted(open_ids, key=lambda k: (order.index(k) if k in order else len(order), k))
    return tuple(FindingGroup(k, label(k), tuple(open_ids[k]), tuple(overdue_ids[k]))
                 for k in keys)


def finding_rows(store: Store, as_of: date, district: str | None = None,
                 ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Findings of inspections made on or before ``as_of`` (in a district), with their
    community, and ``overdue`` as seen on that day; only ``ids`` when given."""
    party = _party_column(store)
    sql = ("SELECT f.*, i.short_id AS inspection_short_id, i.community_id, c.district,"
           " c.street, c.name AS community"
           + (f", f.[{party}] AS party" if party else ", NULL AS party") +
           " FROM findings f JOIN inspections i ON i.id = f.inspection_id"
           " JOIN communities c ON c.id = i.community_id"
           " WHERE f.deleted IS NULL AND substr(i.started_at, 1, 10) <= ?")
    params: list[Any] = [as_of.isoformat()]
    if district:
        sql += " AND c.district = ?"
        params.append(district)
    rows = store.query(sql + " ORDER BY f.deadline, f.short_id", params)
    wanted = set(ids) if ids is not None else None
    result = []
    for row in rows:
        if wanted is not None and row["id"] not in wanted:
            continue
        row["overdue"] = findings.is_overdue(row, as_of)
        result.append(row)
    return result


def compute(store: Store, as_of: str | date, district: str | None = None, *,
            year_target: float | None = None,
            progress: Callable[[int, int], None] | None = None,
            cancelled: Callable[[], bool] | None = None) -> Dashboard:
    """Everything the dashboard shows for a district (or all) on a date."""
    day = standing.parse_date(as_of, t("看板日期", "The dashboard date"))
    report = progress or (lambda _done, _total: None)
    report(0, 3)
    summary = standing.compute(store, as_of=day, district=district, year_target=year_target,
                               cancelled=cancelled)
    report(1, 3)
    rows = finding_rows(store, day, summary.district)
    order = [d.code for d in templates.latest(store).departments]
    by_department = _groups(rows, lambda r: r["department"] or "",
                            lambda code: _department_label(store, code), order)
    by_party = _groups(rows, lambda r: (r["party"] or "").strip() or UNASSIGNED,
                       lambda name: name or t("未指定责任单位", "no responsible party yet"), [])
    report(2, 3)
    rechecks = tuple(
        row["id"] for row in rows
        if row["status"] == findings.RECTIFIED or (
            row["status"] == findings.OPEN and row["deadline"]
            and row["deadline"] <= day.isoformat()))
    report(3, 3)
    return Dashboard(day, summary.district, summary, by_department, by_party, rechecks,
                     _party_column(store) is not None)
