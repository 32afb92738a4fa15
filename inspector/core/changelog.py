"""The change log in registers, and the causal heads that decide what is shown.

A change writes one register of one row whole and names the versions of that register its
author had (``replaces``). A register's *heads* are its versions that no other version
replaced; so the heads, the value shown and the conflicts are functions of the *set* of
changes a device holds, whatever order or grouping they arrived in (the multi-value register
of Dynamo and Riak, with explicit "replaces" instead of dotted version vectors).

- Shown: the winner among the heads, by (clock stamp, device, sequence number).
- A *value* conflict: heads whose facts differ. A later change that replaces every head (any
  edit made after seeing them, or a resolution) closes it on every device it reaches.
- A *locked* conflict: a version of an answer or a finding's facts made without seeing the
  inspection's submission, while neither it nor the submission saw the other. The version the
  signers saw stays shown until a person decides.
- A *delete* conflict: a deleted row with a version the delete had not seen.
- Changes of a revoked device beyond its cut are kept but *masked*: they count for nothing,
  and nothing replaced by them alone counts as replaced.

"Saw" comes from the author's version vector: for this device, the receipts of bundles it
applied before each of its own changes; for others, the ``depends`` of the bundle that carried
the change (kept in ``contexts``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from inspector.core.registers import DELETED, TABLES, Register, spec
from inspector.core.store import Store

log = logging.getLogger(__name__)

Key = tuple[str, str, str]  # (table, row id, register)
Version = tuple[str, int]  # (device, seq)

LOCKABLE = {("responses", "answer"), ("findings", "facts")}
SUBMITTED = "submitted"


def version_text(version: Version) -> str:
    return f"{version[0]}:{version[1]}"


def parse_version(text: str) -> Version:
    device, _, seq = text.rpartition(":")
    return device, int(seq)


def dumps(content: dict[str, Any]) -> str:
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def conflict_id(kind: str, table: str, row_id: str, register: str) -> str:
    """One id per register and kind: stable while its heads come and go, equal everywhere."""
    text = "|".join((kind, table, row_id, register))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Head:
    device: str
    seq: int
    hlc: str
    content: dict[str, Any]
    actor: str | None

    @property
    def version(self) -> Version:
        return self.device, self.seq

    @property
    def order(self) -> tuple[str, str, int]:
        return self.hlc, self.device, self.seq


@dataclass
class Applied:
    """What applying changes touched: the registers to show again."""

    registers: set[Key] = field(default_factory=set)
    cuts: set[str] = field(default_factory=set)  # devices whose trust changed
    added: int = 0
    masked: int = 0


# -- reading ----------------------------------------------------------------------------------


def head_versions(store: Store, key: Key) -> list[Version]:
    return [(row[0], int(row[1])) for row in store.conn.execute(
        "SELECT device, seq FROM heads WHERE tbl = ? AND row_id = ? AND reg = ?"
        " ORDER BY device, seq", key)]


def heads(store: Store, key: Key, decoded: dict[Version, dict[str, Any]] | None = None
          ) -> list[Head]:
    """The register's current versions; ``decoded``: contents already parsed (a batch just
    applied), so they are not parsed again."""
    found = (decoded or {}).get
    return [Head(row[0], int(row[1]), row[2],
                 found((row[0], int(row[1]))) or json.loads(row[3]), row[4])
            for row in store.conn.execute(
                "SELECT c.device, c.seq, c.hlc, c.value, c.actor FROM heads h JOIN changes c"
                " ON c.device = h.device AND c.seq = h.seq WHERE h.tbl = ? AND h.row_id = ?"
                " AND h.reg = ? ORDER BY c.device, c.seq", key)]


def change(store: Store, version: Version) -> dict[str, Any] | None:
    return store.query_one("SELECT * FROM changes WHERE device = ? AND seq = ?", version)


def have(store: Store, device: str) -> int:
    """The highest sequence number of ``device`` held here (held without gaps)."""
    row = store.conn.execute("SELECT MAX(seq) FROM changes WHERE device = ?",
                             (device,)).fetchone()
    return int(row[0] or 0)


def facts(register: Register, content: dict[str, Any]) -> str:
    return dumps({c: content.get(c) for c in register.fields})


# -- writing this device's changes --------------------------------------------------------------


def write(store: Store, table: str, row_id: str, register: Register,
          content: dict[str, Any]) -> Version:
    """Record this device's new version of a register: it replaces every head (the author
    saw them all), so the register ends with one head and no conflict of its own."""
    key = (table, row_id, register.name)
    replaced = head_versions(store, key)
    seq, hlc = store.allocate()
    store.conn.execute(
        "INSERT INTO changes (device, seq, hlc, tbl, row_id, reg, value, replaces, actor)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (store.device_id, seq, hlc, table, row_id, register.name,
         dumps({c: content.get(c) for c in register.columns}),
         json.dumps([version_text(v) for v in replaced]) if replaced else None, store.actor))
    if replaced:
        store.conn.execute("DELETE FROM heads WHERE tbl = ? AND row_id = ? AND reg = ?", key)
    store.conn.execute("INSERT INTO heads VALUES (?, ?, ?, ?, ?)",
                       (*key, store.device_id, seq))
    store.note_change(table, row_id)
    after_local_write(store, key, had_several=len(replaced) > 1)
    return store.device_id, seq


def after_local_write(store: Store, key: Key, *, had_several: bool) -> None:
    """Keep derived conflicts right after a local write (cheap unless something was open)."""
    table, row_id, register = key
    if had_several or store.conn.execute(
            "SELECT 1 FROM conflicts WHERE tbl = ? AND row_id = ? LIMIT 1",
            (table, row_id)).fetchone():
        refresh(store, {key})
    elif register == "state" and table == "inspections":
        refresh(store, {key})


# -- applying another device's changes --------------------------------------------------------


def apply(store: Store, changes: Iterable[dict[str, Any]], applied: Applied) -> None:
    """Store another device's changes (in its sequence order) and move the heads; call
    ``refresh(store, applied.registers)`` once after the batch. Duplicates are skipped."""
    cuts: dict[str, int | None] = {}
    items = list(changes)
    held: set[Version] = set()
    for device in {item["device"] for item in items}:
        seqs = [int(item["seq"]) for item in items if item["device"] == device]
        held |= {(device, int(row[0])) for row in store.conn.execute(
            "SELECT seq FROM changes WHERE device = ? AND seq BETWEEN ? AND ?",
            (device, min(seqs), max(seqs)))}
    rows: list[tuple[Any, ...]] = []
    new_heads: list[tuple[str, str, str, str, int]] = []
    gone: list[tuple[str, str, str, str, int]] = []
    for item in items:
        device, seq = item["device"], int(item["seq"])
        if (device, seq) in held:
            continue
        held.add((device, seq))
        table, row_id, register = item["tbl"], item["row_id"], item["reg"]
        if device not in cuts:
            cuts[device] = cut_of(store, device)
        cut = cuts[device]
        masked = cut is not None and seq > cut
        if spec(table).register(register).self_only and row_id != device:
            masked = True  # only a device itself may publish its key and code
            log.warning("ignored %s/%s.%s written by device %s", table, row_id, register,
                        device)
        replaces = item.get("replaces")
        rows.append((device, seq, item["hlc"], table, row_id, register, item["value"],
                     replaces, item.get("actor"), int(masked)))
        applied.added += 1
        if masked:
            applied.masked += 1
            continue
        key = (table, row_id, register)
        if replaces:
            gone += [(*key, *parse_version(text)) for text in json.loads(replaces)]
        new_heads.append((*key, device, seq))
        applied.registers.add(key)
        if table == "devices" and register == "trust":
            applied.cuts.add(row_id)
    conn = store.conn
    conn.executemany(
        "INSERT INTO changes (device, seq, hlc, tbl, row_id, reg, value, replaces, actor,"
        " masked) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    # New heads first, then what they replaced (also among themselves: a later change of the
    # batch replaces an earlier one).
    conn.executemany("INSERT OR IGNORE INTO heads VALUES (?, ?, ?, ?, ?)", new_heads)
    conn.executemany("DELETE FROM heads WHERE tbl = ? AND row_id = ? AND reg = ?"
                     " AND device = ? AND seq = ?", gone)


def cut_of(store: Store, device: str) -> int | None:
    """The last sequence number of a revoked device that counts (None: all count). Read from
    the row, which shows the trust version that wins (see ``_winner``)."""
    row = store.conn.execute("SELECT trusted, trusted_upto FROM devices WHERE id = ?",
                             (device,)).fetchone()
    if row is None or row[0] or row[1] is None:
        return None
    return int(row[1])


def _winner(key: Key, candidates: list[Head]) -> Head:
    """The version shown: the latest by (clock stamp, device, number) — except that a
    revocation not seen by a concurrent "trusted" beats it (the lowest cut first), so a
    teammate's older trust record can never quietly undo a revocation."""
    if key[0] == "devices" and key[2] == "trust":
        revoked = [h for h in candidates if not h.content.get("trusted")
                   and h.content.get("trusted_upto") is not None]
        if revoked:
            return min(revoked, key=lambda h: (h.content["trusted_upto"], h.device, h.seq))
    return max(candidates, key=lambda h: h.order)


