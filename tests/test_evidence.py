"""Reports check their evidence: a photo is placed only as a copy proven made from its intact
original; a missing or substituted original is a placeholder that says so, a warning, and a
non-zero exit from the command line unless --allow-damaged."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from inspector import cli
from inspector.core.store import Store
from inspector.domain import derived, photos, provenance
from inspector.reports import findings_report, notices
from tests.photo_helpers import jpeg, real
from tests.test_reports import Sample, all_text, images_of, issue_settings, sample


@pytest.fixture
def rich(store: Store, tmp_path: Path) -> Sample:
    return sample(store, tmp_path / "src")


def _road_photo(rich: Sample) -> dict[str, object]:
    return photos.photos_of(rich.store, photos.target_for_finding(
        rich.store, rich.findings["road"]))[0]


def _stream_hashes(pdf: Path) -> set[str]:
    return {hashlib.sha256(image.raw).hexdigest() for image in images_of(pdf)}


def _copy_of(source: Path, tmp_path: Path) -> str:
    """The SHA-256 of the report copy this program would make of ``source``."""
    target = tmp_path / "probe" / "copy.jpg"
    target.parent.mkdir(parents=True, exist_ok=True)
    derived.build(source, target, derived.SIZES[derived.REPORT], derived.QUALITY[derived.REPORT])
    return hashlib.sha256(target.read_bytes()).hexdigest()


@pytest.mark.parametrize("clear_cache", [True, False])
def test_a_substituted_original_never_reaches_the_pdf(rich: Sample, tmp_path: Path,
                                                     clear_cache: bool) -> None:
    road = _road_photo(rich)
    findings_report.build(rich.store, rich.inspection, tmp_path / "before.pdf")
    impostor = jpeg(tmp_path / "impostor.jpg", size=(400, 300), seed=99)
    shutil.copyfile(impostor, photos.path_of(rich.store, road))  # cp over the original
    if clear_cache:
        shutil.rmtree(rich.store.data_dir / "cache")
    result = findings_report.build(rich.store, rich.inspection, tmp_path / "after.pdf")
    assert _copy_of(impostor, tmp_path) not in _stream_hashes(result.path)
    text = all_text(result.path)
    assert "照片原件已被改动" in text and "gps_DSCN0021.jpg" in text
    assert [w for w in result.damaged if "gps_DSCN0021.jpg" in w and "已被改动或替换" in w]
    assert result.damaged == [w for w in result.warnings if "原件" in w]
    # The placeholder is a fact of the report: it is another document than the one with
    # the photo, with a number of its own.
    again = findings_report.build(rich.store, rich.inspection, tmp_path / "again.pdf")
    assert result.number == again.number and result.number != _first_number(rich)
    assert len(images_of(result.path)) == len(images_of(tmp_path / "before.pdf")) - 1


def _first_number(rich: Sample) -> str:
    rows = rich.store.query("SELECT number FROM documents ORDER BY issued_at LIMIT 1")
    return str(rows[0]["number"])


def test_a_substituted_cached_copy_is_made_again(rich: Sample, tmp_path: Path) -> None:
    road = _road_photo(rich)
    first = findings_report.build(rich.store, rich.inspection, tmp_path / "a.pdf")
    copy = derived.derived_path(rich.store.data_dir, str(road["id"]), derived.REPORT, None)
    genuine = hashlib.sha256(copy.read_bytes()).hexdigest()
    impostor = jpeg(tmp_path / "impostor.jpg", size=(400, 300), seed=98)
    shutil.copyfile(impostor, copy)  # cp over the cached report copy
    again = findings_report.build(rich.store, rich.inspection, tmp_path / "b.pdf")
    streams = _stream_hashes(again.path)
    assert genuine in streams and hashlib.sha256(impostor.read_bytes()).hexdigest() \
        not in streams
    assert again.damaged == [] and again.number == first.number


def test_proofs_spare_hashing_the_originals_again(rich: Sample, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    findings_report.build(rich.store, rich.inspection, tmp_path / "a.pdf")
    hashed: list[Path] = []
    real_sha = provenance._sha_of
    monkeypatch.setattr(provenance, "_sha_of", lambda p: hashed.append(p) or real_sha(p))
    findings_report.build(rich.store, rich.inspection, tmp_path / "b.pdf")
    assert hashed == []
    # Touching an original (a restore, a copy back) rehashes it once, nothing is re-made.
    road = photos.path_of(rich.store, _road_photo(rich))
    road.write_bytes(road.read_bytes())
    findings_report.build(rich.store, rich.inspection, tmp_path / "c.pdf")
    assert road in hashed


def test_a_missing_original_says_so(rich: Sample, tmp_path: Path) -> None:
    road = _road_photo(rich)
    photos.path_of(rich.store, road).unlink()
    result = findings_report.build(rich.store, rich.inspection, tmp_path / "r.pdf")
    assert "照片原件缺失" in all_text(result.path)
    assert result.damaged and "缺失" in result.damaged[0]


def test_notices_check_their_photos_too(rich: Sample, tmp_path: Path) -> None:
    issue_settings(rich.store)
    fire = photos.photos_of(rich.store, photos.target_for_finding(
        rich.store, rich.findings["fire_lane"]))[0]
    shutil.copyfile(real("Canon_40D.jpg"), photos.path_of(rich.store, fire))
    results = notices.build_all(rich.store, rich.inspection, tmp_path / "n")
    damaged = [r for r in results if r.damaged]
    assert damaged and "照片原件已被改动" in all_text(damaged[0].path)


def test_cli_exits_non_zero_unless_damage_is_allowed(rich: Sample, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    photos.path_of(rich.store, _road_photo(rich)).write_bytes(b"\xff\xd8\xff\xe0 other")
    data_dir, short_id = str(rich.store.data_dir), rich.short_id
    rich.store.close()
    target = tmp_path / "r.pdf"
    assert cli.main(["--data-dir", data_dir, "report", short_id, "-o", str(target)]) == 1
    err = capsys.readouterr().err
    assert "gps_DSCN0021.jpg" in err and "--allow-damaged" in err
    assert target.exists()  # written, with the placeholder
    assert cli.main(["--data-dir", data_dir, "report", short_id, "-o", str(target),
                     "--allow-damaged"]) == 0
    assert "已按 --allow-damaged 生成" in capsys.readouterr().err


def test_copies_made_elsewhere_are_kept_when_they_name_their_original(
        rich: Sample, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A copy made for the screen (or at import) records its original: the first report
    hashes the original and keeps the copy; one copied from another photo is made again."""
    road, garbage = _road_photo(rich), photos.photos_of(rich.store, photos.target_for_finding(
        rich.store, rich.findings["garbage"]))[0]
    data_dir = rich.store.data_dir
    shown = derived.ensure(data_dir, str(road["id"]), str(road["ext"]), derived.REPORT)
    other = derived.ensure(data_dir, str(garbage["id"]), str(garbage["ext"]), derived.REPORT)
    shutil.copyfile(other, other.with_name("x.jpg"))
    made: list[Path] = []
    real_build = derived.build
    monkeypatch.setattr(derived, "build", lambda *a, **k: made.append(a[1]) or real_build(
        *a, **k))
    shutil.copyfile(shown, other)  # the road's copy put where the garbage's belongs
    result = findings_report.build(rich.store, rich.inspection, tmp_path / "r.pdf")
    assert shown not in made and other in made
    streams = _stream_hashes(result.path)
    assert hashlib.sha256(other.read_bytes()).hexdigest() in streams
    assert hashlib.sha256(other.with_name("x.jpg").read_bytes()).hexdigest() in streams
    assert derived.origin_of(other) == derived.copy_key(other)


