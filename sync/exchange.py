"""Export this device's changes as a signed bundle; import bundles from others.

Import validates the whole bundle (sync.bundle.read_bundle) before touching anything, checks
that the device is on the roster (else the bundle is quarantined until it is trusted) and
that everything the bundle depends on is here (else it waits), then applies it in one
transaction: photo files first (each flushed into place), then the rows.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from inspector.core.i18n import t
from inspector.core.store import Store
from inspector.domain import photos
from sync import merge, roster
from sync.bundle import Bundle, BundleError, bundle_file_name, read_bundle, write_bundle
from sync.merge import SyncError

log = logging.getLogger(__name__)

INBOX = "inbox"
APPLIED, DUPLICATE, QUARANTINED, WAITING = "applied", "duplicate", "quarantined", "waiting"


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


# -- what this device has -----------------------------------------------------------------


def have(store: Store, device: str) -> int:
    """The highest sequence number of ``device`` held here (held without gaps)."""
    row = store.conn.execute("SELECT MAX(seq) FROM changes WHERE device = ?",
                             (device,)).fetchone()
    return int(row[0] or 0)


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


def export_bundles(store: Store, folder: Path, *, since: int = 0,
                   until: int | None = None) -> list[Path]:
    """Write this device's changes after ``since`` into ``folder`` as one or more bundles
    named ``<first>-<last>.zip``."""
    roster.ensure_self(store)  # may itself add a change (this device on the roster)
    last = have(store, store.device_id) if until is None else until
    written = []
    for first, end in segments(store, since, last):
        path = export_bundle(store, folder / bundle_file_name(first, end), since=first - 1,
                             until=end)
        if path is not None:
            written.append(path)
    return written


def export_bundle(store: Store, target: Path, *, since: int = 0,
                  until: int | None = None) -> Path | None:
    """Write this device's changes after ``since`` (and their photos) to ``target``."""
    if until is None:
        roster.ensure_self(store)
    last = have(store, store.device_id) if until is None else until
    if last <= since:
        return None
    changes = store.query(
        "SELECT device, seq, hlc, tbl, row_id, field, value, base, actor FROM changes"
        " WHERE device = ? AND seq > ? AND seq <= ? ORDER BY seq",
        (store.device_id, since, last))
    photo_files: dict[str, Path] = {}
    for change in changes:
        if change["tbl"] == "photos" and change["field"] == "ext":
            sha, ext = change["row_id"], json.loads(change["value"])
            source = photos.original_path(store.data_dir, sha, ext)
            if source.exists():
                photo_files[f"photos/{sha}.{ext}"] = source
    stamps = [c["hlc"] for c in changes]
    vector = depends_at(store, last)
    manifest = {
        "device": store.device_id,
        "device_name": roster.device_name(store),
        "first_seq": changes[0]["seq"],
        "last_seq": changes[-1]["seq"],
        "clock_min": min(stamps),
        "clock_max": max(stamps),
        "depends": vector,
        "created_at": store.wall.iso(),
    }
    path = write_bundle(target, manifest, changes, photo_files, roster.device_key(store))
    log.info("exported %d changes (%d photos) to %s", len(changes), len(photo_files), path)
    return path


# -- import -------------------------------------------------------------------------------


def _file_id(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _keep(store: Store, bundle: Bundle, state: str, reason: str) -> Path:
    """Keep a copy of the bundle in the inbox to apply later (the stick may be gone)."""
    folder = store.data_dir / INBOX
    folder.mkdir(parents=True, exist_ok=True)
    file_id = _file_id(bundle.path)
    kept = folder / f"{file_id}.zip"
    if not kept.exists():
        temporary = folder / f".{file_id}.tmp"
        shutil.copyfile(bundle.path, temporary)
        temporary.replace(kept)
    with store.write():
        store.conn.execute(
            "INSERT INTO inbox (id, path, device, device_name, public_key, first_seq, last_seq,"
            " state, reason, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET state = excluded.state, reason = excluded.reason",
            (file_id, str(kept), bundle.device, bundle.device_name, bundle.public_key,
             bundle.first_seq, bundle.last_seq, state, reason, store.wall.iso()))
    return kept


def _missing_dependencies(store: Store, bundle: Bundle) -> dict[str, int]:
    missing = {device: seq for device, seq in bundle.depends.items()
               if device != store.device_id and have(store, device) < seq}
    if bundle.first_seq > have(store, bundle.device) + 1:
        missing[bundle.device] = bundle.first_seq - 1
    return missing


def import_bundle(store: Store, path: Path, *, bundle: Bundle | None = None) -> ImportReport:
    """Validate and apply one bundle; raise BundleError/SyncError with nothing changed."""
    bundle = bundle or read_bundle(Path(path))
    report = ImportReport(Path(path), APPLIED, bundle.device, bundle.device_name)
    if bundle.device == store.device_id or bundle.last_seq <= have(store, bundle.device):
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
            "{f}：设备 {id} 的签名密钥与团队名单不符，已拒绝",
            "{f}: device {id} signed with a key that is not the one on the roster; refused",
            f=path, id=bundle.device[:8]))
    missing = _missing_dependencies(store, bundle)
    if missing:
        _keep(store, bundle, WAITING, json.dumps(missing))
        report.status = WAITING
        report.message = t("等待其他设备的数据：{m}", "waiting for other devices' changes: {m}",
                           m=", ".join(f"{d[:8]}≤{s}" for d, s in missing.items()))
        return report
    changes = [c for c in bundle.changes if c["seq"] > have(store, bundle.device)]
    merge.validate(changes, str(path))
    placed: list[Path] = []
    with store.write():
        for name in bundle.photo_names:
            sha, _, ext = Path(name).name.partition(".")
            target = photos.original_path(store.data_dir, sha, ext)
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                bundle.extract_photo(name, target)
                placed.append(target)
                report.photos += 1
        stats = merge.apply(store, changes)
        store.conn.execute("INSERT INTO receipts (own_seq, device, seq) VALUES (?, ?, ?)",
                           (have(store, store.device_id), bundle.device, bundle.last_seq))
    report.changes = stats.applied
    report.conflicts = stats.conflicts
    log.info("applied %s: %d changes, %d photos, %d conflicts", path, stats.applied,
             report.photos, len(stats.conflicts))
    return report


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
            path = Path(entry["path"])
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
    """A digest of all user data (not local state), equal on devices holding the same data."""
    from inspector.core.records import TRACKED_FIELDS

    digest = hashlib.sha256()
    for table in sorted(TRACKED_FIELDS):
        columns = ["id", *sorted(TRACKED_FIELDS[table])]
        for row in store.conn.execute(
                f"SELECT {', '.join(f'[{c}]' for c in columns)} FROM [{table}] ORDER BY id"):
            digest.update(json.dumps([table, *row], ensure_ascii=False,
                                     default=str).encode("utf-8"))
    return digest.hexdigest()
