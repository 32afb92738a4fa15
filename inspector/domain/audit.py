"""The change log read back as an audit trail: who changed what, when, from what to what.

A change writes one register whole; the trail shows each column it changed, with the value
it had in the version(s) the change replaced (several when it settled a conflict).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from inspector.core import changelog
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
    replaces: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "device": self.device, "seq": self.seq, "hlc": self.hlc, "when": self.when,
            "actor": self.actor, "table": self.table, "row_id": self.row_id,
            "field": self.field, "old": self.old_value, "new": self.new_value,
            "replaces": list(self.replaces),
        }


def entries(store: Store, *, table: str | None = None, row_id: str | None = None,
            limit: int | None = None) -> list[Entry]:
    """Newest last, in the order the changes were made; ``limit``: only the last ones (read
    from the end of the log, not the whole of it)."""
    sql = "SELECT * FROM changes WHERE masked = 0"
    params: list[Any] = []
    if table:
        sql += " AND tbl = ?"
        params.append(table)
    if row_id:
        sql += " AND row_id >= ? AND row_id < ?"
        params += [row_id, row_id + "\uffff"]
    sql += " ORDER BY hlc DESC, device DESC, seq DESC"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(max(0, limit))
    rows = list(reversed(store.query(sql, params)))
    result: list[Entry] = []
    for row in rows:
        new = json.loads(row["value"])
        replaces = tuple(json.loads(row["replaces"] or "[]"))
        old: dict[str, Any] = {}
        for text in replaces:
            replaced = changelog.change(store, changelog.parse_version(text))
            if replaced is not None:
                old = json.loads(replaced["value"])
        when = stamp_to_local(row["hlc"], store.wall.tz)
        for field, value in new.items():
            if replaces and old.get(field) == value:
                continue
            if not replaces and value is None:
                continue
            result.append(Entry(row["device"], row["seq"], row["hlc"], when, row["actor"],
                                row["tbl"], row["row_id"], field, old.get(field), value,
                                replaces))
    if limit is not None:
        result = result[-limit:] if limit else []
    return result
