"""Each community's standing as a maintained summary (table ``community_standing``).

One row per community: its latest submitted inspection (by the instant it started, as
``standing.gather`` orders them), that inspection's score and whether it meets the standard
(达标), and how many of its findings are open. The store calls ``_derive`` at the end of every
write transaction (registered below), so the row changes in the same transaction as a
submission, a reopening, a finding's status — and as a sync import, which writes through the
same transactions.

Derived data: never in the change log, never synced. Every laptop recomputes it from the
facts it holds, so it cannot drift from them; a bundle carries the facts, not this table.
Recognition decisions are not part of it: the standing on a date (``standing.gather``) ranks
them over inspections.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from inspector.core.changes import Changes
from inspector.core.schema_version import STANDING_STALE_KEY
from inspector.core.store import Store, register_deriver

log = logging.getLogger(__name__)

SUBMITTED = "submitted"  # inspections.SUBMITTED (not imported: inspections imports us)
WATCHED = frozenset({"communities", "inspections", "responses", "findings"})


@dataclass(frozen=True)
class CommunityStanding:
    community_id: str
    inspection_id: str | None  # the latest submitted inspection
    started_at: str | None
    score: float | None
    met: bool | None  # None: no submitted inspection
    open_findings: int


def _instant(text: str | None) -> datetime:
    try:
        moment = datetime.fromisoformat(text or "")
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def latest_key(row: dict[str, Any]) -> tuple[datetime, str, str]:
    """The order of a community's inspections: the last is the latest (``standing.gather``
    orders the same way)."""
    return _instant(row["started_at"]), row["short_id"] or "", row["id"]


def compute(store: Store, community_ids: Iterable[str] | None = None
            ) -> dict[str, CommunityStanding]:
    """The standings from the facts, for these communities (None: every one)."""
    from inspector.domain import scoring, templates

    if community_ids is None:
        ids = [row[0] for row in store.conn.execute("SELECT id FROM communities")]
    else:
        ids = [row[0] for row in store.conn.execute(
            "SELECT id FROM communities WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(set(community_ids))),))]
    wanted = json.dumps(sorted(ids))
    latest: dict[str, dict[str, Any]] = {}
    rows = store.query(
        "SELECT id, short_id, community_id, template_id, started_at FROM inspections"
        " WHERE status = ? AND community_id IN (SELECT value FROM json_each(?))",
        (SUBMITTED, wanted))
    for submitted in sorted(rows, key=latest_key):
        latest[submitted["community_id"]] = submitted
    answers: dict[str, dict[str, tuple[Any, Any]]] = {}
    for row in store.conn.execute(
            "SELECT inspection_id, item_code, answer, value FROM responses"
            " WHERE inspection_id IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(r["id"] for r in latest.values())),)):
        answers.setdefault(row[0], {})[row[1]] = (row[2], row[3])
    open_counts = {row[0]: int(row[1]) for row in store.conn.execute(
        "SELECT i.community_id, COUNT(*) FROM findings f JOIN inspections i"
        " ON i.id = f.inspection_id WHERE f.status = 'open' AND f.deleted IS NULL"
        " AND i.community_id IN (SELECT value FROM json_each(?)) GROUP BY i.community_id",
        (wanted,))}
    result: dict[str, CommunityStanding] = {}
    for community_id in ids:
        last = latest.get(community_id)
        score: float | None = None
        met: bool | None = None
        if last is not None:
            given = answers.get(last["id"], {})
            scored = scoring.score(templates.get(store, last["template_id"]),
                                   {c: a for c, (a, _v) in given.items()},
                                   {c: v for c, (_a, v) in given.items()})
            score, met = scored.percent, scored.met
        result[community_id] = CommunityStanding(
            community_id, last["id"] if last else None, last["started_at"] if last else None,
            score, met, open_counts.get(community_id, 0))
    return result


def _write(store: Store, standings: dict[str, CommunityStanding],
           gone: Iterable[str] = ()) -> None:
    store.conn.executemany(
        "INSERT OR REPLACE INTO community_standing (community_id, inspection_id, started_at,"
        " score, met, open_findings) VALUES (?, ?, ?, ?, ?, ?)",
        [(s.community_id, s.inspection_id, s.started_at, s.score,
          None if s.met is None else int(s.met), s.open_findings)
         for s in standings.values()])
    store.conn.executemany("DELETE FROM community_standing WHERE community_id = ?",
                           [(community_id,) for community_id in gone])


def rebuild(store: Store) -> None:
    """Recompute every row (inside a write transaction) and clear the stale mark."""
    if not store.in_write:
        raise RuntimeError("community_standing.rebuild outside a write transaction")
    standings = compute(store)
    store.conn.execute("DELETE FROM community_standing")
    _write(store, standings)
    store.conn.execute("DELETE FROM local_state WHERE key = ?", (STANDING_STALE_KEY,))
    log.info("community standing rebuilt for %d communities", len(standings))


def refresh(store: Store, community_ids: Iterable[str]) -> None:
    """Recompute these communities' rows (inside a write transaction)."""
    ids = set(community_ids)
    if not ids:
        return
    standings = compute(store, ids)
    _write(store, standings, ids - set(standings))


