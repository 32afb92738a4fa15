"""The import makes only what the screen needs at once (issue 11): the thumbnail, from the
camera's EXIF thumbnail when it is plausibly the photo, else from the import's draft decode,
both turned upright; the report copy is left to the first report (or a background call),
which still places it only proven; a batch refers to no original before it is durable."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageOps, ImageStat

from inspector.core.store import Store
from inspector.domain import derived, inspections, photos, provenance
from tests.photo_helpers import big_jpeg, jpeg, real, with_exif_thumbnail

TURNED = "orientation_landscape_6.jpg"  # coded 450 x 600 portrait, EXIF orientation 6


@pytest.fixture
def target(ready_store: Store) -> photos.Target:
    inspection = inspections.start(ready_store, "柳西社区", ["王建国"])
    return photos.target_for_inspection(ready_store, inspection)


def _upright(path: Path) -> Image.Image:
    with Image.open(path) as image:
        return ImageOps.exif_transpose(image).convert("RGB")


def _difference(one: Image.Image, other: Image.Image) -> float:
    """Mean grey-level difference of two pictures, compared at the first one's size."""
    grey = other.convert("L").resize(one.size, Image.Resampling.BOX)
    return float(ImageStat.Stat(ImageChops.difference(one.convert("L"), grey)).mean[0])


def _jpeg_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _with_camera_thumbnail(tmp_path: Path, picture: Image.Image | None = None) -> Path:
    """The orientation-6 test photo with a camera-style 120 x 160 EXIF thumbnail of its coded
    picture (or of ``picture``) and orientation 6."""
    source = real(TURNED)
    with Image.open(source) as image:
        coded = image.convert("RGB")
    small = (picture or coded).resize((120, 160), Image.Resampling.BOX)
    path = tmp_path / "camera.jpg"
    path.write_bytes(with_exif_thumbnail(source.read_bytes(), _jpeg_bytes(small), 6))
    return path


def _thumbnail_of(store: Store, imported: photos.ImportedPhoto) -> Path:
    return derived.derived_path(store.data_dir, imported.sha256, derived.THUMBNAIL, None)


def _assert_upright_thumbnail(thumb: Path, source: Path) -> None:
    upright = _upright(source)
    assert upright.width > upright.height  # the test photo is a landscape one, coded upright
    with Image.open(thumb) as image:
        shown = image.convert("RGB")
    assert shown.width > shown.height
    assert _difference(shown, upright) < 12
    # the check can tell: the picture turned the other way round does not pass
    assert _difference(shown, upright.transpose(Image.Transpose.ROTATE_180)) > 20


def test_the_thumbnail_comes_from_the_draft_decode_without_an_exif_thumbnail(
        ready_store: Store, target: photos.Target) -> None:
    source = real(TURNED)
    imported = photos.import_photo(ready_store, source, target)
    assert imported.thumbnail == "draft"
    thumb = _thumbnail_of(ready_store, imported)
    with Image.open(thumb) as image:
        assert image.size == (320, 240)
    _assert_upright_thumbnail(thumb, source)
    assert derived.origin_of(thumb) == derived.copy_key(thumb)


