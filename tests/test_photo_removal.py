"""Taking a wrongly attached photo off again: tombstones that sync and undo, the original kept
for the audit until ``verify --clean``, stable order, and what a decoder gets past."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image

from inspector.core.clock import SetClock
from inspector.core.errors import NotFoundError, ReadOnlyError
from inspector.core.store import Store
from inspector.domain import audit, findings, inspections, photos
from tests.conftest import given_for
from tests.photo_helpers import jpeg, real
from tests.test_cli import ok, run


@pytest.fixture
def inspection(ready_store: Store) -> str:
    return inspections.start(ready_store, "柳西社区", ["王建国"])


def _answer_everything(store: Store, inspection_id: str) -> None:
    view = inspections.view(store, inspection_id)
    for state in view.items:
        inspections.answer(store, inspection_id, state.item.code, given_for(state.item))


def test_a_removed_photo_is_a_tombstone_that_undo_brings_back(ready_store: Store,
                                                             inspection: str) -> None:
    target = photos.target_for_response(ready_store, inspection, "B05")
    kept = photos.import_photo(ready_store, real("Canon_40D.jpg"), target)
    wrong = photos.import_photo(ready_store, real("gps_DSCN0010.jpg"), target)
    assert inspections.view(ready_store, inspection).photo_counts["B05"] == 2

    removed = photos.remove(ready_store, target, wrong.sha256)
    assert removed == [wrong.link_id]
    assert [p["id"] for p in photos.photos_of(ready_store, target)] == [kept.sha256]
    assert inspections.view(ready_store, inspection).photo_counts["B05"] == 1
    assert wrong.path.exists()  # the original stays for the audit
    logged = [e for e in audit.entries(ready_store, table="photo_links", row_id=wrong.link_id)
              if e.field == "deleted"]
    assert logged and logged[-1].new_value == "1" and logged[-1].actor == "测试员"

    photos.restore_links(ready_store, removed)
    # back in its place: photos keep the order they were added in
    assert [p["id"] for p in photos.photos_of(ready_store, target)] == [kept.sha256,
                                                                        wrong.sha256]
    # adding it again by hand also brings the same link back (never a second one)
    photos.remove(ready_store, target, wrong.sha256)
    again = photos.import_photo(ready_store, real("gps_DSCN0010.jpg"), target)
    assert again.linked == "restored" and again.link_id == wrong.link_id
    assert len(ready_store.query("SELECT id FROM photo_links")) == 2


def test_removal_is_refused_once_the_inspection_is_submitted(ready_store: Store,
                                                            inspection: str) -> None:
    answer = photos.target_for_response(ready_store, inspection, "B05")
    finding = photos.target_for_finding(ready_store, findings.add(
        ready_store, inspection, category="garbage_piles", description="垃圾堆放"))
    before = photos.import_photo(ready_store, real("Canon_40D.jpg"), answer)
    on_finding = photos.import_photo(ready_store, real("gps_DSCN0021.jpg"), finding)
    _answer_everything(ready_store, inspection)
    inspections.submit(ready_store, inspection, ["王建国"])
    with pytest.raises(ReadOnlyError, match="已提交"):
        photos.remove(ready_store, answer, before.sha256)
    with pytest.raises(ReadOnlyError):
        photos.remove(ready_store, finding, on_finding.sha256)
    # an after-photo of a finding can still be taken off (as it can still be added)
    after = photos.import_photo(ready_store, real("gps_DSCN0010.jpg"), finding, kind="after")
    photos.remove(ready_store, finding, after.sha256)
    assert [p["id"] for p in photos.photos_of(ready_store, finding)] == [on_finding.sha256]
    assert len(photos.photos_of(ready_store, answer)) == 1


def test_removing_what_is_not_there_is_a_clear_message(ready_store: Store,
                                                      inspection: str) -> None:
    target = photos.target_for_response(ready_store, inspection, "B05")
    with pytest.raises(NotFoundError, match="没有这张照片"):
        photos.remove(ready_store, target, "ab" * 32)
    with pytest.raises(NotFoundError, match="没有照片“IMG_9.JPG”"):
        photos.resolve_on(ready_store, target, "IMG_9.JPG")


def test_photos_added_in_the_same_second_keep_their_order(data_dir: Path, tmp_path: Path) -> None:
    from inspector.domain import communities, templates
    from inspector.domain.communities import CommunityData
    from tests.conftest import TEST_MOMENT

    # a clock that does not move: every photo is added in the same second
    with Store.open(data_dir, actor="测试员", wall=SetClock(TEST_MOMENT)) as store:
        templates.ensure_builtin(store)
        communities.create(store, CommunityData("海曙区", "南门街道", "柳西社区"))
        inspection_id = inspections.start(store, "柳西社区", ["王建国"])
        target = photos.target_for_inspection(store, inspection_id)
        added = [photos.import_photo(store, jpeg(tmp_path / f"p{n}.jpg", seed=n), target).sha256
                 for n in range(8)]
        assert [p["id"] for p in photos.photos_of(store, target)] == added


def test_verify_clean_deletes_only_unreferenced_originals_past_the_retention(
        ready_store: Store, inspection: str, wall: SetClock) -> None:
    target = photos.target_for_response(ready_store, inspection, "B05")
    other = photos.target_for_response(ready_store, inspection, "C01")
    removed = photos.import_photo(ready_store, real("gps_DSCN0010.jpg"), target)
    shared = photos.import_photo(ready_store, real("Canon_40D.jpg"), target)
    photos.import_photo(ready_store, real("Canon_40D.jpg"), other)
    photos.remove(ready_store, target, removed.sha256)
    photos.remove(ready_store, target, shared.sha256)  # still on C01

    soon = photos.clean(ready_store)
    assert soon.removed == [] and soon.waiting == 1 and removed.path.exists()
    wall.advance(timedelta(days=photos.RETENTION_DAYS + 1))
    later = photos.clean(ready_store)
    assert later.removed == [f"{removed.sha256} (gps_DSCN0010.jpg)"]
    assert not removed.path.exists() and shared.path.exists()
    report = photos.verify(ready_store)
    assert report.ok and report.cleaned == 1 and report.checked == 1
    # referred to again (say an undo arriving by sync): now it is missing, and says why
    photos.restore_links(ready_store, [removed.link_id])
    again = photos.verify(ready_store)
    assert not again.ok and "已按保留期清理" in again.missing[0]


def test_the_command_line_removes_and_cleans(capsys: pytest.CaptureFixture[str],
                                             data_dir: Path) -> None:
    ok(capsys, data_dir, "demo")
    drafts = [i for i in json.loads(ok(capsys, data_dir, "inspections", "list", "--json"))
              if i["status"] == "draft"]
    inspection = str(drafts[0]["short_id"])
    ok(capsys, data_dir, "photos", "add", f"{inspection}:B05", str(real("Canon_40D.jpg")))
    ok(capsys, data_dir, "photos", "add", f"{inspection}:B05", str(real("gps_DSCN0021.jpg")))
    out = ok(capsys, data_dir, "photos", "remove", f"{inspection}:B05", "gps_DSCN0021.jpg")
    assert "已从" in out and "原件仍保留" in out
    listed = json.loads(ok(capsys, data_dir, "photos", "list", f"{inspection}:B05", "--json"))
    assert [p["name"] for p in listed] == ["Canon_40D.jpg"]
    code, _out, err = run(capsys, data_dir, "photos", "remove", f"{inspection}:B05",
                          "gps_DSCN0021.jpg")
    assert code == 2 and "没有照片“gps_DSCN0021.jpg”" in err
    out = ok(capsys, data_dir, "verify", "--clean", "--retention-days", "0")
    assert "已清理 1 张" in out
    code, _out, err = run(capsys, data_dir, "verify", "--retention-days", "3")
    assert code == 2 and "--clean" in err
    code, _out, err = run(capsys, data_dir, "verify", "--clean", "--retention-days", "-1")
    assert code == 2 and "保留期不能为负数" in err


def test_a_submitted_answer_keeps_its_photos_on_the_command_line(
        capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    ok(capsys, data_dir, "demo")
    submitted = [i for i in json.loads(ok(capsys, data_dir, "inspections", "list", "--json"))
                 if i["status"] == "submitted"][0]["short_id"]
    finding = json.loads(ok(capsys, data_dir, "findings", "list", "--inspection", submitted,
                            "--json"))
    with Store.open(data_dir, readonly=True) as store:
        shown = [r for f in finding for r in photos.photos_of(
            store, photos.target_for_finding(store, f["id"]))]
    assert shown
    code, _out, err = run(capsys, data_dir, "photos", "remove", finding[0]["short_id"],
                          shown[0]["id"][:10])
    assert code == 2 and "已提交" in err


# -- what a photo says about itself -----------------------------------------------------------


def test_a_damaged_jpeg_is_kept_with_its_damage_named(ready_store: Store,
                                                      inspection: str) -> None:
    target = photos.target_for_inspection(ready_store, inspection)
    imported = photos.import_photo(ready_store, real("corrupted.jpg"), target)
    row = photos.get(ready_store, imported.sha256)
    assert row["decode_problem"] and "JPEG 数据损坏" in row["decode_problem"]
    for name in ("Canon_40D.jpg", "gps_DSCN0010.jpg", "orientation_landscape_6.jpg",
                 "orientation_portrait_8.jpg", "heic_IMG_5195.HEIC"):
        clean = photos.import_photo(ready_store, real(name), target)
        assert photos.get(ready_store, clean.sha256)["decode_problem"] is None, name


def test_a_nul_byte_never_reaches_a_camera_name(ready_store: Store, inspection: str,
                                                tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[271] = "NIKON\x00\x00 junk"
    exif[272] = "COOLPIX\x00P6000"
    path = jpeg(tmp_path / "nul.jpg", exif_bytes=exif.tobytes())
    imported = photos.import_photo(ready_store, path,
                                   photos.target_for_inspection(ready_store, inspection))
    assert photos.get(ready_store, imported.sha256)["camera"] == "NIKON COOLPIX"


def test_a_turned_heic_is_stored_as_coded_with_its_orientation(ready_store: Store,
                                                               inspection: str,
                                                               tmp_path: Path) -> None:
    import pillow_heif

    from inspector.domain import derived

    pillow_heif.register_heif_opener()
    picture = Image.new("RGB", (300, 200), (200, 30, 30))
    picture.paste((20, 20, 200), (0, 0, 150, 200))  # left half blue: shows the turn
    exif = Image.Exif()
    exif[274] = 6  # the phone was held upright: turn a quarter clockwise to show it
    buffer = io.BytesIO()
    picture.save(buffer, "HEIF", exif=exif.tobytes(), quality=90)
    path = tmp_path / "IMG_0001.HEIC"
    path.write_bytes(buffer.getvalue())
    imported = photos.import_photo(ready_store, path,
                                   photos.target_for_inspection(ready_store, inspection))
    row = photos.get(ready_store, imported.sha256)
    assert (row["width"], row["height"], row["orientation"]) == (300, 200, 6)
    # the copies were made at import, from the one decode, and are upright (portrait)
    thumb = derived.derived_path(ready_store.data_dir, imported.sha256, derived.THUMBNAIL, None)
    assert thumb.exists()
    with Image.open(thumb) as copy:
        assert copy.width < copy.height
        top = copy.convert("RGB").getpixel((copy.width // 2, 2))
        assert isinstance(top, tuple) and top[2] > 150  # the blue half is on top


def test_a_macos_resource_file_is_named_for_what_it_is(ready_store: Store, inspection: str,
                                                       tmp_path: Path) -> None:
    resource = tmp_path / "._IMG_0001.JPG"
    resource.write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        " + b"\x00" * 40)
    with pytest.raises(photos.PhotoError, match="AppleDouble"):
        photos.import_photo(ready_store, resource,
                            photos.target_for_inspection(ready_store, inspection))
    binary = tmp_path / "blob.jpg"
    binary.write_bytes(b"\x01\x02\x00\x00\x03" * 20)
    with pytest.raises(photos.PhotoError, match="未知内容"):
        photos.import_photo(ready_store, binary,
                            photos.target_for_inspection(ready_store, inspection))
