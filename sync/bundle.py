"""The bundle file: a signed zip of one device's changes and the photos they introduce.

(The zip guard is sync/zipguard.py, the rules of the format sync/bundle_format.py; this
module reads and writes whole bundles with them.)

Entries: ``manifest.json`` (what the bundle is, SHA-256 and size of every other entry),
``signature`` (Ed25519, 64 raw bytes, over the exact bytes of manifest.json),
``changes.jsonl`` (one change per line) and ``photos/<sha256>.<jpg|png|heic>`` (originals).

Reading trusts nothing in the file: the zip directory is parsed here (not by ``zipfile``) so
the number of entries is known from the end record before a single entry is looked at; names,
types, sizes, compression ratios and overlaps are checked from the directory; every entry is
then inflated in chunks with a cap at its declared size, hashed and compared with the signed
manifest. Nothing is written while reading, and memory stays bounded by the chunk size except
for manifest.json and changes.jsonl, whose declared sizes are capped first.

No database access here: the caller (sync.exchange) decides what a valid bundle means for
this device (trusted key, dependencies, merge).
"""
from __future__ import annotations

import hashlib
import json
import stat
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from inspector.core import faults
from inspector.core.durable import atomic_file
from inspector.core.errors import InspectorError
from inspector.core.i18n import t
from inspector.core.keys import SIGNATURE_BYTES, DeviceKey, verify
from sync.bundle_format import (
    APP,
    FORMAT,
    HEX64,
    MANIFEST_FIELDS,
    _check_changes,
    _check_manifest,
    _check_photos_named,
    _load_manifest,
    _parse_changes,
    _photo_sha,
    bundle_file_name,
    parse_bundle_file_name,
)
from sync.zipguard import (
    CHANGES,
    CHUNK,
    DEFLATED,
    MANIFEST,
    PHOTO_NAME,
    SIGNATURE,
    STORED,
    BundleError,
    Limits,
    _Archive,
    _discard,
    _open,
    _show,
    _WriteFailed,
    _Writer,
)

DEFAULT_LIMITS = Limits()

__all__ = ["Bundle", "BundleError", "Limits", "bundle_file_name", "parse_bundle_file_name",
           "read_bundle", "read_manifest", "write_bundle"]

# -- the bundle as read --------------------------------------------------------------------


@dataclass(frozen=True)
class Bundle:
    """A bundle that passed every check. The caller still checks that ``public_key`` is the
    key it trusts for ``device``."""

    path: Path
    manifest: dict[str, Any]
    device: str
    device_name: str
    public_key: str
    first_seq: int
    last_seq: int
    clock_min: str
    clock_max: str
    depends: dict[str, int]
    changes: list[dict[str, Any]]
    photo_names: list[str]
    limits: Limits = field(default=Limits(), repr=False, compare=False)

    def photo_sha256s(self) -> list[str]:
        return [_photo_sha(name) for name in self.photo_names]

    def extract_photo(self, name: str, dest: Path) -> Path:
        """Write one photo entry to ``dest`` (temporary name, flush, rename), after checking
        once more that its bytes are the ones the manifest names: the file may have changed
        since it was read."""
        dest = Path(dest)
        if name not in self.photo_names:
            raise BundleError(self.path, "missing_entry", t(
                "没有照片条目 {name}", "there is no photo entry {name}", name=_show(name)))
        listed = self.manifest["entries"][name]
        with _open(self.path) as handle:
            archive = _Archive(handle, self.path, self.limits)
            entry = archive.entries.get(name)
            if entry is None:
                raise archive.fail("missing_entry", t(
                    "条目 {name} 已不在文件中（文件在读取后被改动）",
                    "the entry {name} is no longer in the file (it changed after it was "
                    "read)", name=_show(name)))
            if entry.size != listed["size"]:
                raise archive.fail("hash_mismatch", t(
                    "条目 {name} 的大小与清单不符（文件在读取后被改动）",
                    "the size of {name} differs from the manifest (the file changed after "
                    "it was read)", name=_show(name)))
            try:
                with atomic_file(dest, map_errors=False) as temporary, \
                        open(temporary, "xb") as out:
                    archive.read_entry(entry, _Writer(out.write),
                                       expected_sha=listed["sha256"])
            except (OSError, _WriteFailed) as exc:
                # this laptop's disk, not the bundle: say so (a full disk, read-only …)
                cause = exc.__cause__ if isinstance(exc, _WriteFailed) else exc
                fault = faults.known(cause, dest) if isinstance(cause, OSError) else None
                raise fault or InspectorError(t(
                    "无法写出照片 {dest}：{e}", "cannot write the photo {dest}: {e}",
                    dest=dest, e=cause)) from exc
        return dest


