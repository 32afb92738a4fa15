"""Property: laptops that have seen the same changes show the same data and list the same
conflicts, whatever the order, and no edit is lost.

The oracle is the simulation's own bookkeeping, not the merge's definitions: for every edit
the test records which earlier edits of the same thing its author held when making it (from
the sequence numbers each laptop holds, the only fact read back). An edit no later edit's
author held is *unreplaced*; every unreplaced edit must, on every laptop, be the value shown
or one of the versions of an open conflict on that thing. A laptop that joins last and
receives every bundle in a shuffled order must end exactly where the others did.
"""

from __future__ import annotations

import os
import random
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from inspector.core import conflicts
from inspector.core.clock import SetClock
from inspector.core.errors import InspectorError
from inspector.core.store import Store
from inspector.domain import findings, inspections, photos
from sync import exchange, roster
from tests.conftest import given_for
from tests.sync.team import (
    data_hash,
    make_team,
    open_conflicts,
    seed_inspection,
    send,
    small_jpeg,
)

DATES = ["2027-01-01", "2027-02-01", "2027-03-01"]
TEXTS = ["楼道堆放纸箱", "楼道堆放旧家具", "楼道停放电动车"]
ITEMS = ["B01", "B02", "C02"]
START = datetime(2026, 11, 29, 9, 0, tzinfo=timezone(timedelta(hours=8)))
SKEWS = [timedelta(0), timedelta(minutes=3), timedelta(hours=-1), timedelta(days=1),
         timedelta(days=365)]

operation = st.one_of(
    st.tuples(st.just("answer"), st.integers(0, 4), st.sampled_from(ITEMS),
              st.sampled_from(["pass", "fail", "na"])),
    st.tuples(st.just("deadline"), st.integers(0, 4), st.integers(0, 1), st.sampled_from(DATES)),
    st.tuples(st.just("describe"), st.integers(0, 4), st.integers(0, 1), st.sampled_from(TEXTS)),
    st.tuples(st.just("status"), st.integers(0, 4), st.integers(0, 1),
              st.sampled_from(["rectified", "verified", "open"])),
    st.tuples(st.just("add"), st.integers(0, 4), st.integers(0, 1), st.just("")),
    st.tuples(st.just("delete"), st.integers(0, 4), st.integers(0, 1), st.just("")),
    st.tuples(st.just("photo"), st.integers(0, 4), st.integers(0, 1), st.integers(0, 3)),
    st.tuples(st.just("submit"), st.integers(0, 4), st.just(0), st.just("")),
    st.tuples(st.just("reopen"), st.integers(0, 4), st.just(0), st.just("")),
    st.tuples(st.just("revoke"), st.integers(0, 4), st.integers(0, 4), st.just("")),
    st.tuples(st.just("send"), st.integers(0, 4), st.integers(0, 4),
              st.sampled_from(["all", "recent", "drop", "twice"])),
)


@dataclass(frozen=True)
class Edit:
    slot: tuple[str, str]  # what was edited: ("answer", "B01"), ("deadline", finding id) …
    device: str
    first: int  # the edit's change numbers on its device: first..last
    last: int
    value: Any
    held: frozenset[int]  # earlier edits of the slot its author held (indices in the log)


class Simulation:
    """Laptops, the edits they made and what each held when making them."""

    def __init__(self, stores: list[Store], inspection: str, made: list[str]) -> None:
        self.stores = stores
        self.inspection = inspection
        self.made = made
        self.edits: list[Edit] = []
        self.cuts: dict[str, int] = {}  # revoked device → last change number that counts

    def holds(self, store: Store, edit: Edit) -> bool:
        return exchange.have(store, edit.device) >= edit.last

    def record(self, store: Store, slot: tuple[str, str], value: Any, before: int) -> None:
        after = exchange.have(store, store.device_id)
        if after == before:
            return  # refused or unchanged: no edit
        held = frozenset(i for i, e in enumerate(self.edits)
                         if e.slot == slot and self.holds(store, e))
        self.edits.append(Edit(slot, store.device_id, before + 1, after, value, held))

    def void(self, edit: Edit) -> bool:
        cut = self.cuts.get(edit.device)
        return cut is not None and edit.last > cut

    def unreplaced(self) -> list[Edit]:
        counted = [i for i, e in enumerate(self.edits) if not self.void(e)]
        replaced = {j for i in counted for j in self.edits[i].held}
        return [self.edits[i] for i in counted if i not in replaced]


