"""Report copies of photos proven derived from their originals.

A report places a photo as its cached report-size JPEG. Before it does, the photo's original
must still be the file its SHA-256 names, and the copy must have been made from it: a JPEG
copied over an original (or over a cached copy) must never appear under the original's
caption, time, place and hash.

Each copy made here gets a *proof* beside it (``<copy>.proof.json``): the SHA-256 checked,
the original's file identity at that moment (size, modification and change times, inode) and
the copy's. While neither file has changed since, the proof stands and nothing is hashed
again (as git trusts its index); when either has, or there is no proof yet, the original is
hashed again, and the copy is kept if it records that original's SHA-256 (every copy made
by ``derived`` does, and is made only from an intact original), else made again (a copy from
an older version, or one copied over the cache). Replacing a file changes its change time
and inode, which no ordinary program can set back.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from inspector.core.durable import atomic_file
from inspector.core.filehash import file_sha256 as _sha_of  # tests count its calls
from inspector.core.i18n import t
from inspector.domain import derived
from inspector.domain.photos import original_path

log = logging.getLogger(__name__)

PROOF_FORMAT = 1
MISSING, ALTERED, UNREADABLE = "missing", "altered", "unreadable"


class EvidenceProblem(Exception):
    """A photo that cannot be placed: ``kind`` is missing, altered or unreadable."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind

    @property
    def label(self) -> str:
        """A few words for the placeholder box."""
        return {MISSING: t("照片原件缺失", "Photo original missing"),
                ALTERED: t("照片原件已被改动", "Photo original altered"),
                }.get(self.kind, t("照片无法显示", "Photo cannot be shown"))


@dataclass(frozen=True)
class _Stamp:
    size: int
    mtime_ns: int
    ctime_ns: int
    inode: int

    @classmethod
    def of(cls, path: Path) -> _Stamp:
        info = os.stat(path)
        return cls(info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)

    def as_list(self) -> list[int]:
        return [self.size, self.mtime_ns, self.ctime_ns, self.inode]


def proof_path(copy: Path) -> Path:
    return copy.with_name(copy.name + ".proof.json")


def _read_proof(path: Path) -> dict[str, object] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == PROOF_FORMAT else None


def _write_proof(path: Path, sha256: str, original: _Stamp, copy: Path, copy_sha: str
                 ) -> None:
    data = {"format": PROOF_FORMAT, "original": sha256, "original_stat": original.as_list(),
            "copy_sha256": copy_sha, "copy_stat": _Stamp.of(copy).as_list()}
    with atomic_file(path, flush=False, map_errors=False) as temporary:  # a cache file
        temporary.write_text(json.dumps(data), encoding="utf-8")


def checked_copy(data_dir: Path, sha256: str, ext: str, name: str,
                 annotations_json: str | None = None, kind: str = derived.REPORT) -> Path:
    """The derived copy of a photo, proven made from the original whose SHA-256 is
    ``sha256``; raises EvidenceProblem (naming the photo ``name``) when the original is
    missing, altered or cannot be decoded."""
    original = original_path(data_dir, sha256, ext)
    copy = derived.derived_path(data_dir, sha256, kind, annotations_json)
    proof_file = proof_path(copy)
    short = sha256[:12]
    try:
        before = _Stamp.of(original)
    except FileNotFoundError:
        raise EvidenceProblem(MISSING, t(
            "照片 {n}（{s}）的原件缺失：{p}", "The original of photo {n} ({s}) is missing: {p}",
            n=name, s=short, p=original)) from None
    except OSError as exc:
        raise EvidenceProblem(UNREADABLE, t(
            "照片 {n}（{s}）的原件无法读取：{e}", "The original of photo {n} ({s}) cannot be "
            "read: {e}", n=name, s=short, e=exc)) from exc
    proof = _read_proof(proof_file)
    copy_stamp = _stamp_or_none(copy)
    if (proof is not None and proof.get("original") == sha256 and copy_stamp is not None
            and proof.get("original_stat") == before.as_list()
            and proof.get("copy_stat") == copy_stamp.as_list()):
        return copy  # nothing changed since both were proven
    try:
        actual = _sha_of(original)
    except OSError as exc:
        raise EvidenceProblem(UNREADABLE, t(
            "照片 {n}（{s}）的原件无法读取：{e}", "The original of photo {n} ({s}) cannot be "
            "read: {e}", n=name, s=short, e=exc)) from exc
    if actual != sha256:
        raise EvidenceProblem(ALTERED, t(
            "照片 {n}（{s}）的原件已被改动或替换：文件的 SHA-256 为 {a}…，与登记的不符；"
            "报告中以占位框代替。文件：{p}",
            "The original of photo {n} ({s}) was altered or replaced: the file's SHA-256 is "
            "{a}…, not the one recorded; the report shows a placeholder instead. File: {p}",
            n=name, s=short, a=actual[:12], p=original))
    if copy_stamp is not None and derived.origin_of(copy) == derived.copy_key(copy):
        # Made (by a report, the screen or the import) from this intact original, which
        # every maker checks: the copy stands, proven from now on.
        _write_proof(proof_file, sha256, before, copy, _sha_of(copy))
        return copy
    try:
        derived.build(original, copy, derived.SIZES[kind], derived.QUALITY[kind],
                      annotations_json)
    except Exception as exc:  # noqa: BLE001 - any decode failure is a photo not shown
        log.warning("cannot make the %s copy of %s: %s", kind, original, exc)
        raise EvidenceProblem(UNREADABLE, t(
            "照片 {n}（{s}）无法生成报告用副本：{e}",
            "Photo {n} ({s}): the report copy cannot be made: {e}", n=name, s=short,
            e=exc)) from exc
    if _Stamp.of(original) != before:  # replaced while the copy was being made
        copy.unlink(missing_ok=True)
        raise EvidenceProblem(ALTERED, t(
            "照片 {n}（{s}）的原件在生成副本时被改动：{p}",
            "The original of photo {n} ({s}) changed while its copy was made: {p}",
            n=name, s=short, p=original))
    _write_proof(proof_file, sha256, before, copy, _sha_of(copy))
    return copy


def _stamp_or_none(path: Path) -> _Stamp | None:
    try:
        return _Stamp.of(path)
    except OSError:
        return None


def vouch(data_dir: Path, sha256: str, ext: str, copy: Path) -> None:
    """Record the proof for a copy just made from bytes whose SHA-256 was checked (the
    import, which hashes each file as it copies it in): the first report then hashes nothing.
    The copy must record its origin (``derived`` does)."""
    if derived.origin_of(copy) != derived.copy_key(copy):
        raise ValueError(f"{copy} does not record the photo it was made from")
    original = original_path(data_dir, sha256, ext)
    _write_proof(proof_path(copy), sha256, _Stamp.of(original), copy, _sha_of(copy))


def prepare_report_copies(data_dir: Path, photos: Iterable[tuple[str, str]], *,
                          cancelled: Callable[[], bool] | None = None) -> dict[str, str]:
    """Make (and prove) the report copies of ``(sha256, ext)`` photos that lack one — what
    the import leaves out so as not to wait for it: the GUI schedules this in the background
    after an import, and a report makes whatever is still missing itself. Returns, for the
    photos that could not be done, why (missing, altered, unreadable); plain file work, so it
    runs on any thread."""
    problems: dict[str, str] = {}
    for sha256, ext in photos:
        if cancelled is not None and cancelled():
            break
        try:
            checked_copy(data_dir, sha256, ext, sha256[:12])
        except EvidenceProblem as problem:
            log.warning("%s", problem)
            problems[sha256] = problem.kind
    return problems
