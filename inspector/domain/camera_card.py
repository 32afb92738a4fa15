"""Camera-card matching: propose, for every photo in a folder, the answer or finding it shows.

Inspectors photograph on a phone or camera and copy the whole folder afterwards. Each photo is
proposed for the finding or checklist answer recorded closest in time to when it was taken
(within a window, default 5 minutes); photos outside every window go to the inspection's
general photos. A card also holds photos of other days (a holiday, last week's site): those
are left out unless asked for. The camera's clock may be off: an offset (minutes, added to the
camera's times) corrects it, and can be derived from one photo the inspector matches by hand;
it applies only to camera-local times, never to a phone's time that carries its UTC offset.

Importing a card twice never links a photo twice: a card import's links remember where they
came from, and a second run (say with a corrected offset) moves them. Nothing is stored until
the proposals are applied; the plan says what will happen to each file first.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any

from inspector.core.errors import InspectorError
from inspector.core.i18n import t
from inspector.core.store import Store
from inspector.domain import findings, inspections, photos
from inspector.domain.photos import Target

log = logging.getLogger(__name__)

PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".heic", ".heif"}
# When two moments are about as close, a finding wins over a failed answer over other answers.
PREFERENCE_SECONDS = {"finding": 0.0, "failed": 30.0, "answer": 120.0}
# Photos of the visit's day(s), with this much on either side (a clock a little off at
# midnight); other days' photos on the card are left out unless asked for.
DAY_MARGIN = timedelta(hours=2)

# What happens to a file (Proposal.excluded says why it is left out).
OTHER_DAY, DUPLICATE = "other_day", "duplicate"
# What importing a proposal does to the store (``actions``).
NEW, MOVE, UNCHANGED, LEFT_OUT = "new", "move", "unchanged", "left_out"


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
    zoned: bool = False  # the time carried its UTC offset (a phone): no clock offset applies
    sha256: str | None = None
    excluded: str | None = None  # other_day / duplicate: not imported
    duplicate_of: Path | None = None

    def corrected(self, offset_minutes: float) -> datetime | None:
        """When the photo was taken, with the camera's clock corrected."""
        if self.taken_at is None:
            return None
        return self.taken_at if self.zoned else self.taken_at + timedelta(
            minutes=offset_minutes)


@dataclass(frozen=True)
class VisitDays:
    """The days an inspection was carried out on (local dates)."""

    days: frozenset[date]

    def covers(self, moment: datetime | None) -> bool:
        if moment is None or not self.days:
            return True  # nothing to judge by: leave the photo in
        return any(datetime.combine(day, time()) - DAY_MARGIN <= moment
                   < datetime.combine(day + timedelta(days=1), time()) + DAY_MARGIN
                   for day in self.days)

    def label(self) -> str:
        return "、".join(day.isoformat() for day in sorted(self.days))


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


def visit_days(store: Store, inspection_id: str) -> VisitDays:
    """The day the inspection started, and every day something was recorded in it."""
    row = inspections.get(store, inspection_id)
    tz = store.wall.tz
    days = {_local_naive(text, tz).date() for text in (row["started_at"], row["finished_at"])
            if text}
    days |= {moment.at.date() for moment in moments(store, inspection_id)}
    return VisitDays(frozenset(days))


def photo_time(path: Path, tz: tzinfo) -> tuple[datetime | None, str, bool]:
    """When the photo was taken (EXIF), else the file's modification time, as wall time in
    ``tz``; and whether the time carried its UTC offset."""
    from PIL import Image

    try:
        if path.suffix.lower() in (".heic", ".heif"):
            photos._register_heif()
        with Image.open(path) as image:
            from inspector.domain import exif

            meta = exif.read(image)
        if meta.taken_at:
            zoned = datetime.fromisoformat(meta.taken_at).tzinfo is not None
            return _local_naive(meta.taken_at, tz), "exif", zoned
    except Exception:  # noqa: BLE001 - unreadable here is reported when it is imported
        log.info("no EXIF time in %s", path)
    try:
        # A card's file times are written by the camera, with its clock: camera-local.
        return (datetime.fromtimestamp(path.stat().st_mtime, tz).replace(tzinfo=None), "file",
                False)
    except OSError:
        return None, "none", False


