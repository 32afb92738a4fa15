"""The rectification ledger (整改台账) and the pending-rectification view.

One ledger row per finding: where, what, who fixes it, who supervises it, the notice that
asked for it, the reply, the re-checks and the 销号. The pending view groups what is overdue
by supervising department and by responsible party, and lists the re-checks due this week.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from inspector.core.errors import InspectorError
from inspector.core.i18n import t
from inspector.core.store import Store
from inspector.domain import directory, documents, findings, rechecks, responsibility, templates

STATUSES = ("open", "overdue", "closed")
# (key, Chinese header, English header), in the order the street's ledger has them.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("short_id", "编号", "No."), ("community", "社区", "Community"),
    ("estate", "小区", "Estate"), ("location", "位置", "Location"),
    ("description", "问题", "Problem"), ("category", "类别", "Category"),
    ("party", "责任方", "Responsible party"), ("department", "交办部门", "Referred to"),
    ("notice", "通知书文号", "Notice no."), ("deadline", "期限", "Deadline"),
    ("measures", "整改措施", "Measures"), ("fixed_on", "完成时间", "Completed"),
    ("rechecked_on", "复查日期", "Re-checked"), ("recheck_result", "复查结果", "Result"),
    ("rechecks", "复查次数", "Re-checks"), ("closed_on", "销号日期", "Closed"),
    ("days_overdue", "逾期天数", "Days overdue"),
)


def headers() -> list[str]:
    return [t(zh, en) for _k, zh, en in COLUMNS]


def _days_overdue(row: dict[str, Any], today: date) -> int:
    if not row.get("deadline"):
        return 0
    try:
        deadline = date.fromisoformat(row["deadline"])
        end = date.fromisoformat(row["closed_on"]) if row.get("closed_on") else today
    except ValueError:
        return 0
    if row["status"] == findings.VERIFIED and not row.get("closed_on"):
        return 0
    return max((end - deadline).days, 0)


def rows(store: Store, *, district: str | None = None, status: str | None = None
         ) -> list[dict[str, Any]]:
    """Ledger rows (values, not labels: dates as YYYY-MM-DD, counts as numbers)."""
    if status is not None and status not in STATUSES:
        raise InspectorError(t("台账状态应为 {all}，不是“{s}”", "A ledger status is one of {all}, "
                               "not {s!r}", all="/".join(STATUSES), s=status))
    sql = ("SELECT f.*, c.name AS community_name, c.district, c.id AS community_id,"
           " i.template_id, e.name AS estate_name FROM findings f"
           " LEFT JOIN inspections i ON i.id = f.inspection_id"
           " LEFT JOIN communities c ON c.id = i.community_id"
           " LEFT JOIN estates e ON e.id = f.estate_id WHERE f.deleted IS NULL")
    params: list[Any] = []
    if district:
        sql += " AND c.district = ?"
        params.append(district)
    found = store.query(sql + " ORDER BY c.district, c.name, f.created_at, f.short_id", params)
    today = store.wall.today()
    numbers = documents.notice_numbers(store, [r["id"] for r in found])
    cache: dict[str, templates.Template | None] = {}
    result: list[dict[str, Any]] = []
    for row in found:
        overdue = findings.is_overdue(row, today)
        closed = row["status"] == findings.VERIFIED
        if status == "open" and closed or status == "closed" and not closed \
                or status == "overdue" and not overdue:
            continue
        template = cache.get(row["template_id"])
        if row["template_id"] and row["template_id"] not in cache:
            with contextlib.suppress(InspectorError):
                template = templates.get(store, row["template_id"])
            cache[row["template_id"]] = template
        category = row["category"]
        if template is not None:
            with contextlib.suppress(InspectorError):
                category = template.category(row["category"]).label()
        visits = store.query(
            "SELECT f.visited_on, f.result FROM followups f LEFT JOIN rechecks r"
            " ON r.id = f.recheck_id WHERE f.finding_id = ? AND f.result IS NOT NULL"
            " AND (f.recheck_id IS NULL OR r.status = ?) ORDER BY f.visited_on, f.created_at",
            (row["id"], rechecks.SUBMITTED))
        last = visits[-1] if visits else None
        unit = directory.unit_for(store, row.get("district"), row.get("department") or "")
        result.append({
            "id": row["id"], "status": row["status"], "overdue": overdue,
            "short_id": row["short_id"], "community": row["community_name"],
            "estate": row["estate_name"], "location": row["location"],
            "description": row["description"], "category": category,
            "party": responsibility.party_of(store, row).name,
            "department": unit["name"], "department_code": row.get("department"),
            "notice": numbers.get(row["id"]), "deadline": row["deadline"],
            "measures": row.get("measures"), "fixed_on": row.get("fixed_on"),
            "rechecked_on": last["visited_on"] if last else None,
            "recheck_result": (t("已整改", "fixed") if last["result"] == rechecks.FIXED
                               else t("未整改", "not fixed")) if last else None,
            "rechecks": len(visits), "closed_on": row.get("closed_on"),
            "days_overdue": _days_overdue(row, today),
        })
    return result


@dataclass(frozen=True)
class Pending:
    overdue: list[dict[str, Any]]
    by_department: list[tuple[str, int]]  # (unit name, overdue count), most first
    by_party: list[tuple[str, int]]
    due_this_week: list[dict[str, Any]]  # awaiting re-check: reported fixed, or due by Sunday
    week: tuple[date, date]


def pending(store: Store, *, district: str | None = None) -> Pending:
    today = store.wall.today()
    monday = today - timedelta(days=today.weekday())
    sunday = monday + timedelta(days=6)
    open_rows = [r for r in rows(store, district=district) if r["status"] != findings.VERIFIED]
    overdue = sorted((r for r in open_rows if r["overdue"]),
                     key=lambda r: (-r["days_overdue"], r["short_id"]))
    departments = Counter(r["department"] for r in overdue)
    parties = Counter(r["party"] for r in overdue)
    due = [r for r in open_rows if not r["overdue"] and (
        r["status"] == findings.RECTIFIED
        or (r["deadline"] and r["deadline"] <= sunday.isoformat()))]
    due.sort(key=lambda r: (r["deadline"] or "", r["short_id"]))
    return Pending(overdue, departments.most_common(), parties.most_common(), due,
                   (monday, sunday))
