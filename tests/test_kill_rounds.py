"""SIGKILL at random moments, 200 times across the writers: every acknowledged write is
there afterwards, the database is sound, the tables match the change log, and what a killed
write left behind is cleaned by ``verify --clean``.

The writers run in processes forked from a preloaded fork server, so a round costs a fork,
not an interpreter start. A writer acknowledges each write after its transaction committed.
"""

from __future__ import annotations

import json
import multiprocessing
import random
import shutil
from pathlib import Path
from typing import Any

import pytest

from inspector.core import changelog
from inspector.core.registers import spec
from inspector.core.store import Store
from inspector.domain import findings, inspections
from inspector.ops import demo, health
from sync import exchange, folder, roster
from tests.sync.team import make_team

ROUNDS = {"answers": 50, "photos": 35, "community_import": 40, "bundle_import": 40,
          "folder_sync": 35}  # 200 in all


@pytest.fixture(scope="module")
def server() -> Any:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["inspector.core.store", "inspector.domain.inspections",
                                    "inspector.domain.photos", "sync.exchange", "sync.folder",
                                    "PIL.Image", "tests.kill_writers"])
    return context


def _template(base: Path) -> Path:
    target = base / "template"
    if not target.exists():
        with Store.open(target, actor="模板") as store:
            demo.fill(store, with_photos=False)
    return target


def _kill_rounds(server: Any, kind: str, data_dir: Path, rounds: int,
                 rng: random.Random) -> list[tuple[str, str, str]]:
    acked: list[tuple[str, str, str]] = []
    for round_number in range(rounds):
        receive, send = server.Pipe(duplex=False)
        process = server.Process(target=_run, args=(kind, str(data_dir), send, round_number))
        process.start()
        send.close()
        wanted = rng.randint(0, 6)
        got = 0
        while got < wanted and receive.poll(5):
            try:
                acked.append(receive.recv())
            except EOFError:
                break
            got += 1
        if receive.poll(rng.uniform(0, 0.05)):  # sometimes in the middle of the next write
            pass
        process.kill()
        process.join()
        while True:  # what the writer acknowledged before it died counts too
            try:
                if not receive.poll(0):
                    break
                acked.append(receive.recv())
            except EOFError:
                break
        receive.close()
        _check_sound(data_dir)
    return acked


def _run(kind: str, data_dir: str, send: Any, seed: int) -> None:
    from tests import kill_writers

    kill_writers.run(kind, data_dir, send, seed)


def _check_sound(data_dir: Path) -> None:
    with Store.open(data_dir, readonly=True) as store:
        assert health.check(store, full=True).database == []
        assert _tables_match_the_log(store)


def _tables_match_the_log(store: Store) -> bool:
    """Every register with one version shows exactly that version's content."""
    for key in store.conn.execute("SELECT tbl, row_id, reg FROM heads GROUP BY tbl, row_id, reg"
                                  " HAVING COUNT(*) = 1").fetchall():
        (head,) = changelog.heads(store, tuple(key))
        columns = spec(key[0]).register(key[2]).columns
        row = store.query_one(f"SELECT * FROM [{key[0]}] WHERE id = ?", (key[1],))
        if row is None or any(row[c] != head.content.get(c) for c in columns):
            return False
    return True


@pytest.mark.timeout(400)  # 200 rounds: about 30 s on a quiet two-core machine
def test_two_hundred_kills_across_the_writers(server: Any, tmp_path: Path) -> None:
    rng = random.Random(20261206)
    template = _template(tmp_path)

    # answers, photos and community imports on a copy of the demo data each
    for kind in ("answers", "photos", "community_import"):
        data_dir = tmp_path / kind / "data"
        shutil.copytree(template, data_dir, ignore=shutil.ignore_patterns("*.lock"))
        acked = _kill_rounds(server, kind, data_dir, ROUNDS[kind], rng)
        assert acked, kind
        with Store.open(data_dir) as store:
            if kind == "answers":
                logged = {json.loads(r["value"])["note"] for r in store.query(
                    "SELECT value FROM changes WHERE tbl = 'responses'")}
                assert {note for _k, _code, note in acked} <= logged
            elif kind == "photos":
                from inspector.domain import photos

                shas = {r["id"] for r in store.query("SELECT id FROM photos")}
                assert {sha for _k, sha, _x in acked} <= shas
                assert photos.verify(store).ok
            else:
                names = {r["name"] for r in store.query("SELECT name FROM communities")}
                assert {name for _k, name, _x in acked} <= names
            health.clean(store)
            assert health.check(store).leftovers == []

    # bundle import: a receiver killed while it takes in an author's bundles
    author, receiver = make_team(tmp_path / "bundles", 2)
    stick = receiver.data_dir.parent / "stick"
    stick.mkdir()
    inspection, made = _seed(author)
    for n in range(ROUNDS["bundle_import"] + 5):
        findings.edit(author, made, location=f"位置{n}")
        exchange.export_bundles(author, stick, since=exchange.have(author, author.device_id) - 1)
    author_id, receiver_dir = author.device_id, receiver.data_dir
    author.close()
    receiver.close()
    acked = _kill_rounds(server, "bundle_import", receiver_dir, ROUNDS["bundle_import"], rng)
    with Store.open(receiver_dir, readonly=True) as store:
        assert exchange.have(store, author_id) >= max(int(seq) for _k, _d, seq in acked)

    # folder sync: a laptop killed while it syncs with a teammate through a share
    laptop, mate = make_team(tmp_path / "sync", 2)
    share = laptop.data_dir.parent / "share"
    share.mkdir()
    _seed(laptop)
    folder.sync(laptop, share)
    folder.sync(mate, share)
    roster.ensure_self(mate)
    laptop_dir = laptop.data_dir
    laptop.close()
    acked = _kill_rounds(server, "folder_sync", laptop_dir, ROUNDS["folder_sync"], rng)
    with Store.open(laptop_dir) as store:
        assert exchange.have(store, store.device_id) >= max(int(s) for _k, _d, s in acked)
        folder.sync(store, share)  # the share is whole: the teammate catches up
    folder.sync(mate, share)
    with Store.open(laptop_dir, readonly=True) as store:
        assert exchange.have(mate, store.device_id) == exchange.have(store, store.device_id)
    mate.close()


def _seed(store: Store) -> tuple[str, str]:
    from inspector.domain import communities, templates
    from inspector.domain.communities import CommunityData

    templates.ensure_builtin(store)
    community = communities.create(store, CommunityData("海曙区", "南门街道", "柳西社区"))
    inspection = inspections.start(store, community, ["王建国"])
    finding = findings.add(store, inspection, category="corridor_clutter", description="堆物")
    return inspection, finding