def shown(store: Store, slot: tuple[str, str], inspection: str) -> Any:
    kind, key = slot
    if kind == "answer":
        row = store.query_one("SELECT answer FROM responses WHERE id = ?", (f"{inspection}:{key}",))
        return row["answer"] if row else None
    column = {"deadline": "deadline", "describe": "description", "status": "status",
              "delete": "deleted"}[kind]
    row = store.query_one(f"SELECT {column} AS v FROM findings WHERE id = ?", (key,))
    return row["v"] if row else None


def in_conflict(store: Store, slot: tuple[str, str], value: Any, inspection: str) -> bool:
    kind, key = slot
    table, row_id = ("responses", f"{inspection}:{key}") if kind == "answer" else ("findings", key)
    column = {"answer": "answer", "deadline": "deadline", "describe": "description",
              "status": "status", "delete": "deleted"}[kind]
    return any(version.content.get(column) == value
               for conflict in conflicts.list_open(store, table=table, row_id=row_id)
               for version in conflict.versions)


def _apply(op: tuple[Any, ...], sim: Simulation, bundles: Path, step: int) -> None:
    kind, who = op[0], sim.stores[op[1] % len(sim.stores)]
    before = exchange.have(who, who.device_id)
    finding = sim.made[op[2] % len(sim.made)] if isinstance(op[2], int) else ""
    try:
        if kind == "answer":
            inspections.answer(who, sim.inspection, op[2], op[3])
            sim.record(who, ("answer", op[2]), op[3], before)
        elif kind == "deadline":
            findings.edit(who, finding, deadline=op[3])
            sim.record(who, ("deadline", finding), op[3], before)
        elif kind == "describe":
            findings.edit(who, finding, description=op[3])
            sim.record(who, ("describe", finding), op[3], before)
        elif kind == "status":
            findings.set_status(who, finding, op[3])
            sim.record(who, ("status", finding), op[3], before)
        elif kind == "add":
            findings.add(who, sim.inspection, category="other", description=f"新问题{step}")
        elif kind == "delete":
            findings.delete(who, finding)
            sim.record(who, ("delete", finding), "1", before)
        elif kind == "photo":
            path = bundles / f"photo-{op[3]}.jpg"
            path.write_bytes(small_jpeg(op[3]))
            photos.import_photo(who, path, photos.target_for_finding(who, finding))
        elif kind == "submit":
            inspections.submit(who, sim.inspection, ["王建国"])
        elif kind == "reopen":
            inspections.reopen(who, sim.inspection, f"复核{step}")
        elif kind == "revoke":
            target = sim.stores[op[2] % len(sim.stores)]
            if target is who or sim.cuts or who.device_id in sim.cuts:
                return  # one revocation per history keeps the oracle's cut unambiguous
            roster.revoke(who, target.device_id)
            sim.cuts[target.device_id] = exchange.have(who, target.device_id)
        elif kind == "send":
            target = sim.stores[op[2] % len(sim.stores)]
            if target is who or op[3] == "drop":
                return
            last = exchange.have(who, who.device_id)
            since = 0 if op[3] in ("all", "twice") else max(0, last - 3)
            send(who, target, bundles, since=since)
            if op[3] == "twice":
                send(who, target, bundles, since=since)
    except InspectorError:
        pass  # refused on this laptop (e.g. a finding it saw deleted, a submitted inspection)


def _exchange_everything(stores: list[Store], bundles: Path, order: random.Random) -> None:
    """Every laptop receives every other's changes, each in its own shuffled order."""
    for _ in range(2):
        for target in stores:
            sources = [s for s in stores if s is not target]
            order.shuffle(sources)
            for source in sources:
                send(source, target, bundles, since=0)


def _late_joiner(folder: Path, stores: list[Store], bundles: Path,
                 order: random.Random) -> Store:
    """A new laptop that trusts the team and receives every bundle in a shuffled order."""
    joiner = Store.open(folder / "joiner", actor="新同事",
                        wall=SetClock(START, timedelta(milliseconds=1)))
    roster.ensure_self(joiner)
    with joiner.write():
        for store in stores:
            roster.trust_key(joiner, store.device_id, roster.device_key(store).public_hex())
    files: list[Path] = []
    for store in stores:
        stick = bundles / f"all-{store.device_id[:8]}"
        stick.mkdir(exist_ok=True)
        files += exchange.export_bundles(store, stick, since=0)
    order.shuffle(files)
    for path in files:
        exchange.import_bundle(joiner, path)
    exchange.retry_inbox(joiner)
    return joiner


