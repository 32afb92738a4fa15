"""Bundles: the signed zip format, and everything a damaged or hostile file can try.

Hostile zips are built by hand (``build_zip``) so that names, sizes, modes and directory
records can say whatever a test needs, the same way on every operating system.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import struct
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from inspector.core import i18n
from inspector.core.keys import DeviceKey, KeyFileError, fingerprint, verify
from sync import bundle as bundle_module
from sync.bundle import (
    Bundle,
    BundleError,
    Limits,
    bundle_file_name,
    parse_bundle_file_name,
    read_bundle,
    write_bundle,
)

DEVICE = "0123456789abcdef" * 2
OTHER_DEVICE = "fedcba9876543210" * 2
MiB = 1024 * 1024


# -- building bundles -----------------------------------------------------------------------


def stamp(n: int) -> str:
    return f"{1795948657000 + n:015d}-{n % 7:05d}"


def change(seq: int, **fields: Any) -> dict[str, Any]:
    return {"device": DEVICE, "seq": seq, "hlc": stamp(seq), "tbl": "findings",
            "row_id": f"row-{seq}", "reg": "status", "value": json.dumps({"status": "open"}),
            "replaces": None if seq == 1 else json.dumps([f"{DEVICE}:{seq - 1}"]),
            "actor": "王建国", **fields}


def photo_change(seq: int, sha: str, ext: str) -> dict[str, Any]:
    return change(seq, tbl="photos", row_id=sha, reg="meta", value=json.dumps({"ext": ext}),
                  replaces=None)


@dataclass
class Sample:
    path: Path
    changes: list[dict[str, Any]]
    photos: dict[str, bytes]  # entry name -> bytes
    key: DeviceKey


@pytest.fixture
def key() -> DeviceKey:
    return DeviceKey.generate()


@pytest.fixture
def sample(tmp_path: Path, key: DeviceKey) -> Sample:
    """A valid bundle: seqs 1-5, two photos (a JPEG given by entry name, a PNG by sha)."""
    jpeg = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 400 + b"\xff\xd9"
    png = b"\x89PNG\r\n\x1a\n" + os.urandom(3000)
    sha_jpeg, sha_png = hashlib.sha256(jpeg).hexdigest(), hashlib.sha256(png).hexdigest()
    (tmp_path / "a.jpg").write_bytes(jpeg)
    (tmp_path / "b.PNG").write_bytes(png)
    changes = [change(1), photo_change(2, sha_jpeg, "jpg"), change(3, actor=None),
               photo_change(4, sha_png, "png"), change(5, value=json.dumps({"status": None}))]
    path = write_bundle(tmp_path / bundle_file_name(1, 5),
                        {"device": DEVICE, "device_name": "一号笔记本",
                         "depends": {OTHER_DEVICE: 17}},
                        changes, {f"photos/{sha_jpeg}.jpg": tmp_path / "a.jpg",
                                  sha_png: tmp_path / "b.PNG"}, key)
    return Sample(path, changes, {f"photos/{sha_jpeg}.jpg": jpeg, f"photos/{sha_png}.png": png},
                  key)


def refused(path: Path, *codes: str, limits: Limits | None = None) -> BundleError:
    with pytest.raises(BundleError) as caught:
        read_bundle(path, limits or Limits())
    error = caught.value
    assert error.code in codes, f"{error.code}: {error}"
    assert str(path) in str(error), "the message names the file"
    assert error.reason and error.reason in str(error)
    return error


# -- hand-made zips ---------------------------------------------------------------------------


@dataclass
class Raw:
    name: str | bytes
    payload: bytes  # the bytes as stored in the file
    method: int = zipfile.ZIP_STORED
    crc: int | None = None  # of the uncompressed data; default: of the payload
    size: int | None = None  # declared uncompressed size; default: the payload's length
    mode: int = stat.S_IFREG | 0o644


def raw(name: str | bytes, data: bytes, deflate: bool = False, **kw: Any) -> Raw:
    if not deflate:
        return Raw(name, data, **kw)
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    return Raw(name, packer.compress(data) + packer.flush(), zipfile.ZIP_DEFLATED,
               zlib.crc32(data), len(data), **kw)


def build_zip(path: Path, entries: Iterable[Raw], declared_count: int | None = None) -> None:
    local: list[bytes] = []
    central: list[bytes] = []
    offset = count = 0
    for entry in entries:
        name = entry.name.encode("utf-8") if isinstance(entry.name, str) else entry.name
        crc = zlib.crc32(entry.payload) if entry.crc is None else entry.crc
        size = len(entry.payload) if entry.size is None else entry.size
        header = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0x800, entry.method, 0, 0x21,
                             crc, len(entry.payload), size, len(name), 0)
        central.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", (3 << 8) | 20, 20, 0x800,
                                   entry.method, 0, 0x21, crc, len(entry.payload), size,
                                   len(name), 0, 0, 0, 0, entry.mode << 16, offset) + name)
        local += [header, name, entry.payload]
        offset += len(header) + len(name) + len(entry.payload)
        count += 1
    directory = b"".join(central)
    count = count if declared_count is None else declared_count
    tail = b""
    if count > 0xFFFF:
        end64_at = offset + len(directory)
        tail = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count,
                           len(directory), offset)
        tail += struct.pack("<4sLQL", b"PK\x06\x07", 0, end64_at, 1)
    tail += struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, min(count, 0xFFFF),
                        min(count, 0xFFFF), len(directory), offset, 0)
    with open(path, "wb") as out:
        out.write(b"".join(local))
        out.write(directory)
        out.write(tail)


def manifest_for(key: DeviceKey, changes_bytes: bytes, photos: dict[str, bytes],
                 **overrides: Any) -> dict[str, Any]:
    entries = {"changes.jsonl": {"sha256": hashlib.sha256(changes_bytes).hexdigest(),
                                 "size": len(changes_bytes)}}
    entries.update({name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
                    for name, data in photos.items()})
    lines = [json.loads(line) for line in changes_bytes.decode("utf-8").splitlines()]
    manifest = {
        "format": 2, "app": "green-inspector", "device": DEVICE, "device_name": "测试",
        "public_key": key.public_hex(), "first_seq": lines[0]["seq"],
        "last_seq": lines[-1]["seq"], "clock_min": min(c["hlc"] for c in lines),
        "clock_max": max(c["hlc"] for c in lines), "depends": {},
        "counts": {"changes": len(lines), "photos": len(photos)}, "entries": entries,
        "created_at": "2026-11-29T10:00:00+08:00", "missing_photos": []}
    manifest.update(overrides)
    return manifest


def jsonl(changes: Iterable[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in changes).encode("utf-8")


def forge(path: Path, key: DeviceKey, *, changes: bytes, photos: dict[str, bytes] | None = None,
          manifest: dict[str, Any] | None = None, extra: Iterable[Raw] = (),
          signer: DeviceKey | None = None, edit: Callable[[dict[str, Any]], None] | None = None,
          stored_photos: Iterable[Raw] | None = None) -> Path:
    """A bundle written by hand: anything can be wrong in it."""
    photos = photos or {}
    manifest = manifest or manifest_for(key, changes, photos)
    if edit:
        edit(manifest)
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, sort_keys=True).encode("utf-8")
    signature = (signer or key).sign(manifest_bytes)
    entries = [raw("manifest.json", manifest_bytes, deflate=True), raw("signature", signature),
               raw("changes.jsonl", changes, deflate=True)]
    if stored_photos is None:
        entries += [raw(name, data) for name, data in photos.items()]
    else:
        entries += list(stored_photos)
    build_zip(path, [*entries, *extra])
    return path


def parts_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def rebuild(source: Path, target: Path, replace: dict[str, bytes] | None = None,
            extra: Iterable[Raw] = ()) -> Path:
    """The same entries (some replaced), without signing anything again."""
    parts = {**parts_of(source), **(replace or {})}
    build_zip(target, [*(raw(name, data, deflate=name.endswith(("json", "jsonl")))
                         for name, data in parts.items()), *extra])
    return target


def deflated_zeros(total: int) -> tuple[bytes, int]:
    """A raw deflate stream of ``total`` zero bytes, made without compressing them all: one
    fully flushed block of 1 MiB of zeros is the same bytes every time, so it is repeated."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    zero = bytes(MiB)
    block = packer.compress(zero) + packer.flush(zlib.Z_FULL_FLUSH)
    assert block == packer.compress(zero) + packer.flush(zlib.Z_FULL_FLUSH)
    stream = block * (total // MiB) + packer.flush()
    crc = 0
    for _ in range(total // MiB):
        crc = zlib.crc32(zero, crc)
    return stream, crc


def flip_byte_in(path: Path, name: str) -> None:
    """Flip one byte in the middle of the stored (maybe compressed) data of an entry."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
    data = bytearray(path.read_bytes())
    name_length, extra_length = struct.unpack_from("<2H", data, info.header_offset + 26)
    start = info.header_offset + 30 + name_length + extra_length
    data[start + info.compress_size // 2] ^= 0x55
    path.write_bytes(bytes(data))


# -- the good path ----------------------------------------------------------------------------


def test_round_trip_keeps_changes_and_photos_byte_for_byte(sample: Sample,
                                                           tmp_path: Path) -> None:
    bundle = read_bundle(sample.path)
    assert bundle.changes == sample.changes
    assert (bundle.device, bundle.device_name) == (DEVICE, "一号笔记本")
    assert (bundle.first_seq, bundle.last_seq) == (1, 5)
    assert (bundle.clock_min, bundle.clock_max) == (stamp(1), stamp(5))
    assert bundle.depends == {OTHER_DEVICE: 17}
    assert bundle.public_key == sample.key.public_hex()
    assert bundle.photo_names == sorted(sample.photos)
    assert bundle.photo_sha256s() == [name[7:71] for name in sorted(sample.photos)]
    assert bundle.manifest["counts"] == {"changes": 5, "photos": 2}
    for name, data in sample.photos.items():
        target = tmp_path / "out" / Path(name).name
        target.parent.mkdir(exist_ok=True)
        assert bundle.extract_photo(name, target) == target
        assert target.read_bytes() == data
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        Path(n).name for n in sample.photos), "no temporary files left"
    with zipfile.ZipFile(sample.path) as archive:
        assert archive.testzip() is None  # an ordinary zip that other tools can open
        methods = {i.filename: i.compress_type for i in archive.infolist()}
    assert methods["changes.jsonl"] == methods["manifest.json"] == zipfile.ZIP_DEFLATED
    assert all(methods[name] == zipfile.ZIP_STORED for name in sample.photos)
    assert verify(sample.key.public_hex(), parts_of(sample.path)["signature"],
                  parts_of(sample.path)["manifest.json"])


def test_the_same_file_read_twice_gives_the_same_result(sample: Sample) -> None:
    before = sample.path.read_bytes()
    first, second = read_bundle(sample.path), read_bundle(sample.path)
    assert first == second
    assert first.changes is not second.changes
    assert sample.path.read_bytes() == before, "reading changes nothing"


def test_writing_leaves_only_the_finished_file(sample: Sample) -> None:
    assert [p.name for p in sample.path.parent.glob("*.zip*")] == [sample.path.name]
    assert parse_bundle_file_name(sample.path.name) == (1, 5)


def test_bundle_file_names_sort_and_parse() -> None:
    assert bundle_file_name(1, 42) == "000000000001-000000000042.zip"
    assert sorted([bundle_file_name(100, 120), bundle_file_name(9, 99)])[0].startswith("0000000"
                                                                                      "00009")
    assert parse_bundle_file_name(bundle_file_name(7, 9)) == (7, 9)
    for name in ("000000000001-000000000042.zip.tmp-1a2b", ".syncthing.x.zip.tmp",
                 "000000000001-000000000042.sync-conflict-20261129.zip", "1-42.zip",
                 "000000000042-000000000001.zip", "000000000000-000000000001.zip", "x.zip"):
        assert parse_bundle_file_name(name) is None, name
    with pytest.raises(ValueError):
        bundle_file_name(5, 4)


# -- truncated, damaged, tampered -------------------------------------------------------------


@pytest.mark.parametrize("keep", ["nothing", "start", "middle", "all_but_last_byte"])
def test_a_truncated_bundle_is_refused(sample: Sample, keep: str) -> None:
    data = sample.path.read_bytes()
    cut = {"nothing": 0, "start": 10, "middle": len(data) // 2,
           "all_but_last_byte": len(data) - 1}[keep]
    sample.path.write_bytes(data[:cut])
    error = refused(sample.path, "truncated")
    assert "incomplete" in error.reason or "不完整" in error.reason or "空" in error.reason


@pytest.mark.parametrize("missing", [1, 40, 4096])
def test_a_bundle_missing_its_first_bytes_is_refused(sample: Sample, missing: int) -> None:
    sample.path.write_bytes(sample.path.read_bytes()[missing:])
    refused(sample.path, "truncated", "not_zip")


def test_something_that_is_not_a_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / bundle_file_name(1, 1)
    path.write_text("这不是数据包\n" * 100, encoding="utf-8")
    refused(path, "not_zip")


@pytest.mark.parametrize("entry", ["photo", "changes.jsonl", "manifest.json"])
def test_one_flipped_byte_is_refused(sample: Sample, entry: str) -> None:
    name = min(sample.photos) if entry == "photo" else entry
    flip_byte_in(sample.path, name)
    if entry == "photo":  # stored as is: the hash finds it
        refused(sample.path, "hash_mismatch")
    else:  # deflated: the inflater, the length, the hash or the CRC finds it
        refused(sample.path, "hash_mismatch", "damaged", "signature", "too_large")


def test_a_changed_manifest_no_longer_matches_its_signature(sample: Sample,
                                                            tmp_path: Path) -> None:
    manifest = json.loads(parts_of(sample.path)["manifest.json"])
    manifest["depends"] = {}  # pretend the author had seen nothing
    forged = rebuild(sample.path, tmp_path / "forged.zip",
                     {"manifest.json": json.dumps(manifest).encode("utf-8")})
    refused(forged, "signature")


def test_changed_changes_no_longer_match_the_manifest(sample: Sample, tmp_path: Path) -> None:
    text = parts_of(sample.path)["changes.jsonl"].decode("utf-8")
    altered = text.replace('"row-3"', '"row-9"')
    assert altered != text
    forged = rebuild(sample.path, tmp_path / "forged.zip",
                     {"changes.jsonl": altered.encode("utf-8")})
    refused(forged, "hash_mismatch")


def test_a_bundle_signed_by_another_key_is_refused(tmp_path: Path, key: DeviceKey) -> None:
    path = forge(tmp_path / "b.zip", key, changes=jsonl([change(1)]),
                 signer=DeviceKey.generate())
    refused(path, "signature")


def test_the_signature_entry_must_be_64_bytes(sample: Sample, tmp_path: Path) -> None:
    forged = rebuild(sample.path, tmp_path / "forged.zip", {"signature": b"\x00" * 63})
    refused(forged, "signature")


def test_a_bundle_signed_by_any_key_names_that_key(tmp_path: Path, key: DeviceKey) -> None:
    """Valid under its own key: trusting that key for the device is the caller's check."""
    stranger = DeviceKey.generate()
    path = forge(tmp_path / "b.zip", stranger, changes=jsonl([change(1)]))
    assert read_bundle(path).public_key == stranger.public_hex() != key.public_hex()


# -- zip slip and other entry names -----------------------------------------------------------


@pytest.mark.parametrize("name", [
    "../x", "a/../../x", "/etc/x", "C:\\x", "C:/x", "photos\\..\\x", "photos/../../x",
    "photos/..", "photos/", "photos//" + "a" * 64 + ".jpg", "./manifest.json",
    "manifest.json\x00../x", "photos/" + "A" * 64 + ".jpg", "photos/" + "a" * 64 + ".exe",
    "photos/" + "a" * 63 + ".jpg", "readme.txt", "Manifest.json", "photos/x/../" + "a" * 64,
])
def test_entry_names_outside_the_allowed_set_are_refused(tmp_path: Path, key: DeviceKey,
                                                         name: str) -> None:
    path = forge(tmp_path / "b.zip", key, changes=jsonl([change(1)]),
                 extra=[raw(name, b"owned")])
    refused(path, "entry_name")


def test_a_symlink_entry_is_refused(tmp_path: Path, key: DeviceKey) -> None:
    name = "photos/" + "b" * 64 + ".jpg"
    path = forge(tmp_path / "b.zip", key, changes=jsonl([change(1)]),
                 extra=[raw(name, b"/etc/passwd", mode=stat.S_IFLNK | 0o777)])
    error = refused(path, "entry_name")
    assert "符号链接" in error.reason


def test_a_duplicate_entry_name_is_refused(sample: Sample, tmp_path: Path) -> None:
    forged = rebuild(sample.path, tmp_path / "forged.zip",
                     extra=[raw("changes.jsonl", b"{}\n", deflate=True)])
    error = refused(forged, "entry_name")
    assert "两次" in error.reason


def test_an_unlisted_extra_entry_is_refused(sample: Sample, tmp_path: Path) -> None:
    data = b"\xff\xd8 not listed"
    forged = rebuild(sample.path, tmp_path / "forged.zip",
                     extra=[raw(f"photos/{hashlib.sha256(data).hexdigest()}.jpg", data)])
    refused(forged, "extra_entry")


def test_a_listed_entry_that_is_missing_is_refused(tmp_path: Path, key: DeviceKey) -> None:
    data = b"\xff\xd8 a photo"
    name = f"photos/{hashlib.sha256(data).hexdigest()}.jpg"
    changes = jsonl([change(1)])
    path = forge(tmp_path / "b.zip", key, changes=changes,
                 manifest=manifest_for(key, changes, {name: data}), stored_photos=[])
    refused(path, "missing_entry")


def test_a_photo_whose_name_is_not_its_hash_is_refused(tmp_path: Path, key: DeviceKey) -> None:
    data = b"\xff\xd8 a photo"
    name = "photos/" + "c" * 64 + ".jpg"
    changes = jsonl([change(1)])
    manifest = manifest_for(key, changes, {})
    manifest["entries"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    manifest["counts"]["photos"] = 1
    path = forge(tmp_path / "b.zip", key, changes=changes, manifest=manifest,
                 stored_photos=[raw(name, data)])
    refused(path, "manifest_schema")


def test_overlapping_entries_are_refused(tmp_path: Path, key: DeviceKey) -> None:
    """Entries sharing bytes are how small zips inflate hugely (overlapping-file bombs)."""
    path = forge(tmp_path / "b.zip", key, changes=jsonl([change(1)]))
    data = bytearray(path.read_bytes())
    directory_at = struct.unpack_from("<L", data, len(data) - 6)[0]
    # manifest.json (the first record) now claims compressed data running into the next entry
    compressed = struct.unpack_from("<L", data, directory_at + 20)[0]
    struct.pack_into("<L", data, directory_at + 20, compressed + 40)
    path.write_bytes(bytes(data))
    refused(path, "overlap")


# -- bombs and floods -------------------------------------------------------------------------


def read_with_peak_memory(path: Path) -> tuple[BundleError, int]:
    tracemalloc.start()
    try:
        with pytest.raises(BundleError) as caught:
            read_bundle(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return caught.value, peak


def test_an_honest_gigabyte_of_zeros_is_refused_from_the_directory(tmp_path: Path,
                                                                    key: DeviceKey) -> None:
    zeros, crc = deflated_zeros(1024 * MiB)
    bomb = Raw("photos/" + "0" * 64 + ".jpg", zeros, zipfile.ZIP_DEFLATED, crc, 1024 * MiB)
    path = forge(tmp_path / "b.zip", key, changes=jsonl([change(1)]), extra=[bomb])
    assert path.stat().st_size < 2 * MiB
    error, peak = read_with_peak_memory(path)
    assert error.code == "too_large" and str(path) in str(error)
    assert peak < 4 * MiB


def test_an_honest_100_mib_of_zeros_is_refused_for_its_ratio(tmp_path: Path,
                                                             key: DeviceKey) -> None:
    zeros, crc = deflated_zeros(100 * MiB)
    bomb = Raw("photos/" + "0" * 64 + ".jpg", zeros, zipfile.ZIP_DEFLATED, crc, 100 * MiB)
    path = forge(tmp_path / "b.zip", key, changes=jsonl([change(1)]), extra=[bomb])
    error = refused(path, "compression_ratio")
    assert "bomb" in error.reason or "炸弹" in error.reason


def test_a_header_lying_about_its_size_is_caught_while_inflating(tmp_path: Path,
                                                                  key: DeviceKey) -> None:
    """The directory and the signed manifest say 1 MiB; the data inflates to 1 GiB. Reading
    stops just past the declared size, so memory stays small and nothing is written."""
    declared = bytes(MiB)
    name = f"photos/{hashlib.sha256(declared).hexdigest()}.jpg"
    zeros, _ = deflated_zeros(1024 * MiB)
    liar = Raw(name, zeros, zipfile.ZIP_DEFLATED, zlib.crc32(declared), len(declared))
    changes = jsonl([change(1)])
    path = forge(tmp_path / "b.zip", key, changes=changes, photos={name: declared},
                 stored_photos=[liar])
    assert path.stat().st_size < 2 * MiB
    before = sorted(tmp_path.rglob("*"))
    error, peak = read_with_peak_memory(path)
    assert error.code == "too_large" and str(path) in str(error)
    assert "声明" in error.reason
    assert peak < 12 * MiB
    assert sorted(tmp_path.rglob("*")) == before


def test_a_hundred_thousand_entries_are_refused_before_any_is_parsed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "flood.zip"
    build_zip(path, (Raw(str(i), b"") for i in range(100_000)))

    def parsed(*_args: object) -> None:
        raise AssertionError("the directory was parsed before the entry count was checked")

    monkeypatch.setattr(bundle_module._Archive, "_parse_directory", parsed)
    error = refused(path, "too_many_entries")
    assert "100000" in error.reason


def test_an_end_record_understating_the_entry_count_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "flood.zip"
    build_zip(path, (Raw(str(i), b"") for i in range(30_000)), declared_count=3)
    refused(path, "too_many_entries", "damaged")


# -- manifest and changes -----------------------------------------------------------------------


def test_a_future_format_says_a_newer_program_made_it(tmp_path: Path, key: DeviceKey) -> None:
    path = forge(tmp_path / "b.zip", key, changes=jsonl([change(1)]),
                 edit=lambda m: m.update(format=3, something_new=True))
    error = refused(path, "format_version")
    assert "更新版本" in str(error)
    i18n.set_language("en")
    error = refused(path, "format_version")
    assert "newer version" in str(error)


def test_a_bundle_from_before_the_upgrade_is_named_as_such(tmp_path: Path,
                                                           key: DeviceKey) -> None:
    path = forge(tmp_path / "b.zip", key, changes=jsonl([change(1)]),
                 edit=lambda m: m.update(format=1))
    assert "升级前" in str(refused(path, "old_format"))


def test_a_photo_listed_as_missing_travels_without_its_original(tmp_path: Path,
                                                                key: DeviceKey) -> None:
    """The author lost an original: its rows still sync, the file is named as missing."""
    name = f"photos/{'d' * 64}.jpg"
    target = tmp_path / bundle_file_name(1, 2)
    write_bundle(target, {"device": DEVICE, "missing_photos": [name]},
                 [change(1), photo_change(2, "d" * 64, "jpg")], {}, key)
    read = read_bundle(target)
    assert read.photo_names == [] and read.manifest["missing_photos"] == [name]


@pytest.mark.parametrize("edit, code", [
    (lambda m: m["counts"].update(changes=2), "count_mismatch"),
    (lambda m: m["counts"].update(photos=1), "count_mismatch"),
    (lambda m: m.update(first_seq="1"), "manifest_schema"),
    (lambda m: m.update(first_seq=2, last_seq=1), "manifest_schema"),
    (lambda m: m.update(device="ZZ"), "manifest_schema"),
    (lambda m: m.update(clock_min="yesterday"), "manifest_schema"),
    (lambda m: m.update(depends={DEVICE: 3}), "manifest_schema"),
    (lambda m: m.update(depends={OTHER_DEVICE: "3"}), "manifest_schema"),
    (lambda m: m.update(created_at="2026-11-29 10:00"), "manifest_schema"),
    (lambda m: m.update(extra="x"), "manifest_schema"),
    (lambda m: m.pop("device_name"), "manifest_schema"),
    (lambda m: m.update(app="other-app"), "manifest_schema"),
    (lambda m: m.update(format=True), "manifest_schema"),
])
def test_manifest_problems_are_refused(tmp_path: Path, key: DeviceKey,
                                       edit: Callable[[dict[str, Any]], None],
                                       code: str) -> None:
    path = forge(tmp_path / "b.zip", key, changes=jsonl([change(1), change(2), change(3)]),
                 edit=edit)
    refused(path, code)


def test_changes_jsonl_with_more_lines_than_counted_is_refused(tmp_path: Path,
                                                               key: DeviceKey) -> None:
    changes = jsonl([change(1), change(2)])
    manifest = manifest_for(key, changes, {})
    longer = changes + jsonl([change(3)])
    manifest["entries"]["changes.jsonl"] = {"sha256": hashlib.sha256(longer).hexdigest(),
                                            "size": len(longer)}
    refused(forge(tmp_path / "b.zip", key, changes=longer, manifest=manifest), "count_mismatch")


@pytest.mark.parametrize("changes", [
    [change(1), change(2, device=OTHER_DEVICE), change(3)],  # a foreign device
    [change(1), change(2), change(4)],  # a gap
    [change(1), change(1), change(3)],  # a repeat
    [change(2), change(1), change(3)],  # out of order
    [change(1), {**change(2), "seq": "2"}, change(3)],
    [change(1), change(2, old_value="x"), change(3)],  # a field too many
    [change(1), {k: v for k, v in change(2).items() if k != "actor"}, change(3)],
    [change(1), change(2, value="not json"), change(3)],
    [change(1), change(2, value=3), change(3)],
    [change(1), change(2, replaces="someone"), change(3)],
    [change(1), change(2, replaces="[]"), change(3)],  # replaces nothing: null, not []
    [change(1), change(2, replaces=json.dumps(["someone"])), change(3)],
    [change(1), change(2, value=json.dumps(["a list"])), change(3)],
    [change(1), change(2, tbl=""), change(3)],
    [change(1), change(2, reg="x; DROP TABLE"), change(3)],
    [change(1), change(2, row_id=""), change(3)],
    [change(1), change(2, hlc="12:00"), change(3)],
    [change(1), change(2, actor=5), change(3)],
])
def test_bad_changes_are_refused(tmp_path: Path, key: DeviceKey,
                                 changes: list[dict[str, Any]]) -> None:
    body = jsonl(changes)
    manifest = manifest_for(key, body, {}, first_seq=1, last_seq=3, clock_min=stamp(1),
                            clock_max=stamp(3))
    error = refused(forge(tmp_path / "b.zip", key, changes=body, manifest=manifest),
                    "changes_schema")
    assert "changes.jsonl" in error.reason


def test_a_change_outside_the_manifest_clock_range_is_refused(tmp_path: Path,
                                                              key: DeviceKey) -> None:
    body = jsonl([change(1), change(2)])
    manifest = manifest_for(key, body, {}, clock_max=stamp(1))
    refused(forge(tmp_path / "b.zip", key, changes=body, manifest=manifest), "changes_schema")


def test_a_photo_introduced_without_its_file_is_refused(tmp_path: Path, key: DeviceKey) -> None:
    body = jsonl([change(1), photo_change(2, "d" * 64, "jpg")])
    refused(forge(tmp_path / "b.zip", key, changes=body), "missing_photo")


def test_extract_checks_the_photo_again(sample: Sample, tmp_path: Path) -> None:
    bundle = read_bundle(sample.path)
    name = bundle.photo_names[0]
    flip_byte_in(sample.path, name)  # the file changes after it was read
    target = tmp_path / "photo.jpg"
    with pytest.raises(BundleError) as caught:
        bundle.extract_photo(name, target)
    assert caught.value.code == "hash_mismatch"
    assert not target.exists()
    assert not list(tmp_path.glob(".photo.jpg.tmp-*"))
    with pytest.raises(BundleError):
        bundle.extract_photo("photos/" + "e" * 64 + ".jpg", target)


# -- writing refuses what readers would refuse --------------------------------------------------


def test_write_refuses_a_photo_named_in_changes_but_not_given(tmp_path: Path,
                                                              key: DeviceKey) -> None:
    target = tmp_path / bundle_file_name(1, 1)
    with pytest.raises(BundleError) as caught:
        write_bundle(target, {"device": DEVICE}, [photo_change(1, "d" * 64, "jpg")], {}, key)
    assert caught.value.code == "missing_photo" and str(target) in str(caught.value)
    assert not list(tmp_path.iterdir())


def test_write_refuses_a_photo_whose_bytes_do_not_match_its_name(tmp_path: Path,
                                                                 key: DeviceKey) -> None:
    source = tmp_path / "p.jpg"
    source.write_bytes(b"\xff\xd8 damaged on disk")
    target = tmp_path / bundle_file_name(1, 1)
    with pytest.raises(BundleError) as caught:
        write_bundle(target, {"device": DEVICE}, [photo_change(1, "d" * 64, "jpg")],
                     {"d" * 64: source}, key)
    assert caught.value.code == "hash_mismatch" and str(source) in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.jpg"]


def test_write_refuses_changes_a_reader_would_refuse(tmp_path: Path, key: DeviceKey) -> None:
    target = tmp_path / bundle_file_name(1, 2)
    for changes, fields in (([change(1), change(3)], {}),
                            ([change(1), change(2, old_value="x")], {}),
                            ([change(1)], {"device": OTHER_DEVICE}),
                            ([change(1)], {"surprise": 1}),
                            ([], {})):
        with pytest.raises(BundleError):
            write_bundle(target, {"device": DEVICE, **fields}, changes, {}, key)
    assert not list(tmp_path.iterdir())


# -- device keys --------------------------------------------------------------------------------


def test_device_key_is_made_once_and_kept_private(tmp_path: Path) -> None:
    folder = tmp_path / "keys"
    key = DeviceKey.load_or_create(folder)
    again = DeviceKey.load_or_create(folder)
    assert key.public_hex() == again.public_hex()
    assert len(key.public_bytes()) == 32 and len(key.public_hex()) == 64
    assert [p.name for p in folder.iterdir()] == ["device-key.pem"]
    if os.name == "posix":
        assert stat.S_IMODE((folder / "device-key.pem").stat().st_mode) == 0o600
    signature = key.sign(b"manifest")
    assert len(signature) == 64
    assert verify(key.public_hex(), signature, b"manifest")
    assert not verify(key.public_hex(), signature, b"manifesto")
    assert not verify(DeviceKey.generate().public_hex(), signature, b"manifest")
    assert not verify("zz" * 32, signature, b"manifest")
    assert not verify(key.public_hex(), signature[:-1], b"manifest")
    assert "PRIVATE" not in repr(key)


def test_fingerprint_is_short_and_stable(key: DeviceKey) -> None:
    printed = fingerprint(key.public_hex())
    assert len(printed) == 19 and printed.count(" ") == 3
    assert printed == fingerprint(key.public_hex()) == key.fingerprint()
    assert printed != fingerprint(DeviceKey.generate().public_hex())
    with pytest.raises(ValueError):
        fingerprint("abcd")


def test_a_damaged_key_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "device-key.pem").write_text("-----BEGIN PRIVATE KEY-----\nxx\n")
    with pytest.raises(KeyFileError) as caught:
        DeviceKey.load_or_create(tmp_path)
    assert str(tmp_path / "device-key.pem") in str(caught.value)


def test_bundle_is_frozen(sample: Sample) -> None:
    bundle: Bundle = read_bundle(sample.path)
    with pytest.raises(AttributeError):
        bundle.device = OTHER_DEVICE  # type: ignore[misc]