# -- reading --------------------------------------------------------------------------------


def read_manifest(path: Path, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """Only the signed manifest (device, sequence range, what it depends on), checked, to plan
    the order of many bundles before reading each in full."""
    path = Path(path)
    with _open(path) as handle:
        archive = _Archive(handle, path, limits)
        fail = archive.fail
        for required in (MANIFEST, SIGNATURE):
            if required not in archive.entries:
                raise fail("missing_entry", t("缺少条目 {name}", "the entry {name} is missing",
                                              name=required))
        if archive.entries[MANIFEST].size > limits.max_manifest_bytes or \
                archive.entries[SIGNATURE].size != SIGNATURE_BYTES:
            raise fail("manifest_schema", t("清单或签名条目的大小无效",
                                            "the manifest or signature entry has a bad size"))
        manifest_bytes = archive.read_small(archive.entries[MANIFEST])
        signature = archive.read_small(archive.entries[SIGNATURE])
    manifest = _load_manifest(manifest_bytes, fail)
    if not verify(manifest["public_key"], signature, manifest_bytes):
        raise fail("signature", t("签名无效", "the signature is not valid"))
    _check_manifest(manifest, fail, limits)
    return manifest


def read_bundle(path: Path, limits: Limits = DEFAULT_LIMITS) -> Bundle:
    """Read and check everything in a bundle; raise BundleError naming the file and problem."""
    path = Path(path)
    with _open(path) as handle:
        archive = _Archive(handle, path, limits)
        fail = archive.fail
        for required in (MANIFEST, SIGNATURE, CHANGES):
            if required not in archive.entries:
                raise fail("missing_entry", t("缺少条目 {name}", "the entry {name} is missing",
                                              name=required))
        manifest_entry = archive.entries[MANIFEST]
        if manifest_entry.size > limits.max_manifest_bytes:
            raise fail("too_large", t(
                "manifest.json 声明 {n} 字节，超过上限 {limit}",
                "manifest.json declares {n} bytes, more than the limit of {limit}",
                n=manifest_entry.size, limit=limits.max_manifest_bytes))
        if archive.entries[SIGNATURE].size != SIGNATURE_BYTES:
            raise fail("signature", t("签名条目不是 64 字节", "the signature entry is not 64 "
                                      "bytes long"))
        manifest_bytes = archive.read_small(manifest_entry)
        signature = archive.read_small(archive.entries[SIGNATURE])
        manifest = _load_manifest(manifest_bytes, fail)
        if not verify(manifest["public_key"], signature, manifest_bytes):
            raise fail("signature", t(
                "签名无效：清单被改动过，或不是由所附公钥签名",
                "the signature is not valid: the manifest was altered, or not signed by the key "
                "it names"))
        _check_manifest(manifest, fail, limits)

        listed: dict[str, Any] = manifest["entries"]
        present = set(archive.entries) - {MANIFEST, SIGNATURE}
        missing = sorted(set(listed) - present)
        if missing:
            raise fail("missing_entry", t("清单列出的条目 {name} 不在文件中",
                                          "the entry {name} listed in the manifest is missing",
                                          name=_show(missing[0])))
        extra = sorted(present - set(listed))
        if extra:
            raise fail("extra_entry", t("条目 {name} 不在清单中（多出的文件）",
                                        "the entry {name} is not listed in the manifest (an "
                                        "extra file)", name=_show(extra[0])))
        for name in sorted(listed):
            if archive.entries[name].size != listed[name]["size"]:
                raise fail("hash_mismatch", t(
                    "条目 {name} 的大小（{n} 字节）与清单（{m} 字节）不符",
                    "the entry {name} has {n} bytes, the manifest says {m}",
                    name=_show(name), n=archive.entries[name].size, m=listed[name]["size"]))

        changes_bytes = archive.read_small(archive.entries[CHANGES],
                                           expected_sha=listed[CHANGES]["sha256"])
        changes = _parse_changes(changes_bytes, manifest, fail)
        photo_names = sorted(name for name in listed if name != CHANGES)
        _check_photos_named(changes, set(photo_names), fail, manifest["missing_photos"])
        for name in photo_names:
            archive.read_entry(archive.entries[name], _discard,
                               expected_sha=listed[name]["sha256"])
    return Bundle(
        path=path, manifest=manifest, device=manifest["device"],
        device_name=manifest["device_name"], public_key=manifest["public_key"],
        first_seq=manifest["first_seq"], last_seq=manifest["last_seq"],
        clock_min=manifest["clock_min"], clock_max=manifest["clock_max"],
        depends=dict(manifest["depends"]), changes=changes, photo_names=photo_names,
        limits=limits)


# -- writing --------------------------------------------------------------------------------


def _stamp_time(stamp: Any) -> str:
    try:
        millis = int(str(stamp).split("-", 1)[0])
        return datetime.fromtimestamp(millis / 1000, UTC).isoformat(timespec="seconds")
    except (ValueError, OverflowError, OSError):
        return "1970-01-01T00:00:00+00:00"


def write_bundle(path: Path, manifest_fields: Mapping[str, Any],
                 changes: Sequence[Mapping[str, Any]], photo_files: Mapping[str, Path],
                 key: DeviceKey) -> Path:
    """Write a signed bundle to ``path`` (temporary name, flush, rename) and return ``path``.

    ``manifest_fields`` needs "device" and may give "device_name", "depends" and the ranges
    "first_seq", "last_seq", "clock_min", "clock_max" (taken from ``changes`` when absent, and
    checked against them when given); counts, entries, public key and time are filled in.
    ``photo_files`` maps "photos/<sha256>.<ext>" (or a bare sha256) to the original file;
    each file is hashed while copied and must match its name. The result is checked with the
    same rules ``read_bundle`` applies, so a bundle this writes is one peers accept.
    """
    path = Path(path)

    def fail(code: str, reason: str) -> BundleError:
        return BundleError(path, code, reason, writing=True)

    allowed = MANIFEST_FIELDS - {"format", "app", "counts", "entries"}
    unknown = set(manifest_fields) - allowed
    if unknown:
        raise fail("manifest_schema", t("未知的清单字段 {f}", "unknown manifest fields {f}",
                                        f=", ".join(sorted(unknown))))
    if not changes:
        raise fail("changes_schema", t("没有变更", "there are no changes"))
    try:
        lines = [json.dumps(dict(change), ensure_ascii=False, sort_keys=True,
                            separators=(",", ":"), allow_nan=False) for change in changes]
    except (TypeError, ValueError) as exc:
        raise fail("changes_schema", t("变更无法写成 JSON：{e}", "a change cannot be written "
                                       "as JSON: {e}", e=exc)) from exc
    changes_bytes = ("\n".join(lines) + "\n").encode("utf-8")
    photos = _photo_sources(photo_files, fail)
    stamps = [change.get("hlc") for change in changes]
    seqs = [change.get("seq") for change in changes]
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "app": APP,
        "device_name": "",
        "public_key": key.public_hex(),
        "first_seq": seqs[0],
        "last_seq": seqs[-1],
        "clock_min": min(stamps, key=str),
        "clock_max": max(stamps, key=str),
        "depends": {},
        "missing_photos": [],
        # The author's time of its last change, unless the caller says when it wrote this.
        "created_at": _stamp_time(max(stamps, key=str)),
        **manifest_fields,
    }
    if manifest["public_key"] != key.public_hex():
        raise fail("signature", t("public_key 与签名密钥不符",
                                  "public_key is not the signing key's"))
    entries: dict[str, Any] = {CHANGES: {"sha256": hashlib.sha256(changes_bytes).hexdigest(),
                                         "size": len(changes_bytes)}}
    for name, source in photos.items():
        try:
            size = source.stat().st_size
        except OSError as exc:
            raise fail("missing_photo", t("无法读取照片原件 {file}：{e}",
                                          "cannot read the photo original {file}: {e}",
                                          file=source, e=exc)) from exc
        entries[name] = {"sha256": _photo_sha(name), "size": size}
    manifest["counts"] = {"changes": len(changes), "photos": len(photos)}
    manifest["entries"] = entries
    try:
        manifest_bytes = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1,
                                    allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise fail("manifest_schema", t("清单无法写成 JSON：{e}", "the manifest cannot be "
                                        "written as JSON: {e}", e=exc)) from exc
    # The reader's rules, on exactly the bytes that will be written.
    limits = Limits()
    checked = _load_manifest(manifest_bytes, fail)
    _check_manifest(checked, fail, limits)
    sizes = [len(manifest_bytes), SIGNATURE_BYTES,
             *(listed["size"] for listed in entries.values())]
    if len(sizes) > limits.max_entries:
        raise fail("too_many_entries", t("照片过多（{n} 张）", "too many photos ({n})",
                                         n=len(photos)))
    if len(manifest_bytes) > limits.max_manifest_bytes or max(sizes) > limits.max_entry_bytes \
            or sum(sizes) > limits.max_total_bytes:
        raise fail("too_large", t("数据包会超过大小上限：请分成几个较小的数据包",
                                  "the bundle would exceed the size limits: write several "
                                  "smaller bundles"))
    parsed = _check_changes([dict(change) for change in changes], checked, fail)
    _check_photos_named(parsed, set(photos), fail, checked["missing_photos"])
    signature = key.sign(manifest_bytes)

    stamp = datetime.now().timetuple()[:6]
    try:
        # Written as ``.<name>.zip.tmp-<random>``: no other laptop takes it for a bundle
        # (sync.folder's TEMPORARY_PATTERNS), and one left by a crash is cleaned.
        with atomic_file(path, map_errors=False) as temporary, open(temporary, "xb") as raw, \
                zipfile.ZipFile(raw, "w") as archive:
            archive.writestr(_info(MANIFEST, DEFLATED, stamp), manifest_bytes)
            archive.writestr(_info(SIGNATURE, STORED, stamp), signature)
            archive.writestr(_info(CHANGES, DEFLATED, stamp), changes_bytes)
            for name, source in photos.items():
                _copy_photo(archive, _info(name, STORED, stamp), source, entries[name], fail)
    except OSError as exc:
        raise fail("write_failed", t("写入失败：{e}", "writing failed: {e}", e=exc)) from exc
    return path


