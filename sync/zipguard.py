"""Reading an untrusted zip without trusting it: the guard under every bundle read.

The zip directory is parsed here (not by ``zipfile``) so the number of entries is known
from the end record before a single entry is looked at; names, types, sizes, compression
ratios and overlaps are checked from the directory; every entry is inflated in chunks with
a cap at its declared size and hashed. Nothing here knows what a bundle holds.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from inspector.core.errors import InspectorError
from inspector.core.i18n import t

# The entries a bundle may hold (anything else is refused by name before it is read).
MANIFEST = "manifest.json"
CHANGES = "changes.jsonl"
SIGNATURE = "signature"
PHOTO_NAME = re.compile(r"photos/([0-9a-f]{64})\.(jpg|png|heic)")
DRIVE = re.compile(r"[A-Za-z]:")

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


# -- small helpers ----------------------------------------------------------------------------


def _open(path: Path) -> BinaryIO:
    try:
        return open(path, "rb")
    except OSError as exc:
        raise BundleError(path, "unreadable", t("无法打开：{e}", "cannot be opened: {e}",
                                                e=exc)) from exc


def _show(value: object) -> str:
    text = repr(value.decode("latin-1") if isinstance(value, bytes) else value)
    return text if len(text) <= 120 else text[:117] + "..."


def _discard(_data: bytes) -> None:
    return None
