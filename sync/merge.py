"""Applying another device's changes: per field, the same winner on every device.

Every change carries the version (``device:seq``) its author saw as ``base``. Arriving here:
- a change already in the log is skipped (applying changes again changes nothing);
- the field's value becomes the change with the highest ``(clock, device)`` seen for it. A
  change always sorts after the version it replaced (store.log_change sees to that), so this
  is the same value whatever order or grouping the changes arrive in;
- a change whose base is not the version it lands on is concurrent: if the values differ,
  the losing one is kept in ``conflicts`` for a person to review;
- a delete that meets an edit its author had not seen, an edit to an inspection that is
  submitted here, and a clock stamp far in the future are flagged too (and still applied;
  a future stamp does not move this device's clock).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from inspector.core import conflict_log
from inspector.core.clock import Stamp
from inspector.core.errors import InspectorError
from inspector.core.i18n import t
from inspector.core.records import TRACKED_FIELDS
from inspector.core.store import FUTURE_LIMIT_MS, Store

log = logging.getLogger(__name__)

# When and by whom something was recorded: they follow the value they describe, and differ
# on every concurrent edit, so they are never a conflict of their own.
BOOKKEEPING_FIELDS = {"answered_at", "answered_by", "created_at", "created_by", "imported_at",
                      "imported_by", "installed_at", "resolved_at", "resolved_by",
                      "updated_at"}
LOCKED_FINDING_FIELDS = {"category", "description", "item_code", "location", "latitude",
                         "longitude", "severity"}


class SyncError(InspectorError):
    """A bundle or change that cannot be applied; nothing of it was."""


@dataclass
class MergeStats:
    applied: int = 0
    skipped: int = 0
    conflicts: list[str] = field(default_factory=list)


change_id = conflict_log.change_id


def validate(changes: Iterable[dict[str, Any]], source: str) -> None:
    """Refuse a change to a table or field this program does not know, before any write."""
    for change in changes:
        fields = TRACKED_FIELDS.get(change["tbl"])
        if fields is None or change["field"] not in fields:
            raise SyncError(t(
                "{src}：未知的表或字段 {tbl}.{f}（可能来自更新版本的程序）",
                "{src}: unknown table or field {tbl}.{f} (perhaps from a newer program)",
                src=source, tbl=change["tbl"], f=change["field"]))
        value = json.loads(change["value"]) if change["value"] is not None else None
        if not (value is None or isinstance(value, (str, int, float))):
            raise SyncError(t("{src}：变更 {id} 的值类型无效", "{src}: change {id} has a value of "
                              "an invalid type", src=source, id=change_id(change)))
        Stamp.parse(change["hlc"])


def apply(store: Store, changes: list[dict[str, Any]]) -> MergeStats:
    """Apply changes (one author's, in sequence order) inside the caller's transaction."""
    if not store.in_write:
        raise RuntimeError("merge.apply outside a write transaction")
    stats = MergeStats()
    wall = store.wall.millis()
    for (table, row_id), group in groupby(changes, key=lambda c: (c["tbl"], c["row_id"])):
        _apply_row(store, table, row_id, list(group), stats, wall)
    return stats


def _current_row(store: Store, table: str, row_id: str) -> dict[str, Any] | None:
    return store.query_one(f"SELECT * FROM [{table}] WHERE id = ?", (row_id,))


def _apply_row(store: Store, table: str, row_id: str, changes: list[dict[str, Any]],
               stats: MergeStats, wall: int) -> None:
    conn = store.conn
    row = _current_row(store, table, row_id)
    new_values: dict[str, Any] = {}
    for change in changes:
        if conn.execute("SELECT 1 FROM changes WHERE device = ? AND seq = ?",
                        (change["device"], change["seq"])).fetchone():
            stats.skipped += 1
            continue
        stamp = Stamp.parse(change["hlc"])
        if stamp.millis > wall + FUTURE_LIMIT_MS:
            _flag(store, stats, "future_clock", change, None, None)
        else:
            store.clock.observe(stamp)
        current_value = new_values.get(change["field"], row.get(change["field"]) if row else None)
        conn.execute(
            "INSERT INTO changes (device, seq, hlc, tbl, row_id, field, value, old_value, base,"
            " actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (change["device"], change["seq"], change["hlc"], table, row_id, change["field"],
             change["value"], json.dumps(current_value, ensure_ascii=False), change["base"],
             change["actor"]))
        stats.applied += 1
        version = conn.execute(
            "SELECT device, seq, hlc FROM field_versions WHERE tbl = ? AND row_id = ?"
            " AND field = ?", (table, row_id, change["field"])).fetchone()
        incoming_key = (stamp, change["device"])
        wins = version is None or incoming_key > (Stamp.parse(version[2]), version[0])
        concurrent = version is not None and change["base"] != f"{version[0]}:{version[1]}"
        value = json.loads(change["value"]) if change["value"] is not None else None
        if concurrent and version is not None and change["field"] not in BOOKKEEPING_FIELDS:
            _settle(store, stats, (table, row_id, change["field"]), change,
                    _version_change(store, version), wins)
        if wins:
            new_values[change["field"]] = value
            conn.execute(
                "INSERT INTO field_versions (tbl, row_id, field, device, seq, hlc)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (tbl, row_id, field) DO UPDATE SET"
                " device = excluded.device, seq = excluded.seq, hlc = excluded.hlc",
                (table, row_id, change["field"], change["device"], change["seq"],
                 change["hlc"]))
        _check_delete(store, stats, table, row_id, change, row, new_values)
        _check_locked(store, stats, table, row_id, change)
        if table == "conflict_resolutions":
            conn.execute("UPDATE conflicts SET status = 'resolved' WHERE id = ?", (row_id,))
    if not new_values:
        return
    if row is None:
        columns = ["id", *new_values]
        conn.execute(
            f"INSERT INTO [{table}] ({', '.join(f'[{c}]' for c in columns)})"
            f" VALUES ({', '.join('?' for _ in columns)})", (row_id, *new_values.values()))
    else:
        conn.execute(
            f"UPDATE [{table}] SET {', '.join(f'[{c}] = ?' for c in new_values)} WHERE id = ?",
            (*new_values.values(), row_id))


def _settle(store: Store, stats: MergeStats, key: tuple[str, str, str],
            incoming: dict[str, Any], current: dict[str, Any], incoming_wins: bool) -> None:
    """Two concurrent versions meet. The loser's value is lost unless the winner's author had
    seen it on this field; if seen, the loser is kept as "absorbed" by the winner, and checked
    again should the winner itself lose to a branch that never saw that value."""
    conn = store.conn
    kept, lost = (incoming, current) if incoming_wins else (current, incoming)
    seen = lineage_values(conn, kept)
    if incoming_wins:
        # what the displaced version had absorbed is now judged against the new winner
        for device, seq in conn.execute(
                "SELECT device, seq FROM field_siblings WHERE tbl = ? AND row_id = ?"
                " AND field = ?", key).fetchall():
            absorbed = _version_change(store, (device, seq))
            if absorbed["value"] not in seen:
                _flag(store, stats, "value", absorbed, kept, None)
                conn.execute("DELETE FROM field_siblings WHERE tbl = ? AND row_id = ? AND"
                             " field = ? AND device = ? AND seq = ?", (*key, device, seq))
    if lost["value"] in seen:
        conn.execute("INSERT INTO field_siblings (tbl, row_id, field, device, seq)"
                     " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                     (*key, lost["device"], lost["seq"]))
    else:
        _flag(store, stats, "value", lost, kept, None)


def lineage_values(conn: Any, change: dict[str, Any], limit: int = 256) -> set[str | None]:
    """The values a change's author had seen on its field: its own and its bases' values."""
    values: set[str | None] = {change["value"]}
    base = change["base"]
    steps = 0
    while base and steps < limit:
        device, _, seq = base.rpartition(":")
        row = conn.execute("SELECT value, base FROM changes WHERE device = ? AND seq = ?",
                           (device, int(seq))).fetchone()
        if row is None:
            break
        values.add(row[0])
        base = row[1]
        steps += 1
    return values


def _version_change(store: Store, version: tuple[Any, ...]) -> dict[str, Any]:
    row = store.query_one("SELECT * FROM changes WHERE device = ? AND seq = ?",
                          (version[0], version[1]))
    assert row is not None, "a field version always has its change in the log"
    return row


def _flag(store: Store, stats: MergeStats, kind: str, lost: dict[str, Any],
          kept: dict[str, Any] | None, extra: str | None) -> None:
    identifier = conflict_log.record(store.conn, kind, lost, kept, store.wall.iso())
    if identifier not in stats.conflicts:
        stats.conflicts.append(identifier)
    log.info("conflict %s (%s) on %s/%s.%s", identifier[:8], kind, lost.get("tbl"),
             lost["row_id"], lost["field"])


def _tombstone(store: Store, table: str, row_id: str,
               pending: dict[str, Any], row: dict[str, Any] | None) -> tuple[set[str], str] | None:
    """The versions a delete had seen, and the delete's change id, if the row is deleted."""
    value = pending["deleted"] if "deleted" in pending else (row or {}).get("deleted")
    if not value:
        return None
    version = store.conn.execute(
        "SELECT device, seq FROM field_versions WHERE tbl = ? AND row_id = ? AND field = ?",
        (table, row_id, "deleted")).fetchone()
    if version is None:
        return None
    return set(json.loads(value)), f"{version[0]}:{version[1]}"


def _check_delete(store: Store, stats: MergeStats, table: str, row_id: str,
                  change: dict[str, Any], row: dict[str, Any] | None,
                  pending: dict[str, Any]) -> None:
    if "deleted" not in TRACKED_FIELDS.get(table, ()):
        return
    tombstone = _tombstone(store, table, row_id, pending, row)
    if tombstone is None:
        return
    seen, delete_id = tombstone
    delete_change = store.query_one("SELECT * FROM changes WHERE device = ? AND seq = ?",
                                    tuple(delete_id.split(":")))
    if delete_change is None:
        return
    if change["field"] == "deleted" and change_id(change) == delete_id:
        # the delete arrives: every version of the row its author had not seen is flagged
        for version in store.query(
                "SELECT device, seq FROM field_versions WHERE tbl = ? AND row_id = ?"
                " AND field != 'deleted'", (table, row_id)):
            version_id = f"{version['device']}:{version['seq']}"
            if version_id not in seen and version["device"] != change["device"]:
                edit = _version_change(store, (version["device"], version["seq"]))
                _flag(store, stats, "delete", edit, change, None)
    elif change["field"] != "deleted" and change_id(change) not in seen and \
            change["device"] != delete_change["device"]:
        _flag(store, stats, "delete", change, delete_change, None)


def _check_locked(store: Store, stats: MergeStats, table: str, row_id: str,
                  change: dict[str, Any]) -> None:
    """An answer or finding fact changed by a device that had not seen the submission."""
    if table == "responses":
        inspection_id = row_id.split(":", 1)[0]
    elif table == "findings" and change["field"] in LOCKED_FINDING_FIELDS:
        finding = store.query_one("SELECT inspection_id FROM findings WHERE id = ?", (row_id,))
        inspection_id = finding["inspection_id"] if finding else ""
    else:
        return
    status = store.query_one(
        "SELECT i.status, v.hlc FROM inspections i JOIN field_versions v ON v.tbl ="
        " 'inspections' AND v.row_id = i.id AND v.field = 'status' WHERE i.id = ?",
        (inspection_id,))
    if status and status["status"] == "submitted" and change["hlc"] < status["hlc"]:
        _flag(store, stats, "locked", change, None, None)
