"""Bundles between devices: refusals leave the data as it was; waiting; flags; folders."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from inspector.core import conflicts
from inspector.core.clock import Stamp
from inspector.core.errors import DataDirError, InspectorError
from inspector.core.store import Store
from inspector.domain import findings, inspections
from sync import exchange, folder, roster
from sync.bundle import BundleError
from sync.merge import SyncError
from tests.sync.team import data_hash, make_team, open_conflicts, seed_inspection, send


@pytest.fixture
def pair(tmp_path: Path) -> list[Store]:
    stores = make_team(tmp_path, 2)
    yield stores
    for store in stores:
        store.close()


def _bundle(source: Store, path: Path) -> Path:
    written = exchange.export_bundle(source, path)
    assert written is not None
    return written


def _refused_unchanged(target: Store, path: Path, words: str) -> None:
    before = exchange.state_hash(target)
    log_before = target.query_one("SELECT COUNT(*) AS n FROM changes")
    with pytest.raises((BundleError, SyncError)) as info:
        exchange.import_bundle(target, path)
    assert str(path) in str(info.value) and words in str(info.value)
    assert exchange.state_hash(target) == before
    assert target.query_one("SELECT COUNT(*) AS n FROM changes") == log_before


def test_the_same_bundle_twice_changes_nothing(pair: list[Store], tmp_path: Path) -> None:
    a, b = pair
    seed_inspection(a)
    path = _bundle(a, tmp_path / "a.zip")
    assert exchange.import_bundle(b, path).status == exchange.APPLIED
    state = exchange.state_hash(b)
    assert exchange.import_bundle(b, path).status == exchange.DUPLICATE
    assert exchange.state_hash(b) == state


@pytest.mark.parametrize("where", ["start", "middle", "last"])
def test_a_truncated_bundle_is_refused(pair: list[Store], tmp_path: Path, where: str) -> None:
    a, b = pair
    seed_inspection(a)
    data = _bundle(a, tmp_path / "a.zip").read_bytes()
    cut = {"start": data[100:], "middle": data[: len(data) // 2], "last": data[:-1]}[where]
    damaged = tmp_path / f"cut-{where}.zip"
    damaged.write_bytes(cut)
    _refused_unchanged(b, damaged, "")


def _rewrite(source: Path, target: Path, name: str, change: object) -> None:
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as copy:
        for info in original.infolist():
            data = original.read(info.filename)
            if info.filename == name:
                data = change(data)  # type: ignore[operator]
            copy.writestr(info, data)


def _flip(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1:]


@pytest.mark.parametrize("entry", ["changes.jsonl", "manifest.json", "photo"])
def test_one_flipped_byte_is_refused(pair: list[Store], tmp_path: Path, entry: str) -> None:
    from inspector.domain import photos
    from tests.photo_helpers import jpeg

    a, b = pair
    inspection, _ = seed_inspection(a)
    photos.import_photo(a, jpeg(tmp_path / "p.jpg"), photos.target_for_inspection(a, inspection))
    path = _bundle(a, tmp_path / "a.zip")
    name = entry
    if entry == "photo":
        with zipfile.ZipFile(path) as bundle:
            name = next(n for n in bundle.namelist() if n.startswith("photos/"))
    tampered = tmp_path / "tampered.zip"
    _rewrite(path, tampered, name, _flip)
    _refused_unchanged(b, tampered, "")


def test_a_bundle_signed_by_another_key(pair: list[Store], tmp_path: Path) -> None:
    a, b = pair
    seed_inspection(a)
    path = _bundle(a, tmp_path / "a.zip")
    # b's roster holds a different key for a: the bundle is refused as a security warning
    from inspector.core import records
    from inspector.core.keys import DeviceKey

    with b.write():
        records.put(b, "devices", a.device_id,
                    {"trusted_key": DeviceKey.generate().public_hex()})
    _refused_unchanged(b, path, "安全警告")


def test_an_unknown_device_is_quarantined_until_trusted(tmp_path: Path) -> None:
    a = Store.open(tmp_path / "a", actor="甲")
    b = Store.open(tmp_path / "b", actor="乙")
    try:
        seed_inspection(a)
        path = _bundle(a, tmp_path / "a.zip")
        before = exchange.state_hash(b)
        report = exchange.import_bundle(b, path)
        assert report.status == exchange.QUARANTINED and "未加入团队名单" in report.message
        assert exchange.state_hash(b) == before
        listed = {d["id"]: d for d in roster.list_devices(b)}
        assert listed[a.device_id]["quarantined"] == 1 and not listed[a.device_id]["trusted"]
        path.unlink()  # the stick is gone: the kept copy is applied
        roster.trust(b, a.device_id[:8])
        applied = exchange.retry_inbox(b)
        assert [r.status for r in applied] == [exchange.APPLIED]
        for table in ("communities", "inspections", "findings", "responses"):
            assert b.query(f"SELECT * FROM {table} ORDER BY id") == a.query(
                f"SELECT * FROM {table} ORDER BY id")
    finally:
        a.close()
        b.close()


def test_a_future_format_is_refused(pair: list[Store], tmp_path: Path) -> None:
    a, b = pair
    seed_inspection(a)
    path = _bundle(a, tmp_path / "a.zip")

    def newer(data: bytes) -> bytes:
        manifest = json.loads(data)
        manifest["format"] = 9
        return json.dumps(manifest).encode()

    future = tmp_path / "future.zip"
    _rewrite(path, future, "manifest.json", newer)
    _refused_unchanged(b, future, "更新版本")


def test_a_bundle_waits_for_what_it_depends_on(tmp_path: Path) -> None:
    a, b, c = make_team(tmp_path, 3)
    try:
        inspection, made = seed_inspection(a)
        send(a, b, tmp_path)
        findings.edit(b, made[0], deadline="2030-01-01")  # depends on a's finding
        stick = tmp_path / "b-only"
        stick.mkdir()
        written = exchange.export_bundles(b, stick)
        assert len(written) == 2  # split where b received a's changes
        assert exchange.import_bundle(c, written[0]).status == exchange.APPLIED
        report = exchange.import_bundle(c, written[1])
        assert report.status == exchange.WAITING
        assert a.device_id[:8] in report.message
        send(a, c, tmp_path)  # a's changes arrive: b's bundle is applied from the inbox
        assert findings.get(c, made[0])["deadline"] == "2030-01-01"
        assert data_hash(c) == data_hash(b)
    finally:
        for store in (a, b, c):
            store.close()


def test_a_delete_meeting_a_concurrent_edit_is_flagged(pair: list[Store],
                                                       tmp_path: Path) -> None:
    a, b = pair
    inspection, made = seed_inspection(a)
    send(a, b, tmp_path)
    findings.delete(a, made[0])
    findings.edit(b, made[0], location="5幢2单元")
    send(a, b, tmp_path)
    send(b, a, tmp_path)
    for store in (a, b):
        kinds = {c.kind for c in conflicts.list_open(store)}
        assert "delete" in kinds
    assert open_conflicts(a) == open_conflicts(b)
    assert exchange.state_hash(a) == exchange.state_hash(b)
    assert findings.list_findings(a, inspection_id=inspection)[0]["id"] == made[1]


def test_a_far_future_clock_is_flagged_and_not_followed(pair: list[Store],
                                                       tmp_path: Path) -> None:
    a, b = pair
    seed_inspection(a)
    year_ahead = Stamp(a.clock.last.millis + 365 * 24 * 3600 * 1000, 0)
    a.clock.last = year_ahead  # a's clock jumps a year ahead
    inspection = a.query("SELECT id FROM inspections")[0]["id"]
    inspections.answer(a, inspection, "B01", "fail")
    send(a, b, tmp_path)
    assert b.clock.last < year_ahead
    # b's next edit is stamped by its own clock, not dragged a year ahead
    inspections.answer(b, inspection, "B01", "pass")
    last = b.query_one("SELECT hlc FROM changes WHERE device = ? ORDER BY seq DESC LIMIT 1",
                       (b.device_id,))
    assert last is not None and Stamp.parse(last["hlc"]) < year_ahead


def test_resolving_a_conflict_closes_it_everywhere(pair: list[Store], tmp_path: Path) -> None:
    a, b = pair
    inspection, made = seed_inspection(a)
    send(a, b, tmp_path)
    findings.edit(a, made[0], deadline="2030-01-01")
    findings.edit(b, made[0], deadline="2031-01-01")
    send(a, b, tmp_path)
    send(b, a, tmp_path)
    open_a = conflicts.list_open(a)
    assert len(open_a) == 1 and open_conflicts(a) == open_conflicts(b)
    conflicts.resolve(a, open_a[0].id[:10], values={"deadline": "2030-06-30"})
    send(a, b, tmp_path)
    assert conflicts.list_open(b) == [] and conflicts.list_open(a) == []
    assert findings.get(b, made[0])["deadline"] == "2030-06-30"
    assert exchange.state_hash(a) == exchange.state_hash(b)


def test_the_database_is_never_placed_in_the_sync_folder(tmp_path: Path) -> None:
    with Store.open(tmp_path / "share" / "data") as store:
        with pytest.raises(InspectorError, match="同步文件夹"):
            folder.remember_folder(store, tmp_path / "share")
    with Store.open(tmp_path / "local") as store:
        folder.remember_folder(store, tmp_path / "share2")
    (tmp_path / "share2").mkdir()
    shutil.move(str(tmp_path / "local"), str(tmp_path / "share2" / "local"))
    with pytest.raises(DataDirError):
        Store.open(tmp_path / "share2" / "local")


def test_a_device_renaming_itself_is_no_conflict(pair: list[Store], tmp_path: Path) -> None:
    a, b = pair
    seed_inspection(a)
    send(a, b, tmp_path)
    a.set_setting("device_name", "王建国的笔记本")
    roster.ensure_self(a)
    send(a, b, tmp_path)
    assert conflicts.list_open(b) == []
    assert {d["name"] for d in roster.list_devices(b) if d["id"] == a.device_id} == {
        "王建国的笔记本"}


def test_one_concurrent_answer_is_one_conflict(pair: list[Store], tmp_path: Path) -> None:
    a, b = pair
    inspection, _ = seed_inspection(a)
    send(a, b, tmp_path)
    inspections.answer(a, inspection, "B02", "fail")
    inspections.answer(b, inspection, "B02", "pass")
    send(a, b, tmp_path)
    send(b, a, tmp_path)
    assert [c.register for c in conflicts.list_open(a)] == ["answer"]
    assert open_conflicts(a) == open_conflicts(b)


def test_a_missing_sync_folder_is_not_created(pair: list[Store], tmp_path: Path) -> None:
    a, _ = pair
    with pytest.raises(InspectorError, match="不存在"):
        folder.sync(a, tmp_path / "media" / "usb")
    assert not (tmp_path / "media").exists()
