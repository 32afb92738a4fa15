"""The bundle file: a signed zip of one device's changes and the photos they introduce.

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
import os
import re
import secrets
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, NoReturn, TypeGuard

from inspector.core import faults
from inspector.core.durable import fsync_dir
from inspector.core.errors import InspectorError
from inspector.core.i18n import t
from inspector.core.keys import SIGNATURE_BYTES, DeviceKey, verify

# 2: changes write registers and name what they replaced; photos may be listed as missing.
FORMAT = 2
APP = "green-inspector"
MANIFEST = "manifest.json"
CHANGES = "changes.jsonl"
SIGNATURE = "signature"
PHOTO_EXTENSIONS = ("jpg", "png", "heic")
PHOTO_TABLE = "photos"  # a change to this table's "meta" register names a photo's original
PHOTO_REGISTER = "meta"
MAX_SEQ = 10**12 - 1  # bundle file names hold 12 digits

MANIFEST_FIELDS = frozenset({
    "format", "app", "device", "device_name", "public_key", "first_seq", "last_seq",
    "clock_min", "clock_max", "depends", "counts", "entries", "created_at", "missing_photos"})
CHANGE_FIELDS = frozenset({
    "device", "seq", "hlc", "tbl", "row_id", "reg", "value", "replaces", "actor"})

PHOTO_NAME = re.compile(r"photos/([0-9a-f]{64})\.(jpg|png|heic)")
DEVICE_ID = re.compile(r"[0-9a-f]{16,64}")
HEX64 = re.compile(r"[0-9a-f]{64}")
STAMP = re.compile(r"[0-9]{15}-[0-9]{5}")
BASE = re.compile(r"([0-9a-f]{16,64}):([1-9][0-9]{0,11})")
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
FILE_NAME = re.compile(r"([0-9]{12})-([0-9]{12})\.zip")
DRIVE = re.compile(r"[A-Za-z]:")
MAX_NAME_CHARS = 200
MAX_ROW_ID_CHARS = 1000

CHUNK = 1024 * 1024
STORED, DEFLATED = zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED
FLAG_ENCRYPTED, FLAG_DATA_DESCRIPTOR, FLAG_STRONG_ENCRYPTION, FLAG_UTF8 = 0x1, 0x8, 0x40, 0x800
SATURATED16, SATURATED32 = 0xFFFF, 0xFFFF_FFFF
DIRECTORY_RECORD_ALLOWANCE = 512  # bytes of central directory allowed per entry

END = struct.Struct("<4s4H2LH")  # end of central directory record
END_SIG = b"PK\x05\x06"
END64 = struct.Struct("<4sQ2H2L4Q")
END64_SIG = b"PK\x06\x06"
LOCATOR = struct.Struct("<4sLQL")
LOCATOR_SIG = b"PK\x06\x07"
CENTRAL = struct.Struct("<4s6H3L5H2L")
CENTRAL_SIG = b"PK\x01\x02"
LOCAL = struct.Struct("<4s5H3L2H")
LOCAL_SIG = b"PK\x03\x04"


@dataclass(frozen=True)
class Limits:
    """What a bundle may hold; anything beyond is refused before it is read."""

    max_entries: int = 20_000
    max_entry_bytes: int = 250 * 1024 * 1024
    max_total_bytes: int = 4 * 1024 * 1024 * 1024
    max_ratio: float = 200.0
    ratio_floor_bytes: int = 1024 * 1024  # smaller entries may compress better than max_ratio
    max_manifest_bytes: int = 32 * 1024 * 1024
    max_changes: int = 1_000_000


class BundleError(InspectorError):
    """A bundle that cannot be used (or written). ``code`` says which problem, for programs;
    ``reason`` is the problem without the file name; the message names the file."""

    def __init__(self, path: Path, code: str, reason: str, *, writing: bool = False) -> None:
        if writing:
            message = t("无法写入数据包 {file}：{reason}",
                        "Cannot write the bundle {file}: {reason}", file=path, reason=reason)
        else:
            message = t("数据包 {file} 不能使用：{reason}", "The bundle {file} cannot be used: "
                        "{reason}", file=path, reason=reason)
        super().__init__(message)
        self.path = path
        self.code = code
        self.reason = reason


Fail = Callable[[str, str], BundleError]


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
        temporary = dest.with_name(f".{dest.name}.tmp-{secrets.token_hex(6)}")
        try:
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
                    with open(temporary, "xb") as out:
                        archive.read_entry(entry, _Writer(out.write),
                                           expected_sha=listed["sha256"])
                        out.flush()
                        os.fsync(out.fileno())
                    os.replace(temporary, dest)
                    fsync_dir(dest.parent)
                except (OSError, _WriteFailed) as exc:
                    # this laptop's disk, not the bundle: say so (a full disk, read-only …)
                    cause = exc.__cause__ if isinstance(exc, _WriteFailed) else exc
                    fault = faults.known(cause, dest) if isinstance(cause, OSError) else None
                    raise fault or InspectorError(t(
                        "无法写出照片 {dest}：{e}", "cannot write the photo {dest}: {e}",
                        dest=dest, e=cause)) from exc
        finally:
            temporary.unlink(missing_ok=True)
        return dest


class _WriteFailed(Exception):
    """Writing what was read failed (its __cause__ says why); not the bundle's fault."""