def test_no_copy_is_made_from_an_altered_original(rich: Sample, tmp_path: Path) -> None:
    road = _road_photo(rich)
    shutil.copyfile(jpeg(tmp_path / "i.jpg", seed=7), photos.path_of(rich.store, road))
    shutil.rmtree(rich.store.data_dir / "cache")
    with pytest.raises(derived.AlteredOriginal):
        derived.ensure(rich.store.data_dir, str(road["id"]), str(road["ext"]),
                       derived.THUMBNAIL)
    assert not (rich.store.data_dir / "cache" / "thumbs").exists() or not list(
        (rich.store.data_dir / "cache" / "thumbs").rglob(f"{road['id']}*"))


def test_a_copy_vouched_for_at_import_is_not_hashed_again(rich: Sample, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    road = _road_photo(rich)
    data_dir = rich.store.data_dir
    shutil.rmtree(data_dir / "cache")
    copy = derived.ensure(data_dir, str(road["id"]), str(road["ext"]), derived.REPORT)
    provenance.vouch(data_dir, str(road["id"]), str(road["ext"]), copy)
    hashed: list[Path] = []
    real_sha = provenance._sha_of
    monkeypatch.setattr(provenance, "_sha_of", lambda p: hashed.append(p) or real_sha(p))
    assert provenance.checked_copy(data_dir, str(road["id"]), str(road["ext"]), "x") == copy
    assert hashed == []
    with pytest.raises(ValueError, match="does not record"):
        provenance.vouch(data_dir, str(road["id"]), str(road["ext"]),
                         jpeg(tmp_path / "plain.jpg"))


def test_the_import_leaves_report_copies_to_the_report_which_proves_them(
        rich: Sample, tmp_path: Path) -> None:
    data_dir = rich.store.data_dir
    jpegs = {str(row["id"]) for row in rich.store.query("SELECT id FROM photos WHERE ext = 'jpg'")}
    assert jpegs and not [sha for sha in jpegs if derived.derived_path(
        data_dir, sha, derived.REPORT, None).exists()]  # the import made none of them
    result = findings_report.build(rich.store, rich.inspection, tmp_path / "report.pdf")
    assert result.photos_placed == rich.placements - 1 and result.damaged == []
    for sha in jpegs:
        copy = derived.derived_path(data_dir, sha, derived.REPORT, None)
        if copy.exists():  # placed: made by the report from the intact original, proven
            assert derived.origin_of(copy) == derived.copy_key(copy)
            assert provenance.proof_path(copy).exists()
    placed = [sha for sha in jpegs
              if derived.derived_path(data_dir, sha, derived.REPORT, None).exists()]
    assert placed
