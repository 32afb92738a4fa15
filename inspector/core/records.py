"""Writing a user-data row together with its change-log entries.

This is the only place that inserts or updates the tracked tables, so no change can reach the
database without its log entry. Values are plain column values (str, int, float or None);
lists are stored as JSON text by the domain modules.
"""

from __future__ import annotations

import json
from typing import Any

from inspector.core.store import Store

# Which columns of which tables are user data (and therefore logged and synced).
TRACKED_FIELDS: dict[str, frozenset[str]] = {
    "templates": frozenset({"code", "version", "title", "body", "sha256", "installed_at"}),
    "communities": frozenset(
        {
            "district",
            "street",
            "name",
            "address",
            "households",
            "property_management",
            "tags",
            "created_at",
            "deleted",
        }
    ),
    "inspections": frozenset(
        {
            "short_id",
            "community_id",
            "template_id",
            "started_at",
            "finished_at",
            "status",
            "inspectors",
            "departments",
            "signed_by",
            "reopen_reason",
            "created_by",
            "inspector_signature",
            "representative_signature",
            "representative",
        }
    ),
    "responses": frozenset(
        {"inspection_id", "item_code", "answer", "value", "note", "answered_at", "answered_by"}
    ),
    "findings": frozenset(
        {
            "short_id",
            "inspection_id",
            "item_code",
            "category",
            "description",
            "location",
            "latitude",
            "longitude",
            "severity",
            "department",
            "deadline",
            "status",
            "created_at",
            "created_by",
            "deleted",
        }
    ),
    "photos": frozenset(
        {
            "ext",
            "original_name",
            "size",
            "format",
            "width",
            "height",
            "taken_at",
            "latitude",
            "longitude",
            "orientation",
            "camera",
            "exif_problems",
            "annotations",
            "imported_at",
            "imported_by",
        }
    ),
    "photo_links": frozenset(
        {"photo_id", "target_kind", "target_id", "kind", "caption", "created_at", "created_by"}
    ),
    "followups": frozenset(
        {"finding_id", "visited_on", "inspector", "result", "note", "created_at"}
    ),
    "devices": frozenset({"name", "public_key", "trusted", "updated_at"}),
    "conflict_resolutions": frozenset({"value", "resolved_by", "resolved_at"}),
}


def delete(store: Store, table: str, row_id: str) -> None:
    """Tombstone a row: its ``deleted`` field holds the versions the deleter had seen, so a
    device that receives an edit this device had not seen can flag it for review."""
    if "deleted" not in TRACKED_FIELDS[table]:
        raise ValueError(f"{table} rows are never deleted")
    seen = sorted(
        f"{r['device']}:{r['seq']}"
        for r in store.query(
            "SELECT device, seq FROM field_versions WHERE tbl = ? AND row_id = ?"
            " AND field != 'deleted'", (table, row_id))
    )
    put(store, table, row_id, {"deleted": json.dumps(seen)})


_MISSING: dict[str, Any] = {}


def put(store: Store, table: str, row_id: str, values: dict[str, Any], *,
        current: dict[str, Any] | None = _MISSING) -> dict[str, Any]:
    """Insert or update one row; log every field whose value changed. Returns the changes.

    Must run inside ``store.write()``. Pass ``current`` (the row, or None for a new one) when
    the caller has just read it, to save reading it again.
    """
    if not store.in_write:
        raise RuntimeError("records.put outside a write transaction")
    fields = TRACKED_FIELDS[table]
    unknown = set(values) - fields
    if unknown:
        raise ValueError(f"{table} has no tracked fields {sorted(unknown)}")
    conn = store.conn
    if current is _MISSING:
        current = store.query_one(f"SELECT * FROM [{table}] WHERE id = ?", (row_id,))
    if current is None:
        changed = {k: v for k, v in values.items() if v is not None}
        columns = ["id", *changed]
        conn.execute(
            f"INSERT INTO [{table}] ({', '.join(f'[{c}]' for c in columns)})"
            f" VALUES ({', '.join('?' for _ in columns)})",
            (row_id, *changed.values()),
        )
        for field, value in changed.items():
            store.log_change(table, row_id, field, None, value, new_row=True)
        return changed
    changed = {k: v for k, v in values.items() if current[k] != v}
    if changed:
        conn.execute(
            f"UPDATE [{table}] SET {', '.join(f'[{c}] = ?' for c in changed)} WHERE id = ?",
            (*changed.values(), row_id),
        )
    for field, value in changed.items():
        store.log_change(table, row_id, field, current[field], value)
    return changed