class _Writer:
    def __init__(self, write: Callable[[bytes], object]) -> None:
        self._write = write

    def __call__(self, data: bytes) -> None:
        try:
            self._write(data)
        except OSError as exc:
            raise _WriteFailed() from exc


def bundle_file_name(first_seq: int, last_seq: int) -> str:
    """``000000000001-000000000042.zip``: sorts by sequence number as text."""
    if not 1 <= first_seq <= last_seq <= MAX_SEQ:
        raise ValueError(f"bad sequence range {first_seq}-{last_seq}")
    return f"{first_seq:012d}-{last_seq:012d}.zip"


def parse_bundle_file_name(name: str) -> tuple[int, int] | None:
    """(first_seq, last_seq) of a bundle file name; None for anything else (temporary names,
    conflict copies, other files)."""
    match = FILE_NAME.fullmatch(name.lower())  # FAT sticks and Windows may upper-case it
    if not match:
        return None
    first, last = int(match.group(1)), int(match.group(2))
    return (first, last) if 1 <= first <= last else None


# -- reading --------------------------------------------------------------------------------


def read_manifest(path: Path, limits: Limits = Limits()) -> dict[str, Any]:
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


def read_bundle(path: Path, limits: Limits = Limits()) -> Bundle:
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


@dataclass(frozen=True)
class _Entry:
    name: str
    raw_name: bytes
    flags: int
    method: int
    crc: int
    compressed: int
    size: int
    offset: int  # of the local header
    region_end: int = 0  # where the next entry (or the directory) starts


