"""The change log read back as an audit trail: who changed what, when, from what to what."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from inspector.core.store import Store
from inspector.core.timeutil import stamp_to_local


@dataclass(frozen=True)
class Entry:
    device: str
    seq: int
    hlc: str
    when: str
    actor: str | None
    table: str
    row_id: str
    field: str
    old_value: Any
    new_value: Any
    base: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "device": self.device, "seq": self.seq, "hlc": self.hlc, "when": self.when,
            "actor": self.actor, "table": self.table, "row_id": self.row_id,
            "field": self.field, "old": self.old_value, "new": self.new_value, "base": self.base,
        }


def entries(store: Store, *, table: str | None = None, row_id: str | None = None,
            limit: int | None = None) -> list[Entry]:
    """Newest last, in the order the changes were made."""
    sql = "SELECT * FROM changes WHERE 1 = 1"
    params: list[Any] = []
    if table:
        sql += " AND tbl = ?"
        params.append(table)
    if row_id:
        sql += " AND row_id LIKE ? || '%'"
        params.append(row_id)
    sql += " ORDER BY hlc, device, seq"
    rows = store.query(sql, params)
    if limit is not None:
        rows = rows[-limit:]
    return [
        Entry(
            device=row["device"], seq=row["seq"], hlc=row["hlc"],
            when=stamp_to_local(row["hlc"], store.wall.tz), actor=row["actor"], table=row["tbl"],
            row_id=row["row_id"], field=row["field"],
            old_value=json.loads(row["old_value"]) if row["old_value"] else None,
            new_value=json.loads(row["value"]) if row["value"] else None, base=row["base"],
        )
        for row in rows
    ]
