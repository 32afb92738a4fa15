"""Writing a user-data row together with its change-log entries.

This is the only place that inserts or updates the tracked tables for this device's own
changes, so no change can reach the database without its log entry. Values are plain column
values (str, int, float or None); lists are stored as JSON text by the domain modules. Values
are grouped by register (see registers.py): each register touched is written whole, with the
row's other columns of that register as they are shown now.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from inspector.core import changelog
from inspector.core.changes import Changes, Recorder
from inspector.core.registers import DELETED, TRACKED_FIELDS, spec
from inspector.core.store import Store

__all__ = ["TRACKED_FIELDS", "Changes", "changing", "delete", "put", "restore"]

_MISSING: dict[str, Any] = {}


@contextlib.contextmanager
def changing(store: Store) -> Iterator[Recorder]:
    """``store.write()`` that also tells what it changed: on leaving it without an error,
    ``recorder.changes`` names every row whose change-log entries were written inside it
    (nested in another write, only its own part)::

        with records.changing(store) as done:
            records.put(...)
        return done.changes
    """
    recorder = Recorder()
    with store.write():
        mark = store.journal_mark()
        yield recorder
        recorder.changes = store.changes_since(mark)


def put(store: Store, table: str, row_id: str, values: dict[str, Any], *,
        current: dict[str, Any] | None = _MISSING) -> dict[str, Any]:
    """Insert or update one row; log every register whose content changed. Returns the
    columns that changed.

    Must run inside ``store.write()``. Pass ``current`` (the row, or None for a new one) when
    the caller has just read it, to save reading it again.
    """
    if not store.in_write:
        raise RuntimeError("records.put outside a write transaction")
    table_spec = spec(table)
    unknown = set(values) - table_spec.columns
    if unknown:
        raise ValueError(f"{table} has no tracked fields {sorted(unknown)}")
    if current is _MISSING:
        current = store.query_one(f"SELECT * FROM [{table}] WHERE id = ?", (row_id,))
    before = current or {}
    changed = {k: v for k, v in values.items() if before.get(k) != v}
    if not changed and current is not None:
        return {}
    if current is None:
        columns = ["id", *(k for k, v in values.items() if v is not None)]
        store.conn.execute(
            f"INSERT INTO [{table}] ({', '.join(f'[{c}]' for c in columns)})"
            f" VALUES ({', '.join('?' for _ in columns)})",
            (row_id, *(values[c] for c in columns[1:])))
    elif changed:
        store.conn.execute(
            f"UPDATE [{table}] SET {', '.join(f'[{c}] = ?' for c in changed)} WHERE id = ?",
            (*changed.values(), row_id))
    for register in table_spec.registers:
        if not any(c in changed for c in register.columns):
            continue
        content = {c: values[c] if c in values else before.get(c) for c in register.columns}
        changelog.write(store, table, row_id, register, content)
    return changed


def delete(store: Store, table: str, row_id: str) -> None:
    """Tombstone a row. A version of the row the deleting device had not seen, arriving
    later, shows the delete as a conflict for a person to settle."""
    if not spec(table).deletable:
        raise ValueError(f"{table} rows are never deleted")
    put(store, table, row_id, {DELETED: "1"})


def restore(store: Store, table: str, row_id: str) -> None:
    """Undo a tombstone (also settles a delete conflict by keeping the row)."""
    put(store, table, row_id, {DELETED: None})
