"""Open conflicts, and a person's resolution: a change that replaces every version in it.

Conflicts are derived from the registers' heads (see changelog.py), so every device holding
the same changes lists the same conflicts with the same ids. A resolution is an ordinary
change made after seeing all the versions; wherever it arrives, the register has one head
again and the conflict is gone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from inspector.core import changelog
from inspector.core.errors import InspectorError, NotFoundError
from inspector.core.i18n import t
from inspector.core.registers import DELETED, Register, spec
from inspector.core.store import Store

VALUE, LOCKED, DELETE = "value", "locked", "delete"
KIND_NAMES = {
    VALUE: ("同时修改", "edited at the same time"),
    DELETE: ("删除时另有修改", "deleted while edited elsewhere"),
    LOCKED: ("提交后收到修改", "changed after submission"),
}
KEEP_ROW, DELETE_ROW = "keep", "delete"


@dataclass(frozen=True)
class Version:
    """One side of a conflict: a register's content as one person wrote it."""

    id: str  # "device:seq"
    device: str
    hlc: str
    actor: str | None
    content: dict[str, Any]
    shown: bool  # the version the row shows now


@dataclass(frozen=True)
class Conflict:
    id: str
    kind: str
    table: str
    row_id: str
    register: str
    versions: tuple[Version, ...]
    detected_at: str | None

    @property
    def columns(self) -> tuple[str, ...]:
        if self.kind == DELETE:
            return ()
        return spec(self.table).register(self.register).fields

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "tbl": self.table, "row_id": self.row_id,
                "reg": self.register, "detected_at": self.detected_at,
                "versions": [{"id": v.id, "actor": v.actor, "hlc": v.hlc,
                              "content": v.content, "shown": v.shown}
                             for v in self.versions]}


def _versions(store: Store, table: str, row_id: str, register: str,
              listed: list[str]) -> tuple[Version, ...]:
    shown_row = store.query_one(f"SELECT * FROM [{table}] WHERE id = ?", (row_id,)) or {}
    columns = spec(table).register(register).columns
    result = []
    for text in listed:
        row = changelog.change(store, changelog.parse_version(text))
        if row is None:
            continue
        content = json.loads(row["value"])
        result.append(Version(text, row["device"], row["hlc"], row["actor"], content,
                              all(shown_row.get(c) == content.get(c) for c in columns)))
    return tuple(sorted(result, key=lambda v: (not v.shown, v.hlc, v.id)))


def list_open(store: Store, *, table: str | None = None,
              row_id: str | None = None) -> list[Conflict]:
    sql, params = "SELECT * FROM conflicts WHERE 1 = 1", []
    if table is not None:
        sql += " AND tbl = ?"
        params.append(table)
    if row_id is not None:
        sql += " AND row_id = ?"
        params.append(row_id)
    result = []
    for row in store.query(sql + " ORDER BY tbl, row_id, reg, kind", params):
        listed = json.loads(row["heads"])
        register = row["reg"]
        result.append(Conflict(row["id"], row["kind"], row["tbl"], row["row_id"], register,
                               _versions(store, row["tbl"], row["row_id"], register, listed),
                               row["detected_at"]))
    return result


def count_open(store: Store) -> int:
    row = store.conn.execute("SELECT COUNT(*) FROM conflicts").fetchone()
    return int(row[0] or 0)


def get(store: Store, text: str) -> Conflict:
    text = text.strip().lower()
    found = [c for c in list_open(store) if c.id.startswith(text)] if text else []
    if len(found) != 1:
        raise NotFoundError(
            t("找不到冲突 {c}", "No open conflict {c}", c=text) if not found else
            t("冲突编号 {c} 不唯一：{all}", "The conflict id {c} is ambiguous: {all}", c=text,
              all=", ".join(c.id for c in found)))
    return found[0]


def resolve(store: Store, conflict_text: str, *, take: str | None = None,
            values: dict[str, Any] | None = None) -> Conflict:
    """Settle a conflict. ``take`` names a version (its id, a unique prefix, or its number
    from 1 in the list); ``values`` overrides columns of it (or of the shown version). For a
    delete conflict, ``take`` is "keep" (the row stays) or "delete"."""
    with store.write():
        conflict = get(store, conflict_text)
        if conflict.kind == DELETE:
            if take not in (KEEP_ROW, DELETE_ROW):
                raise InspectorError(t("删除冲突请选择 keep（保留）或 delete（删除）",
                                       "For a delete conflict choose keep or delete"))
            _write(store, conflict, spec(conflict.table).register(DELETED),
                   {DELETED: "1" if take == DELETE_ROW else None})
            return conflict
        register = spec(conflict.table).register(conflict.register)
        chosen = _chosen(conflict, take)
        content = dict(chosen.content)
        for column, value in (values or {}).items():
            if column not in register.fields:
                raise InspectorError(t("{c} 不是可选的字段：{all}",
                                       "{c} is not a field here: {all}", c=column,
                                       all=", ".join(register.fields)))
            content[column] = value
        if conflict.kind == LOCKED and (not chosen.shown or values):
            _require_reopened(store, conflict)
        _write(store, conflict, register, content)
        return conflict


def _chosen(conflict: Conflict, take: str | None) -> Version:
    if take is None:
        return next(v for v in conflict.versions if v.shown) if any(
            v.shown for v in conflict.versions) else conflict.versions[0]
    if take.isdigit() and 1 <= int(take) <= len(conflict.versions):
        return conflict.versions[int(take) - 1]
    matches = [v for v in conflict.versions if v.id == take or v.id.startswith(take)]
    if len(matches) != 1:
        raise InspectorError(t("冲突 {c} 中没有版本 {v}；可选：{all}",
                               "Conflict {c} has no version {v}; choose one of {all}",
                               c=conflict.id, v=take,
                               all=", ".join(str(n) for n in range(1, len(conflict.versions)
                                                                   + 1))))
    return matches[0]


def _require_reopened(store: Store, conflict: Conflict) -> None:
    if conflict.table == "responses":
        inspection_id = conflict.row_id.split(":", 1)[0]
    else:
        row = store.query_one("SELECT inspection_id FROM findings WHERE id = ?",
                              (conflict.row_id,))
        inspection_id = row["inspection_id"] if row else ""
    status = store.query_one("SELECT status, short_id FROM inspections WHERE id = ?",
                             (inspection_id,))
    if status and status["status"] == changelog.SUBMITTED:
        raise InspectorError(t(
            "检查 {sid} 已签名提交：要采用提交后收到的修改，请先重新打开检查并说明原因；"
            "或保留已签名的版本。",
            "The inspection {sid} is signed and submitted: to take the change made after the "
            "submission, reopen it first with a reason; or keep the signed version.",
            sid=status["short_id"]))


def _write(store: Store, conflict: Conflict, register: Register,
           content: dict[str, Any]) -> None:
    """The resolution: shown at once, and a version that replaces every head."""
    store.conn.execute(
        f"UPDATE [{conflict.table}] SET {', '.join(f'[{c}] = ?' for c in register.columns)}"
        " WHERE id = ?", (*(content.get(c) for c in register.columns), conflict.row_id))
    changelog.write(store, conflict.table, conflict.row_id, register, content)
