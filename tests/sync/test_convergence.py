"""Property: devices that have seen the same changes hold the same data, and nothing
overwritten concurrently is lost silently (it is in `conflicts`)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from inspector.core.clock import Stamp
from inspector.core.errors import InspectorError
from inspector.core.store import Store
from inspector.domain import findings, inspections, photos
from sync import exchange
from sync.merge import BOOKKEEPING_FIELDS
from tests.sync.team import full_exchange, make_team, seed_inspection, send, small_jpeg

DATES = ["2027-01-01", "2027-02-01", "2027-03-01"]
TEXTS = ["楼道堆放纸箱", "楼道堆放旧家具", "楼道停放电动车"]
ITEMS = ["B01", "B02", "C02"]

operation = st.one_of(
    st.tuples(st.just("answer"), st.integers(0, 4), st.sampled_from(ITEMS),
              st.sampled_from(["pass", "fail"])),
    st.tuples(st.just("deadline"), st.integers(0, 4), st.integers(0, 1), st.sampled_from(DATES)),
    st.tuples(st.just("describe"), st.integers(0, 4), st.integers(0, 1), st.sampled_from(TEXTS)),
    st.tuples(st.just("status"), st.integers(0, 4), st.integers(0, 1),
              st.sampled_from(["rectified", "verified", "open"])),
    st.tuples(st.just("add"), st.integers(0, 4), st.integers(0, 1), st.just("")),
    st.tuples(st.just("delete"), st.integers(0, 4), st.integers(0, 1), st.just("")),
    st.tuples(st.just("photo"), st.integers(0, 4), st.integers(0, 1), st.integers(0, 3)),
    st.tuples(st.just("send"), st.integers(0, 4), st.integers(0, 4),
              st.sampled_from(["all", "recent", "drop", "twice"])),
)


def _apply(op: tuple[Any, ...], stores: list[Store], inspection: str, made: list[str],
           bundles: Path, step: int) -> None:
    kind, who = op[0], stores[op[1] % len(stores)]
    try:
        if kind == "answer":
            inspections.answer(who, inspection, op[2], op[3])
        elif kind == "deadline":
            findings.edit(who, made[op[2]], deadline=op[3])
        elif kind == "describe":
            findings.edit(who, made[op[2]], description=op[3])
        elif kind == "status":
            findings.set_status(who, made[op[2]], op[3])
        elif kind == "add":
            findings.add(who, inspection, category="other", description=f"新问题{step}")
        elif kind == "delete":
            findings.delete(who, made[op[2]])
        elif kind == "photo":
            path = bundles / f"photo-{op[3]}.jpg"
            path.write_bytes(small_jpeg(op[3]))
            photos.import_photo(who, path, photos.target_for_finding(who, made[op[2]]))
        elif kind == "send":
            target = stores[op[2] % len(stores)]
            if target is who or op[3] == "drop":
                return
            last = exchange.have(who, who.device_id)
            since = 0 if op[3] in ("all", "twice") else max(0, last - 3)
            send(who, target, bundles, since=since)
            if op[3] == "twice":
                send(who, target, bundles, since=since)
    except InspectorError:
        pass  # refused on this device (e.g. editing a finding it saw deleted): fine


def _leaf_values_missing_from_conflicts(store: Store) -> list[str]:
    """Values that lost to a concurrent change without a conflict recording them."""
    by_field: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for change in store.query("SELECT * FROM changes"):
        by_field[(change["tbl"], change["row_id"], change["field"])].append(change)
    recorded: dict[tuple[str, str, str], set[str | None]] = defaultdict(set)
    for conflict in store.query("SELECT * FROM conflicts WHERE kind = 'value'"):
        key = (conflict["tbl"], conflict["row_id"], conflict["field"])
        recorded[key] |= {conflict["lost_value"], conflict["kept_value"]}
    by_id = {f"{c['device']}:{c['seq']}": c for cs in by_field.values() for c in cs}
    missing = []
    for key, changes in by_field.items():
        if key[2] in BOOKKEEPING_FIELDS:
            continue
        winner = max(changes, key=lambda c: (Stamp.parse(c["hlc"]), c["device"]))
        seen = {winner["value"]}  # values the winner's author had seen on this field
        base = winner["base"]
        while base:
            seen.add(by_id[base]["value"])
            base = by_id[base]["base"]
        used_as_base = {c["base"] for c in changes if c["base"]}
        for change in changes:
            is_leaf = f"{change['device']}:{change['seq']}" not in used_as_base
            if is_leaf and change["value"] not in seen and change["value"] not in recorded[key]:
                missing.append(f"{key}: {json.loads(change['value'])!r}")
    return missing


# CONVERGENCE_EXAMPLES=500 for a long local run; CI keeps the suite quick.
@settings(max_examples=int(os.environ.get("CONVERGENCE_EXAMPLES", "40")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(devices=st.integers(3, 5), operations=st.lists(operation, min_size=4, max_size=30))
# Cases found earlier: same value on two branches, then changed on one; a photo then a delete.
@example(devices=3, operations=[("answer", 0, "B01", "pass"), ("answer", 0, "B01", "fail"),
                                ("answer", 1, "B01", "fail"), ("answer", 1, "B01", "pass")])
@example(devices=3, operations=[("answer", 3, "B01", "fail"), ("photo", 3, 0, 0),
                                ("send", 3, 0, "recent"), ("delete", 0, 0, "")])
def test_devices_converge_and_keep_every_concurrent_loser(
        devices: int, operations: list[tuple[Any, ...]]) -> None:
    folder = Path(tempfile.mkdtemp(prefix="converge-"))
    stores = make_team(folder, devices)
    try:
        bundles = folder / "stick"
        bundles.mkdir()
        inspection, made = seed_inspection(stores[0])
        for other in stores[1:]:
            send(stores[0], other, bundles, since=0)
        for step, op in enumerate(operations):
            _apply(op, stores, inspection, made, bundles, step)
        full_exchange(stores, bundles)
        hashes = {exchange.state_hash(s) for s in stores}
        assert len(hashes) == 1, "devices that saw the same changes differ"
        for store in stores:
            assert _leaf_values_missing_from_conflicts(store) == []
            for row in store.query("SELECT id, ext FROM photos"):
                assert photos.original_path(store.data_dir, row["id"], row["ext"]).exists()
    finally:
        for store in stores:
            store.close()
        shutil.rmtree(folder, ignore_errors=True)
