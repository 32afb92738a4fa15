"""Photos as evidence: imported byte for byte, named by SHA-256, never altered or dropped.

Import of one file: check the path (folder, loop, empty, too large, unreadable), copy it to a
temporary name while hashing, identify it by content (JPEG, PNG, HEIC/HEIF only), decode it
with Pillow's decompression-bomb warning treated as an error, read its EXIF field by field,
flush and rename it to ``photos/ab/<sha256>.<ext>``, and only then write the database rows.
The same bytes imported twice are stored once; the same photo may be linked to several
answers, findings or follow-ups.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import uuid
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inspector.core import records
from inspector.core.durable import fsync_dir
from inspector.core.errors import InspectorError, NotFoundError, ReadOnlyError
from inspector.core.i18n import t
from inspector.core.store import Store
from inspector.domain import exif, findings, inspections

log = logging.getLogger(__name__)

MAX_PHOTO_BYTES = 200 * 1024 * 1024
CHUNK = 1024 * 1024
FOLDER = "photos"
INCOMING = ".incoming"
TARGET_KINDS = ("response", "finding", "followup", "inspection")
PHOTO_KINDS = ("before", "after")
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "HEIF": "heic"}


class PhotoError(InspectorError):
    """A file that cannot be imported; the message names it."""

    def __init__(self, source: Path, reason: str) -> None:
        super().__init__(t("{file}：{reason}", "{file}: {reason}", file=source, reason=reason))
        self.source = source
        self.reason = reason


@dataclass(frozen=True)
class Target:
    kind: str  # response / finding / followup / inspection
    id: str  # for a response: "<inspection id>:<item code>"
    inspection_id: str
    label: str  # what a person reads: HS-20261129-001:B05, a finding's short id, …


@dataclass(frozen=True)
class ImportedPhoto:
    sha256: str
    path: Path
    link_id: str
    new_file: bool
    meta: exif.PhotoMeta
    source: Path


@dataclass
class BatchResult:
    imported: list[ImportedPhoto] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)

    def summary(self) -> str:
        lines = [t("导入 {n} 张，失败 {f} 张", "{n} imported, {f} failed",
                   n=len(self.imported), f=len(self.failed))]
        lines += [f"  {path}: {reason}" for path, reason in self.failed]
        return "\n".join(lines)


# -- targets ------------------------------------------------------------------------------


def target_for_response(store: Store, inspection_id: str, item_code: str) -> Target:
    row = inspections.get(store, inspection_id)
    code = inspections.view(store, inspection_id).template.item(item_code).code
    return Target("response", f"{inspection_id}:{code}", inspection_id,
                  f"{row['short_id']}:{code}")


def target_for_finding(store: Store, finding_id: str) -> Target:
    row = findings.get(store, finding_id)
    return Target("finding", row["id"], row["inspection_id"], row["short_id"])


def target_for_followup(store: Store, followup_id: str) -> Target:
    row = store.query_one(
        "SELECT f.id, f.finding_id, d.inspection_id, d.short_id FROM followups f"
        " JOIN findings d ON d.id = f.finding_id WHERE f.id = ?", (followup_id,))
    if row is None:
        raise NotFoundError(t("没有复查记录 {id}", "No follow-up {id}", id=followup_id))
    return Target("followup", row["id"], row["inspection_id"],
                  t("{sid} 复查", "{sid} follow-up", sid=row["short_id"]))


def target_for_inspection(store: Store, inspection_id: str) -> Target:
    row = inspections.get(store, inspection_id)
    return Target("inspection", row["id"], row["id"], row["short_id"])


def parse_target(store: Store, text: str) -> Target:
    """``INSPECTION:ITEM``, a finding id or short id, a follow-up id, or an inspection."""
    text = text.strip()
    if ":" in text:
        inspection_text, _, code = text.rpartition(":")
        inspection = inspections.resolve(store, inspection_text)
        return target_for_response(store, inspection["id"], code)
    followup = store.query_one("SELECT id FROM followups WHERE id = ? OR id LIKE ? || '%'",
                               (text, text)) if len(text) >= 6 else None
    if followup:
        return target_for_followup(store, followup["id"])
    try:
        return target_for_finding(store, findings.resolve(store, text)["id"])
    except NotFoundError:
        pass
    try:
        return target_for_inspection(store, inspections.resolve(store, text)["id"])
    except NotFoundError:
        raise NotFoundError(t(
            "找不到“{t}”：应为 检查编号:检查项、问题编号或复查编号",
            "Nothing called {t!r}: give INSPECTION:ITEM, a finding or a follow-up", t=text)
        ) from None


def _check_target_open(store: Store, target: Target, kind: str | None) -> None:
    """Evidence for a submitted inspection's answers is locked with it; fixes are not."""
    if target.kind == "followup":
        return
    row = inspections.get(store, target.inspection_id)
    if row["status"] != inspections.SUBMITTED:
        return
    if target.kind == "finding" and kind == "after":
        return
    raise ReadOnlyError(t(
        "检查 {sid} 已提交：只能为问题添加整改后（after）照片或在复查中添加照片。",
        "The inspection {sid} is submitted: only after-photos of findings and follow-up "
        "photos can still be added.", sid=row["short_id"]))