class _Archive:
    """The directory of an open zip, checked; entries are read on demand, capped."""

    def __init__(self, handle: BinaryIO, path: Path, limits: Limits) -> None:
        self.handle = handle
        self.path = path
        self.limits = limits
        try:
            size = os.fstat(handle.fileno()).st_size
            directory_offset, directory, count = self._directory(size)
        except OSError as exc:
            raise self.fail("unreadable", t("无法读取：{e}", "cannot be read: {e}",
                                            e=exc)) from exc
        self.entries = self._check_entries(self._parse_directory(directory, count),
                                           directory_offset)

    def fail(self, code: str, reason: str) -> BundleError:
        return BundleError(self.path, code, reason)

    # the end record, found from the end of the file

    def _directory(self, size: int) -> tuple[int, bytes, int]:
        handle = self.handle
        if size == 0:
            raise self.fail("truncated", t("文件是空的（可能还在复制中）",
                                           "the file is empty (still being copied?)"))
        handle.seek(0)
        head = handle.read(4)
        tail_start = max(0, size - END.size - 0xFFFF)
        handle.seek(tail_start)
        tail = handle.read()
        # The end record: the last "PK\5\6" whose comment length reaches the end of the file.
        position = tail.rfind(END_SIG)
        while position >= 0 and not (
                position + END.size <= len(tail)
                and position + END.size + END.unpack_from(tail, position)[7] == len(tail)):
            position = tail.rfind(END_SIG, 0, position)
        if position < 0:
            if head in (LOCAL_SIG, END_SIG) or (size < 4 and LOCAL_SIG.startswith(head)):
                raise self.fail("truncated", t(
                    "文件不完整：缺少结尾部分（可能还在复制中，或复制中断）",
                    "the file is incomplete: its end is missing (still being copied, or the "
                    "copy was interrupted)"))
            raise self.fail("not_zip", t("不是 zip 文件", "it is not a zip file"))
        end_at = tail_start + position
        _, disk, directory_disk, here, count, directory_size, directory_offset, _ = \
            END.unpack_from(tail, position)
        directory_end = end_at
        locator_at = position - LOCATOR.size
        if locator_at >= 0 and tail[locator_at:locator_at + 4] == LOCATOR_SIG:
            end64_at = end_at - LOCATOR.size - END64.size
            handle.seek(max(end64_at, 0))
            record = handle.read(END64.size)
            if end64_at < 0 or len(record) != END64.size or record[:4] != END64_SIG:
                raise self.fail("truncated", t(
                    "zip64 目录记录缺失或损坏", "the zip64 directory record is missing or "
                    "damaged"))
            (_, _, _, _, disk, directory_disk, here, count, directory_size,
             directory_offset) = END64.unpack(record)
            directory_end = end64_at
        elif SATURATED16 in (here, count) or SATURATED32 in (directory_size, directory_offset):
            raise self.fail("damaged", t("zip64 目录记录缺失", "the zip64 directory record is "
                                         "missing"))
        if disk or directory_disk or here != count:
            raise self.fail("unsupported", t("分卷 zip 文件不受支持",
                                             "multi-part zip files are not supported"))
        if count > self.limits.max_entries or (
                directory_size > self.limits.max_entries * DIRECTORY_RECORD_ALLOWANCE):
            raise self.fail("too_many_entries", t(
                "条目过多（{n} 个，目录 {size} 字节；上限 {limit} 个）",
                "too many entries ({n}, directory of {size} bytes; the limit is {limit})",
                n=count, size=directory_size, limit=self.limits.max_entries))
        if directory_offset + directory_size != directory_end:
            raise self.fail("truncated", t(
                "文件不完整：目录位置与文件长度不符（开头或中间缺少数据）",
                "the file is incomplete: its directory does not match its length (bytes are "
                "missing at the start or in the middle)"))
        handle.seek(directory_offset)
        directory = handle.read(directory_size)
        if len(directory) != directory_size:
            raise self.fail("truncated", t("目录不完整", "the directory is incomplete"))
        return directory_offset, directory, count

    def _parse_directory(self, directory: bytes, count: int) -> list[_Entry]:
        entries: list[_Entry] = []
        at = 0
        while at < len(directory):
            if len(entries) >= count:
                raise self.fail("damaged", t("目录中的条目多于结尾记录所写",
                                             "the directory holds more entries than its end "
                                             "record says"))
            if at + CENTRAL.size > len(directory):
                raise self.fail("damaged", t("目录损坏", "the directory is damaged"))
            (signature, made_by, _, flags, method, _, _, crc, compressed, size, name_length,
             extra_length, comment_length, _, _, external, offset) = \
                CENTRAL.unpack_from(directory, at)
            if signature != CENTRAL_SIG:
                raise self.fail("damaged", t("目录损坏", "the directory is damaged"))
            at += CENTRAL.size
            raw_name = directory[at:at + name_length]
            extra = directory[at + name_length:at + name_length + extra_length]
            at += name_length + extra_length + comment_length
            if at > len(directory):
                raise self.fail("damaged", t("目录损坏", "the directory is damaged"))
            if SATURATED32 in (size, compressed, offset):
                size, compressed, offset = self._zip64_extra(extra, size, compressed, offset)
            try:
                name = raw_name.decode("utf-8" if flags & FLAG_UTF8 else "cp437")
            except UnicodeDecodeError:
                raise self.fail("entry_name", t(
                    "条目名 {name} 不是有效的 UTF-8", "the entry name {name} is not valid "
                    "UTF-8", name=_show(raw_name))) from None
            mode = external >> 16
            if mode and stat.S_ISLNK(mode):
                raise self.fail("entry_name", t("条目 {name} 是符号链接",
                                                "the entry {name} is a symbolic link",
                                                name=_show(name)))
            dos_folder = made_by >> 8 == 0 and external & 0x10
            if (mode and not stat.S_ISREG(mode)) or dos_folder:
                raise self.fail("entry_name", t("条目 {name} 不是普通文件",
                                                "the entry {name} is not a regular file",
                                                name=_show(name)))
            entries.append(_Entry(name, raw_name, flags, method, crc, compressed, size, offset))
        if len(entries) != count:
            raise self.fail("damaged", t("目录中的条目少于结尾记录所写",
                                         "the directory holds fewer entries than its end "
                                         "record says"))
        return entries

    def _zip64_extra(self, extra: bytes, size: int, compressed: int,
                     offset: int) -> tuple[int, int, int]:
        at = 0
        while at + 4 <= len(extra):
            kind, length = struct.unpack_from("<2H", extra, at)
            data = extra[at + 4:at + 4 + length]
            at += 4 + length
            if kind != 1:
                continue
            values = list(struct.unpack_from(f"<{len(data) // 8}Q", data))
            try:
                if size == SATURATED32:
                    size = values.pop(0)
                if compressed == SATURATED32:
                    compressed = values.pop(0)
                if offset == SATURATED32:
                    offset = values.pop(0)
            except IndexError:
                break
            return size, compressed, offset
        raise self.fail("damaged", t("zip64 扩展字段缺失或损坏",
                                     "a zip64 extra field is missing or damaged"))

    def _check_entries(self, entries: list[_Entry], directory_offset: int) -> dict[str, _Entry]:
        limits = self.limits
        by_name: dict[str, _Entry] = {}
        total = 0
        for entry in entries:
            problem = _name_problem(entry.name)
            if problem:
                raise self.fail("entry_name", t("条目名 {name} 不允许：{problem}",
                                                "the entry name {name} is not allowed: "
                                                "{problem}", name=_show(entry.name),
                                                problem=problem))
            if entry.name in by_name:
                raise self.fail("entry_name", t("条目名 {name} 出现了两次",
                                                "the entry name {name} occurs twice",
                                                name=_show(entry.name)))
            by_name[entry.name] = entry
            if entry.flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION):
                raise self.fail("unsupported", t("条目 {name} 已加密", "the entry {name} is "
                                                 "encrypted", name=entry.name))
            if entry.method not in (STORED, DEFLATED):
                raise self.fail("unsupported", t(
                    "条目 {name} 的压缩方式 {m} 不受支持",
                    "the entry {name} uses compression method {m}, which is not supported",
                    name=entry.name, m=entry.method))
            if entry.size > limits.max_entry_bytes:
                raise self.fail("too_large", t(
                    "条目 {name} 声明 {n} 字节，超过单个条目上限 {limit}",
                    "the entry {name} declares {n} bytes, more than the limit of {limit} per "
                    "entry", name=entry.name, n=entry.size, limit=limits.max_entry_bytes))
            total += entry.size
            if total > limits.max_total_bytes:
                raise self.fail("too_large", t(
                    "条目合计超过 {limit} 字节", "the entries add up to more than {limit} bytes",
                    limit=limits.max_total_bytes))
            if entry.method == STORED and entry.size != entry.compressed:
                raise self.fail("damaged", t("条目 {name} 的大小记录自相矛盾",
                                             "the sizes recorded for {name} contradict each "
                                             "other", name=entry.name))
            if (entry.size > limits.ratio_floor_bytes
                    and entry.size > limits.max_ratio * max(entry.compressed, 1)):
                raise self.fail("compression_ratio", t(
                    "条目 {name} 的压缩比过高（{n} 字节压缩为 {c} 字节），疑似压缩炸弹",
                    "the entry {name} is compressed too well ({n} bytes in {c}): a "
                    "decompression bomb?", name=entry.name, n=entry.size, c=entry.compressed))
        # Entries must not overlap (overlapping entries make small files inflate hugely).
        ordered = sorted(by_name.values(), key=lambda e: e.offset)
        checked: dict[str, _Entry] = {}
        for index, entry in enumerate(ordered):
            end = ordered[index + 1].offset if index + 1 < len(ordered) else directory_offset
            if entry.offset + LOCAL.size + len(entry.raw_name) + entry.compressed > end:
                raise self.fail("overlap", t(
                    "条目 {name} 与其他条目或目录重叠", "the entry {name} overlaps another "
                    "entry or the directory", name=entry.name))
            checked[entry.name] = _replace_end(entry, end)
        return checked

    # reading one entry

    def read_small(self, entry: _Entry, expected_sha: str | None = None) -> bytes:
        """The bytes of an entry whose declared size has been capped already."""
        buffer = bytearray()
        self.read_entry(entry, buffer.extend, expected_sha=expected_sha)
        return bytes(buffer)

    def read_entry(self, entry: _Entry, sink: Callable[[bytes], object],
                   expected_sha: str | None = None) -> None:
        """Inflate an entry into ``sink`` in chunks, never past its declared size; check its
        length, SHA-256 (when given) and CRC."""
        handle = self.handle
        try:
            handle.seek(entry.offset)
            header = handle.read(LOCAL.size)
            if len(header) != LOCAL.size:
                raise self.fail("truncated", t("条目 {name} 不完整", "the entry {name} is "
                                               "incomplete", name=entry.name))
            (signature, _, flags, method, _, _, crc, compressed, size, name_length,
             extra_length) = LOCAL.unpack(header)
            raw_name = handle.read(name_length)
            if signature != LOCAL_SIG or raw_name != entry.raw_name or method != entry.method \
                    or not flags & FLAG_DATA_DESCRIPTOR and any(
                        local not in (central, SATURATED32, 0) for local, central in
                        ((crc, entry.crc), (compressed, entry.compressed),
                         (size, entry.size))):
                raise self.fail("damaged", t(
                    "条目 {name} 的文件头与目录不符", "the header of entry {name} does not "
                    "match the directory", name=entry.name))
            start = entry.offset + LOCAL.size + name_length + extra_length
            if start + entry.compressed > entry.region_end:
                raise self.fail("overlap", t(
                    "条目 {name} 与其他条目或目录重叠", "the entry {name} overlaps another "
                    "entry or the directory", name=entry.name))
            handle.seek(start)
            digest, checksum, produced = self._inflate(entry, sink)
        except OSError as exc:
            raise self.fail("unreadable", t("读取条目 {name} 失败：{e}",
                                            "reading the entry {name} failed: {e}",
                                            name=entry.name, e=exc)) from exc
        if produced != entry.size:
            raise self.fail("damaged", t(
                "条目 {name} 已损坏：只有 {n} 字节，应为 {m} 字节",
                "the entry {name} is damaged: it holds {n} bytes instead of {m}",
                name=entry.name, n=produced, m=entry.size))
        if expected_sha is not None and digest != expected_sha:
            raise self.fail("hash_mismatch", t(
                "条目 {name} 的内容与清单中的 SHA-256 不符（被改动或已损坏）",
                "the content of {name} does not match its SHA-256 in the manifest (altered or "
                "damaged)", name=entry.name))
        photo = PHOTO_NAME.fullmatch(entry.name)
        if photo and digest != photo.group(1):
            raise self.fail("hash_mismatch", t(
                "照片 {name} 的内容与文件名中的 SHA-256 不符",
                "the content of the photo {name} does not match the SHA-256 in its name",
                name=entry.name))
        if checksum != entry.crc:
            raise self.fail("damaged", t("条目 {name} 已损坏（CRC 校验失败）",
                                         "the entry {name} is damaged (CRC check failed)",
                                         name=entry.name))

    def _inflate(self, entry: _Entry,
                 sink: Callable[[bytes], object]) -> tuple[str, int, int]:
        digest = hashlib.sha256()
        checksum = 0
        produced = 0
        inflater = zlib.decompressobj(-15) if entry.method == DEFLATED else None

        def emit(data: bytes) -> None:
            nonlocal checksum, produced
            if not data:
                return
            produced += len(data)
            if produced > entry.size:
                raise self.fail("too_large", t(
                    "条目 {name} 的数据多于声明的 {n} 字节（文件头造假或已损坏），已停止读取",
                    "the entry {name} holds more data than the {n} bytes it declares (a lying "
                    "or damaged header); reading stopped", name=entry.name, n=entry.size))
            checksum = zlib.crc32(data, checksum)
            digest.update(data)
            sink(data)

        remaining = entry.compressed
        try:
            while remaining:
                chunk = self.handle.read(min(CHUNK, remaining))
                if not chunk:
                    raise self.fail("truncated", t("条目 {name} 不完整", "the entry {name} is "
                                                   "incomplete", name=entry.name))
                remaining -= len(chunk)
                if inflater is None:
                    emit(chunk)
                    continue
                if inflater.eof:
                    raise self._trailing(entry)
                data = chunk
                while True:
                    out = inflater.decompress(data, CHUNK)
                    emit(out)
                    data = inflater.unconsumed_tail
                    if inflater.eof:
                        if data or inflater.unused_data:
                            raise self._trailing(entry)
                        break
                    if not data and len(out) < CHUNK:
                        break
        except zlib.error as exc:
            raise self.fail("damaged", t("条目 {name} 的压缩数据已损坏：{e}",
                                         "the compressed data of {name} is damaged: {e}",
                                         name=entry.name, e=exc)) from exc
        if inflater is not None and not inflater.eof:
            raise self.fail("damaged", t("条目 {name} 的压缩数据提前结束",
                                         "the compressed data of {name} ends early",
                                         name=entry.name))
        return digest.hexdigest(), checksum, produced

    def _trailing(self, entry: _Entry) -> BundleError:
        return self.fail("damaged", t("条目 {name} 的压缩数据之后还有多余数据",
                                      "the compressed data of {name} is followed by extra "
                                      "bytes", name=entry.name))


