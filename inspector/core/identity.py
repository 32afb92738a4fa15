"""One identity per history: when this data directory's device id turns out to be used by
another copy of it (a restore, a ``cp -a``), this copy takes a new id.

The changes up to ``keep_upto`` stay under the old id — the history both copies share — and
are from now on another device's, as if received. This copy's own changes after it move to
the new id (sequence numbers from 1), so no two different changes ever share a (device,
sequence number) and nothing written here is lost.
"""

from __future__ import annotations

import json
import logging
import secrets
import uuid

from inspector.core.keys import KEY_FILE, DeviceKey
from inspector.core.store import Store

log = logging.getLogger(__name__)

KEY_FOLDER = "keys"


def device_key(store: Store) -> DeviceKey:
    """This device's signing key (bundles, issued documents), made on first use."""
    return DeviceKey.load_or_create(store.data_dir / KEY_FOLDER)


def trusted_key(store: Store, device_id: str) -> str | None:
    """The key a device's bundles must carry (also once revoked: its changes up to the cut
    still count). Once the device's own record has arrived, that is the key it published
    itself — which no other device can change — so a teammate cannot hand another key to an
    existing device; before, the key the truster checked."""
    row = store.query_one("SELECT public_key, trusted, trusted_key, trusted_upto FROM devices"
                          " WHERE id = ?", (device_id,))
    if row is None or not row["trusted_key"]:
        return None
    if not row["trusted"] and row["trusted_upto"] is None:
        return None
    return str(row["public_key"] or row["trusted_key"])


def signing_key(store: Store, device_id: str) -> str | None:
    """The public key (hex) that signs for a device as this laptop knows it: its own key for
    this device, the roster's trusted key for a teammate (None for a stranger). Never makes a
    key: a device without one has signed nothing."""
    if device_id == store.device_id:
        path = store.data_dir / KEY_FOLDER / KEY_FILE
        if path.exists():
            return DeviceKey.load_or_create(path.parent).public_hex()
        row = store.query_one("SELECT public_key FROM devices WHERE id = ?", (device_id,))
        return str(row["public_key"]) if row and row["public_key"] else None
    return trusted_key(store, device_id)


CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0, 1: read aloud on the phone


def new_code(taken: set[str]) -> str:
    """A two-character device code not in ``taken`` (for short ids like HS-20261201-K3-001)."""
    free = [a + b for a in CODE_ALPHABET for b in CODE_ALPHABET if a + b not in taken]
    return secrets.choice(free) if free else secrets.token_hex(2).upper()


def device_code(store: Store) -> str:
    """This device's two-character code, unique in the team as far as this device knows;
    printed in every number it gives (HS-20261201-K3-001), so no two laptops give the same."""
    code = store.get_setting("device_code")
    if code:
        return code
    taken = {row["code"] for row in store.query(
        "SELECT code FROM devices WHERE code IS NOT NULL AND id != ?", (store.device_id,))}
    code = new_code(taken)
    store.set_setting("device_code", code)
    return code


def fork(store: Store, keep_upto: int) -> str:
    """Move this device's changes after ``keep_upto`` to a new device id; return the old id."""
    old = store.device_id
    new = uuid.uuid4().hex
    with store.write():
        conn = store.conn  # the writer, inside the transaction
        moved = [int(row[0]) for row in conn.execute(
            "SELECT seq FROM changes WHERE device = ? AND seq > ? ORDER BY seq",
            (old, keep_upto))]
        renumber = {seq: index for index, seq in enumerate(moved, 1)}
        # The old id's history as another device's: what it had seen, per stretch of changes.
        cuts = sorted({int(row[0]) for row in conn.execute(
            "SELECT DISTINCT own_seq FROM receipts WHERE own_seq < ?", (keep_upto,))})
        bounds = [0, *[c for c in cuts if 0 < c < keep_upto], keep_upto]
        for first, last in zip(bounds, bounds[1:], strict=False):
            if last <= first:
                continue
            depends = {row[0]: int(row[1]) for row in conn.execute(
                "SELECT device, MAX(seq) FROM receipts WHERE own_seq < ? GROUP BY device",
                (last,))}
            conn.execute("INSERT OR REPLACE INTO contexts VALUES (?, ?, ?, ?)",
                         (old, first + 1, last, json.dumps(depends, sort_keys=True)))
        for seq, number in renumber.items():
            conn.execute("UPDATE changes SET device = ?, seq = ? WHERE device = ? AND seq = ?",
                         (new, number, old, seq))
            conn.execute("UPDATE heads SET device = ?, seq = ? WHERE device = ? AND seq = ?",
                         (new, number, old, seq))
        _rename_references(store, old, new, renumber)
        # Receipts made before the fork were seen by every change of the new id; the new id
        # also saw the old id's shared history.
        conn.execute("UPDATE receipts SET own_seq = CASE WHEN own_seq < ? THEN 0"
                     " ELSE own_seq - ? END", (keep_upto, keep_upto))
        if keep_upto:
            conn.execute("INSERT INTO receipts (own_seq, device, seq) VALUES (0, ?, ?)",
                         (old, keep_upto))
        conn.execute("DELETE FROM exported")
        conn.execute("UPDATE local_state SET value = ? WHERE key = 'device_id'", (new,))
        conn.execute("INSERT INTO local_state (key, value) VALUES ('forked_from', ?)"
                     " ON CONFLICT (key) DO UPDATE SET value = excluded.value", (old,))
        conn.execute("DELETE FROM local_state WHERE key = 'device_code'")
    store.device_id = new
    store.reset_sequence()
    log.warning("this data directory was also in use elsewhere as device %s: it continues as"
                " device %s (%d own changes moved)", old, new, len(moved))
    return old


def _rename_references(store: Store, old: str, new: str, renumber: dict[int, int]) -> None:
    """Versions named in "replaces" and in open conflicts follow the moved changes."""
    def rename(text: str) -> str:
        device, _, seq = text.rpartition(":")
        if device == old and int(seq) in renumber:
            return f"{new}:{renumber[int(seq)]}"
        return text

    for device, seq, replaces in store.conn.execute(
            "SELECT device, seq, replaces FROM changes WHERE replaces LIKE ?",
            (f'%"{old}:%',)).fetchall():
        listed = [rename(v) for v in json.loads(replaces)]
        store.conn.execute("UPDATE changes SET replaces = ? WHERE device = ? AND seq = ?",
                           (json.dumps(listed), device, seq))
    for identifier, listed_text in store.conn.execute(
            "SELECT id, heads FROM conflicts WHERE heads LIKE ?", (f'%"{old}:%',)).fetchall():
        listed = sorted(rename(v) for v in json.loads(listed_text))
        store.conn.execute("UPDATE conflicts SET heads = ? WHERE id = ?",
                           (json.dumps(listed), identifier))
