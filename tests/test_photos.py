"""Photos as evidence: byte-for-byte originals, EXIF, derived copies, and every bad input."""

from __future__ import annotations

import errno
import hashlib
import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from inspector.core.errors import ReadOnlyError
from inspector.core.store import Store
from inspector.domain import camera_card, derived, findings, followups, inspections, photos
from inspector.domain.photos import PhotoError
from tests.conftest import given_for
from tests.photo_helpers import big_jpeg, jpeg, real


@pytest.fixture
def inspection(ready_store: Store) -> str:
    return inspections.start(ready_store, "柳西社区", ["王建国"])


def _stored_files(store: Store) -> list[Path]:
    return sorted(p for p in (store.data_dir / "photos").rglob("*") if p.is_file())


def _nothing_stored(store: Store) -> None:
    assert store.query("SELECT id FROM photos") == []
    assert store.query("SELECT id FROM photo_links") == []
    assert _stored_files(store) == []


def test_a_real_photo_is_kept_byte_for_byte_with_its_gps(ready_store: Store,
                                                         inspection: str) -> None:
    source = real("gps_DSCN0010.jpg")
    target = photos.target_for_response(ready_store, inspection, "B05")
    imported = photos.import_photo(ready_store, source, target)
    expected = hashlib.sha256(source.read_bytes()).hexdigest()
    assert imported.sha256 == expected
    assert imported.path == ready_store.data_dir / "photos" / expected[:2] / f"{expected}.jpg"
    assert imported.path.read_bytes() == source.read_bytes()
    row = photos.get(ready_store, expected)
    assert row["latitude"] == pytest.approx(43.4674, abs=1e-3)
    assert row["longitude"] == pytest.approx(11.8851, abs=1e-3)
    assert row["camera"] and "COOLPIX P6000" in row["camera"]
    assert row["taken_at"] == "2008-10-22T16:28:39"
    assert (row["width"], row["height"]) == (640, 480)
    assert [p["id"] for p in photos.photos_of(ready_store, target)] == [expected]
    # the change log has the photo and its link
    logged = {r["tbl"] for r in ready_store.query("SELECT tbl FROM changes WHERE row_id = ? OR"
                                                  " row_id = ?", (expected, imported.link_id))}
    assert logged == {"photos", "photo_links"}


def test_the_same_photo_twice_is_stored_once_and_may_serve_two_targets(
        ready_store: Store, inspection: str) -> None:
    source = real("Canon_40D.jpg")
    answer = photos.target_for_response(ready_store, inspection, "C01")
    finding = photos.target_for_finding(ready_store, findings.add(
        ready_store, inspection, category="fire_lane_blocked", description="消防车道被占"))
    first = photos.import_photo(ready_store, source, answer)
    again = photos.import_photo(ready_store, source, answer)
    other = photos.import_photo(ready_store, source, finding)
    assert first.new_file and not again.new_file and not other.new_file
    assert first.link_id == again.link_id != other.link_id
    assert len(_stored_files(ready_store)) == 1
    assert len(ready_store.query("SELECT id FROM photo_links")) == 2
    row = photos.get(ready_store, first.sha256)
    assert row["camera"] == "Canon EOS 40D" and row["taken_at"] == "2008-05-30T15:56:01"


def test_heic_from_a_phone(ready_store: Store, inspection: str) -> None:
    target = photos.target_for_inspection(ready_store, inspection)
    imported = photos.import_photo(ready_store, real("heic_IMG_5195.HEIC"), target)
    row = photos.get(ready_store, imported.sha256)
    assert (row["format"], row["ext"]) == ("HEIF", "heic")
    assert row["taken_at"].startswith("2021-04-11T15:47:53")
    assert row["latitude"] is not None and "iPhone" in row["camera"]
    thumb = derived.ensure(ready_store.data_dir, imported.sha256, "heic", derived.THUMBNAIL)
    with Image.open(thumb) as image:
        assert max(image.size) == 320 and image.height > image.width  # portrait phone photo


@pytest.mark.parametrize("name", ["orientation_landscape_6.jpg", "orientation_portrait_8.jpg",
                                  "orientation_landscape_3.jpg"])
