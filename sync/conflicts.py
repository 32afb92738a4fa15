"""Conflicts kept for review, and a person's resolution — itself a change that syncs."""

from __future__ import annotations

import json
from typing import Any

from inspector.core import records
from inspector.core.errors import InspectorError, NotFoundError
from inspector.core.i18n import t
from inspector.core.store import Store

KIND_NAMES = {
    "value": ("同时修改", "edited at the same time"),
    "delete": ("删除时另有修改", "deleted while edited elsewhere"),
    "locked": ("提交后收到修改", "changed after submission"),
    "future_clock": ("时钟超前", "clock far in the future"),
}


def list_conflicts(store: Store, *, include_resolved: bool = False) -> list[dict[str, Any]]:
    sql = "SELECT * FROM conflicts"
    if not include_resolved:
        sql += " WHERE status = 'open'"
    rows = store.query(sql + " ORDER BY detected_at, id")
    for row in rows:
        row["current_value"] = _current(store, row)
        for side in ("kept_value", "lost_value"):
            row[side] = json.loads(row[side]) if row[side] is not None else None
    return rows


def _current(store: Store, conflict: dict[str, Any]) -> Any:
    if conflict["tbl"] not in records.TRACKED_FIELDS:
        return None
    row = store.query_one(f"SELECT [{conflict['field']}] AS v FROM [{conflict['tbl']}]"
                          " WHERE id = ?", (conflict["row_id"],))
    return row["v"] if row else None


def get(store: Store, text: str) -> dict[str, Any]:
    rows = [c for c in list_conflicts(store, include_resolved=True)
            if c["id"].startswith(text.strip())]
    if len(rows) != 1:
        raise NotFoundError(t("找不到冲突 {c}", "No conflict {c}", c=text))
    return rows[0]


def _coerce(store: Store, conflict: dict[str, Any], text: str | None) -> Any:
    if text is None:
        return None
    column = next((c for c in store.conn.execute(f"PRAGMA table_info([{conflict['tbl']}])")
                   if c[1] == conflict["field"]), None)
    kind = (column[2] if column else "TEXT").upper()
    try:
        if kind == "INTEGER":
            return int(text)
        if kind in ("REAL", "FLOAT"):
            return float(text)
    except ValueError:
        raise InspectorError(t("“{v}”不是 {k} 类型的值", "{v!r} is not a {k} value", v=text,
                               k=kind)) from None
    return text


def resolve(store: Store, conflict_text: str, value: str | None) -> dict[str, Any]:
    """Set the field to the chosen (or typed) value and close the conflict everywhere."""
    conflict = get(store, conflict_text)
    if conflict["status"] != "open":
        raise InspectorError(t("冲突 {c} 已解决", "Conflict {c} is already resolved",
                               c=conflict["id"][:8]))
    chosen = _coerce(store, conflict, value)
    with store.write():
        if conflict["kind"] in ("value", "delete") and conflict["tbl"] in records.TRACKED_FIELDS:
            records.put(store, conflict["tbl"], conflict["row_id"], {conflict["field"]: chosen})
        records.put(store, "conflict_resolutions", conflict["id"], {
            "value": json.dumps(chosen, ensure_ascii=False), "resolved_by": store.actor,
            "resolved_at": store.wall.iso()})
        store.conn.execute("UPDATE conflicts SET status = 'resolved' WHERE id = ?",
                           (conflict["id"],))
    return conflict


def count_open(store: Store) -> int:
    """How many conflicts wait for review (the status index answers it)."""
    row = store.conn.execute("SELECT COUNT(*) FROM conflicts WHERE status = 'open'").fetchone()
    return int(row[0] or 0)