# -- reading and storing a file -----------------------------------------------------------


def _sniff(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return "HEIF"
    return None


def _describe_content(head: bytes) -> str:
    known = {b"GIF8": "GIF", b"BM": "BMP", b"%PDF": "PDF", b"PK\x03\x04": "ZIP",
             b"II*\x00": "TIFF", b"MM\x00*": "TIFF", b"RIFF": "RIFF/WebP"}
    for magic, name in known.items():
        if head.startswith(magic):
            return name
    if head[4:8] == b"ftyp":
        return head[8:12].decode("ascii", "replace")
    try:
        head.decode("utf-8")
        return t("文本", "text")
    except UnicodeDecodeError:
        return t("未知内容", "unknown content")


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return t("文件不存在或在导入过程中消失了", "the file does not exist or disappeared "
                 "during the import")
    if exc.errno == errno.ELOOP:
        return t("符号链接形成循环", "a symbolic link loop")
    if isinstance(exc, PermissionError):
        return t("没有读取权限", "no permission to read it")
    if isinstance(exc, IsADirectoryError):
        return t("这是文件夹，不是照片", "it is a folder, not a photo")
    return t("无法读取：{e}", "cannot read it: {e}", e=exc.strerror or exc)


def _stat_source(source: Path) -> int:
    try:
        info = source.stat()
    except OSError as exc:
        raise PhotoError(source, _os_reason(exc)) from exc
    if source.is_dir():
        raise PhotoError(source, t("这是文件夹，不是照片", "it is a folder, not a photo"))
    if info.st_size == 0:
        raise PhotoError(source, t("文件是空的（0 字节）", "the file is empty (0 bytes)"))
    if info.st_size > MAX_PHOTO_BYTES:
        raise PhotoError(source, t(
            "文件太大（{mb} MB，照片最大 {limit} MB）", "the file is too large ({mb} MB; a "
            "photo is at most {limit} MB)", mb=info.st_size // (1024 * 1024),
            limit=MAX_PHOTO_BYTES // (1024 * 1024)))
    return int(info.st_size)


def _copy_and_hash(source: Path, temporary: Path) -> tuple[str, bytes]:
    """Copy to the temporary file while hashing; return the hash and the first bytes."""
    digest = hashlib.sha256()
    head = b""
    copied = 0
    try:
        with open(source, "rb") as reader, open(temporary, "wb") as writer:
            while chunk := reader.read(CHUNK):
                if not head:
                    head = chunk[:64]
                copied += len(chunk)
                if copied > MAX_PHOTO_BYTES:
                    raise PhotoError(source, t("文件太大", "the file is too large"))
                digest.update(chunk)
                writer.write(chunk)
            writer.flush()
            os.fsync(writer.fileno())
    except OSError as exc:
        raise PhotoError(source, _os_reason(exc)) from exc
    if copied == 0:
        raise PhotoError(source, t("文件是空的（0 字节）", "the file is empty (0 bytes)"))
    return digest.hexdigest(), head


_heif_ready = False


def _register_heif() -> None:
    global _heif_ready
    if not _heif_ready:
        import pillow_heif

        pillow_heif.register_heif_opener()
        _heif_ready = True


def inspect_file(path: Path, source: Path | None = None) -> tuple[str, exif.PhotoMeta]:
    """Decode a staged file to prove it is a whole photo; return its format and metadata."""
    from PIL import Image, UnidentifiedImageError

    shown = source or path
    with open(path, "rb") as handle:
        head = handle.read(64)
    sniffed = _sniff(head)
    if sniffed is None:
        raise PhotoError(shown, t(
            "不是照片：内容是 {what}（只接受 JPEG、PNG、HEIC）",
            "not a photo: the content is {what} (only JPEG, PNG and HEIC are accepted)",
            what=_describe_content(head)))
    if sniffed == "HEIF":
        _register_heif()
    try:
        with warnings.catch_warnings():
            # Pillow warns of damaged EXIF while opening; exif.read records it as a problem.
            warnings.simplefilter("ignore", UserWarning)
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                if image.format not in EXTENSIONS:
                    raise PhotoError(shown, t("不接受的格式 {f}", "format {f} is not accepted",
                                              f=image.format))
                meta = exif.read(image)
                if image.format == "JPEG":
                    # DCT scaling: proves every block decodes without a full-size decode.
                    image.draft("RGB", (max(1, image.width // 8), max(1, image.height // 8)))
                image.load()
                return str(image.format), meta
    except PhotoError:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise PhotoError(shown, t(
            "像素过多（可能是“解压炸弹”），已拒绝：{e}",
            "too many pixels (a possible decompression bomb), refused: {e}", e=exc)) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise PhotoError(shown, t("照片已损坏或不完整：{e}", "the photo is damaged or "
                                  "incomplete: {e}", e=exc)) from exc


def original_path(data_dir: Path, sha256: str, ext: str) -> Path:
    return data_dir / FOLDER / sha256[:2] / f"{sha256}.{ext}"


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class StagedPhoto:
    source: Path
    temporary: Path
    sha256: str
    format: str
    meta: exif.PhotoMeta


def stage(data_dir: Path, source: Path) -> StagedPhoto:
    """Everything that can fail about a file, done before the database is touched."""
    _stat_source(source)
    incoming = data_dir / FOLDER / INCOMING
    incoming.mkdir(parents=True, exist_ok=True)
    temporary = incoming / f"{uuid.uuid4().hex}.part"
    try:
        sha256, _head = _copy_and_hash(source, temporary)
        image_format, meta = inspect_file(temporary, source)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return StagedPhoto(source, temporary, sha256, image_format, meta)


def place(data_dir: Path, staged: StagedPhoto) -> tuple[Path, bool]:
    """Rename the staged file into place (flushed); return its path and whether it is new."""
    final = original_path(data_dir, staged.sha256, EXTENSIONS[staged.format])
    if final.exists() and _hash_file(final) == staged.sha256:
        staged.temporary.unlink(missing_ok=True)
        return final, False
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staged.temporary, final)
    fsync_dir(final.parent)
    return final, True


def _link_id(target: Target, sha256: str, kind: str | None) -> str:
    key = f"{target.kind}\n{target.id}\n{sha256}\n{kind or ''}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def import_photo(store: Store, source: Path, target: Target, *, kind: str | None = None,
                 caption: str | None = None) -> ImportedPhoto:
    """Import one file as evidence for ``target``; raise PhotoError naming the file."""
    if kind is not None and kind not in PHOTO_KINDS:
        raise InspectorError(t("照片类型应为 before 或 after", "A photo kind is before or after"))
    _check_target_open(store, target, kind)  # before reading a byte of the file
    return import_staged(store, stage(store.data_dir, Path(source)), target, kind=kind,
                         caption=caption)


def import_photos(store: Store, sources: Iterable[Path], target: Target, *,
                  kind: str | None = None,
                  progress: Callable[[int, int], None] | None = None,
                  cancelled: Callable[[], bool] | None = None) -> BatchResult:
    """Import several files; a bad one is listed with its reason and the rest still import."""
    paths = list(sources)
    result = BatchResult()
    for index, source in enumerate(paths):
        if cancelled is not None and cancelled():
            break
        if progress is not None:
            progress(index, len(paths))
        try:
            result.imported.append(import_photo(store, Path(source), target, kind=kind))
        except PhotoError as exc:
            result.failed.append((Path(source), exc.reason))
        except ReadOnlyError:
            raise
    if progress is not None:
        progress(len(paths), len(paths))
    return result


def import_staged(store: Store, staged: StagedPhoto, target: Target, *,
                  kind: str | None = None, caption: str | None = None) -> ImportedPhoto:
    """Finish an import whose file work (``stage``) was done elsewhere, e.g. on a worker thread.

    The same checks, file placing and rows as ``import_photo``; the staged temporary file is
    moved into place or removed, never left behind.
    """
    source = staged.source
    try:
        if kind is not None and kind not in PHOTO_KINDS:
            raise InspectorError(t("照片类型应为 before 或 after",
                                   "A photo kind is before or after"))
        _check_target_open(store, target, kind)
        try:
            path, new_file = place(store.data_dir, staged)
        except OSError as exc:
            raise PhotoError(source, t("无法保存：{e}", "cannot store it: {e}",
                                       e=exc.strerror or exc)) from exc
    finally:
        staged.temporary.unlink(missing_ok=True)
    meta = staged.meta
    link_id = _link_id(target, staged.sha256, kind)
    with store.write():
        if store.query_one("SELECT id FROM photos WHERE id = ?", (staged.sha256,)) is None:
            records.put(store, "photos", staged.sha256, {
                "ext": EXTENSIONS[staged.format],
                "original_name": source.name,
                "size": path.stat().st_size,
                "format": staged.format,
                "width": meta.width,
                "height": meta.height,
                "taken_at": meta.taken_at,
                "latitude": meta.latitude,
                "longitude": meta.longitude,
                "orientation": meta.orientation,
                "camera": meta.camera,
                "exif_problems": "; ".join(meta.problems) or None,
                "imported_at": store.wall.iso(),
                "imported_by": store.actor,
            }, current=None)
        if store.query_one("SELECT id FROM photo_links WHERE id = ?", (link_id,)) is None:
            records.put(store, "photo_links", link_id, {
                "photo_id": staged.sha256,
                "target_kind": target.kind,
                "target_id": target.id,
                "kind": kind,
                "caption": (caption or "").strip() or None,
                "created_at": store.wall.iso(),
                "created_by": store.actor,
            }, current=None)
    log.info("imported %s as %s for %s", source, staged.sha256[:12], target.label)
    return ImportedPhoto(staged.sha256, path, link_id, new_file, meta, source)


# -- reading ------------------------------------------------------------------------------


def photos_of(store: Store, target: Target) -> list[dict[str, Any]]:
    """The photos linked to a target, in the order they were added."""
    return store.query(
        "SELECT p.*, l.id AS link_id, l.kind AS kind, l.caption AS caption,"
        " l.created_at AS linked_at FROM photo_links l JOIN photos p ON p.id = l.photo_id"
        " WHERE l.target_kind = ? AND l.target_id = ? ORDER BY l.created_at, l.id",
        (target.kind, target.id))


def finding_photo_counts(store: Store, inspection_id: str) -> dict[str, int]:
    """How many photos each finding of the inspection has (findings without any are absent)."""
    rows = store.query(
        "SELECT l.target_id, COUNT(*) AS n FROM photo_links l JOIN findings f"
        " ON f.id = l.target_id WHERE l.target_kind = 'finding' AND f.inspection_id = ?"
        " GROUP BY l.target_id", (inspection_id,))
    return {row["target_id"]: int(row["n"]) for row in rows}


def get(store: Store, sha256: str) -> dict[str, Any]:
    row = store.query_one("SELECT * FROM photos WHERE id = ?", (sha256,))
    if row is None:
        raise NotFoundError(t("没有照片 {id}", "No photo {id}", id=sha256[:12]))
    return row


def path_of(store: Store, row: dict[str, Any]) -> Path:
    return original_path(store.data_dir, row["id"], row["ext"])


def set_annotations(store: Store, sha256: str, annotations_json: str | None) -> None:
    """Store a photo's annotations (validated); the original file is never touched."""
    from inspector.domain import annotations

    get(store, sha256)
    items = annotations.parse(annotations_json)
    with store.write():
        records.put(store, "photos", sha256,
                    {"annotations": annotations.dumps(items) if items else None})


# -- verification -------------------------------------------------------------------------


@dataclass
class VerifyReport:
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    altered: list[str] = field(default_factory=list)
    dangling: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.altered or self.dangling)

    def lines(self) -> list[str]:
        out = [t("已核对 {n} 张照片原件", "{n} photo originals checked", n=self.checked)]
        out += [t("缺失：{p}", "missing: {p}", p=p) for p in self.missing]
        out += [t("已被改动：{p}", "altered: {p}", p=p) for p in self.altered]
        out += [t("无效引用：{p}", "dangling reference: {p}", p=p) for p in self.dangling]
        return out


def verify(store: Store, progress: Callable[[int, int], None] | None = None) -> VerifyReport:
    """Re-hash every original; list missing or altered files and references to nothing."""
    report = VerifyReport()
    rows = store.query("SELECT id, ext, original_name FROM photos ORDER BY id")
    for index, row in enumerate(rows):
        if progress is not None:
            progress(index, len(rows))
        path = original_path(store.data_dir, row["id"], row["ext"])
        report.checked += 1
        if not path.exists():
            report.missing.append(f"{path} ({row['original_name']})")
        elif _hash_file(path) != row["id"]:
            report.altered.append(f"{path} ({row['original_name']})")
    for link in store.query(
            "SELECT l.id, l.photo_id, l.target_kind, l.target_id FROM photo_links l"
            " LEFT JOIN photos p ON p.id = l.photo_id WHERE p.id IS NULL"):
        report.dangling.append(f"photo_links/{link['id']} → photos/{link['photo_id']}")
    checks = {
        "finding": "SELECT 1 FROM findings WHERE id = ?",
        "followup": "SELECT 1 FROM followups WHERE id = ?",
        "inspection": "SELECT 1 FROM inspections WHERE id = ?",
    }
    for link in store.query("SELECT id, target_kind, target_id FROM photo_links"):
        kind, target = link["target_kind"], link["target_id"]
        if kind == "response":
            exists = store.query_one("SELECT 1 AS x FROM inspections WHERE id = ?",
                                     (target.split(":", 1)[0],))
        elif kind in checks:
            exists = store.query_one(checks[kind].replace("SELECT 1", "SELECT 1 AS x"),
                                     (target,))
        else:
            exists = None
        if exists is None:
            report.dangling.append(f"photo_links/{link['id']} → {kind}/{target}")
    if progress is not None:
        progress(len(rows), len(rows))
    return report
