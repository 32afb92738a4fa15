"""Export this device's changes as signed bundles; import bundles from others.

Import validates the whole bundle (sync.bundle.read_bundle) before touching anything, checks
that the device is on the roster with the key first trusted for it (else the bundle is
quarantined until it is trusted) and that everything the bundle depends on is here (else it
waits), then applies it: photo originals first, each flushed into place outside the write
lock (a photo is named by its content, so one left by an interrupted import is harmless),
then the rows in one transaction.

A bundle signed under this device's own id that holds changes this data directory does not
have means the directory was copied or restored: this copy takes a new identity
(inspector.core.identity) before anything else is written.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inspector.core import changelog, identity, records
from inspector.core.changes import NONE, Changes
from inspector.core.durable import atomic_file
from inspector.core.filehash import file_sha256
from inspector.core.i18n import t
from inspector.core.store import Store
from inspector.domain import photos
from sync import merge, roster
from sync.bundle import Bundle, BundleError, bundle_file_name, read_bundle, write_bundle
from sync.merge import SyncError

log = logging.getLogger(__name__)

INBOX = "inbox"
APPLIED, DUPLICATE, QUARANTINED, WAITING = "applied", "duplicate", "quarantined", "waiting"
DEFAULT_MAX_BUNDLE_BYTES = 256 * 1024 * 1024
CHANGE_COLUMNS = "device, seq, hlc, tbl, row_id, reg, value, replaces, actor"


@dataclass
class ImportReport:
    path: Path
    status: str
    device: str = ""
    device_name: str = ""
    changes: int = 0
    photos: int = 0
    conflicts: list[str] = field(default_factory=list)
    message: str = ""
    forked_from: str = ""  # this data directory took a new identity because of this bundle
    changed: Changes = NONE  # the rows the applied changes name


# -- what this device has -----------------------------------------------------------------


have = changelog.have


def depends_at(store: Store, own_seq: int) -> dict[str, int]:
    """What this device had received before making its change number ``own_seq``."""
    return {row["device"]: row["seq"] for row in store.query(
        "SELECT device, MAX(seq) AS seq FROM receipts WHERE own_seq < ? GROUP BY device",
        (own_seq,)) if row["device"] != store.device_id}


def segments(store: Store, since: int, last: int) -> list[tuple[int, int]]:
    """Split own changes (since, last] where this device received others' changes, so each
    bundle depends only on what its changes could have seen (no bundle waits for a bundle
    that waits for it)."""
    cuts = sorted({row["own_seq"] for row in store.query(
        "SELECT DISTINCT own_seq FROM receipts WHERE own_seq > ? AND own_seq < ?",
        (since, last))})
    bounds = [since, *cuts, last]
    return [(a + 1, b) for a, b in zip(bounds, bounds[1:], strict=False) if b > a]


def _own_changes(store: Store, first: int, last: int) -> list[dict[str, Any]]:
    return store.query(f"SELECT {CHANGE_COLUMNS} FROM changes WHERE device = ? AND seq >= ?"
                       " AND seq <= ? ORDER BY seq", (store.device_id, first, last))


def _photo_of(store: Store, change: dict[str, Any]) -> tuple[str, Path] | None:
    if change["tbl"] != "photos" or change["reg"] != "meta":
        return None
    sha, ext = change["row_id"], json.loads(change["value"]).get("ext")
    return f"photos/{sha}.{ext}", photos.original_path(store.data_dir, sha, str(ext))


def _sizes(store: Store, changes: list[dict[str, Any]]) -> list[int]:
    """Roughly what each change adds to a bundle: its line and the original it brings."""
    result = []
    for change in changes:
        size = len(change["value"]) + 200
        photo = _photo_of(store, change)
        if photo is not None:
            try:
                size += photo[1].stat().st_size
            except OSError:
                pass
        result.append(size)
    return result


def plan(store: Store, since: int, last: int,
         max_bytes: int = DEFAULT_MAX_BUNDLE_BYTES) -> list[tuple[int, int]]:
    """The bundles to write for own changes (since, last]: cut at receipts, then by size."""
    result: list[tuple[int, int]] = []
    for first, end in segments(store, since, last):
        changes = _own_changes(store, first, end)
        if not changes:
            continue
        start, total = changes[0]["seq"], 0
        for change, size in zip(changes, _sizes(store, changes), strict=True):
            if total and total + size > max_bytes:
                result.append((start, change["seq"] - 1))
                start, total = change["seq"], 0
            total += size
        result.append((start, changes[-1]["seq"]))
    return result


def export_bundles(store: Store, folder: Path, *, since: int = 0, until: int | None = None,
                   max_bytes: int = DEFAULT_MAX_BUNDLE_BYTES, record: bool = False
                   ) -> list[Path]:
    """Write this device's changes after ``since`` into ``folder`` as one or more bundles
    named ``<first>-<last>.zip`` (split where it received others' changes and by size)."""
    roster.ensure_self(store)  # may itself add a change (this device on the roster)
    last = have(store, store.device_id) if until is None else until
    written = []
    for first, end in plan(store, since, last, max_bytes):
        path = export_bundle(store, folder / bundle_file_name(first, end), since=first - 1,
                             until=end, record=record)
        if path is not None:
            written.append(path)
    return written


def export_bundle(store: Store, target: Path, *, since: int = 0,
                  until: int | None = None, record: bool = False) -> Path | None:
    """Write this device's changes after ``since`` (and their photos) to ``target``. A photo
    whose original is gone or damaged here is listed as missing: the rows still travel.
    ``record``: the file is in this device's sub-folder of the sync folder (remembered, to
    notice when it is damaged, deleted or replaced)."""
    if until is None:
        roster.ensure_self(store)
    last = have(store, store.device_id) if until is None else until
    if last <= since:
        return None
    changes = _own_changes(store, since + 1, last)
    if not changes:  # e.g. numbers used by the change log before the upgrade
        return None
    photo_files: dict[str, Path] = {}
    missing: list[str] = []
    for change in changes:
        photo = _photo_of(store, change)
        if photo is None:
            continue
        if photo[1].is_file():
            photo_files[photo[0]] = photo[1]
        else:
            missing.append(photo[0])
    stamps = [c["hlc"] for c in changes]
    manifest = {
        "device": store.device_id,
        "device_name": roster.device_name(store),
        "first_seq": changes[0]["seq"],
        "last_seq": changes[-1]["seq"],
        "clock_min": min(stamps),
        "clock_max": max(stamps),
        "depends": depends_at(store, last),
        "created_at": store.wall.iso(),
        "missing_photos": sorted(missing),
    }
    key = roster.device_key(store)
    while True:
        try:
            path = write_bundle(target, manifest, changes, photo_files, key)
            break
        except BundleError as exc:
            damaged = _damaged_photo(exc, photo_files)
            if damaged is None:
                raise
            log.warning("photo original %s is damaged: exported as missing", damaged)
            del photo_files[damaged]
            manifest["missing_photos"] = sorted([*manifest["missing_photos"], damaged])
    if record:
        _record_export(store, path, changes[0]["seq"], changes[-1]["seq"])
    log.info("exported %d changes (%d photos, %d missing) to %s", len(changes),
             len(photo_files), len(missing), path)
    return path


def _damaged_photo(exc: BundleError, photo_files: dict[str, Path]) -> str | None:
    if exc.code not in ("hash_mismatch", "missing_photo"):
        return None
    return next((name for name, source in photo_files.items() if str(source) in str(exc)
                 or name in str(exc)), None)


def _record_export(store: Store, path: Path, first: int, last: int) -> None:
    with store.write():
        store.conn.execute(
            "INSERT OR REPLACE INTO exported (name, first_seq, last_seq, sha256, size)"
            " VALUES (?, ?, ?, ?, ?)", (path.name.lower(), first, last, file_sha256(path),
                                        path.stat().st_size))


# -- import -------------------------------------------------------------------------------


def _keep(store: Store, bundle: Bundle, state: str, reason: str) -> Path:
    """Keep a copy of the bundle in the inbox to apply later (the stick may be gone)."""
    folder = store.data_dir / INBOX
    folder.mkdir(parents=True, exist_ok=True)
    file_id = file_sha256(bundle.path)
    kept = folder / f"{file_id}.zip"
    if not kept.exists():
        with atomic_file(kept, map_errors=False) as temporary:
            shutil.copyfile(bundle.path, temporary)
    with store.write():
        store.conn.execute(
            "INSERT INTO inbox (id, path, device, device_name, public_key, first_seq, last_seq,"
            " state, reason, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET state = excluded.state, reason = excluded.reason",
            (file_id, f"{INBOX}/{kept.name}", bundle.device, bundle.device_name,
             bundle.public_key, bundle.first_seq, bundle.last_seq, state, reason,
             store.wall.iso()))
    return kept


def missing_dependencies(store: Store, bundle: Bundle) -> dict[str, tuple[int, int]]:
    """Device → the range of its changes this bundle needs and this device lacks. Changes of
    a revoked device beyond its cut never count, so they are never waited for."""
    missing: dict[str, tuple[int, int]] = {}
    wanted = dict(bundle.depends)
    if bundle.first_seq > 1:
        wanted[bundle.device] = max(wanted.get(bundle.device, 0), bundle.first_seq - 1)
    for device, seq in wanted.items():
        if device == store.device_id:
            continue
        cut = changelog.cut_of(store, device)
        needed = seq if cut is None else min(seq, cut)
        held = have(store, device)
        if held < needed:
            missing[device] = (held + 1, needed)
    return missing


def _same_as_ours(store: Store, bundle: Bundle) -> bool:
    """Every change of this bundle (signed under our id) is one this data directory made."""
    for change in bundle.changes:
        ours = store.query_one(f"SELECT {CHANGE_COLUMNS} FROM changes WHERE device = ?"
                               " AND seq = ?", (change["device"], change["seq"]))
        if ours is None or any(ours[k] != change[k] for k in ours):
            return False
    return True


def fork_point(store: Store, changes: list[dict[str, Any]]) -> int:
    """The last of our own sequence numbers up to which ``changes`` (another copy's, under our
    id) agree with ours: the history both copies share."""
    point = 0
    for change in sorted(changes, key=lambda c: c["seq"]):
        ours = store.query_one(f"SELECT {CHANGE_COLUMNS} FROM changes WHERE device = ?"
                               " AND seq = ?", (change["device"], change["seq"]))
        if ours is None or any(ours[k] != change[k] for k in ours):
            break
        point = change["seq"]
    first = min((c["seq"] for c in changes), default=1)
    return point if point else first - 1


def take_new_identity(store: Store, keep_upto: int) -> str:
    """Fork: the old id becomes a trusted device of its own (it is this laptop's past)."""
    old_key = roster.device_key(store)
    old = identity.fork(store, keep_upto)
    roster.retire_key(store, old)
    with store.write():
        roster.trust_key(store, old, old_key.public_hex())
    roster.ensure_self(store)
    return old


def import_bundle(store: Store, path: Path, *, bundle: Bundle | None = None) -> ImportReport:
    """Validate and apply one bundle; raise BundleError/SyncError with nothing changed."""
    bundle = bundle or read_bundle(Path(path))
    report = ImportReport(Path(path), APPLIED, bundle.device, bundle.device_name)
    if bundle.device == store.device_id:
        if _same_as_ours(store, bundle):
            report.status = DUPLICATE
            report.message = t("本机自己的数据包", "this device's own bundle")
            return report
        report.forked_from = take_new_identity(store, fork_point(store, bundle.changes))
    if bundle.last_seq <= have(store, bundle.device):
        report.status = DUPLICATE
        report.message = t("已导入过，无需重复", "already applied")
        return report
    key = roster.trusted_key(store, bundle.device)
    if key is None:
        _keep(store, bundle, QUARANTINED, "untrusted")
        report.status = QUARANTINED
        report.message = t(
            "来自未加入团队名单的设备“{name}”（{id}），已隔离；信任该设备后自动导入。",
            "from device {name!r} ({id}), which is not on the team roster: quarantined; it "
            "is applied once the device is trusted.", name=bundle.device_name,
            id=bundle.device[:8])
        return report
    if key != bundle.public_key:
        raise SyncError(t(
            "{f}：安全警告——设备 {id} 的签名密钥（指纹 {got}）不是团队名单上为它记录的密钥"
            "（{want}）。可能有人冒充该设备；已拒绝。请当面核对该设备的指纹。",
            "{f}: security warning — device {id} signed with a key (fingerprint {got}) that "
            "is not the key the roster holds for it ({want}). Someone may be posing as that "
            "device; refused. Check the device's fingerprint in person.",
            f=path, id=bundle.device[:8], got=roster.fingerprint(bundle.public_key),
            want=roster.fingerprint(key)))
    missing = missing_dependencies(store, bundle)
    if missing:
        kept = _keep(store, bundle, WAITING, json.dumps(missing))
        since = store.query_one("SELECT received_at FROM inbox WHERE id = ?",
                                (kept.stem,))
        report.status = WAITING
        report.message = waiting_text(store, missing, since["received_at"] if since else None)
        return report
    held = have(store, bundle.device)
    changes = [c for c in bundle.changes if c["seq"] > held]
    parsed = merge.validate(changes, str(path))
    for name in bundle.photo_names:  # outside the write lock: named by content
        sha, _, ext = Path(name).name.partition(".")
        target = photos.original_path(store.data_dir, sha, ext)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            bundle.extract_photo(name, target)
            report.photos += 1
    with records.changing(store) as done:
        # What the author had seen comes first: the merge asks it of these very changes.
        store.conn.execute("INSERT OR REPLACE INTO contexts VALUES (?, ?, ?, ?)",
                           (bundle.device, bundle.first_seq, bundle.last_seq,
                            json.dumps(bundle.depends, sort_keys=True)))
        stats = merge.apply(store, changes, parsed)
        store.conn.execute("INSERT INTO receipts (own_seq, device, seq) VALUES (?, ?, ?)",
                           (have(store, store.device_id), bundle.device, bundle.last_seq))
    report.changes = stats.applied
    report.changed = done.changes
    report.conflicts = stats.conflicts
    log.info("applied %s: %d changes, %d photos, %d new conflicts", path, stats.applied,
             report.photos, len(stats.conflicts))
    return report


def waiting_text(store: Store, missing: dict[str, tuple[int, int]],
                 since: str | None = None) -> str:
    names = {d["id"]: d["name"] for d in roster.list_devices(store)}
    when = t("（自 {d} 起）", " (since {d})", d=since[:16].replace("T", " ")) if since else ""
    return t("等待其他设备的数据{w}：{m}", "waiting for other devices' changes{w}: {m}", w=when,
             m="; ".join(t("设备 {d}（{id}）的第 {a}–{b} 号变更",
                           "device {d} ({id}) changes {a}–{b}",
                           d=names.get(device) or "?", id=device[:8], a=first, b=last)
                         for device, (first, last) in sorted(missing.items())))


def retry_inbox(store: Store,
                cancelled: Callable[[], bool] | None = None) -> list[ImportReport]:
    """Apply kept bundles whose device is now trusted or whose dependencies arrived."""
    reports: list[ImportReport] = []
    progress = True
    while progress:
        progress = False
        for entry in store.query("SELECT * FROM inbox ORDER BY device, first_seq"):
            if cancelled is not None and cancelled():
                return reports
            path = store.data_dir / entry["path"]
            try:
                report = import_bundle(store, path)
            except (BundleError, SyncError) as exc:
                log.warning("kept bundle %s refused: %s", path, exc)
                report = ImportReport(path, "refused", entry["device"], message=str(exc))
            if report.status in (APPLIED, DUPLICATE):
                with store.write():
                    store.conn.execute("DELETE FROM inbox WHERE id = ?", (entry["id"],))
                path.unlink(missing_ok=True)
                progress = progress or report.status == APPLIED
            reports.append(report)
    return reports


def state_hash(store: Store) -> str:
    """A digest of all user data and open conflicts (not local state), equal on devices that
    hold the same changes."""
    from inspector.core.registers import TRACKED_FIELDS

    digest = hashlib.sha256()
    for table in sorted(TRACKED_FIELDS):
        columns = ["id", *sorted(TRACKED_FIELDS[table])]
        for row in store.conn.execute(
                f"SELECT {', '.join(f'[{c}]' for c in columns)} FROM [{table}] ORDER BY id"):
            digest.update(json.dumps([table, *row], ensure_ascii=False,
                                     default=str).encode("utf-8"))
    for row in store.conn.execute(
            "SELECT id, kind, tbl, row_id, reg, heads FROM conflicts ORDER BY id"):
        digest.update(json.dumps(["conflict", *row]).encode("utf-8"))
    return digest.hexdigest()
