"""Camera-card matching: propose, for every photo in a folder, the answer or finding it shows.

Inspectors photograph on a phone or camera and copy the whole folder afterwards. Each photo is
proposed for the finding or checklist answer recorded closest in time to when it was taken
(within a window, default 5 minutes); photos outside every window go to the inspection's
general photos. The camera's clock may be off: an offset (minutes, added to the camera's
times) corrects it, and can be derived from one photo the inspector matches by hand. Nothing
is stored until the proposals are applied.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, tzinfo
from pathlib import Path

from inspector.core.errors import InspectorError
from inspector.core.i18n import t
from inspector.core.store import Store
from inspector.domain import findings, inspections, photos
from inspector.domain.photos import Target

log = logging.getLogger(__name__)

PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".heic", ".heif"}
# When two moments are about as close, a finding wins over a failed answer over other answers.
PREFERENCE_SECONDS = {"finding": 0.0, "failed": 30.0, "answer": 120.0}


@dataclass(frozen=True)
class Moment:
    """Something recorded during the inspection that a photo may show."""

    target: Target
    at: datetime  # local time, naive
    preference: str


@dataclass(frozen=True)
class Proposal:
    source: Path
    taken_at: datetime | None  # camera time (naive local), before the offset
    time_source: str  # exif / file / none
    target: Target
    gap_seconds: float | None  # between the corrected time and the target's moment


@dataclass
class FolderScan:
    proposals: list[Proposal] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def _local_naive(text: str, tz: tzinfo) -> datetime:
    """A stored or EXIF time as the wall time in ``tz`` (the laptop's zone), which is how a
    camera without a UTC offset keeps its clock."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is not None:
        value = value.astimezone(tz).replace(tzinfo=None)
    return value


def moments(store: Store, inspection_id: str) -> list[Moment]:
    """Every answer and finding of the inspection, with when it was recorded."""
    result: list[Moment] = []
    tz = store.wall.tz
    for code, row in inspections.answers_of(store, inspection_id).items():
        if row["answered_at"]:
            result.append(Moment(photos.target_for_response(store, inspection_id, code),
                                 _local_naive(row["answered_at"], tz),
                                 "failed" if row["answer"] == "fail" else "answer"))
    for row in findings.list_findings(store, inspection_id=inspection_id):
        result.append(Moment(photos.target_for_finding(store, row["id"]),
                             _local_naive(row["created_at"], tz), "finding"))
    return result


def photo_time(path: Path, tz: tzinfo) -> tuple[datetime | None, str]:
    """When the photo was taken (EXIF), else the file's modification time, as wall time in
    ``tz``."""
    from PIL import Image

    try:
        if path.suffix.lower() in (".heic", ".heif"):
            photos._register_heif()
        with Image.open(path) as image:
            from inspector.domain import exif

            meta = exif.read(image)
        if meta.taken_at:
            return _local_naive(meta.taken_at, tz), "exif"
    except Exception:  # noqa: BLE001 - unreadable here is reported when it is imported
        log.info("no EXIF time in %s", path)
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, tz).replace(tzinfo=None), "file"
    except OSError:
        return None, "none"


def list_photos(folder: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Photo files under ``folder`` (no link is followed into a loop), and what was skipped."""
    found: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for root, directories, files in os.walk(folder, followlinks=False):
        directories.sort()
        for name in sorted(files):
            path = Path(root) / name
            if path.suffix.lower() not in PHOTO_SUFFIXES:
                skipped.append((path, t("不是照片文件", "not a photo file")))
                continue
            try:
                path.stat()
            except OSError as exc:
                skipped.append((path, photos._os_reason(exc)))
                continue
            found.append(path)
    return found, skipped


def propose(store: Store, inspection_id: str, folder: Path, *, window_minutes: float = 5,
            offset_minutes: float = 0) -> FolderScan:
    """A target for every photo under ``folder``: the answer or finding recorded nearest in
    time, else the inspection's general photos."""
    return scan(folder, photos.target_for_inspection(store, inspection_id),
                moments(store, inspection_id), store.wall.tz,
                window_minutes=window_minutes, offset_minutes=offset_minutes)


def match(recorded: list[Moment], general: Target, taken: datetime | None, *,
          window_minutes: float = 5, offset_minutes: float = 0) -> tuple[Target, float | None]:
    """The target a photo taken at ``taken`` (camera time) is proposed for, and the gap."""
    if taken is None or not recorded:
        return general, None
    corrected = taken + timedelta(minutes=offset_minutes)
    best = min(recorded, key=lambda m: abs((m.at - corrected).total_seconds())
               + PREFERENCE_SECONDS[m.preference])
    distance = abs((best.at - corrected).total_seconds())
    if distance <= window_minutes * 60:
        return best.target, distance
    return general, None


def scan(folder: Path, general: Target, recorded: list[Moment], tz: tzinfo, *,
         window_minutes: float = 5,
         offset_minutes: float = 0, progress: Callable[[int, int], None] | None = None,
         cancelled: Callable[[], bool] | None = None) -> FolderScan:
    """``propose`` without a store: the caller reads ``moments`` and the general target first,
    so the slow part (reading every file's time) can run on another thread."""
    result = FolderScan()
    if not folder.is_dir():
        result.skipped.append((folder, t("不是文件夹", "not a folder")))
        return result
    files, result.skipped = list_photos(folder)
    for index, path in enumerate(files):
        if cancelled is not None and cancelled():
            break
        if progress is not None:
            progress(index, len(files))
        taken, source = photo_time(path, tz)
        target, gap = match(recorded, general, taken, window_minutes=window_minutes,
                            offset_minutes=offset_minutes)
        result.proposals.append(Proposal(path, taken, source, target, gap))
    if progress is not None:
        progress(len(files), len(files))
    return result


def rematch(proposals: list[Proposal], general: Target, recorded: list[Moment], *,
            window_minutes: float = 5, offset_minutes: float = 0) -> list[Proposal]:
    """Propose again with another window or clock offset, without reading the files again."""
    result = []
    for proposal in proposals:
        target, gap = match(recorded, general, proposal.taken_at,
                            window_minutes=window_minutes, offset_minutes=offset_minutes)
        result.append(replace(proposal, target=target, gap_seconds=gap))
    return result


def moment_of(recorded: list[Moment], target: Target) -> Moment | None:
    """When ``target`` was recorded (None for the general photos or an unanswered item)."""
    return next((m for m in recorded if m.target == target), None)


def offset_from_match(photo_taken_at: datetime, moment: datetime) -> float:
    """The camera offset (minutes) that makes a photo land on the moment it was matched to."""
    return round((moment - photo_taken_at).total_seconds() / 60, 2)


def reassign(proposal: Proposal, target: Target) -> Proposal:
    return replace(proposal, target=target, gap_seconds=None)


def apply(store: Store, proposals: list[Proposal]) -> photos.BatchResult:
    """Import every proposal for its target; a bad file is listed, the rest still import."""
    result = photos.BatchResult()
    for proposal in proposals:
        try:
            result.imported.append(photos.import_photo(store, proposal.source, proposal.target))
        except photos.PhotoError as exc:
            result.failed.append((proposal.source, exc.reason))
        except InspectorError as exc:  # e.g. the inspection was submitted meanwhile
            result.failed.append((proposal.source, str(exc)))
    return result
