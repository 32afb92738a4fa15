"""Backups a laptop can be rebuilt from, and restoring one under a new device identity.

A backup is a zip: ``inspector.db`` (a consistent copy made with SQLite's online backup API,
so the program may stay open), the photo originals and signature images the database refers
to, and ``backup.json`` (what it holds). Restoring always gives the restored directory a new
device identity: the laptop the backup came from may still be in use, and two laptops must
never write under one identity. What the backup's device had already handed to the sync
folder stays under its old id (received history); what it had not moves to the new id, so
nothing is lost.
"""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from inspector.core import identity
from inspector.core.durable import atomic_file
from inspector.core.errors import InspectorError
from inspector.core.i18n import t
from inspector.core.store import DB_NAME, Store
from inspector.domain import photos, signatures
from sync import roster

log = logging.getLogger(__name__)

MANIFEST = "backup.json"
FORMAT = 1


@dataclass(frozen=True)
class BackupResult:
    path: Path
    photos: int
    signatures: int
    size: int


@dataclass(frozen=True)
class RestoreResult:
    data_dir: Path
    old_device: str
    new_device: str
    moved: int  # own changes that had not reached the sync folder, now under the new id


def backup(store: Store, target: Path,
           progress: Callable[[int, int], None] | None = None) -> BackupResult:
    """Write a backup of the open data directory to ``target`` (temporary name, then
    renamed: a failed backup leaves no half file)."""
    target = Path(target)
    if target.is_dir():
        raise InspectorError(t("{f} 是文件夹：请给出备份文件名（.zip）",
                               "{f} is a folder: give the backup's file name (.zip)", f=target))
    files = [(photos.original_path(store.data_dir, row["id"], row["ext"]),
              f"photos/{row['id'][:2]}/{row['id']}.{row['ext']}")
             for row in store.query("SELECT id, ext FROM photos")]
    files += [(signatures.path_of(store, row[0]), f"{signatures.FOLDER}/{row[0]}.png")
              for row in store.conn.execute(
                  "SELECT inspector_signature FROM inspections WHERE inspector_signature"
                  " IS NOT NULL UNION SELECT representative_signature FROM inspections"
                  " WHERE representative_signature IS NOT NULL")]
    try:
        with atomic_file(target, map_errors=False) as temporary, \
                tempfile.TemporaryDirectory(dir=target.parent) as scratch:
            copy = Path(scratch) / DB_NAME
            destination = sqlite3.connect(copy)
            try:
                store.conn.backup(destination)
            finally:
                destination.close()
            missing = [name for source, name in files if not source.is_file()]
            with zipfile.ZipFile(temporary, "x", zipfile.ZIP_DEFLATED) as archive:
                archive.writestr(MANIFEST, json.dumps({
                    "format": FORMAT, "device": store.device_id, "made_at": store.wall.iso(),
                    "missing": missing}, ensure_ascii=False, indent=1))
                archive.write(copy, DB_NAME)
                present = [(s, n) for s, n in files if s.is_file()]
                for done, (source, name) in enumerate(present, 1):
                    archive.write(source, name, zipfile.ZIP_STORED)
                    if progress is not None:
                        progress(done, len(present))
    except OSError as exc:
        raise InspectorError(t("无法写入备份 {f}：{e}", "Cannot write the backup {f}: {e}",
                               f=target, e=exc)) from exc
    counted = sum(1 for _s, n in files if n.startswith("photos/"))
    return BackupResult(target, counted, len(files) - counted, target.stat().st_size)


def restore(source: Path, data_dir: Path) -> RestoreResult:
    """Rebuild a data directory from a backup, under a new device identity."""
    source, data_dir = Path(source), Path(data_dir)
    if data_dir.exists() and any(data_dir.iterdir()):
        raise InspectorError(t("{d} 不是空文件夹：恢复只写入新的或空的数据目录",
                               "{d} is not empty: a backup is restored only into a new or "
                               "empty data directory", d=data_dir))
    try:
        archive = zipfile.ZipFile(source)
    except (OSError, zipfile.BadZipFile) as exc:
        raise InspectorError(t("{f} 不是本程序的备份：{e}", "{f} is not a backup of this "
                               "program: {e}", f=source, e=exc)) from exc
    with archive:
        names = archive.namelist()
        if MANIFEST not in names or DB_NAME not in names or any(
                name.startswith(("/", "\\")) or ".." in Path(name).parts for name in names):
            raise InspectorError(t("{f} 不是本程序的备份", "{f} is not a backup of this program",
                                   f=source))
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{data_dir.name}-", dir=data_dir.parent))
        try:
            for name in names:
                if name == MANIFEST:
                    continue
                target = staging / name
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(name) as read, open(target, "wb") as write:
                    shutil.copyfileobj(read, write)
            if data_dir.exists():
                data_dir.rmdir()
            staging.replace(data_dir)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    with Store.open(data_dir) as store:
        old = store.device_id
        own = store.query_one("SELECT public_key FROM devices WHERE id = ?", (old,))
        handed = store.conn.execute("SELECT MAX(last_seq) FROM exported").fetchone()[0] or 0
        before = store.conn.execute("SELECT COUNT(*) FROM changes WHERE device = ?",
                                    (old,)).fetchone()[0]
        identity.fork(store, int(handed))
        with store.write():
            if own and own["public_key"]:
                roster.trust_key(store, old, own["public_key"])
        roster.ensure_self(store)
        moved = before - store.conn.execute("SELECT COUNT(*) FROM changes WHERE device = ?",
                                            (old,)).fetchone()[0]
        return RestoreResult(data_dir, old, store.device_id, moved)