def _within(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def list_photos(folder: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Photo files under ``folder``, and what was left out and why. Links are not followed
    out of the folder, nor into folders (where a loop may start)."""
    found: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    root_real = folder.resolve()
    for root, directories, files in os.walk(folder, followlinks=False):
        directories.sort()
        for name in list(directories):
            path = Path(root) / name
            if path.is_symlink():
                real = path.resolve()
                if _within(root_real, real) or real == root_real:
                    reason = t("符号链接指回上级文件夹，形成循环，未跟随",
                               "a symbolic link back to a folder above it (a loop), not "
                               "followed")
                elif _within(real, root_real):
                    reason = t("指向本文件夹内另一处的符号链接，其中照片已按原位置读取",
                               "a symbolic link to elsewhere in this folder, whose photos "
                               "are read where they are")
                else:
                    reason = t("指向所选文件夹之外的符号链接，未跟随",
                               "a symbolic link out of the chosen folder, not followed")
                skipped.append((path, reason))
        for name in sorted(files):
            path = Path(root) / name
            if name.startswith("._"):
                skipped.append((path, t("macOS 附加信息文件（._ 开头），不是照片",
                                        "macOS metadata (a ._ file), not a photo")))
                continue
            if path.suffix.lower() not in PHOTO_SUFFIXES:
                skipped.append((path, t("不是照片文件", "not a photo file")))
                continue
            try:
                path.stat()
            except OSError as exc:
                skipped.append((path, photos._os_reason(exc)))
                continue
            if path.is_symlink() and not _within(path.resolve(), root_real):
                skipped.append((path, t("指向所选文件夹之外的符号链接，未跟随",
                                        "a symbolic link out of the chosen folder, not "
                                        "followed")))
                continue
            found.append(path)
    return found, skipped


def propose(store: Store, inspection_id: str, folder: Path, *, window_minutes: float = 5,
            offset_minutes: float = 0, any_day: bool = False) -> FolderScan:
    """A target for every photo under ``folder``: the answer or finding recorded nearest in
    time, else the inspection's general photos; other days' photos are left out unless
    ``any_day``."""
    return scan(folder, photos.target_for_inspection(store, inspection_id),
                moments(store, inspection_id), store.wall.tz,
                window_minutes=window_minutes, offset_minutes=offset_minutes,
                visit=visit_days(store, inspection_id), any_day=any_day)


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


def _hash(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(photos.CHUNK):
                digest.update(chunk)
    except OSError:
        return None  # the import names the problem
    return digest.hexdigest()


def scan(folder: Path, general: Target, recorded: list[Moment], tz: tzinfo, *,
         window_minutes: float = 5,
         offset_minutes: float = 0, progress: Callable[[int, int], None] | None = None,
         cancelled: Callable[[], bool] | None = None, visit: VisitDays | None = None,
         any_day: bool = False) -> FolderScan:
    """``propose`` without a store: the caller reads ``moments``, the visit's days and the
    general target first, so the slow part (reading every file) can run on another thread."""
    result = FolderScan()
    if not folder.is_dir():
        result.skipped.append((folder, t("不是文件夹", "not a folder")))
        return result
    files, result.skipped = list_photos(folder)
    read: list[Proposal] = []
    for index, path in enumerate(files):
        if cancelled is not None and cancelled():
            break
        if progress is not None:
            progress(index, len(files))
        taken, source, zoned = photo_time(path, tz)
        read.append(Proposal(path, taken, source, general, None, zoned, _hash(path)))
    if progress is not None and not (cancelled is not None and cancelled()):
        progress(len(files), len(files))
    first_of: dict[str, Path] = {}
    marked: list[Proposal] = []
    for proposal in read:  # the same picture twice on a card (a copy) is imported once
        if proposal.sha256 and proposal.sha256 in first_of:
            proposal = replace(proposal, excluded=DUPLICATE,
                               duplicate_of=first_of[proposal.sha256])
        elif proposal.sha256:
            first_of[proposal.sha256] = proposal.source
        marked.append(proposal)
    result.proposals = rematch(marked, general, recorded, window_minutes=window_minutes,
                               offset_minutes=offset_minutes, visit=visit, any_day=any_day)
    return result


def rematch(proposals: list[Proposal], general: Target, recorded: list[Moment], *,
            window_minutes: float = 5, offset_minutes: float = 0,
            visit: VisitDays | None = None, any_day: bool = False) -> list[Proposal]:
    """Propose again with another window, clock offset or day rule, without reading the
    files again."""
    result = []
    for proposal in proposals:
        corrected = proposal.corrected(offset_minutes)
        target, gap = match(recorded, general, corrected, window_minutes=window_minutes)
        excluded = proposal.excluded if proposal.excluded == DUPLICATE else None
        if excluded is None and visit is not None and not any_day \
                and not visit.covers(corrected):
            excluded = OTHER_DAY
        result.append(replace(proposal, target=target, gap_seconds=gap, excluded=excluded))
    return result


def moment_of(recorded: list[Moment], target: Target) -> Moment | None:
    """When ``target`` was recorded (None for the general photos or an unanswered item)."""
    return next((m for m in recorded if m.target == target), None)


def offset_from_match(photo_taken_at: datetime, moment: datetime) -> float:
    """The camera offset (minutes) that makes a photo land on the moment it was matched to."""
    return round((moment - photo_taken_at).total_seconds() / 60, 2)


def reassign(proposal: Proposal, target: Target) -> Proposal:
    """The reviewer's choice: this photo goes to ``target`` (and is imported, whatever its
    day; a duplicate stays a duplicate)."""
    excluded = proposal.excluded if proposal.excluded == DUPLICATE else None
    return replace(proposal, target=target, gap_seconds=None, excluded=excluded)


# -- what importing will do, and doing it ----------------------------------------------------


@dataclass(frozen=True)
class Action:
    kind: str  # new / move / unchanged / left_out
    moved_from: tuple[Target, ...] = ()


def _card_links(store: Store, inspection_id: str, sha256: str) -> list[Target]:
    """Where a card import has put this photo in the inspection (live links)."""
    found: list[Target] = []
    for link in store.query("SELECT * FROM photo_links WHERE photo_id = ? AND origin = ?"
                            " AND deleted IS NULL", (sha256, photos.CARD)):
        if photos.inspection_of_link(store, link) != inspection_id:
            continue
        found.append(Target(link["target_kind"], link["target_id"], inspection_id,
                            _label(store, link["target_kind"], link["target_id"])))
    return found


def _label(store: Store, kind: str, target_id: str) -> str:
    try:
        if kind == "finding":
            return photos.target_for_finding(store, target_id).label
        if kind == "response":
            inspection_id, code = target_id.split(":", 1)
            return photos.target_for_response(store, inspection_id, code).label
        if kind == "inspection":
            return photos.target_for_inspection(store, target_id).label
    except InspectorError:
        pass
    return f"{kind}/{target_id[:12]}"


def actions(store: Store, inspection_id: str, proposals: list[Proposal]) -> list[Action]:
    """For each proposal: a new link, a move of the card link made by an earlier import, the
    link already there, or left out (another day, a duplicate)."""
    result: list[Action] = []
    for proposal in proposals:
        if proposal.excluded:
            result.append(Action(LEFT_OUT))
            continue
        if proposal.sha256 is None:
            result.append(Action(NEW))  # unreadable: the import says why
            continue
        existing = _card_links(store, inspection_id, proposal.sha256)
        others = tuple(e for e in existing if e != proposal.target)
        if others:
            result.append(Action(MOVE, others))
        elif existing or photos.links_on(store, proposal.target, proposal.sha256):
            result.append(Action(UNCHANGED))
        else:
            result.append(Action(NEW))
    return result


@dataclass
class CardResult:
    """What an import did, file by file; the counts add up to the photos found."""

    total: int = 0
    new: list[Path] = field(default_factory=list)
    moved: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    other_day: list[Path] = field(default_factory=list)
    duplicates: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    imported: list[photos.ImportedPhoto] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [t("共 {n} 张照片：新关联 {a}，移动 {m}，已关联未变 {u}，其他日期未导入 {d}，"
                 "重复未导入 {p}，失败 {f}",
                 "{n} photos: {a} newly linked, {m} moved, {u} already linked, {d} of other "
                 "days left out, {p} duplicates left out, {f} failed",
                 n=self.total, a=len(self.new), m=len(self.moved), u=len(self.unchanged),
                 d=len(self.other_day), p=len(self.duplicates), f=len(self.failed))]
        out += [f"  {path}: {reason}" for path, reason in self.failed]
        return out


def apply(store: Store, proposals: list[Proposal], *,
          progress: Callable[[int, int], None] | None = None) -> CardResult:
    """Import every proposal not left out, for its target, as a card link (moving the link an
    earlier import made); a bad file is listed, the rest still import. One batch
    (``photos.stage_all`` and ``photos.import_all``): the copies are flushed together and
    every row is written in one transaction once they are durable."""
    result = CardResult(total=len(proposals))
    wanted: list[Proposal] = []
    for proposal in proposals:
        if proposal.excluded == OTHER_DAY:
            result.other_day.append(proposal.source)
        elif proposal.excluded == DUPLICATE:
            result.duplicates.append(proposal.source)
        elif proposal.sha256 and proposal.target in _card_links(
                store, proposal.target.inspection_id, proposal.sha256):
            result.unchanged.append(proposal.source)  # nothing to read or write
        else:
            wanted.append(proposal)
    skipped = len(proposals) - len(wanted)

    def staging(done: int, _total: int) -> None:
        if progress is not None:
            progress(skipped + done, len(proposals))

    staged, failed = photos.stage_all(store.data_dir, [p.source for p in wanted],
                                      progress=staging)
    outcomes = photos.import_all(store, [
        photos.Pending(one, wanted[index].target, origin=photos.CARD) for index, one in staged])
    done = dict(zip((index for index, _one in staged), outcomes, strict=True))
    for index, proposal in enumerate(wanted):
        outcome = done.get(index, failed.get(index))
        if isinstance(outcome, photos.ImportedPhoto):
            result.imported.append(outcome)
            record(result, outcome, proposal.source)
        else:
            result.failed.append((proposal.source, outcome or ""))
    if progress is not None:
        progress(len(proposals), len(proposals))
    return result


def record(result: CardResult, imported: photos.ImportedPhoto, source: Path) -> None:
    """Count one stored proposal (also for imports staged elsewhere, e.g. by the GUI)."""
    if imported.moved_from:
        result.moved.append(source)
    elif imported.linked == "unchanged":
        result.unchanged.append(source)
    else:
        result.new.append(source)


def by_file_time(proposals: list[Proposal]) -> list[Proposal]:
    """Photos without an EXIF time, matched by the file's time instead (to say so)."""
    return [p for p in proposals if p.time_source == "file" and p.excluded != DUPLICATE]


def describe(proposal: Proposal) -> dict[str, Any]:
    """A proposal as plain data (the CLI's --json, tests)."""
    return {"file": str(proposal.source), "taken_at": proposal.taken_at.isoformat()
            if proposal.taken_at else None, "time_source": proposal.time_source,
            "zoned": proposal.zoned, "target": proposal.target.label,
            "gap_seconds": proposal.gap_seconds, "sha256": proposal.sha256,
            "excluded": proposal.excluded}
