"""A killed import leaves nothing half done; three devices sync through one shared folder."""

from __future__ import annotations

import os
import random
import select
import shutil
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from inspector.core import conflicts
from inspector.core.store import Store
from inspector.domain import findings, inspections, photos
from inspector.ops import demo
from sync import exchange, folder, roster
from tests.photo_helpers import jpeg
from tests.sync.team import make_team, open_conflicts

CHILD = Path(__file__).with_name("import_child.py")
ROOT = Path(__file__).resolve().parents[2]


def test_an_import_killed_at_random_points_equals_an_uninterrupted_one(tmp_path: Path) -> None:
    author, = make_team(tmp_path / "author", 1)
    demo.fill(author)
    inspection = author.query("SELECT id FROM inspections WHERE status = 'draft'")[0]["id"]
    for n in range(6):
        photos.import_photo(author, jpeg(tmp_path / f"p{n}.jpg", seed=n, size=(640, 480)),
                            photos.target_for_inspection(author, inspection))
    stick = tmp_path / "stick"
    stick.mkdir()
    exchange.export_bundles(author, stick)
    key = roster.device_key(author).public_hex()
    name = roster.device_name(author)
    # a receiver that trusts the author, kept as a template for every round
    template = tmp_path / "receiver-template"
    with Store.open(template, actor="收件") as receiver:
        from inspector.core import records

        with receiver.write():
            records.put(receiver, "devices", author.device_id,
                        {"name": name, "public_key": key, "trusted": 1})
    expected_dir = tmp_path / "expected"
    shutil.copytree(template, expected_dir)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    subprocess.run([sys.executable, str(CHILD), str(expected_dir), str(stick)], env=env,
                   check=True, capture_output=True)
    full_import_seconds = time.monotonic() - started
    with Store.open(expected_dir) as done:
        expected = exchange.state_hash(done)
    rng = random.Random(11)
    for round_number in range(8):
        target = tmp_path / f"round{round_number}"
        shutil.copytree(template, target)
        with subprocess.Popen([sys.executable, str(CHILD), str(target), str(stick)],
                              env=env, stdout=subprocess.PIPE) as child:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == b"ready"
            # wait on the child's pipe rather than sleep: the kill may come at its very end
            select.select([child.stdout], [], [], rng.uniform(0, full_import_seconds))
            child.send_signal(signal.SIGKILL)
            child.wait()
        with Store.open(target, actor="收件") as store:  # the killed lock never blocks
            assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            for path in sorted(stick.iterdir()):
                exchange.import_bundle(store, path)
            exchange.retry_inbox(store)
            assert exchange.state_hash(store) == expected
            assert photos.verify(store).ok
    author.close()


def test_two_laptops_and_a_team_member_through_one_folder(tmp_path: Path) -> None:
    share = tmp_path / "Sync"
    share.mkdir()
    laptop_a = Store.open(tmp_path / "a", actor="王建国")
    laptop_b = Store.open(tmp_path / "b", actor="陈晓燕")
    member = Store.open(tmp_path / "c", actor="执法 李强")
    team = [laptop_a, laptop_b, member]
    try:
        demo.fill(laptop_a)
        for _ in range(2):  # everyone writes; the others quarantine what they cannot trust
            for store in team:
                folder.sync(store, share)
        for store in team:
            for other in team:
                if other is not store:
                    roster.trust(store, other.device_id)
        for _ in range(2):
            for store in team:
                folder.sync(store, share)
        assert len({exchange.state_hash(s) for s in team}) == 1

        # each inspects; the team member edits a laptop's finding; both laptops change the
        # same finding's deadline
        target = next(f["id"] for f in findings.list_findings(laptop_a, status="open")
                      if inspections.get(laptop_a, f["inspection_id"])["status"] != "submitted")
        draft = laptop_b.query("SELECT id FROM inspections WHERE status = 'draft'")[0]["id"]
        inspections.answer(laptop_b, draft, "B01", "fail", note="可回收物桶缺失")
        findings.add(laptop_b, draft, category="bin_overflow_damaged", description="桶盖缺失")
        findings.edit(member, target, department="执法", location="3幢东侧路口")
        # deadlines after the inspection's day, whatever day the test runs on
        early, late, agreed = (str(laptop_a.wall.today() + timedelta(days=n))
                               for n in (40, 57, 56))
        findings.edit(laptop_a, target, deadline=early)
        findings.edit(laptop_b, target, deadline=late)

        # what file-sync engines leave in the folder
        own_b = share / "green-inspector" / laptop_b.device_id
        (own_b / ".syncthing.000000000001-000000000009.zip.tmp").write_bytes(b"PK\x03\x04half")
        some = sorted((share / "green-inspector" / laptop_a.device_id).iterdir())[0]
        shutil.copyfile(some, some.with_name(some.stem + ".sync-conflict-20261129-101010.zip"))

        reports = []
        for _ in range(2):
            for store in team:
                reports.append(folder.sync(store, share))
        assert len({exchange.state_hash(s) for s in team}) == 1
        skipped = {path.name: reason for r in reports for path, reason in r.skipped}
        assert any(".syncthing." in name for name in skipped)
        assert any("sync-conflict" in name for name in skipped)
        row = findings.get(laptop_a, target)
        assert (row["department"], row["location"]) == ("执法", "3幢东侧路口")
        waiting = [conflicts.list_open(s) for s in team]
        assert [len(w) for w in waiting] == [1, 1, 1]
        assert len({tuple(open_conflicts(s)) for s in team}) == 1
        conflict = waiting[0][0]
        assert conflict.register == "deadline"
        assert {v.content["deadline"] for v in conflict.versions} == {early, late}

        conflicts.resolve(laptop_a, conflict.id, values={"deadline": agreed})
        for _ in range(2):
            for store in team:
                folder.sync(store, share)
        assert [conflicts.list_open(s) for s in team] == [[], [], []]
        assert {findings.get(s, target)["deadline"] for s in team} == {agreed}
        assert len({exchange.state_hash(s) for s in team}) == 1
    finally:
        for store in team:
            store.close()
