"""Applying another device's changes: checked first, then handed to the core's change log.

The merge itself — heads, the value shown, conflicts, revocation cuts — is the change log's
(inspector.core.changelog); this module only refuses what this program cannot understand,
before anything is written.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from inspector.core import changelog
from inspector.core.clock import MAX_DRIFT_MS, Stamp
from inspector.core.errors import InspectorError
from inspector.core.i18n import t
from inspector.core.registers import TABLES
from inspector.core.store import Store

log = logging.getLogger(__name__)

SCALARS = (str, int, float, type(None))


class SyncError(InspectorError):
    """A bundle or change that cannot be applied; nothing of it was."""


@dataclass
class MergeStats:
    applied: int = 0
    skipped: int = 0
    masked: int = 0
    conflicts: list[str] = field(default_factory=list)
    future_clock: int = 0  # changes stamped far ahead of this laptop's clock (not followed)


def change_id(change: dict[str, Any]) -> str:
    return f"{change['device']}:{change['seq']}"


def validate(changes: Iterable[dict[str, Any]], source: str) -> dict[tuple[str, int],
                                                                        dict[str, Any]]:
    """Refuse a change to a table, register or column this program does not know, or a value
    that is not a JSON object of plain values, before any write (the bundle reader has checked
    the rest of each change's form). Returns the parsed values."""
    parsed: dict[tuple[str, int], dict[str, Any]] = {}
    for change in changes:
        table = TABLES.get(change["tbl"])
        register = next((r for r in table.registers if r.name == change["reg"]), None) \
            if table else None
        if register is None:
            raise SyncError(t(
                "{src}：未知的表或字段组 {tbl}.{r}（可能来自更新版本的程序）",
                "{src}: unknown table or register {tbl}.{r} (perhaps from a newer program)",
                src=source, tbl=change["tbl"], r=change["reg"]))
        try:
            value = json.loads(change["value"])
        except (TypeError, ValueError):
            value = None
        if not isinstance(value, dict) or not set(value) <= set(register.columns) or not all(
                isinstance(v, SCALARS) for v in value.values()):
            raise SyncError(t("{src}：变更 {id} 的值无效", "{src}: change {id} has an invalid "
                              "value", src=source, id=change_id(change)))
        parsed[(change["device"], int(change["seq"]))] = value
    return parsed


def apply(store: Store, changes: list[dict[str, Any]],
          parsed: dict[tuple[str, int], dict[str, Any]] | None = None) -> MergeStats:
    """Apply changes (one author's, in sequence order) inside the caller's transaction;
    ``parsed``: their values as ``validate`` returned them."""
    if not store.in_write:
        raise RuntimeError("merge.apply outside a write transaction")
    stats = MergeStats()
    applied = changelog.Applied()
    before = {row[0] for row in store.conn.execute("SELECT id FROM conflicts")}
    if changes:
        latest = Stamp.parse(max(change["hlc"] for change in changes))
        if not store.clock.observe(latest):  # far ahead: flag, do not follow
            limit = str(Stamp(store.wall.millis() + MAX_DRIFT_MS, 0))
            stats.future_clock = sum(1 for change in changes if change["hlc"] > limit)
    changelog.apply(store, changes, applied)
    stats.applied = applied.added
    stats.skipped = len(changes) - applied.added
    stats.masked = applied.masked
    keys = set(applied.registers)
    for device in applied.cuts:
        changelog.refresh(store, {("devices", device, "trust")})
        keys |= changelog.apply_cut(store, device)
    changelog.refresh(store, keys, parsed)
    for table, row_id, _register in sorted(keys):
        store.note_change(table, row_id)
    stats.conflicts = sorted({row[0] for row in store.conn.execute("SELECT id FROM conflicts")}
                             - before)
    if stats.future_clock:
        log.warning("%d changes stamped far ahead of this laptop's clock", stats.future_clock)
    return stats
