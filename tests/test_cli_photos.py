"""The photo commands: add, list, import-folder, verify."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import pytest

from inspector import cli
from tests.photo_helpers import jpeg, real
from tests.test_cli import ok, run


def _inspection(capsys: pytest.CaptureFixture[str], data_dir: Path) -> str:
    ok(capsys, data_dir, "demo")
    drafts = [i for i in json.loads(ok(capsys, data_dir, "inspections", "list", "--json"))
              if i["status"] == "draft"]
    return str(drafts[0]["short_id"])


def test_add_list_and_verify(capsys: pytest.CaptureFixture[str], data_dir: Path,
                             tmp_path: Path) -> None:
    inspection = _inspection(capsys, data_dir)
    source = real("gps_DSCN0021.jpg")
    added = ok(capsys, data_dir, "photos", "add", f"{inspection}:B05", str(source))
    sha = hashlib.sha256(source.read_bytes()).hexdigest()
    assert added.split()[0] == sha
    listed = json.loads(ok(capsys, data_dir, "photos", "list", f"{inspection}:B05", "--json"))
    ours = [p for p in listed if p["sha256"] == sha]
    assert len(ours) == 1 and ours[0]["latitude"] is not None and ours[0]["taken_at"]
    stored_count = len(list((data_dir / "photos").glob("??/*.*")))
    assert f"已核对 {stored_count} 张" in ok(capsys, data_dir, "verify")

    stored = data_dir / "photos" / sha[:2] / f"{sha}.jpg"
    stored.write_bytes(b"changed")
    code, out, _ = run(capsys, data_dir, "verify")
    assert code == 1 and "已被改动" in out and str(stored) in out


def test_a_bad_file_in_a_batch(capsys: pytest.CaptureFixture[str], data_dir: Path,
                               tmp_path: Path) -> None:
    inspection = _inspection(capsys, data_dir)
    good = jpeg(tmp_path / "good.jpg")
    bad = tmp_path / "bad.jpg"
    bad.write_text("not a photo", encoding="utf-8")
    code, out, err = run(capsys, data_dir, "photos", "add", inspection, str(good), str(bad))
    assert code == 2
    assert out.split()[0] == hashlib.sha256(good.read_bytes()).hexdigest()
    assert str(bad) in err and "不是照片" in err


def test_import_folder(capsys: pytest.CaptureFixture[str], data_dir: Path,
                       tmp_path: Path) -> None:
    inspection = _inspection(capsys, data_dir)
    card = tmp_path / "card"
    card.mkdir()
    jpeg(card / "IMG_1.JPG", seed=1)
    jpeg(card / "IMG_2.JPG", seed=2)
    now = time.time()  # file times by the program's clock (a faked date fakes this too)
    for name in ("IMG_1.JPG", "IMG_2.JPG"):
        os.utime(card / name, (now, now))
    out = ok(capsys, data_dir, "photos", "import-folder", inspection, str(card), "--window", "2",
             "--yes")
    assert "IMG_1.JPG" in out and "共 2 张照片：新关联 2，移动 0，已关联未变 0" in out
    assert cli.main(["--data-dir", str(data_dir), "verify"]) == 0