# -- what a change had seen -------------------------------------------------------------------


class Causality:
    """Answers "had the author of x seen y?" from receipts and bundle contexts (cached)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._contexts: dict[Version, dict[str, int]] = {}

    def depends(self, version: Version) -> dict[str, int]:
        if version not in self._contexts:
            device, seq = version
            if device == self.store.device_id:
                rows = self.store.conn.execute(
                    "SELECT device, MAX(seq) FROM receipts WHERE own_seq < ? GROUP BY device",
                    (seq,)).fetchall()
                self._contexts[version] = {row[0]: int(row[1]) for row in rows}
            else:
                row = self.store.conn.execute(
                    "SELECT depends FROM contexts WHERE device = ? AND first_seq <= ?"
                    " AND last_seq >= ? ORDER BY first_seq DESC LIMIT 1",
                    (device, seq, seq)).fetchone()
                self._contexts[version] = json.loads(row[0]) if row else {}
        return self._contexts[version]

    def saw(self, x: Version, y: Version) -> bool:
        if x[0] == y[0]:
            return y[1] < x[1]
        return self.depends(x).get(y[0], 0) >= y[1]

    def concurrent(self, x: Version, y: Version) -> bool:
        return x != y and not self.saw(x, y) and not self.saw(y, x)


# -- what is shown, and what is in conflict ---------------------------------------------------


def refresh(store: Store, keys: set[Key],
            decoded: dict[Version, dict[str, Any]] | None = None) -> None:
    """Show each register's winner and keep its conflicts; a submission or a delete that moved
    also reconsiders what it governs. ``decoded``: contents of just-applied changes."""
    view = _Refresh(store, decoded)
    todo = set(keys)
    rows_to_check: set[tuple[str, str]] = set()
    for table, row_id, register in keys:
        if table == "inspections" and register == "state":
            todo |= governed_by_submission(store, row_id)
        if TABLES[table].deletable:
            rows_to_check.add((table, row_id))
    for key in sorted(todo):
        view.show(key)
    for table, row_id in sorted(rows_to_check):
        view.delete_conflict(table, row_id)


def governed_by_submission(store: Store, inspection_id: str) -> set[Key]:
    """The answers and findings' facts whose versions a submission of this inspection fixes."""
    keys: set[Key] = {("responses", row[0], "answer") for row in store.conn.execute(
        "SELECT id FROM responses WHERE inspection_id = ?", (inspection_id,))}
    keys |= {("findings", row[0], "facts") for row in store.conn.execute(
        "SELECT id FROM findings WHERE inspection_id = ?", (inspection_id,))}
    return keys