def _replace_end(entry: _Entry, end: int) -> _Entry:
    return _Entry(entry.name, entry.raw_name, entry.flags, entry.method, entry.crc,
                  entry.compressed, entry.size, entry.offset, end)


def _name_problem(name: str) -> str | None:
    if "\x00" in name:
        return t("含有空字符", "it contains a NUL character")
    if DRIVE.match(name):
        return t("带有盘符", "it starts with a drive letter")
    if "\\" in name:
        return t("含有反斜杠", "it contains a backslash")
    if name.startswith("/"):
        return t("是绝对路径", "it is an absolute path")
    parts = name.split("/")
    if ".." in parts:
        return t("含有上级目录“..”", "it contains a parent directory '..'")
    if "" in parts:
        return t("含有空的路径部分（目录条目或“//”）",
                 "it has an empty path component (a folder entry or '//')")
    if name in (MANIFEST, CHANGES, SIGNATURE) or PHOTO_NAME.fullmatch(name):
        return None
    return t("数据包只能包含 manifest.json、changes.jsonl、signature 和 "
             "photos/<sha256>.jpg|png|heic",
             "a bundle holds only manifest.json, changes.jsonl, signature and "
             "photos/<sha256>.jpg|png|heic")


# -- manifest and changes --------------------------------------------------------------------


