"""Sync through a shared folder kept in step by a USB stick, an SMB share or Syncthing.

Layout: ``<folder>/green-inspector/<device-id>/<first>-<last>.zip``. A device writes only its
own sub-folder, each file once (temporary name, then rename), and reads everyone else's. What
file-sync engines leave behind — half-copied files, temporary names, conflict copies,
duplicates, files arriving out of order — is skipped with a reason, never applied half.
"""

from __future__ import annotations

import fnmatch
import logging
import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from inspector.core.changes import NONE, Changes
from inspector.core.errors import InspectorError
from inspector.core.filehash import file_sha256
from inspector.core.i18n import t
from inspector.core.store import Store
from sync import exchange, roster
from sync.bundle import BundleError, parse_bundle_file_name, read_bundle, read_manifest
from sync.merge import SyncError

log = logging.getLogger(__name__)

ROOT = "green-inspector"
TEMPORARY_PATTERNS = (".syncthing.*.tmp", "~$*", "*.part", "*.tmp", ".~*", "*.partial",
                      ".*.tmp-*", "*.zip.tmp-*")
CONFLICT_PATTERNS = ("*.sync-conflict-*", "*(conflicted copy*", "*conflict*")


@dataclass
class SyncReport:
    exported: Path | None = None
    bundles_read: int = 0
    changes_applied: int = 0
    changed: Changes = NONE  # the rows the applied changes name (a window shows just those)
    photos_received: int = 0
    conflicts: list[str] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    quarantined: list[str] = field(default_factory=list)
    forked_from: str = ""  # this data directory took a new identity (it was copied)
    read_only: bool = False  # the folder could only be read: nothing was exported


def check_folder(store: Store, folder: Path) -> None:
    """The live database never sits in the sync folder."""
    data_dir = store.data_dir.resolve()
    target = folder.resolve()
    if data_dir == target or target in data_dir.parents:
        raise InspectorError(t(
            "同步文件夹 {f} 包含数据目录 {d}；数据库不能放在同步文件夹里。请另选一个文件夹。",
            "The sync folder {f} contains the data directory {d}; the database must never "
            "be inside a synced folder. Choose another folder.", f=folder, d=store.data_dir))


def remember_folder(store: Store, folder: Path) -> None:
    check_folder(store, folder)
    store.set_setting("sync_folder", str(folder.resolve()))


# A half-written bundle (sync.bundle writes ``.<name>.zip.tmp-<random>``, durable's temporary
# name, and renames it; versions before wrote ``<name>.zip.tmp-<random>``) older
# than this was abandoned by a crash; a younger one may be another laptop writing right now.
STALE_AFTER_SECONDS = 3600
BUNDLE_LEFTOVER = "*.zip.tmp-*"


def stale_leftovers(folder: Path, *, now: float | None = None) -> tuple[list[Path], int]:
    """Half-written bundles in the sync folder: (those older than an hour, how many younger).
    Every device's sub-folder counts: a crashed laptop cannot clean up after itself."""
    root = folder / ROOT
    if not root.is_dir():
        return [], 0
    cutoff = (time.time() if now is None else now) - STALE_AFTER_SECONDS
    stale: list[Path] = []
    young = 0
    for path in sorted(root.glob(f"*/{BUNDLE_LEFTOVER}")):
        try:
            info = path.lstat()
        except OSError:
            continue  # renamed into place (or removed) meanwhile
        if not stat.S_ISREG(info.st_mode):
            continue
        if info.st_mtime < cutoff:
            stale.append(path)
        else:
            young += 1
    return stale, young


def clean_leftovers(folder: Path, *, now: float | None = None) -> list[Path]:
    """Remove the half-written bundles older than an hour; return what was removed."""
    removed: list[Path] = []
    for path in stale_leftovers(folder, now=now)[0]:
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            log.warning("could not remove %s: %s", path, exc)
            continue
        removed.append(path)
    return removed


def _skip_reason(name: str) -> str | None:
    if any(fnmatch.fnmatch(name, pattern) for pattern in TEMPORARY_PATTERNS):
        return t("同步软件的临时文件（尚未传完）", "a sync program's temporary file (still "
                 "arriving)")
    if any(fnmatch.fnmatch(name.lower(), pattern) for pattern in CONFLICT_PATTERNS):
        return t("同步软件生成的冲突副本（原文件已读取）", "a conflict copy made by a sync "
                 "program (the original is read)")
    if parse_bundle_file_name(name) is None:
        return t("不是数据包文件名", "not a bundle file name")
    return None