# CONVERGENCE_EXAMPLES=500 for a long local run; CI keeps the suite quick.
@settings(max_examples=int(os.environ.get("CONVERGENCE_EXAMPLES", "30")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow],
          phases=[Phase.explicit, Phase.reuse, Phase.generate]
          + ([] if os.environ.get("CONVERGENCE_NO_SHRINK") else [Phase.shrink]))
@given(devices=st.integers(3, 5), operations=st.lists(operation, min_size=4, max_size=30),
       skews=st.lists(st.sampled_from(SKEWS), min_size=5, max_size=5),
       seed=st.integers(0, 2**16))
# The cases of the issue: a correction concurrent with an unsynced edit (both ways), an edit
# of a submitted inspection made without seeing the submission, a revocation.
@example(devices=3, operations=[("answer", 0, "B01", "fail"), ("answer", 0, "B01", "pass"),
                                ("answer", 1, "B01", "fail")], skews=[timedelta(0)] * 5,
         seed=1)
@example(devices=3, operations=[("submit", 0, 0, ""), ("answer", 1, "B02", "fail"),
                                ("send", 1, 2, "all"), ("send", 0, 2, "all")],
         skews=[timedelta(0), timedelta(days=1), timedelta(0), timedelta(0), timedelta(0)],
         seed=2)
@example(devices=3, operations=[("describe", 1, 0, "楼道堆放纸箱"), ("send", 1, 2, "all"),
                                ("revoke", 0, 1, ""), ("describe", 1, 1, "楼道停放电动车"),
                                ("describe", 2, 0, "楼道堆放旧家具")],
         skews=[timedelta(0)] * 5, seed=3)
def test_laptops_agree_and_every_unreplaced_edit_is_shown_or_in_conflict(
        devices: int, operations: list[tuple[Any, ...]], skews: list[timedelta],
        seed: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="converge-"))
    clocks: list[Any] = [SetClock(START + skews[n], timedelta(milliseconds=1))
                         for n in range(devices)]
    stores = make_team(folder, devices, clocks)
    joiner: Store | None = None
    try:
        bundles = folder / "stick"
        bundles.mkdir()
        seeded = exchange.have(stores[0], stores[0].device_id)
        inspection, made = seed_inspection(stores[0])
        template = inspections.view(stores[0], inspection).template
        for item in template.items:  # everything answered: a submission is possible
            inspections.answer(stores[0], inspection, item.code, given_for(item))
        sim = Simulation(stores, inspection, made)
        for code in ITEMS:
            sim.edits.append(Edit(("answer", code), stores[0].device_id, seeded + 1,
                                  exchange.have(stores[0], stores[0].device_id), "pass",
                                  frozenset()))
        for other in stores[1:]:
            send(stores[0], other, bundles, since=0)
        for step, op in enumerate(operations):
            _apply(op, sim, bundles, step)
        order = random.Random(seed)
        _exchange_everything(stores, bundles, order)
        counted = [s for s in stores if s.device_id not in sim.cuts]
        states = {exchange.state_hash(s) for s in counted}
        assert len(states) == 1, "laptops that hold the same changes show different data"
        listed = {tuple(open_conflicts(s)) for s in counted}
        assert len(listed) == 1, f"laptops list different conflicts: {listed}"
        for store in counted:
            for edit in sim.unreplaced():
                assert shown(store, edit.slot, inspection) == edit.value or in_conflict(
                    store, edit.slot, edit.value, inspection), \
                    f"{edit.slot} = {edit.value!r} by {edit.device[:6]} was lost"
            for row in store.query("SELECT id, ext FROM photos"):
                assert photos.original_path(store.data_dir, row["id"], row["ext"]).exists()
        if not sim.cuts:  # (a laptop joining later would trust the revoked one again)
            joiner = _late_joiner(folder, counted, bundles, order)
            assert data_hash(joiner) == data_hash(counted[0]), \
                "a laptop receiving the same bundles in another order ends elsewhere"
            assert tuple(open_conflicts(joiner)) == next(iter(listed))
    finally:
        for store in stores + ([joiner] if joiner else []):
            store.close()
        shutil.rmtree(folder, ignore_errors=True)