def _load_manifest(data: bytes, fail: Fail) -> dict[str, Any]:
    """Parse manifest.json far enough to check the format and the signature."""
    try:
        manifest = _json_loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise fail("manifest_schema", t("manifest.json 不是有效的 JSON：{e}",
                                        "manifest.json is not valid JSON: {e}",
                                        e=exc)) from exc
    if not isinstance(manifest, dict):
        raise fail("manifest_schema", t("manifest.json 不是 JSON 对象",
                                        "manifest.json is not a JSON object"))
    if manifest.get("app") != APP:
        raise fail("manifest_schema", t("不是本程序的数据包（app 字段不符）",
                                        "it is not a bundle of this program (field \"app\")"))
    version = manifest.get("format")
    if not _is_int(version) or version < 1:
        raise fail("manifest_schema", t("格式版本无效", "the format version is not valid"))
    if version < FORMAT:
        raise fail("old_format", t(
            "由升级前的程序生成（格式 {v}）；升级时数据已并入，无需导入",
            "it was made before the upgrade (format {v}); its data was carried over at the "
            "upgrade, nothing to import", v=version))
    if version > FORMAT:
        raise fail("format_version", t(
            "由更新版本的程序生成（格式 {v}，本程序只能读取格式 {ours}）：请升级本程序",
            "it was made by a newer version of the program (format {v}; this one reads format "
            "{ours}): update this program", v=version, ours=FORMAT))
    key = manifest.get("public_key")
    if not isinstance(key, str) or not HEX64.fullmatch(key):
        raise fail("manifest_schema", t("public_key 字段无效",
                                        "the field \"public_key\" is not valid"))
    return manifest


