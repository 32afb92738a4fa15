"""A whole camera card through ``photos import-folder``: the plan first, other days left out,
duplicates and links never doubled (a re-run moves), the offset only for camera-local times,
file times said, counts that add up, and links, loops and ._ files named."""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from inspector import cli
from inspector.core.store import Store
from inspector.domain import camera_card, communities, findings, inspections, photos, templates
from inspector.domain.communities import CommunityData
from tests.conftest import CHINA, TEST_MOMENT, fixed_clock
from tests.photo_helpers import jpeg

VISIT = TEST_MOMENT.replace(tzinfo=None)  # 2026-11-29 09:30, the camera's (local) clock


def _prepare(data_dir: Path) -> tuple[str, str]:
    """An inspection with a failed B05 and its finding, recorded at 09:30."""
    with Store.open(data_dir, actor="王建国", wall=fixed_clock()) as store:
        templates.ensure_builtin(store)
        communities.create(store, CommunityData("海曙区", "南门街道", "柳西社区"))
        inspection_id = inspections.start(store, "柳西社区", ["王建国"])
        inspections.answer(store, inspection_id, "B05", "fail", value=2)
        finding_id = findings.add(store, inspection_id, category="garbage_piles",
                                  description="西侧垃圾堆放", item_code="B05")
        return inspection_id, finding_id


def _phone_jpeg(path: Path, taken: datetime, offset: str, seed: int) -> Path:
    exif = Image.Exif()
    details = exif.get_ifd(0x8769)
    details[36867] = taken.strftime("%Y:%m:%d %H:%M:%S")
    details[36881] = offset
    return jpeg(path, exif_bytes=exif.tobytes(), seed=seed)


def _card(root: Path) -> Path:
    card = root / "DCIM" / "100CANON"
    card.mkdir(parents=True)
    jpeg(card / "IMG_0001.JPG", taken=VISIT + timedelta(seconds=20), seed=1)
    jpeg(card / "IMG_0002.JPG", taken=VISIT + timedelta(minutes=15), seed=2)
    jpeg(card / "IMG_0003.JPG", taken=datetime(1998, 7, 1, 10, 0), seed=3)
    jpeg(card / "IMG_0004.JPG", taken=VISIT - timedelta(days=1), seed=4)  # yesterday
    shutil.copy(card / "IMG_0001.JPG", card / "IMG_0001 (1).JPG")
    no_time = jpeg(card / "IMG_0006.JPG", seed=6)
    moment = datetime(2026, 11, 29, 9, 31, tzinfo=CHINA).timestamp()
    os.utime(no_time, (moment, moment))
    # a phone whose time carries its UTC offset: 01:30:40 at UTC+00:00 is 09:30:40 here
    _phone_jpeg(card / "PHONE.JPG", VISIT - timedelta(hours=8) + timedelta(seconds=40),
                "+00:00", seed=7)
    (card / "._IMG_0001.JPG").write_bytes(b"\x00\x05\x16\x07" + b"\x00" * 60)
    outside = jpeg(root / "elsewhere.jpg", taken=VISIT, seed=9)
    os.symlink(outside, card / "LINK.JPG")
    os.symlink(card.parent, card / "loop")
    return root / "DCIM"


