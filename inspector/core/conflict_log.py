"""Recording a conflict: a value that lost to a change its author had not seen.

The id depends only on the lost change (and, for a delete, the delete), so every device that
finds the same loss records — and closes — the same conflict.
"""

from __future__ import annotations

import hashlib
import sqlite3
from typing import Any


def change_id(change: dict[str, Any]) -> str:
    return f"{change['device']}:{change['seq']}"


def conflict_id(kind: str, *parts: str) -> str:
    return hashlib.sha256("|".join((kind, *parts)).encode("utf-8")).hexdigest()[:32]


def _author(change: dict[str, Any]) -> str:
    return f"{change.get('actor') or '?'}@{change['device'][:8]}"


def record(conn: sqlite3.Connection, kind: str, lost: dict[str, Any],
           kept: dict[str, Any] | None, detected_at: str) -> str:
    """Insert (once) a conflict; return its id. Already resolved elsewhere: closed here."""
    parts = [change_id(lost)] + ([change_id(kept)] if kept and kind != "value" else [])
    identifier = conflict_id(kind, *parts)
    resolved = conn.execute("SELECT 1 FROM conflict_resolutions WHERE id = ?",
                            (identifier,)).fetchone()
    conn.execute(
        "INSERT INTO conflicts (id, kind, tbl, row_id, field, kept_change, kept_value,"
        " kept_actor, kept_hlc, lost_change, lost_value, lost_actor, lost_hlc, detected_at,"
        " status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (id) DO NOTHING",
        (identifier, kind, lost.get("tbl"), lost["row_id"], lost["field"],
         change_id(kept) if kept else None, kept["value"] if kept else None,
         _author(kept) if kept else None, kept["hlc"] if kept else None,
         change_id(lost), lost["value"], _author(lost), lost["hlc"], detected_at,
         "resolved" if resolved else "open"))
    return identifier