def _check_manifest(manifest: Mapping[str, Any], fail: Fail, limits: Limits) -> None:
    def bad(field_name: str, zh: str, en: str) -> BundleError:
        return fail("manifest_schema", t("manifest.json 的字段 {f} {d}",
                                         "manifest.json: the field \"{f}\" {d}",
                                         f=field_name, d=t(zh, en)))

    missing = MANIFEST_FIELDS - set(manifest)
    unknown = set(manifest) - MANIFEST_FIELDS
    if missing:
        raise fail("manifest_schema", t("manifest.json 缺少字段 {f}",
                                        "manifest.json lacks the fields {f}",
                                        f=", ".join(sorted(missing))))
    if unknown:
        raise fail("manifest_schema", t("manifest.json 有未知字段 {f}",
                                        "manifest.json has unknown fields {f}",
                                        f=", ".join(sorted(unknown))))
    device = manifest["device"]
    if not isinstance(device, str) or not DEVICE_ID.fullmatch(device):
        raise bad("device", "不是设备编号（16–64 位小写十六进制）",
                  "is not a device id (16-64 lowercase hex digits)")
    name = manifest["device_name"]
    if not isinstance(name, str) or len(name) > MAX_NAME_CHARS:
        raise bad("device_name", "不是不超过 200 字的文本", "is not a text of up to 200 characters")
    first, last = manifest["first_seq"], manifest["last_seq"]
    for key, value in (("first_seq", first), ("last_seq", last)):
        if not _is_int(value) or not 1 <= value <= MAX_SEQ:
            raise bad(key, "不是正整数", "is not a positive integer")
    if first > last:
        raise bad("first_seq", "大于 last_seq", "is greater than last_seq")
    low, high = manifest["clock_min"], manifest["clock_max"]
    for key, value in (("clock_min", low), ("clock_max", high)):
        if not isinstance(value, str) or not STAMP.fullmatch(value):
            raise bad(key, "不是时钟戳", "is not a clock stamp")
    if low > high:
        raise bad("clock_min", "晚于 clock_max", "is later than clock_max")
    depends = manifest["depends"]
    if not isinstance(depends, dict) or not all(
            DEVICE_ID.fullmatch(k) and _is_int(v) and 1 <= v <= MAX_SEQ
            for k, v in depends.items()):
        raise bad("depends", "不是 {设备编号: 序号} 对象", "is not a {device id: seq} object")
    if depends.get(device, 0) >= first:
        raise bad("depends", "依赖本数据包自己的变更", "depends on this bundle's own changes")
    counts = manifest["counts"]
    if not isinstance(counts, dict) or set(counts) != {"changes", "photos"} or not all(
            _is_int(v) and v >= 0 for v in counts.values()):
        raise bad("counts", "不是 {changes: n, photos: m} 对象",
                  "is not a {changes: n, photos: m} object")
    if counts["changes"] != last - first + 1:
        raise fail("count_mismatch", t(
            "清单记录 {n} 条变更，但序号 {a}–{b} 应有 {m} 条",
            "the manifest counts {n} changes but sequence numbers {a}-{b} make {m}",
            n=counts["changes"], a=first, b=last, m=last - first + 1))
    if counts["changes"] > limits.max_changes:
        raise fail("too_large", t("变更过多（{n} 条，上限 {limit}）",
                                  "too many changes ({n}; the limit is {limit})",
                                  n=counts["changes"], limit=limits.max_changes))
    entries = manifest["entries"]
    if not isinstance(entries, dict):
        raise bad("entries", "不是对象", "is not an object")
    for entry_name, listed in entries.items():
        if entry_name != CHANGES and not PHOTO_NAME.fullmatch(entry_name):
            raise bad("entries", f"列出了不允许的条目 {_show(entry_name)}",
                      f"lists an entry that is not allowed: {_show(entry_name)}")
        if not isinstance(listed, dict) or set(listed) != {"sha256", "size"} or not (
                isinstance(listed["sha256"], str) and HEX64.fullmatch(listed["sha256"])
                and _is_int(listed["size"]) and listed["size"] >= 0):
            raise bad("entries", f"中 {_show(entry_name)} 不是 {{sha256, size}} 对象",
                      f"has no valid {{sha256, size}} for {_show(entry_name)}")
        photo = PHOTO_NAME.fullmatch(entry_name)
        if photo and photo.group(1) != listed["sha256"]:
            raise bad("entries", f"中 {_show(entry_name)} 的 SHA-256 与名称不符",
                      f"gives {_show(entry_name)} a SHA-256 other than its name")
    if CHANGES not in entries:
        raise bad("entries", "没有列出 changes.jsonl", "does not list changes.jsonl")
    photos = len(entries) - 1
    if counts["photos"] != photos:
        raise fail("count_mismatch", t(
            "清单记录 {n} 张照片，但列出了 {m} 张", "the manifest counts {n} photos but lists "
            "{m}", n=counts["photos"], m=photos))
    missing_photos = manifest["missing_photos"]
    if not isinstance(missing_photos, list) or not all(
            isinstance(name, str) and PHOTO_NAME.fullmatch(name) and name not in entries
            for name in missing_photos):
        raise bad("missing_photos", "不是未附带的照片名称列表",
                  "is not a list of photo names that are not in the bundle")
    created = manifest["created_at"]
    try:
        if not isinstance(created, str) or datetime.fromisoformat(created).tzinfo is None:
            raise ValueError(created)
    except ValueError:
        raise bad("created_at", "不是带时区的 ISO 时间",
                  "is not an ISO time with an offset") from None