def _cli(capsys: pytest.CaptureFixture[str], data_dir: Path, *args: str,
         stdin: str | None = None,
         monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[int, str, str]:
    if stdin is not None and monkeypatch is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = cli.main(["--data-dir", str(data_dir), "--user", "王建国", *args],
                    wall=fixed_clock())
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _live_links(store: Store, inspection_id: str) -> dict[str, list[str]]:
    """photo → the targets it is linked to in the inspection (live links)."""
    found: dict[str, list[str]] = {}
    for link in store.query("SELECT * FROM photo_links WHERE deleted IS NULL"):
        if photos.inspection_of_link(store, link) == inspection_id:
            found.setdefault(link["photo_id"], []).append(
                f"{link['target_kind']}:{link['target_id']}")
    return found


def test_the_plan_first_then_an_import_whose_counts_add_up(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        data_dir: Path, tmp_path: Path) -> None:
    inspection_id, finding_id = _prepare(data_dir)
    card = _card(tmp_path)
    code, out, _ = _cli(capsys, data_dir, "photos", "import-folder", inspection_id[:8],
                        str(card), "--dry-run")
    assert code == 0
    lines = {line.split("\t")[0]: line for line in out.splitlines() if "\t" in line}
    assert "其他日期，不导入" in lines["IMG_0003.JPG"]  # 1998
    assert "其他日期，不导入" in lines["IMG_0004.JPG"]  # yesterday
    # the copy sorts first ("IMG_0001 (1).JPG"): the later file of the two is the duplicate
    assert "与 IMG_0001 (1).JPG 相同，不导入" in lines["IMG_0001.JPG"]
    assert "（文件时间）" in lines["IMG_0006.JPG"] and "[新关联]" in lines["IMG_0006.JPG"]
    assert "（带时区）" in lines["PHONE.JPG"]
    assert "2026-11-29 09:30:40" in lines["PHONE.JPG"]
    assert "按文件时间匹配：IMG_0006.JPG" in out
    assert "._IMG_0001.JPG：macOS 附加信息文件" in out
    assert "LINK.JPG：指向所选文件夹之外的符号链接" in out
    assert "loop：符号链接指回上级文件夹，形成循环" in out
    assert "计划：共 7 张照片，新关联 4，移动 0，已关联 0，其他日期 2，重复 1；另有 3 个文件" in out
    with Store.open(data_dir, readonly=True) as store:
        assert store.query("SELECT id FROM photo_links") == []  # a plan stores nothing

    # without --yes it asks; "no" (or no answer at all) imports nothing
    code, out, err = _cli(capsys, data_dir, "photos", "import-folder", inspection_id[:8],
                          str(card), stdin="n\n", monkeypatch=monkeypatch)
    assert code == 2 and "按此计划导入？" in out and "未导入任何照片" in err
    code, out, _ = _cli(capsys, data_dir, "photos", "import-folder", inspection_id[:8],
                        str(card), stdin="y\n", monkeypatch=monkeypatch)
    assert code == 0
    assert ("共 7 张照片：新关联 4，移动 0，已关联未变 0，其他日期未导入 2，重复未导入 1，"
            "失败 0") in out
    with Store.open(data_dir, readonly=True) as store:
        general = photos.photos_of(store, photos.target_for_inspection(store, inspection_id))
        on_finding = photos.photos_of(store, photos.target_for_finding(store, finding_id))
    assert [p["original_name"] for p in general] == ["IMG_0002.JPG"]  # no 1998, no yesterday
    assert {p["original_name"] for p in on_finding} == {"IMG_0001 (1).JPG", "IMG_0006.JPG",
                                                        "PHONE.JPG"}


def test_a_rerun_with_an_offset_moves_links_and_never_doubles_them(
        capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path) -> None:
    inspection_id, finding_id = _prepare(data_dir)
    card = _card(tmp_path)
    assert _cli(capsys, data_dir, "photos", "import-folder", inspection_id, str(card),
                "--yes")[0] == 0
    with Store.open(data_dir, readonly=True) as store:
        first = _live_links(store, inspection_id)
    assert len(first) == 4 and all(len(v) == 1 for v in first.values())

    # the camera was 10 minutes slow, it turns out: the camera photos move, the phone's not
    code, out, _ = _cli(capsys, data_dir, "photos", "import-folder", inspection_id, str(card),
                        "--offset", "10", "--yes")
    assert code == 0, out
    assert "移动自" in out
    with Store.open(data_dir, readonly=True) as store:
        second = _live_links(store, inspection_id)
        on_finding = {p["original_name"] for p in photos.photos_of(
            store, photos.target_for_finding(store, finding_id))}
    assert set(second) == set(first) and all(len(v) == 1 for v in second.values())
    assert on_finding == {"PHONE.JPG"}  # camera-local times moved off; the phone stayed
    assert "共 7 张照片：新关联 0，移动 2，已关联未变 2" in out

    # the same run again changes nothing, and reads no photo again
    code, out, _ = _cli(capsys, data_dir, "photos", "import-folder", inspection_id, str(card),
                        "--offset", "10", "--yes")
    assert "新关联 0，移动 0，已关联未变 4" in out
    # and --any-day brings the other days' photos in, once
    code, out, _ = _cli(capsys, data_dir, "photos", "import-folder", inspection_id, str(card),
                        "--offset", "10", "--yes", "--any-day")
    assert "新关联 2，移动 0，已关联未变 4，其他日期未导入 0，重复未导入 1" in out


def test_bad_input_changes_nothing(capsys: pytest.CaptureFixture[str], data_dir: Path,
                                   tmp_path: Path) -> None:
    inspection_id, _finding = _prepare(data_dir)
    code, _out, err = _cli(capsys, data_dir, "photos", "import-folder", inspection_id,
                           str(tmp_path / "nowhere"), "--yes")
    assert code == 2 and "nowhere 不是文件夹" in err
    empty = tmp_path / "empty"
    empty.mkdir()
    code, out, _ = _cli(capsys, data_dir, "photos", "import-folder", inspection_id, str(empty))
    assert code == 0 and "没有要导入的照片" in out


def _fresh_inspection(folder: Path) -> tuple[Store, str]:
    store = Store.open(folder, actor="王建国", wall=fixed_clock())
    templates.ensure_builtin(store)
    communities.create(store, CommunityData("海曙区", "南门街道", "柳西社区"))
    inspection_id = inspections.start(store, "柳西社区", ["王建国"])
    for code in ("A01", "B05", "C01"):
        inspections.answer(store, inspection_id, code, "fail", value=2)
    findings.add(store, inspection_id, category="garbage_piles", description="垃圾",
                 item_code="B05")
    return store, inspection_id


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(minutes=st.lists(st.integers(-30, 30), min_size=3, max_size=6),
       offsets=st.lists(st.floats(-90, 90, allow_nan=False), min_size=1, max_size=4))
def test_any_rerun_with_any_offset_never_links_a_photo_twice(minutes: list[int],
                                                              offsets: list[float]) -> None:
    scratch = Path(tempfile.mkdtemp())
    try:
        store, inspection_id = _fresh_inspection(scratch / "data")
        with store:
            card = scratch / "card"
            card.mkdir()
            for number, minute in enumerate(minutes):
                jpeg(card / f"IMG_{number:04d}.JPG", seed=number,
                     taken=VISIT + timedelta(minutes=minute))
            ever: set[str] = set()
            for offset in offsets:
                scan = camera_card.propose(store, inspection_id, card, offset_minutes=offset)
                result = camera_card.apply(store, scan.proposals)
                assert not result.failed
                assert len(result.new) + len(result.moved) + len(result.unchanged) + len(
                    result.other_day) + len(result.duplicates) == result.total == len(minutes)
                ever |= {p.sha256 for p in scan.proposals if not p.excluded and p.sha256}
                links = _live_links(store, inspection_id)
                assert all(len(targets) == 1 for targets in links.values()), links
                assert set(links) == ever
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
