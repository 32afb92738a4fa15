"""Half-written bundles in the sync folder: ``verify`` reports those abandoned more than an
hour ago and ``verify --clean`` removes them; younger ones are left alone, because another
laptop may be writing them right now."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from inspector import cli
from inspector.core import durable
from inspector.core.store import Store
from sync import folder as sync_folder


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out


def test_old_half_written_bundles_are_reported_and_cleaned_young_ones_kept(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    shared = tmp_path / "shared"
    with Store.open(data) as store:
        sync_folder.remember_folder(store, shared)
    other = shared / sync_folder.ROOT / ("cd" * 16)
    other.mkdir(parents=True)
    old = other / "000000000001-000000000004.zip.tmp-0a1b2c"
    young = other / "000000000005-000000000009.zip.tmp-3d4e5f"
    bundle = other / "000000000001-000000000004.zip"
    for path in (old, young, bundle):
        path.write_bytes(b"PK partial")
    now = time.time()  # file times by the program's clock (a faked date fakes this too)
    os.utime(young, (now, now))
    two_hours_ago = now - 2 * 3600
    os.utime(old, (two_hours_ago, two_hours_ago))
    os.utime(bundle, (two_hours_ago, two_hours_ago))  # a finished bundle is never a leftover

    code, out = _run(capsys, "--data-dir", str(data), "verify")
    assert code == 0
    assert "1 个中断的数据包写入" in out and str(shared) in out
    assert "1 个正在写入的数据包" in out
    assert old.exists() and young.exists()

    code, out = _run(capsys, "--data-dir", str(data), "verify", "--clean")
    assert code == 0 and "已删除临时文件 1 个" in out
    assert not old.exists()
    assert young.exists() and bundle.exists()


@pytest.mark.parametrize("current", [True, False], ids=["as written now", "older versions"])
def test_the_hour_is_the_line(tmp_path: Path, current: bool) -> None:
    device = tmp_path / sync_folder.ROOT / ("ab" * 16)
    device.mkdir(parents=True)
    name = "000000000001-000000000001.zip"
    # the name sync.bundle writes under now (durable's, hidden), and the one it used before
    path = durable.temporary_for(device / name) if current else device / f"{name}.tmp-aa"
    path.write_bytes(b"x")
    written = 1_000_000.0
    os.utime(path, (written, written))
    assert sync_folder.stale_leftovers(tmp_path, now=written + 3599) == ([], 1)
    assert sync_folder.stale_leftovers(tmp_path, now=written + 3601) == ([path], 0)
    assert sync_folder.clean_leftovers(tmp_path, now=written + 3599) == []
    assert sync_folder.clean_leftovers(tmp_path, now=written + 3601) == [path]
    assert not path.exists()


def test_no_sync_folder_no_report(tmp_path: Path) -> None:
    assert sync_folder.stale_leftovers(tmp_path / "never-made") == ([], 0)