def sync(store: Store, folder: Path, *,
         progress: Callable[[int, int], None] | None = None,
         cancelled: Callable[[], bool] | None = None,
         max_bytes: int = exchange.DEFAULT_MAX_BUNDLE_BYTES) -> SyncReport:
    check_folder(store, folder)
    if not folder.is_dir():
        # never create it: a missing mount point would quietly become a local folder
        raise InspectorError(t("同步文件夹 {f} 不存在（U 盘是否已插入？网络盘是否已连接？）",
                               "The sync folder {f} does not exist (is the stick plugged in, "
                               "the share connected?)", f=folder))
    report = SyncReport()
    base = folder / ROOT
    writable = os.access(folder, os.W_OK) and (not base.exists() or os.access(base, os.W_OK))
    if writable:
        # 1. this device's own sub-folder: another copy of this data directory writing under
        #    the same id makes this one take a new identity; a missing or damaged file of
        #    ours is written again; then what is not in the folder yet (at least this
        #    device's roster entry, so that a new device can be trusted by the others)
        report.forked_from = _check_identity(store, base / store.device_id)
        roster.ensure_self(store)
        report.exported = _write_own(store, base / store.device_id, max_bytes, report)
    else:
        report.read_only = True
    # 2. read everyone else's, oldest first per device
    candidates: list[Path] = []
    device_folders = sorted(p for p in base.iterdir() if p.is_dir()) if base.is_dir() else []
    for device_folder in device_folders:
        if device_folder.name == store.device_id:
            continue
        held = exchange.have(store, device_folder.name)
        for path in sorted(device_folder.iterdir(), key=lambda p: p.name.lower()):
            reason = _skip_reason(path.name)
            if reason:
                report.skipped.append((path, reason))
                continue
            span = parse_bundle_file_name(path.name)
            if span and span[1] <= held:
                continue  # already applied: nothing to say
            candidates.append(path)
    candidates = causal_order(store, candidates)
    for index, path in enumerate(candidates):
        if cancelled is not None and cancelled():
            break
        if progress is not None:
            progress(index, len(candidates))
        try:
            bundle = read_bundle(path)
        except BundleError as exc:
            if exc.code == "old_format":
                continue  # from before the upgrade: carried over then
            report.skipped.append((path, t("不完整或已损坏，下次再试：{e}", "incomplete or "
                                           "damaged, tried again next time: {e}",
                                           e=exc.reason if hasattr(exc, "reason") else exc)))
            continue
        if bundle.device != path.parent.name:
            report.skipped.append((path, t("放错了设备文件夹", "in another device's folder")))
            continue
        try:
            result = exchange.import_bundle(store, path, bundle=bundle)
        except SyncError as exc:
            report.skipped.append((path, str(exc)))
            continue
        report.bundles_read += 1
        _count(report, result)
    return _finish(store, report, len(candidates), progress, cancelled)


def causal_order(store: Store, paths: list[Path]) -> list[Path]:
    """The bundles in an order where each comes after everything it depends on (read from
    their signed manifests), so a laptop catching up on a year of a team's work applies each
    once instead of parking most of them to wait. Unreadable ones go last (their full read
    says what is wrong); any that cannot be satisfied yet follow, to wait in the inbox."""
    from inspector.core import changelog

    planned: dict[str, tuple[int, int, dict[str, int]]] = {}
    unreadable: list[Path] = []
    for path in paths:
        try:
            manifest = read_manifest(path)
        except BundleError:
            unreadable.append(path)
            continue
        planned[str(path)] = (manifest["first_seq"], manifest["last_seq"], {
            manifest["device"]: manifest["first_seq"] - 1, **manifest["depends"]})
    held: dict[str, int] = {}
    cuts: dict[str, int | None] = {}

    def holds(device: str, seq: int) -> bool:
        if device == store.device_id:
            return True
        if device not in held:
            held[device] = exchange.have(store, device)
            cuts[device] = changelog.cut_of(store, device)
        cut = cuts[device]
        return held[device] >= (seq if cut is None else min(seq, cut))

    by_path = {str(p): p for p in paths}
    ordered: list[Path] = []
    waiting = dict(planned)
    progress = True
    while waiting and progress:
        progress = False
        for key, (_first, last, needs) in sorted(waiting.items(), key=lambda kv: kv[1][0]):
            if all(holds(device, seq) for device, seq in needs.items()):
                device = next(iter(needs))
                held[device] = max(held.get(device, 0), last)
                ordered.append(by_path[key])
                del waiting[key]
                progress = True
    return ordered + [by_path[k] for k in waiting] + unreadable


def _own_spans(store: Store, own: Path) -> tuple[list[tuple[int, int]], list[Path]]:
    """The ranges of this device's changes its sub-folder holds intact, and the files there
    that are not what this device wrote (damaged, replaced, or a stranger's)."""
    recorded = {row["name"]: row for row in store.query("SELECT * FROM exported")}
    spans: list[tuple[int, int]] = []
    foreign: list[Path] = []
    for path in sorted(own.iterdir()) if own.is_dir() else []:
        span = parse_bundle_file_name(path.name)
        if span is None or _skip_reason(path.name):
            continue
        row = recorded.get(path.name.lower())
        try:
            intact = row is not None and path.stat().st_size == row["size"]
        except OSError:
            intact = False
        if intact:
            spans.append(span)
        else:
            foreign.append(path)
    return spans, foreign