def _parse_changes(data: bytes, manifest: Mapping[str, Any],
                   fail: Fail) -> list[dict[str, Any]]:
    def bad(line: int, zh: str, en: str, **params: Any) -> BundleError:
        return fail("changes_schema", t("changes.jsonl 第 {line} 行：" + zh,
                                        "changes.jsonl line {line}: " + en, line=line,
                                        **params))

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise fail("changes_schema", t("changes.jsonl 不是 UTF-8 文本：{e}",
                                       "changes.jsonl is not UTF-8 text: {e}", e=exc)) from exc
    if text and not text.endswith("\n"):
        raise fail("changes_schema", t("changes.jsonl 最后一行不完整",
                                       "the last line of changes.jsonl is incomplete"))
    lines = text.split("\n")[:-1]
    expected_count = manifest["counts"]["changes"]
    if len(lines) != expected_count:
        raise fail("count_mismatch", t(
            "changes.jsonl 有 {n} 行，清单记录 {m} 条变更",
            "changes.jsonl has {n} lines but the manifest counts {m} changes",
            n=len(lines), m=expected_count))
    decoded: list[Any] = []
    for number, line in enumerate(lines, 1):
        try:
            decoded.append(_json_loads(line))
        except ValueError as exc:
            raise bad(number, "不是有效的 JSON：{e}", "not valid JSON: {e}", e=exc) from exc
    return _check_changes(decoded, manifest, fail)