def test_the_thumbnail_comes_from_the_cameras_exif_thumbnail(
        ready_store: Store, target: photos.Target, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    source = _with_camera_thumbnail(tmp_path)
    imported = photos.import_photo(ready_store, source, target)
    assert imported.thumbnail == "exif" and imported.meta.orientation == 6
    thumb = _thumbnail_of(ready_store, imported)
    with Image.open(thumb) as image:
        assert image.size == (160, 120)  # the embedded 120 x 160, turned upright
    _assert_upright_thumbnail(thumb, source)
    assert derived.origin_of(thumb) == derived.copy_key(thumb)
    assert imported.path.read_bytes() == source.read_bytes()


def test_an_exif_thumbnail_of_another_picture_is_not_used(
        ready_store: Store, target: photos.Target, tmp_path: Path) -> None:
    # a photo edited after it was taken may keep the camera's thumbnail of what it was
    other = Image.open(jpeg(tmp_path / "other.jpg", size=(450, 600), seed=5)).convert("RGB")
    source = _with_camera_thumbnail(tmp_path, other)
    imported = photos.import_photo(ready_store, source, target)
    assert imported.thumbnail == "draft"
    _assert_upright_thumbnail(_thumbnail_of(ready_store, imported), source)


def test_a_letterboxed_exif_thumbnail_is_not_used(tmp_path: Path) -> None:
    # a 3:2 photo with a 4:3 thumbnail (black bars), as many cameras embed
    photo = Image.new("RGB", (600, 400), (200, 120, 40))
    boxed = Image.new("RGB", (160, 120))
    boxed.paste(photo.resize((160, 107)), (0, 6))
    data = with_exif_thumbnail(_jpeg_bytes(photo), _jpeg_bytes(boxed), 1)
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        assert derived.embedded_thumbnail(image, 1) is None
    square = with_exif_thumbnail(_jpeg_bytes(photo), _jpeg_bytes(photo.resize((240, 160))), 1)
    with Image.open(io.BytesIO(square)) as image:
        image.load()
        assert derived.embedded_thumbnail(image, 1).size == (240, 160)


def test_the_import_leaves_the_report_copy_to_later(
        ready_store: Store, target: photos.Target, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    source = big_jpeg(tmp_path / "12mp.jpg")
    imported = photos.import_photo(ready_store, source, target)
    data_dir = ready_store.data_dir
    report = derived.derived_path(data_dir, imported.sha256, derived.REPORT, None)
    assert _thumbnail_of(ready_store, imported).exists() and not report.exists()
    # the call the GUI schedules in the background makes and proves it ...
    assert provenance.prepare_report_copies(data_dir, [(imported.sha256, "jpg")]) == {}
    assert report.exists() and provenance.proof_path(report).exists()
    with Image.open(report) as image:
        assert image.size == (1600, 1200)
    hashed: list[Path] = []
    real_sha = provenance._sha_of
    monkeypatch.setattr(provenance, "_sha_of", lambda p: hashed.append(p) or real_sha(p))
    # ... so that a report finds it proven and hashes nothing
    assert provenance.checked_copy(data_dir, imported.sha256, "jpg", "12mp.jpg") == report
    assert hashed == []


def test_the_background_copies_say_what_they_could_not_make(
        ready_store: Store, target: photos.Target, tmp_path: Path) -> None:
    imported = photos.import_photo(ready_store, jpeg(tmp_path / "a.jpg"), target)
    imported.path.write_bytes(jpeg(tmp_path / "b.jpg", seed=7).read_bytes())
    assert provenance.prepare_report_copies(ready_store.data_dir, [(imported.sha256, "jpg")]) \
        == {imported.sha256: provenance.ALTERED}
    assert not derived.derived_path(ready_store.data_dir, imported.sha256, derived.REPORT,
                                    None).exists()


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="names open files by /proc")
def test_a_batch_writes_rows_only_after_its_originals_are_durable(
        ready_store: Store, target: photos.Target, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    sources = [jpeg(tmp_path / f"IMG_{n}.jpg", seed=n) for n in range(6)]
    events: list[tuple[str, str]] = []
    real_fsync = os.fsync

    def fsync(descriptor: int) -> None:
        real_fsync(descriptor)
        path = Path(os.readlink(f"/proc/self/fd/{descriptor}"))
        if path.is_dir():
            events.append(("folder", str(path)))
        else:
            events.append(("file", hashlib.sha256(path.read_bytes()).hexdigest()))

    real_row = photos._photo_row

    def row(store: Store, staged: photos.StagedPhoto, path: Path) -> None:
        events.append(("row", staged.sha256))
        real_row(store, staged, path)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(photos, "_photo_row", row)
    result = photos.import_photos(ready_store, sources, target)
    assert len(result.imported) == 6 and not result.failed
    first_row = events.index(("row", result.imported[0].sha256))
    assert [kind for kind, _ in events[first_row:]] == ["row"] * 6  # rows come last
    flushed = events[:first_row]
    for photo in result.imported:
        assert ("file", photo.sha256) in flushed  # its bytes, flushed before any row
        assert ("folder", str(photo.path.parent)) in flushed  # and its name
    assert ("folder", str(ready_store.data_dir / "photos")) in flushed
    # one flush per folder, not one per photo
    folders = [name for kind, name in flushed if kind == "folder"]
    assert len(folders) == len(set(folders))
    for photo in result.imported:
        assert hashlib.sha256(photo.path.read_bytes()).hexdigest() == photo.sha256
    assert not list((ready_store.data_dir / "photos" / ".incoming").iterdir())


def test_a_cancelled_batch_stores_nothing(ready_store: Store, target: photos.Target,
                                          tmp_path: Path) -> None:
    sources = [jpeg(tmp_path / f"IMG_{n}.jpg", seed=n) for n in range(3)]
    seen: list[int] = []
    result = photos.import_photos(ready_store, sources, target,
                                  progress=lambda done, _total: seen.append(done),
                                  cancelled=lambda: len(seen) >= 2)
    assert result.imported == [] and result.failed == []
    assert ready_store.query("SELECT id FROM photos") == []
    stored = [p for p in (ready_store.data_dir / "photos").rglob("*") if p.is_file()]
    assert stored == []