class _Refresh:
    """One pass of showing registers again, with what it reads once kept (the causality of
    changes, the open conflicts, each inspection's submission)."""

    def __init__(self, store: Store,
                 decoded: dict[Version, dict[str, Any]] | None = None) -> None:
        self.store = store
        self.decoded = decoded
        self.causality = Causality(store)
        self.open: set[tuple[str, str, str, str]] = {
            (row[0], row[1], row[2], row[3])
            for row in store.conn.execute("SELECT kind, tbl, row_id, reg FROM conflicts")}
        self.submissions: dict[str, Head | None] = {}

    def submission(self, table: str, row_id: str, current: list[Head]) -> Head | None:
        """The submission that fixes this register's versions, if its inspection is
        submitted."""
        inspection_id: Any
        if table == "responses":
            inspection_id = row_id.split(":", 1)[0]
        else:
            inspection_id = next((h.content.get("inspection_id") for h in current
                                  if h.content.get("inspection_id")), None)
        if not isinstance(inspection_id, str) or not inspection_id:
            return None
        if inspection_id not in self.submissions:
            states = heads(self.store, ("inspections", inspection_id, "state"))
            winner = max(states, key=lambda h: h.order) if states else None
            self.submissions[inspection_id] = winner if winner is not None and \
                winner.content.get("status") == SUBMITTED else None
        return self.submissions[inspection_id]

    def show(self, key: Key) -> None:
        table, row_id, register_name = key
        register = spec(table).register(register_name)
        current = heads(self.store, key, self.decoded)
        shown_from = current
        locked: list[Head] = []
        submission = (self.submission(table, row_id, current)
                      if (table, register_name) in LOCKABLE and current else None)
        if submission is not None:
            causality = self.causality
            after = [h for h in current if causality.saw(h.version, submission.version)]
            signed = _signed_heads(self.store, key, submission, causality)
            signed_versions = {h.version for h in signed}
            concurrent = [h for h in current if h not in after
                          and h.version not in signed_versions]
            if after or signed:
                shown_from = after or signed
                shown_facts = {facts(register, h.content) for h in shown_from}
                locked = [h for h in concurrent
                          if facts(register, h.content) not in shown_facts]
            else:  # recorded without seeing the submission, and nothing was signed here
                shown_from = locked = concurrent
        winner = _winner(key, shown_from) if shown_from else None
        _materialise(self.store, table, row_id, register, winner)
        several = len(shown_from) > 1 and len(
            {facts(register, h.content) for h in shown_from}) > 1
        self.keep_conflict("value", key, shown_from if several else [])
        involved = {h.version: h for h in ([winner] if winner else []) + locked}
        self.keep_conflict("locked", key, list(involved.values()) if locked else [])

    def keep_conflict(self, kind: str, key: Key, involved: list[Head]) -> None:
        known = (kind, *key)
        if not involved and known not in self.open:
            return  # the common case: nothing open, nothing to open
        identifier = conflict_id(kind, *key)
        if not involved:
            self.store.conn.execute("DELETE FROM conflicts WHERE id = ?", (identifier,))
            self.open.discard(known)
            return
        listed = json.dumps(sorted(version_text(h.version) for h in involved))
        if known not in self.open:
            self.store.conn.execute(
                "INSERT INTO conflicts (id, kind, tbl, row_id, reg, heads, detected_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (identifier, kind, *key, listed, self.store.wall.iso()))
            self.open.add(known)
            log.info("conflict %s (%s) on %s", identifier, kind, "/".join(key))
        else:
            self.store.conn.execute("UPDATE conflicts SET heads = ? WHERE id = ?",
                                    (listed, identifier))

    def delete_conflict(self, table: str, row_id: str) -> None:
        """A deleted row with versions the delete had not seen (and that had not seen it)."""
        deletes = heads(self.store, (table, row_id, DELETED))
        winner = max(deletes, key=lambda h: h.order) if deletes else None
        involved: list[Head] = []
        if winner is not None and winner.content.get("deleted"):
            for register in spec(table).registers:
                if register.name == DELETED:
                    continue
                involved += [h for h in heads(self.store, (table, row_id, register.name))
                             if self.causality.concurrent(h.version, winner.version)]
        self.keep_conflict("delete", (table, row_id, DELETED),
                           [winner, *involved] if involved and winner else [])


def _signed_heads(store: Store, key: Key, submission: Head,
                  causality: Causality) -> list[Head]:
    """The register as the signers saw it: its latest versions in the submission's past."""
    seen: dict[Version, Head] = {}
    replaced: set[Version] = set()
    for row in store.conn.execute(
            "SELECT device, seq, hlc, value, actor, replaces FROM changes WHERE tbl = ?"
            " AND row_id = ? AND reg = ? AND masked = 0", key):
        version = (row[0], int(row[1]))
        if causality.saw(submission.version, version):
            seen[version] = Head(row[0], int(row[1]), row[2], json.loads(row[3]), row[4])
            replaced |= {parse_version(v) for v in json.loads(row[5] or "[]")}
    return [head for version, head in seen.items() if version not in replaced]


def _materialise(store: Store, table: str, row_id: str, register: Register,
                 winner: Head | None) -> None:
    values = {c: (winner.content.get(c) if winner else None) for c in register.columns}
    if winner is None:
        if not store.conn.execute("SELECT 1 FROM heads WHERE tbl = ? AND row_id = ? LIMIT 1",
                                  (table, row_id)).fetchone():
            # nothing that counts made this row (its creation was cut by a revocation)
            store.conn.execute(f"DELETE FROM [{table}] WHERE id = ?", (row_id,))
            return
    update, insert = _row_sql(table, register.columns)
    updated = store.conn.execute(update, (*values.values(), row_id)).rowcount
    if not updated and winner is not None:
        store.conn.execute(insert, (row_id, *values.values()))


@functools.cache
def _row_sql(table: str, columns: tuple[str, ...]) -> tuple[str, str]:
    """UPDATE and INSERT of a register's columns (made once per register)."""
    names = ["id", *columns]
    return (f"UPDATE [{table}] SET {', '.join(f'[{c}] = ?' for c in columns)} WHERE id = ?",
            f"INSERT INTO [{table}] ({', '.join(f'[{c}]' for c in names)})"
            f" VALUES ({', '.join('?' for _ in names)})")


# -- revocation cuts --------------------------------------------------------------------------


def apply_cut(store: Store, device: str) -> set[Key]:
    """Mask (or unmask) a device's changes after its trust changed; rebuild what they touched.
    Returns the registers to show again."""
    cut = cut_of(store, device)
    flipped = store.conn.execute(
        "SELECT DISTINCT tbl, row_id, reg FROM changes WHERE device = ? AND masked !="
        " (CASE WHEN ? IS NOT NULL AND seq > ? THEN 1 ELSE 0 END)"
        " AND NOT (tbl = 'devices' AND reg IN ('name', 'key', 'code') AND row_id != device)",
        (device, cut, cut)).fetchall()
    store.conn.execute(
        "UPDATE changes SET masked = CASE WHEN ? IS NOT NULL AND seq > ? THEN 1 ELSE 0 END"
        " WHERE device = ? AND NOT (tbl = 'devices' AND reg IN ('name', 'key', 'code')"
        " AND row_id != device)", (cut, cut, device))
    keys = {(row[0], row[1], row[2]) for row in flipped}
    for key in keys:
        rebuild_heads(store, key)
        # what is shown of these rows may change: derived tables must look again
        store.note_change(key[0], key[1])
    return keys


def rebuild_heads(store: Store, key: Key) -> None:
    """Heads from scratch: unmasked versions no unmasked version replaced."""
    versions: set[Version] = set()
    replaced: set[Version] = set()
    for row in store.conn.execute(
            "SELECT device, seq, replaces FROM changes WHERE tbl = ? AND row_id = ? AND reg = ?"
            " AND masked = 0", key):
        versions.add((row[0], int(row[1])))
        replaced |= {parse_version(v) for v in json.loads(row[2] or "[]")}
    store.conn.execute("DELETE FROM heads WHERE tbl = ? AND row_id = ? AND reg = ?", key)
    store.conn.executemany("INSERT INTO heads VALUES (?, ?, ?, ?, ?)",
                           [(*key, *v) for v in sorted(versions - replaced)])