def _photo_sources(photo_files: Mapping[str, Path],
                   fail: Callable[[str, str], BundleError]) -> dict[str, Path]:
    photos: dict[str, Path] = {}
    for key, source in sorted(photo_files.items()):
        source = Path(source)
        if HEX64.fullmatch(key):
            ext = source.suffix.lower().lstrip(".")
            name = f"photos/{key}.{'jpg' if ext == 'jpeg' else ext}"
        else:
            name = key
        if not PHOTO_NAME.fullmatch(name) or name in photos:
            raise fail("entry_name", t("照片 {file} 的条目名 {name} 无效",
                                       "the entry name {name} of the photo {file} is not valid",
                                       file=source, name=_show(name)))
        photos[name] = source
    return photos


def _copy_photo(archive: zipfile.ZipFile, info: zipfile.ZipInfo, source: Path,
                listed: Mapping[str, Any], fail: Callable[[str, str], BundleError]) -> None:
    info.file_size = listed["size"]
    digest = hashlib.sha256()
    size = 0
    with open(source, "rb") as handle, archive.open(info, "w") as out:
        while size <= listed["size"] and (chunk := handle.read(CHUNK)):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    if digest.hexdigest() != listed["sha256"] or size != listed["size"]:
        raise fail("hash_mismatch", t(
            "照片原件 {file} 的内容与其 SHA-256 名称不符（磁盘上已损坏或被改动）",
            "the photo original {file} does not match its SHA-256 name (damaged or changed on "
            "disk)", file=source))


def _info(name: str, method: int, stamp: tuple[int, ...]) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(stamp[0], stamp[1], stamp[2], stamp[3], stamp[4],
                                            stamp[5]))
    info.compress_type = method
    info.create_system = 3
    info.external_attr = (stat.S_IFREG | 0o644) << 16
    return info