def _old_format(path: Path) -> bool:
    try:
        read_bundle(path)
    except BundleError as exc:
        return exc.code == "old_format"
    return False


def _check_identity(store: Store, own: Path) -> str:
    """Take a new identity if the own sub-folder holds bundles another copy of this data
    directory signed under this id; returns the old id then (else "")."""
    _spans, strangers = _own_spans(store, own)
    for path in strangers:
        try:
            bundle = read_bundle(path)
        except BundleError:
            continue  # damaged: written again below
        if bundle.device != store.device_id:
            continue
        if exchange._same_as_ours(store, bundle):  # noqa: SLF001 - one package
            with store.write():
                store.conn.execute(
                    "INSERT OR REPLACE INTO exported VALUES (?, ?, ?, ?, ?)",
                    (path.name.lower(), bundle.first_seq, bundle.last_seq,
                     file_sha256(path), path.stat().st_size))
            continue
        old = exchange.take_new_identity(store, exchange.fork_point(store, bundle.changes))
        log.warning("data directory copied: continuing as a new device (was %s)", old)
        return old
    return ""


def _write_own(store: Store, own: Path, max_bytes: int, report: SyncReport) -> Path | None:
    """Write every range of own changes the sub-folder lacks (gaps left by a deleted,
    renamed or damaged file, and what is new)."""
    own.mkdir(parents=True, exist_ok=True)
    spans, damaged = _own_spans(store, own)
    covered = 0
    for path in damaged:
        if parse_bundle_file_name(path.name) is None:
            continue
        if not _old_format(path):
            report.skipped.append((path, t("本机的数据包已损坏或被替换，已重新写出",
                                           "this device's bundle was damaged or replaced: "
                                           "written again")))
        path.unlink(missing_ok=True)  # (one from before the upgrade is simply obsolete)
    last = exchange.have(store, store.device_id)
    gaps: list[tuple[int, int]] = []
    for first, end in sorted(spans):
        if first > covered + 1:
            gaps.append((covered, first - 1))
        covered = max(covered, end)
    if last > covered:
        gaps.append((covered, last))
    written: list[Path] = []
    for since, until in gaps:
        written += exchange.export_bundles(store, own, since=since, until=until,
                                           max_bytes=max_bytes, record=True)
    return written[-1] if written else None


def _finish(store: Store, report: SyncReport, total: int,
            progress: Callable[[int, int], None] | None,
            cancelled: Callable[[], bool] | None) -> SyncReport:
    """After the bundles read now: apply kept ones they made applicable; report the end."""
    for result in exchange.retry_inbox(store, cancelled):
        _count(report, result)
    if progress is not None:
        progress(total, total)
    return report


def _count(report: SyncReport, result: exchange.ImportReport) -> None:
    if result.status == exchange.APPLIED:
        report.changes_applied += result.changes
        report.changed = report.changed | result.changed
        report.photos_received += result.photos
        report.conflicts += [c for c in result.conflicts if c not in report.conflicts]
    elif result.status == exchange.WAITING:
        entry = f"{result.device_name or result.device[:8]}: {result.message}"
        if entry not in report.waiting:
            report.waiting.append(entry)
    elif result.status == exchange.QUARANTINED:
        entry = f"{result.device_name} ({result.device[:8]})"
        if entry not in report.quarantined:
            report.quarantined.append(entry)


def unexported(store: Store, folder: Path | None) -> int:
    """How many of this device's own changes are not in ``folder`` yet: those above the
    highest ``last_seq`` of the bundle files in this device's sub-folder (all of them when no
    folder is set, or when its sub-folder cannot be read). One indexed query and one listing
    of a single folder, so a status bar can ask it often."""
    own_total = exchange.have(store, store.device_id)
    if folder is None:
        return own_total
    row = store.conn.execute("SELECT MAX(last_seq) FROM exported").fetchone()
    return max(0, own_total - int(row[0] or 0))


def import_files(store: Store, paths: list[Path], *,
                 progress: Callable[[int, int], None] | None = None,
                 cancelled: Callable[[], bool] | None = None) -> SyncReport:
    """Import bundle files a person picked (from a USB stick, an e-mail …), each on its own,
    then whatever kept bundles that made applicable. A file that is refused (damaged,
    tampered, signed with the wrong key) or already applied is listed in ``skipped`` with
    the domain's message; the others are still imported."""
    report = SyncReport()
    for index, path in enumerate(paths):
        if cancelled is not None and cancelled():
            break
        if progress is not None:
            progress(index, len(paths))
        try:
            result = exchange.import_bundle(store, Path(path))
        except InspectorError as exc:  # BundleError, SyncError: the message names the file
            report.skipped.append((Path(path), str(exc)))
            continue
        if result.status == exchange.DUPLICATE:
            report.skipped.append((Path(path), result.message))
            continue
        report.bundles_read += 1
        _count(report, result)
    return _finish(store, report, len(paths), progress, cancelled)