def test_derived_copies_follow_the_exif_orientation(ready_store: Store, inspection: str,
                                                    name: str) -> None:
    source = real(name)
    imported = photos.import_photo(ready_store, source,
                                   photos.target_for_inspection(ready_store, inspection))
    with Image.open(source) as original:
        from PIL import ImageOps

        upright = ImageOps.exif_transpose(original)
        expected_landscape = upright.width > upright.height
    thumb = derived.ensure(ready_store.data_dir, imported.sha256, "jpg", derived.THUMBNAIL)
    with Image.open(thumb) as image:
        assert (image.width > image.height) == expected_landscape
        assert image.getexif().get(274) in (None, 1)
    assert imported.path.read_bytes() == source.read_bytes()  # never rotated in place


def test_thumbnails_use_draft_mode_and_are_rebuilt_when_deleted(
        ready_store: Store, inspection: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from PIL import JpegImagePlugin

    source = big_jpeg(tmp_path / "12mp.jpg")
    imported = photos.import_photo(ready_store, source,
                                   photos.target_for_inspection(ready_store, inspection))
    # The import made the thumbnail from its own draft decode; made again here from the file.
    made = derived.derived_path(ready_store.data_dir, imported.sha256, derived.THUMBNAIL, None)
    assert made.exists()
    made.unlink()
    decoded_sizes: list[tuple[int, int]] = []
    real_draft = JpegImagePlugin.JpegImageFile.draft

    def spy(self: JpegImagePlugin.JpegImageFile, mode: str | None,
            size: tuple[int, int] | None) -> object:
        result = real_draft(self, mode, size)
        decoded_sizes.append(self.size)
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    thumb = derived.ensure(ready_store.data_dir, imported.sha256, "jpg", derived.THUMBNAIL)
    report = derived.ensure(ready_store.data_dir, imported.sha256, "jpg", derived.REPORT)
    assert decoded_sizes == [(500, 375), (2000, 1500)]  # 1/8 and 1/2 scale, never 4000x3000
    with Image.open(thumb) as image:
        assert image.size == (320, 240)
    with Image.open(report) as image:
        assert image.size == (1600, 1200)
    thumb.unlink()
    assert derived.ensure(ready_store.data_dir, imported.sha256, "jpg",
                          derived.THUMBNAIL).exists()


def test_annotations_change_the_derived_copy_never_the_original(ready_store: Store,
                                                                 inspection: str) -> None:
    source = real("gps_DSCN0021.jpg")
    imported = photos.import_photo(ready_store, source,
                                   photos.target_for_inspection(ready_store, inspection))
    plain = derived.ensure(ready_store.data_dir, imported.sha256, "jpg", derived.REPORT)
    arrow = ('{"version": 1, "items": [{"type": "arrow", "x1": 0.1, "y1": 0.1, "x2": 0.6,'
             ' "y2": 0.6, "color": "#d32f2f", "width": 0.01}]}')
    photos.set_annotations(ready_store, imported.sha256, arrow)
    stored = photos.get(ready_store, imported.sha256)["annotations"]
    drawn = derived.ensure(ready_store.data_dir, imported.sha256, "jpg", derived.REPORT, stored)
    assert drawn != plain and drawn.exists() and plain.exists()
    assert hashlib.sha256(imported.path.read_bytes()).hexdigest() == imported.sha256


# -- bad input: a clear message naming the file; nothing stored for it -------------------------


def _refused(store: Store, inspection: str, source: Path, words: str) -> PhotoError:
    target = photos.target_for_inspection(store, inspection)
    with pytest.raises(PhotoError) as info:
        photos.import_photo(store, source, target)
    assert str(source) in str(info.value)
    assert words in str(info.value)
    _nothing_stored(store)
    return info.value


def test_not_an_image_with_a_jpg_name(ready_store: Store, inspection: str,
                                      tmp_path: Path) -> None:
    fake = tmp_path / "IMG_0001.jpg"
    fake.write_text("这不是照片，是一段文字", encoding="utf-8")
    _refused(ready_store, inspection, fake, "不是照片")
    gif = tmp_path / "IMG_0002.jpg"
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    _refused(ready_store, inspection, gif, "GIF")


def test_zero_bytes(ready_store: Store, inspection: str, tmp_path: Path) -> None:
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    _refused(ready_store, inspection, empty, "0 字节")


def test_a_truncated_jpeg(ready_store: Store, inspection: str, tmp_path: Path) -> None:
    whole = real("gps_DSCN0010.jpg").read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(whole[: len(whole) // 2])
    _refused(ready_store, inspection, cut, "损坏或不完整")


def test_a_decompression_bomb(ready_store: Store, inspection: str, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.png"
    Image.new("1", (10_000, 9_000)).save(bomb, "PNG")  # 90 Mpx: over Pillow's warning limit
    assert bomb.stat().st_size < 1_000_000
    _refused(ready_store, inspection, bomb, "解压炸弹")


def test_corrupt_exif_keeps_the_photo(ready_store: Store, inspection: str,
                                      tmp_path: Path) -> None:
    damaged = jpeg(tmp_path / "exif.jpg",
                   exif_bytes=b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x05\xff\xff" + b"\x13" * 40)
    imported = photos.import_photo(ready_store, damaged,
                                   photos.target_for_inspection(ready_store, inspection))
    row = photos.get(ready_store, imported.sha256)
    assert row["width"] == 160 and row["taken_at"] is None
    assert "EXIF" in (row["exif_problems"] or "")  # recorded, not fatal
    assert imported.path.read_bytes() == damaged.read_bytes()


def test_a_one_gigabyte_file_is_refused_without_reading_it(ready_store: Store, inspection: str,
                                                           tmp_path: Path) -> None:
    huge = tmp_path / "huge.jpg"
    with open(huge, "wb") as handle:
        handle.write(b"\xff\xd8\xff")
        handle.truncate(1024 * 1024 * 1024)  # sparse: costs no disk
    _refused(ready_store, inspection, huge, "太大")


def test_an_unreadable_file(ready_store: Store, inspection: str, tmp_path: Path,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    locked = jpeg(tmp_path / "locked.jpg")
    real_open = open

    def guarded_open(file: object, *args: object, **kwargs: object) -> object:
        if Path(str(file)) == locked:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("builtins.open", guarded_open)  # root reads anything: simulate
    _refused(ready_store, inspection, locked, "没有读取权限")


def test_a_directory(ready_store: Store, inspection: str, tmp_path: Path) -> None:
    folder = tmp_path / "DCIM.jpg"
    folder.mkdir()
    _refused(ready_store, inspection, folder, "文件夹")


def test_a_file_that_disappears_during_import(ready_store: Store, inspection: str,
                                              tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    vanishing = jpeg(tmp_path / "vanishing.jpg")
    real_stat = photos._stat_source

    def stat_then_vanish(source: Path) -> int:
        size = real_stat(source)
        source.unlink()  # the card is pulled out between the check and the copy
        return size

    monkeypatch.setattr(photos, "_stat_source", stat_then_vanish)
    _refused(ready_store, inspection, vanishing, "消失")
    assert list((ready_store.data_dir / "photos" / ".incoming").iterdir()) == []


def test_a_batch_imports_the_good_and_lists_the_bad(ready_store: Store, inspection: str,
                                                    tmp_path: Path) -> None:
    good = [jpeg(tmp_path / f"ok{n}.jpg", seed=n) for n in range(3)]
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    text = tmp_path / "notes.jpg"
    text.write_text("hello", encoding="utf-8")
    result = photos.import_photos(ready_store, [good[0], empty, good[1], text, good[2]],
                                  photos.target_for_inspection(ready_store, inspection))
    assert [p.source for p in result.imported] == good
    assert [path for path, _ in result.failed] == [empty, text]
    summary = result.summary()
    assert "导入 3 张，失败 2 张" in summary and str(empty) in summary and str(text) in summary


def test_corrupted_camera_file_is_refused_cleanly_or_kept(ready_store: Store,
                                                          inspection: str) -> None:
    source = real("corrupted.jpg")
    target = photos.target_for_inspection(ready_store, inspection)
    try:
        imported = photos.import_photo(ready_store, source, target)
    except PhotoError as exc:
        assert str(source) in str(exc)
        _nothing_stored(ready_store)
    else:
        assert imported.path.read_bytes() == source.read_bytes()


# -- verify, locking, follow-ups ---------------------------------------------------------------


def test_verify_finds_missing_altered_and_dangling(ready_store: Store, inspection: str,
                                                   tmp_path: Path) -> None:
    target = photos.target_for_inspection(ready_store, inspection)
    first = photos.import_photo(ready_store, jpeg(tmp_path / "a.jpg", seed=1), target)
    second = photos.import_photo(ready_store, jpeg(tmp_path / "b.jpg", seed=2), target)
    assert photos.verify(ready_store).ok
    first.path.write_bytes(first.path.read_bytes() + b"tampered")
    second.path.unlink()
    with ready_store.write():  # tampering: a reference to a finding that does not exist
        ready_store.conn.execute(
            "INSERT INTO photo_links (id, photo_id, target_kind, target_id) VALUES (?, ?, ?, ?)",
            ("x" * 32, first.sha256, "finding", "no-such-finding"))
    report = photos.verify(ready_store)
    assert not report.ok
    assert [str(first.path) in line for line in report.altered] == [True]
    assert [str(second.path) in line for line in report.missing] == [True]
    assert any("no-such-finding" in line for line in report.dangling)


def test_a_submitted_inspection_takes_only_after_photos(ready_store: Store, inspection: str,
                                                        tmp_path: Path) -> None:
    store = ready_store
    finding_id = findings.add(store, inspection, category="corridor_clutter",
                              description="楼道堆物")
    for item in inspections.view(store, inspection).template.items:
        inspections.answer(store, inspection, item.code, given_for(item))
    inspections.submit(store, inspection, ["王建国"])
    photo = jpeg(tmp_path / "after.jpg")
    with pytest.raises(ReadOnlyError):
        photos.import_photo(store, photo, photos.target_for_response(store, inspection, "C04"))
    finding = photos.target_for_finding(store, finding_id)
    photos.import_photo(store, photo, finding, kind="after")
    followup = followups.add(store, finding_id, "陈晓燕", "rectified", note="已清理")
    photos.import_photo(store, jpeg(tmp_path / "visit.jpg", seed=9),
                        photos.target_for_followup(store, followup), kind="after")
    assert findings.get(store, finding_id)["status"] == "verified"
    assert [p["kind"] for p in photos.photos_of(store, finding)] == ["after"]


def test_failed_items_show_missing_photos_until_one_is_added(ready_store: Store,
                                                             inspection: str,
                                                             tmp_path: Path) -> None:
    inspections.answer(ready_store, inspection, "B05", "value", value=2)
    inspections.answer(ready_store, inspection, "A01", "fail")  # photo optional
    assert inspections.view(ready_store, inspection).photo_missing() == ("B05",)
    photos.import_photo(ready_store, jpeg(tmp_path / "pile.jpg"),
                        photos.target_for_response(ready_store, inspection, "B05"))
    assert inspections.view(ready_store, inspection).photo_missing() == ()


# -- camera-card matching ----------------------------------------------------------------------


def _answered_at(store: Store, inspection: str, code: str) -> datetime:
    row = inspections.answers_of(store, inspection)[code]
    return datetime.fromisoformat(row["answered_at"]).astimezone(store.wall.tz).replace(tzinfo=None)


def test_a_camera_folder_is_matched_by_time(ready_store: Store, inspection: str,
                                            tmp_path: Path) -> None:
    store = ready_store
    inspections.answer(store, inspection, "B05", "value", value=2)
    finding_id = findings.add(store, inspection, category="garbage_piles",
                              description="西侧垃圾堆放", item_code="B05")
    at = _answered_at(store, inspection, "B05")
    card = tmp_path / "DCIM" / "100CANON"
    card.mkdir(parents=True)
    near = jpeg(card / "IMG_0001.JPG", taken=at + timedelta(seconds=40), seed=1)
    late = jpeg(card / "IMG_0002.JPG", taken=at + timedelta(hours=3), seed=2)
    (card / "notes.txt").write_text("x", encoding="utf-8")
    os.symlink(card / "loop_b.jpg", card / "loop_a.jpg")
    os.symlink(card / "loop_a.jpg", card / "loop_b.jpg")
    scan = camera_card.propose(store, inspection, tmp_path / "DCIM")
    chosen = {p.source.name: p.target for p in scan.proposals}
    assert chosen["IMG_0001.JPG"].kind == "finding"  # the finding wins the near-tie
    assert chosen["IMG_0001.JPG"].id == finding_id
    assert chosen["IMG_0002.JPG"].kind == "inspection"  # outside every window
    reasons = {path.name: reason for path, reason in scan.skipped}
    assert "循环" in reasons["loop_a.jpg"]
    assert "notes.txt" in reasons
    assert store.query("SELECT id FROM photos") == []  # nothing stored by a proposal
    result = camera_card.apply(store, scan.proposals)
    assert len(result.imported) == 2 and not result.failed
    assert {p["id"] for p in photos.photos_of(store, photos.target_for_finding(
        store, finding_id))} == {hashlib.sha256(near.read_bytes()).hexdigest()}
    assert late.exists()


def test_a_camera_clock_offset(ready_store: Store, inspection: str, tmp_path: Path) -> None:
    inspections.answer(ready_store, inspection, "C04", "fail")
    at = _answered_at(ready_store, inspection, "C04")
    slow = jpeg(tmp_path / "IMG_0100.JPG", taken=at - timedelta(minutes=47), seed=4)
    unmatched = camera_card.propose(ready_store, inspection, tmp_path)
    assert unmatched.proposals[0].target.kind == "inspection"
    offset = camera_card.offset_from_match(at - timedelta(minutes=47), at)
    assert offset == 47
    matched = camera_card.propose(ready_store, inspection, tmp_path, offset_minutes=offset)
    assert matched.proposals[0].target.id == f"{inspection}:C04"
    assert slow.exists()


# -- staged imports (file work on a worker thread, rows on the GUI thread) ----------------------


def test_a_staged_import_stores_what_import_photo_stores(ready_store: Store, inspection: str,
                                                         tmp_path: Path) -> None:
    store = ready_store
    target = photos.target_for_response(store, inspection, "B05")
    staged = photos.stage(store.data_dir, jpeg(tmp_path / "IMG_1.jpg", seed=11,
                                               taken=datetime(2026, 3, 2, 9, 30)))
    assert staged.temporary.exists()
    imported = photos.import_staged(store, staged, target)
    direct = photos.import_photo(store, jpeg(tmp_path / "IMG_2.jpg", seed=12,
                                             taken=datetime(2026, 3, 2, 9, 31)), target)
    assert not staged.temporary.exists()
    assert imported.path.read_bytes() == (tmp_path / "IMG_1.jpg").read_bytes()
    one, two = photos.get(store, imported.sha256), photos.get(store, direct.sha256)
    same = {"ext", "format", "width", "height", "orientation", "camera", "exif_problems",
            "imported_by", "annotations"}
    assert {k: one[k] for k in same} == {k: two[k] for k in same}
    assert one["original_name"] == "IMG_1.jpg" and one["taken_at"] == "2026-03-02T09:30:00"
    assert {p["id"] for p in photos.photos_of(store, target)} == {imported.sha256,
                                                                   direct.sha256}
    # the same bytes staged again: one file, one link
    again = photos.import_staged(store, photos.stage(store.data_dir, tmp_path / "IMG_1.jpg"),
                                 target)
    assert again.link_id == imported.link_id and not again.new_file
    assert len(_stored_files(store)) == 2
    assert list((store.data_dir / "photos" / ".incoming").iterdir()) == []


def test_a_staged_import_into_a_submitted_inspection_leaves_nothing(
        ready_store: Store, inspection: str, tmp_path: Path) -> None:
    store = ready_store
    for item in inspections.view(store, inspection).template.items:
        inspections.answer(store, inspection, item.code, given_for(item))
    inspections.submit(store, inspection, ["王建国"])
    staged = photos.stage(store.data_dir, jpeg(tmp_path / "late.jpg"))
    with pytest.raises(ReadOnlyError):
        photos.import_staged(store, staged, photos.target_for_response(store, inspection, "C04"))
    assert not staged.temporary.exists()
    _nothing_stored(store)


def test_finding_photo_counts(ready_store: Store, inspection: str, tmp_path: Path) -> None:
    store = ready_store
    first = findings.add(store, inspection, category="corridor_clutter", description="楼道堆物")
    second = findings.add(store, inspection, category="fire_lane_blocked", description="占道")
    findings.add(store, inspection, category="garbage_piles", description="垃圾")
    target = photos.target_for_finding(store, first)
    photos.import_photo(store, jpeg(tmp_path / "a.jpg", seed=1), target)
    photos.import_photo(store, jpeg(tmp_path / "b.jpg", seed=2), target)
    photos.import_photo(store, jpeg(tmp_path / "c.jpg", seed=3),
                        photos.target_for_finding(store, second), kind="before")
    photos.import_photo(store, jpeg(tmp_path / "d.jpg", seed=4),
                        photos.target_for_response(store, inspection, "B05"))
    other = inspections.start(store, "柳西社区", ["陈晓燕"])
    photos.import_photo(store, jpeg(tmp_path / "e.jpg", seed=5), photos.target_for_finding(
        store, findings.add(store, other, category="corridor_clutter", description="别处")))
    assert photos.finding_photo_counts(store, inspection) == {first: 2, second: 1}


def test_a_folder_scan_without_the_store_matches_propose(ready_store: Store, inspection: str,
                                                         tmp_path: Path) -> None:
    store = ready_store
    inspections.answer(store, inspection, "C04", "fail")
    inspections.answer(store, inspection, "B05", "value", value=0)
    at = _answered_at(store, inspection, "C04")
    jpeg(tmp_path / "IMG_0100.JPG", taken=at - timedelta(minutes=47), seed=4)
    jpeg(tmp_path / "IMG_0101.JPG", taken=at + timedelta(seconds=20), seed=5)
    (tmp_path / "readme.txt").write_text("x", encoding="utf-8")
    general = photos.target_for_inspection(store, inspection)
    recorded = camera_card.moments(store, inspection)
    seen: list[tuple[int, int]] = []
    scanned = camera_card.scan(tmp_path, general, recorded, store.wall.tz,
                               progress=lambda d, n: seen.append((d, n)))
    proposed = camera_card.propose(store, inspection, tmp_path)
    assert scanned.proposals == proposed.proposals and scanned.skipped == proposed.skipped
    assert seen[-1] == (2, 2)
    # a new offset re-matches without reading the files again
    shifted = camera_card.rematch(scanned.proposals, general, recorded, offset_minutes=47)
    assert shifted == camera_card.propose(store, inspection, tmp_path,
                                          offset_minutes=47).proposals
    assert shifted[0].target.id == f"{inspection}:C04"
    narrow = camera_card.rematch(scanned.proposals, general, recorded, window_minutes=0.1)
    assert [p.target.kind for p in narrow] == ["inspection", "inspection"]
    c04 = photos.target_for_response(store, inspection, "C04")
    moment = camera_card.moment_of(recorded, c04)
    assert moment is not None and moment.at == at
    assert camera_card.moment_of(recorded, general) is None
    tz = store.wall.tz
    assert camera_card.scan(tmp_path, general, recorded, tz,
                            cancelled=lambda: True).proposals == []
    assert camera_card.scan(tmp_path / "nowhere", general, recorded,
                            tz).skipped[0][1] == "不是文件夹"


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EFBIG])
def test_a_full_disk_while_copying_says_so_and_leaves_nothing(
        ready_store: Store, inspection: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        code: int) -> None:
    source = jpeg(tmp_path / "p.jpg")
    target = photos.target_for_response(ready_store, inspection, "B05")
    changes = ready_store.query_one("SELECT COUNT(*) AS n FROM changes")
    real_open = open

    class FillingUp:
        """The copy's file: half of the first write lands, then the disk is full."""

        def __init__(self, handle: Any) -> None:
            self.handle = handle

        def write(self, data: bytes) -> int:
            self.handle.write(data[: len(data) // 2])
            self.handle.flush()
            raise OSError(code, os.strerror(code))

        def __getattr__(self, name: str) -> Any:
            return getattr(self.handle, name)

        def __enter__(self) -> FillingUp:
            return self

        def __exit__(self, *_exc: object) -> None:
            self.handle.close()

    def filling_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        handle = real_open(file, mode, *args, **kwargs)
        if "w" in mode and str(ready_store.data_dir) in str(file):
            return FillingUp(handle)
        return handle

    monkeypatch.setattr("builtins.open", filling_open)
    with pytest.raises(PhotoError) as info:
        photos.import_photo(ready_store, source, target)
    monkeypatch.undo()
    message = str(info.value)
    assert "磁盘已满" in message and str(source) in message
    assert "无法读取" not in message
    _nothing_stored(ready_store)  # no partial file, no row
    assert not list((ready_store.data_dir / "photos").rglob("*.part"))
    assert ready_store.query_one("SELECT COUNT(*) AS n FROM changes") == changes
    # the disk has room again: the same photo imports
    assert photos.import_photo(ready_store, source, target).new_file