def _check_changes(decoded: Sequence[Any], manifest: Mapping[str, Any],
                   fail: Fail) -> list[dict[str, Any]]:
    """Every change as the reader accepts it (the writer checks the same, without decoding
    the JSON it has just made)."""
    def bad(line: int, zh: str, en: str, **params: Any) -> BundleError:
        return fail("changes_schema", t("changes.jsonl 第 {line} 行：" + zh,
                                        "changes.jsonl line {line}: " + en, line=line,
                                        **params))

    device, first = manifest["device"], manifest["first_seq"]
    low, high = manifest["clock_min"], manifest["clock_max"]
    changes: list[dict[str, Any]] = []
    for number, change in enumerate(decoded, 1):
        if not isinstance(change, dict):
            raise bad(number, "不是 JSON 对象", "not a JSON object")
        if set(change) != CHANGE_FIELDS:
            raise bad(number, "字段应为 {f}", "the fields must be {f}",
                      f=", ".join(sorted(CHANGE_FIELDS)))
        if change["device"] != device:
            raise bad(number, "来自另一台设备 {d}", "a change from another device {d}",
                      d=_show(change["device"]))
        seq, wanted = change["seq"], first + number - 1
        if not _is_int(seq) or seq != wanted:
            raise bad(number, "序号是 {s}，应为 {w}（缺号、重复或次序错乱）",
                      "sequence number {s}, expected {w} (a gap, a repeat or out of order)",
                      s=_show(seq), w=wanted)
        hlc = change["hlc"]
        if not isinstance(hlc, str) or not STAMP.fullmatch(hlc):
            raise bad(number, "hlc 不是时钟戳", "hlc is not a clock stamp")
        if not low <= hlc <= high:
            raise bad(number, "时钟戳 {h} 不在清单的范围 {a}–{b} 内",
                      "clock stamp {h} outside the manifest's range {a}-{b}",
                      h=hlc, a=low, b=high)
        for key in ("tbl", "reg"):
            if not isinstance(change[key], str) or not IDENTIFIER.fullmatch(change[key]):
                raise bad(number, "{k} 不是名称", "{k} is not a name", k=key)
        row_id = change["row_id"]
        if not isinstance(row_id, str) or not 0 < len(row_id) <= MAX_ROW_ID_CHARS:
            raise bad(number, "row_id 不是非空文本", "row_id is not a non-empty text")
        value = change["value"]
        # The shape only (the merge parses it and checks every column before writing).
        if not isinstance(value, str) or not (value.startswith("{") and value.endswith("}")):
            raise bad(number, "value 不是 JSON 对象文本", "value is not the text of a JSON "
                      "object")
        replaces = change["replaces"]
        try:
            if replaces is not None:
                listed = _json_loads(replaces) if isinstance(replaces, str) else None
                if not isinstance(listed, list) or not listed or not all(
                        isinstance(v, str) and BASE.fullmatch(v) for v in listed):
                    raise ValueError(replaces)
        except ValueError:
            raise bad(number, "replaces 不是“设备:序号”列表的 JSON 文本或 null",
                      "replaces is not the JSON text of a list of \"device:seq\", nor null"
                      ) from None
        if change["actor"] is not None and not isinstance(change["actor"], str):
            raise bad(number, "actor 不是文本或 null", "actor is not text or null")
        changes.append(change)
    return changes


def _check_photos_named(changes: Sequence[Mapping[str, Any]], photo_names: set[str],
                        fail: Fail, missing: Sequence[str] = ()) -> None:
    """A photo row introduced by these changes (its "meta" register) comes with its original,
    or is listed as missing (the author no longer had it)."""
    for change in changes:
        if change["tbl"] != PHOTO_TABLE or change["reg"] != PHOTO_REGISTER:
            continue
        ext = json.loads(change["value"]).get("ext")
        name = f"photos/{change['row_id']}.{ext}"
        if not PHOTO_NAME.fullmatch(name):
            raise fail("changes_schema", t(
                "变更 {seq} 的照片编号或扩展名无效", "change {seq} names a photo with an id or "
                "extension that is not valid", seq=change["seq"]))
        if name not in photo_names and name not in missing:
            raise fail("missing_photo", t(
                "变更 {seq} 引入的照片 {name} 不在数据包中",
                "the photo {name} introduced by change {seq} is not in the bundle",
                name=name, seq=change["seq"]))


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

    temporary = path.with_name(f"{path.name}.tmp-{secrets.token_hex(6)}")
    stamp = datetime.now().timetuple()[:6]
    try:
        with open(temporary, "xb") as raw:
            with zipfile.ZipFile(raw, "w") as archive:
                archive.writestr(_info(MANIFEST, DEFLATED, stamp), manifest_bytes)
                archive.writestr(_info(SIGNATURE, STORED, stamp), signature)
                archive.writestr(_info(CHANGES, DEFLATED, stamp), changes_bytes)
                for name, source in photos.items():
                    _copy_photo(archive, _info(name, STORED, stamp), source, entries[name],
                                fail)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(temporary, path)
        fsync_dir(path.parent)
    except OSError as exc:
        raise fail("write_failed", t("写入失败：{e}", "writing failed: {e}", e=exc)) from exc
    finally:
        temporary.unlink(missing_ok=True)
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


# -- small helpers ----------------------------------------------------------------------------


def _open(path: Path) -> BinaryIO:
    try:
        return open(path, "rb")
    except OSError as exc:
        raise BundleError(path, "unreadable", t("无法打开：{e}", "cannot be opened: {e}",
                                                e=exc)) from exc


def _json_loads(text: str) -> Any:
    """json.loads refusing duplicate keys and NaN/Infinity (ambiguous in a signed file)."""
    return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not allowed")


def _is_int(value: object) -> TypeGuard[int]:
    return type(value) is int


def _photo_sha(name: str) -> str:
    return name.removeprefix("photos/").partition(".")[0]


def _show(value: object) -> str:
    text = repr(value.decode("latin-1") if isinstance(value, bytes) else value)
    return text if len(text) <= 120 else text[:117] + "..."


def _discard(_data: bytes) -> None:
    return None