def is_stale(store: Store) -> bool:
    return store.conn.execute("SELECT 1 FROM local_state WHERE key = ?",
                              (STANDING_STALE_KEY,)).fetchone() is not None


def owners(store: Store, table: str, column: str, row_ids: Iterable[str]) -> set[str] | None:
    """``column`` of these rows of ``table`` (the inspection of findings, the community of
    inspections …); None when one of the rows is gone (a revocation cut): the caller starts
    afresh. ``table`` and ``column`` are this code's own names, never input."""
    wanted = sorted(set(row_ids))
    found = store.conn.execute(
        f"SELECT id, {column} FROM {table} WHERE id IN (SELECT value FROM json_each(?))",
        (json.dumps(wanted),)).fetchall()
    if len(found) != len(wanted):
        return None
    return {row[1] for row in found}


def affected(store: Store, changes: Changes) -> set[str] | None:
    """The communities whose rows these changes can move (None: cannot tell — rebuild)."""
    ids = set(changes.rows("communities"))
    inspection_ids = set(changes.rows("inspections"))
    # An answer counts only in a submitted inspection (a draft's answers move nothing).
    answered = {row_id.split(":", 1)[0] for row_id in changes.rows("responses")}
    finding_ids = changes.rows("findings")
    if finding_ids:
        of_findings = owners(store, "findings", "inspection_id", finding_ids)
        if of_findings is None:
            return None
        inspection_ids |= of_findings
    if inspection_ids:
        of_inspections = owners(store, "inspections", "community_id", inspection_ids)
        if of_inspections is None:
            return None
        ids |= of_inspections
    if answered - inspection_ids:
        ids |= {row[0] for row in store.conn.execute(
            "SELECT DISTINCT community_id FROM inspections WHERE status = ? AND id IN"
            " (SELECT value FROM json_each(?))",
            (SUBMITTED, json.dumps(sorted(answered - inspection_ids))))}
    return ids


def _derive(store: Store, changes: Changes) -> None:
    if not (changes.tables & WATCHED):
        return
    try:
        with store.write():  # a savepoint: a failure leaves the summary as it was
            if is_stale(store):
                rebuild(store)
                return
            ids = affected(store, changes)
            if ids is None:
                rebuild(store)
            else:
                refresh(store, ids)
    except Exception:
        # Never refuse the facts for the sake of a summary (a sync must not wedge on it):
        # mark it stale; the next write or read rebuilds it, and a read that still cannot
        # says why.
        log.exception("community standing not updated; marked for a rebuild")
        mark_stale(store)


def mark_stale(store: Store) -> None:
    """Have the summary rebuilt whole at the next write or read (after shown rows were
    rebuilt wholesale, e.g. a salvage)."""
    store.conn.execute("INSERT OR REPLACE INTO local_state (key, value) VALUES (?, '1')",
                       (STANDING_STALE_KEY,))


register_deriver(_derive)


def ensure(store: Store) -> None:
    """Fill the table if it is marked stale (after the migration made it), when writable."""
    if store.readonly or not is_stale(store):
        return
    with store.write():
        if is_stale(store):
            rebuild(store)


def read(store: Store, community_ids: Iterable[str] | None = None
         ) -> dict[str, CommunityStanding]:
    """Every community's maintained standing, or these communities' (computed afresh,
    without writing, when the table is stale and the store is read-only)."""
    ensure(store)
    if is_stale(store):
        return compute(store, community_ids)
    if community_ids is None:
        rows = store.query("SELECT * FROM community_standing")
    else:
        rows = store.query("SELECT * FROM community_standing WHERE community_id IN"
                           " (SELECT value FROM json_each(?))",
                           (json.dumps(sorted(set(community_ids))),))
    return {row["community_id"]: CommunityStanding(
        row["community_id"], row["inspection_id"], row["started_at"], row["score"],
        None if row["met"] is None else bool(row["met"]), int(row["open_findings"] or 0))
        for row in rows}
