"""The ways sync lost edits or disagreed (issue 10), each as a named test."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from inspector.core import changelog, conflicts, records
from inspector.core.errors import InspectorError, NotFoundError, TemplateError
from inspector.core.store import Store
from inspector.domain import community_import, findings, inspections, photos, templates
from inspector.ops import demo
from sync import exchange, folder, roster
from sync.bundle import write_bundle
from sync.merge import SyncError
from tests.conftest import given_for
from tests.sync.team import data_hash, make_team, open_conflicts, seed_inspection, send


@pytest.fixture
def trio(tmp_path: Path) -> Iterator[list[Store]]:
    stores = make_team(tmp_path, 3)
    yield stores
    for store in stores:
        store.close()


def everyone(stores: list[Store], folder_path: Path) -> None:
    for _ in range(2):
        for source in stores:
            for target in stores:
                if source is not target:
                    send(source, target, folder_path, since=0)


def all_answered(store: Store, inspection: str) -> None:
    for item in inspections.view(store, inspection).template.items:
        inspections.answer(store, inspection, item.code, given_for(item))


# -- 1. one identity per history ----------------------------------------------------------


def _copy_data_dir(source: Store, target: Path) -> Store:
    shutil.copytree(source.data_dir, target, ignore=shutil.ignore_patterns("inspector.lock"))
    return Store.open(target, actor="副本")


def test_a_copied_data_directory_forks_and_nothing_is_lost(tmp_path: Path) -> None:
    a, b = make_team(tmp_path, 2)
    share = tmp_path / "share"
    share.mkdir()
    copy: Store | None = None
    try:
        inspection, made = seed_inspection(a)
        folder.sync(a, share)
        folder.sync(b, share)
        folder.sync(b, share)
        copy = _copy_data_dir(a, tmp_path / "copy")  # cp -a of a's data directory
        assert copy.device_id == a.device_id
        # deadlines after the inspection's day, whatever day the test runs on
        d1, d2, d3 = (str(a.wall.today() + timedelta(days=n)) for n in (40, 75, 115))
        findings.edit(a, made[0], deadline=d1)  # the original goes on working
        findings.edit(copy, made[1], deadline=d2)  # and so does the copy
        findings.edit(copy, made[0], deadline=d3)  # on the same thing, too
        folder.sync(a, share)
        report = folder.sync(copy, share)
        assert report.forked_from == a.device_id and copy.device_id != a.device_id
        assert copy.get_setting("forked_from") == a.device_id
        # the copy's own edits moved to its new identity; the shared history stays a's
        moved = copy.query("SELECT reg FROM changes WHERE device = ?", (copy.device_id,))
        assert {r["reg"] for r in moved} >= {"deadline"}
        # teammates trust the new device; everyone syncs
        for store in (a, b):
            folder.sync(store, share)
            roster.trust(store, copy.device_id[:10])
        for _ in range(2):
            for store in (a, b, copy):
                folder.sync(store, share)
        team = [a, b, copy]
        assert len({data_hash(s) for s in team}) == 1
        assert len({tuple(open_conflicts(s)) for s in team}) == 1
        assert findings.get(b, made[1])["deadline"] == d2
        clash = conflicts.list_open(b)
        assert [c.register for c in clash] == ["deadline"]
        assert {v.content["deadline"] for v in clash[0].versions} == {d1, d3}
    finally:
        for store in (a, b, copy):
            if store is not None:
                store.close()


def test_a_restored_backup_is_a_new_device_and_keeps_unsynced_work(tmp_path: Path) -> None:
    from inspector.ops import backup

    a, b = make_team(tmp_path, 2)
    share = tmp_path / "share"
    share.mkdir()
    try:
        inspection, made = seed_inspection(a)
        folder.sync(a, share)
        folder.sync(b, share)
        findings.edit(a, made[0], location="3幢东侧")  # not synced yet
        saved = backup.backup(a, tmp_path / "a-backup.zip")
        assert saved.path.exists()
        a_id = a.device_id
        a.close()  # the laptop is lost
        result = backup.restore(saved.path, tmp_path / "restored")
        assert result.old_device == a_id and result.new_device != a_id
        assert result.moved >= 1
        with pytest.raises(InspectorError, match="不是空"):
            backup.restore(saved.path, tmp_path / "restored")
        restored = Store.open(tmp_path / "restored")
        try:
            assert findings.get(restored, made[0])["location"] == "3幢东侧"
            folder.sync(restored, share)
            folder.sync(b, share)
            roster.trust(b, restored.device_id[:10])
            folder.sync(b, share)
            assert findings.get(b, made[0])["location"] == "3幢东侧"
            assert conflicts.list_open(b) == []
        finally:
            restored.close()
    finally:
        b.close()


# -- 2. identical conflict lists ------------------------------------------------------------


def test_changed_after_submission_is_listed_on_every_laptop(trio: list[Store],
                                                            tmp_path: Path) -> None:
    a, b, c = trio
    inspection, _ = seed_inspection(a)
    all_answered(a, inspection)
    everyone(trio, tmp_path)
    assert inspections.view(a, inspection).score.met
    inspections.submit(a, inspection, ["王建国"])  # signed: 达标
    inspections.answer(b, inspection, "C01", "fail", note="消防通道又被占")  # unsynced edit
    everyone(trio, tmp_path)
    for store in trio:
        listed = conflicts.list_open(store)
        assert [(k.kind, k.register) for k in listed] == [("locked", "answer")]
        # the signed version stays shown, and with it the result the signers saw
        assert inspections.answers_of(store, inspection)["C01"]["answer"] == "pass"
        assert inspections.view(store, inspection).score.met
    assert len({tuple(open_conflicts(s)) for s in trio}) == 1
    with pytest.raises(InspectorError, match="重新打开"):
        conflicts.resolve(c, listed[0].id, take="2")
    conflicts.resolve(c, listed[0].id)  # keep the signed answer
    everyone(trio, tmp_path)
    assert all(conflicts.list_open(s) == [] for s in trio)


def test_resolving_a_delete_conflict_leaves_no_conflict_anywhere(trio: list[Store],
                                                                 tmp_path: Path) -> None:
    a, b, c = trio
    inspection, made = seed_inspection(a)
    everyone(trio, tmp_path)
    findings.delete(a, made[0])
    findings.edit(b, made[0], location="5幢2单元")
    everyone(trio, tmp_path)
    listed = [conflicts.list_open(s) for s in trio]
    assert [[k.kind for k in each] for each in listed] == [["delete"]] * 3
    conflicts.resolve(c, listed[2][0].id, take=conflicts.KEEP_ROW)
    everyone(trio, tmp_path)
    assert all(conflicts.list_open(s) == [] for s in trio)
    assert all(findings.get(s, made[0])["location"] == "5幢2单元" for s in trio)
    assert len({data_hash(s) for s in trio}) == 1


# -- 3. a concurrent correction is never dropped ---------------------------------------------


@pytest.mark.parametrize(("item", "first", "second"), [("B03", "fail", "pass"),
                                                        ("C01", "pass", "fail")])
def test_a_concurrent_correction_is_a_conflict(trio: list[Store], tmp_path: Path, item: str,
                                               first: str, second: str) -> None:
    a, b, _ = trio
    inspection, _ = seed_inspection(a)
    everyone(trio, tmp_path)
    inspections.answer(a, inspection, item, first)
    inspections.answer(a, inspection, item, second, note="复查已清理，符合")  # A corrects
    inspections.answer(b, inspection, item, first)  # B, unsynced, a second later
    everyone(trio, tmp_path)
    for store in trio:
        listed = conflicts.list_open(store)
        assert [k.register for k in listed] == ["answer"]
        versions = {(v.content["answer"], v.content["note"]) for v in listed[0].versions}
        assert versions == {(second, "复查已清理，符合"), (first, None)}
    assert len({tuple(open_conflicts(s)) for s in trio}) == 1


# -- 4. no record nobody entered ---------------------------------------------------------------


def test_the_shown_answer_is_one_persons_whole_answer(trio: list[Store], tmp_path: Path) -> None:
    a, b, _ = trio
    inspection, _ = seed_inspection(a)
    everyone(trio, tmp_path)
    inspections.answer(a, inspection, "B06", inspections.Given(sampled=20, qualified=17))
    inspections.answer(b, inspection, "B06", inspections.Given(sampled=20, qualified=12))
    inspections.set_note(b, inspection, "B06", "抽查20桶，12桶正确")
    everyone(trio, tmp_path)
    for store in trio:
        row = inspections.answers_of(store, inspection)["B06"]
        versions = conflicts.list_open(store)[0].versions
        shown = {k: row[k] for k in ("answer", "value", "detail", "note", "answered_by")}
        assert shown in [{k: v.content[k] for k in shown} for v in versions]
        assert (row["value"] >= 80) == (row["answer"] == "pass")  # judged from its own count


# -- 5. revocation is a cut, whatever the order ------------------------------------------------


def test_a_revocation_counts_the_same_changes_in_any_order(tmp_path: Path) -> None:
    a, b, c = make_team(tmp_path, 3)
    for name in ("one", "two", "three"):
        (tmp_path / name).mkdir()
    try:
        inspection, made = seed_inspection(a)
        everyone([a, b, c], tmp_path / "one")
        findings.edit(c, made[0], description="撤销前的修改")
        send(c, a, tmp_path / "one")
        roster.revoke(a, c.device_id)  # a has c's edit: it counts
        findings.edit(c, made[1], description="撤销后的修改")  # beyond the cut
        b_dir = b.data_dir
        b.close()
        twin_dir = tmp_path / "twin"
        shutil.copytree(b_dir, twin_dir, ignore=shutil.ignore_patterns("inspector.lock"))
        b = Store.open(b_dir, actor="乙")
        twin = Store.open(twin_dir, actor="乙")
        try:
            send(c, b, tmp_path / "two")  # b: c's later edit first, then the revocation
            send(a, b, tmp_path / "two")
            send(a, twin, tmp_path / "three")  # the twin: the revocation first
            send(c, twin, tmp_path / "three")
            for store in (b, twin):
                assert findings.get(store, made[0])["description"] == "撤销前的修改"
                assert findings.get(store, made[1])["description"] != "撤销后的修改"
                assert changelog.cut_of(store, c.device_id) is not None
            assert data_hash(b) == data_hash(twin) == data_hash(a)
        finally:
            twin.close()
    finally:
        for store in (a, b, c):
            store.close()


# -- 7. registries and checklists merge, never duplicate or silently win ----------------------


def test_the_same_community_list_imported_twice_is_one_list(tmp_path: Path) -> None:
    a, b = make_team(tmp_path, 2)
    try:
        community_import.import_file(a, demo.SAMPLE_REGISTRY)
        community_import.import_file(b, demo.SAMPLE_REGISTRY)
        count = a.query_one("SELECT COUNT(*) AS n FROM communities")
        everyone([a, b], tmp_path)
        assert b.query_one("SELECT COUNT(*) AS n FROM communities") == count
        assert conflicts.list_open(a) == conflicts.list_open(b) == []
    finally:
        a.close()
        b.close()


def test_one_checklist_name_with_two_contents_is_refused_by_name(tmp_path: Path) -> None:
    a, b = make_team(tmp_path, 2)
    try:
        raw = json.loads(templates.builtin_files()[0].read_text(encoding="utf-8"))
        other = dict(raw, title=raw["title"] + "（修订）")
        path = tmp_path / "other.json"
        path.write_text(json.dumps(other, ensure_ascii=False), encoding="utf-8")
        templates.ensure_builtin(a)
        templates.install(b, templates.load_file(path))
        name = f"{raw['id']}@v{raw['version']}"
        everyone([a, b], tmp_path)
        for store in (a, b):
            installed = [r for r in templates.list_installed(store) if r["name"] == name]
            assert [r["clash"] for r in installed] == [True, True]
            with pytest.raises(TemplateError) as refused:
                templates.get(store, name)
            assert all(r["id"][:12] in str(refused.value) for r in installed)
    finally:
        a.close()
        b.close()


# -- 8. numbers people read are never ambiguous ------------------------------------------------


def test_two_laptops_never_give_the_same_number(tmp_path: Path) -> None:
    a, b = make_team(tmp_path, 2)
    try:
        inspection, _ = seed_inspection(a)
        everyone([a, b], tmp_path)
        on_b = inspections.start(b, "柳西社区", ["陈晓燕"])
        on_a = inspections.start(a, "柳西社区", ["王建国"])
        first = findings.add(a, inspection, category="other", description="甲记录")
        second = findings.add(b, inspection, category="other", description="乙记录")
        everyone([a, b], tmp_path)
        numbers = [inspections.get(a, i)["short_id"] for i in (inspection, on_a, on_b)]
        assert len(set(numbers)) == 3
        found = [findings.get(a, f)["short_id"] for f in (first, second)]
        assert len(set(found)) == 2
        for store in (a, b):
            assert inspections.resolve(store, numbers[2])["id"] == on_b
        # a number given twice (as before this version) is refused listing both
        with a.write():
            records.put(a, "inspections", on_b, {"short_id": numbers[1]})
        with pytest.raises(NotFoundError) as refused:
            inspections.resolve(a, numbers[1])
        assert on_a[:12] in str(refused.value) and on_b[:12] in str(refused.value)
    finally:
        a.close()
        b.close()


# -- security ------------------------------------------------------------------------------------


def test_a_teammate_cannot_hand_another_device_a_new_key(trio: list[Store],
                                                         tmp_path: Path) -> None:
    from inspector.core.keys import DeviceKey

    a, b, c = trio
    seed_inspection(a)
    everyone(trio, tmp_path)
    evil = DeviceKey.generate()
    with b.write():  # b (trusted) tries to give a's id its own key
        records.put(b, "devices", a.device_id, {"public_key": evil.public_hex()})
    everyone(trio, tmp_path)
    row = c.query_one("SELECT public_key FROM devices WHERE id = ?", (a.device_id,))
    assert row is not None and row["public_key"] == roster.device_key(a).public_hex()
    assert roster.trusted_key(c, a.device_id) == roster.device_key(a).public_hex()


def test_two_keys_claiming_one_device_are_shown_and_must_be_chosen(tmp_path: Path) -> None:
    (a,) = make_team(tmp_path, 1)
    stranger = Store.open(tmp_path / "stranger", actor="陌生人")
    try:
        seed_inspection(stranger)
        (tmp_path / "x").mkdir()
        real = exchange.export_bundles(stranger, tmp_path / "x")
        impostor_dir = tmp_path / "impostor"
        shutil.copytree(stranger.data_dir, impostor_dir,
                        ignore=shutil.ignore_patterns("inspector.lock", "keys"))
        with Store.open(impostor_dir) as impostor:
            (tmp_path / "y").mkdir()
            fake = exchange.export_bundles(impostor, tmp_path / "y")
        for path in [*real, *fake]:
            exchange.import_bundle(a, path)
        listed = {d["id"]: d for d in roster.list_devices(a)}
        assert "2 个不同的密钥" in listed[stranger.device_id]["warning"]
        with pytest.raises(InspectorError, match="--fingerprint"):
            roster.trust(a, stranger.device_id)
        good = roster.device_key(stranger).fingerprint()
        roster.trust(a, stranger.device_id, fingerprint_seen=good)
        reports = exchange.retry_inbox(a)
        assert exchange.APPLIED in {r.status for r in reports}
        assert any("安全警告" in r.message for r in reports)
    finally:
        stranger.close()
        a.close()


# -- never wedge ---------------------------------------------------------------------------------


def test_large_photos_are_split_over_bundles(trio: list[Store], tmp_path: Path) -> None:
    from tests.photo_helpers import big_jpeg

    a, b, _ = trio
    inspection, _ = seed_inspection(a)
    for n in range(3):
        photos.import_photo(a, big_jpeg(tmp_path / f"p{n}.jpg", 1600, 1200, seed=n),
                            photos.target_for_inspection(a, inspection))
    size = max(p.stat().st_size for p in tmp_path.glob("p*.jpg"))
    stick = tmp_path / "stick"
    stick.mkdir()
    written = exchange.export_bundles(a, stick, max_bytes=size + 50_000)
    assert len(written) >= 3
    for path in written:
        exchange.import_bundle(b, path)
    exchange.retry_inbox(b)
    assert b.query_one("SELECT COUNT(*) AS n FROM photos") == {"n": 3}
    assert photos.verify(b).ok


def test_a_lost_photo_original_travels_as_missing(trio: list[Store], tmp_path: Path) -> None:
    from tests.photo_helpers import jpeg

    a, b, _ = trio
    inspection, _ = seed_inspection(a)
    imported = photos.import_photo(a, jpeg(tmp_path / "p.jpg"),
                                   photos.target_for_inspection(a, inspection))
    imported.path.unlink()  # the original is gone from a's disk
    share = tmp_path / "share"
    share.mkdir()
    folder.sync(a, share)  # no wedge: the rows go, the photo is named as missing
    report = folder.sync(b, share)
    assert report.changes_applied > 0
    assert b.query_one("SELECT id FROM photos") == {"id": imported.sha256}
    assert not photos.verify(b).ok and imported.sha256[:12] in "\n".join(
        photos.verify(b).lines())


def test_a_damaged_or_deleted_file_in_the_own_folder_is_written_again(
        trio: list[Store], tmp_path: Path) -> None:
    a, b, _ = trio
    share = tmp_path / "share"
    share.mkdir()
    inspection, made = seed_inspection(a)
    folder.sync(a, share)
    deadline = str(a.wall.today() + timedelta(days=60))
    findings.edit(a, made[0], deadline=deadline)
    folder.sync(a, share)
    own = sorted((share / folder.ROOT / a.device_id).iterdir())
    assert len(own) >= 2
    own[0].write_bytes(own[0].read_bytes()[:100])  # truncated by a bad copy
    own[1].unlink()  # deleted by hand
    report = folder.sync(a, share)
    assert any("已重新写出" in reason for _p, reason in report.skipped)
    folder.sync(b, share)
    assert findings.get(b, made[0])["deadline"] == deadline
    assert data_hash(a) == data_hash(b)


def test_waiting_says_for_what_and_since_when(trio: list[Store], tmp_path: Path) -> None:
    a, b, c = trio
    inspection, made = seed_inspection(a)
    send(a, b, tmp_path)
    findings.edit(b, made[0], deadline="2030-01-01")
    stick = tmp_path / "b-only"
    stick.mkdir()
    written = exchange.export_bundles(b, stick)
    report = exchange.import_bundle(c, written[-1])
    assert report.status == exchange.WAITING
    assert a.device_id[:8] in report.message and "自" in report.message
    assert f"1–{exchange.have(a, a.device_id)}" in report.message


def test_upper_case_names_and_a_moved_data_directory(tmp_path: Path) -> None:
    a, b = make_team(tmp_path, 2)
    share = tmp_path / "share"
    share.mkdir()
    stranger = Store.open(tmp_path / "stranger")
    try:
        seed_inspection(a)
        folder.sync(a, share)
        for path in (share / folder.ROOT / a.device_id).iterdir():
            path.rename(path.with_name(path.name.upper()))  # a FAT stick's names
        assert folder.sync(b, share).changes_applied > 0
        seed_inspection(stranger)
        stick = tmp_path / "s"
        stick.mkdir()
        for path in exchange.export_bundles(stranger, stick):
            exchange.import_bundle(b, path)  # quarantined in b's inbox
        b_dir = b.data_dir
        b.close()
        moved = tmp_path / "moved-b"
        shutil.move(str(b_dir), str(moved))  # the data directory moves
        b = Store.open(moved)
        roster.trust(b, stranger.device_id)
        assert exchange.APPLIED in {r.status for r in exchange.retry_inbox(b)}
    finally:
        stranger.close()
        a.close()
        b.close()


def test_a_read_only_folder_is_still_imported_from(trio: list[Store], tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    a, b, _ = trio
    share = tmp_path / "share"
    share.mkdir()
    seed_inspection(a)
    folder.sync(a, share)
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: False if mode == os.W_OK and
                        Path(path).is_relative_to(share) else real_access(path, mode))
    report = folder.sync(b, share)
    assert report.read_only and report.changes_applied > 0 and report.exported is None
    assert not (share / folder.ROOT / b.device_id).exists()


def test_an_unknown_answer_from_a_newer_program_never_crashes(trio: list[Store],
                                                              tmp_path: Path) -> None:
    from inspector.reports import findings_report

    a, b, _ = trio
    inspection, _ = seed_inspection(a)
    send(a, b, tmp_path)
    last = exchange.have(a, a.device_id)
    stamp = a.query_one("SELECT MAX(hlc) AS h FROM changes")
    assert stamp is not None
    newer = {"device": a.device_id, "seq": last + 1, "hlc": stamp["h"], "tbl": "responses",
             "row_id": f"{inspection}:B01", "reg": "answer", "actor": "新版本",
             "replaces": None, "value": json.dumps({
                 "inspection_id": inspection, "item_code": "B01", "answer": "partly",
                 "value": None, "note": "新版本的结论", "answered_at": None,
                 "answered_by": "新版本"})}
    path = write_bundle(tmp_path / "newer.zip", {"device": a.device_id, "depends": {}},
                        [newer], {}, roster.device_key(a))
    exchange.import_bundle(b, path)
    view = inspections.view(b, inspection)
    assert "B01" in view.score.unanswered
    findings_report.build(b, inspection, tmp_path / "report.pdf")
    assert (tmp_path / "report.pdf").stat().st_size > 0


def test_a_change_to_an_unknown_register_is_refused_whole(trio: list[Store],
                                                          tmp_path: Path) -> None:
    a, b, _ = trio
    seed_inspection(a)
    send(a, b, tmp_path)
    last = exchange.have(a, a.device_id)
    change = {"device": a.device_id, "seq": last + 1, "hlc": "001800000000000-00000",
              "tbl": "findings", "row_id": "x", "reg": "mood", "actor": None,
              "replaces": None, "value": json.dumps({"mood": "good"})}
    path = write_bundle(tmp_path / "odd.zip", {"device": a.device_id, "depends": {}},
                        [change], {}, roster.device_key(a))
    before = exchange.state_hash(b)
    with pytest.raises(SyncError, match="mood"):
        exchange.import_bundle(b, path)
    assert exchange.state_hash(b) == before
