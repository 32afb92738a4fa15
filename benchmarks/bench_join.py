"""A new laptop joins a team with a year of history: how long until it has caught up?

A team of ``--devices`` laptops each writes ``--bundles`` bundles into one shared folder (one
per working session: a few answers, a finding, a deadline). Every ``--sync-every`` sessions
each laptop also reads its neighbour's new bundles, so later bundles depend on other laptops'
(as in a team that syncs). Then a new laptop that trusts the team syncs once from the folder;
the script prints the time, the rate, and checks it holds what a laptop that applied the same
bundles one by one holds.

    .venv/bin/python benchmarks/bench_join.py [--devices 20] [--bundles 250]
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inspector.core.store import Store  # noqa: E402
from inspector.domain import communities, findings, inspections, templates  # noqa: E402
from inspector.domain.communities import CommunityData  # noqa: E402
from sync import exchange, folder, roster  # noqa: E402
from sync.bundle import parse_bundle_file_name  # noqa: E402

log = logging.getLogger("bench_join")
ITEMS = ["A01", "A02", "B01", "B02", "B03", "C02", "C03", "E03"]


def session(store: Store, community: str, inspection: str | None, n: int) -> str:
    """One working session: a new inspection now and then, some answers, a finding."""
    if inspection is None or n % 10 == 0:
        inspection = inspections.start(store, community, ["检查员"])
    with store.write():
        for offset, code in enumerate(ITEMS[n % 3: n % 3 + 5]):
            inspections.answer(store, inspection, code, "fail" if (n + offset) % 4 else "pass")
        finding = findings.add(store, inspection, category="other", description=f"第{n}次记录")
        findings.edit(store, finding, deadline=f"2027-{1 + n % 12:02d}-15")
    return inspection


def build_team(base: Path, devices: int, bundles: int, sync_every: int) -> list[Store]:
    share = base / "share"
    share.mkdir()
    team = [Store.open(base / f"laptop{n}", actor=f"检查员{n}") for n in range(devices)]
    for store in team:
        roster.ensure_self(store)
    keys = {s.device_id: roster.device_key(s).public_hex() for s in team}
    for store in team:
        templates.ensure_builtin(store)
        with store.write():
            for device, key in keys.items():
                if device != store.device_id:
                    roster.trust_key(store, device, key)
    places = [communities.create(store, CommunityData("海曙区", "南门街道", f"社区{n}"))
              for n, store in enumerate(team)]
    current: list[str | None] = [None] * devices
    exported = [0] * devices
    started = time.perf_counter()
    for n in range(bundles):
        for index, store in enumerate(team):
            current[index] = session(store, places[index], current[index], n)
            own = share / folder.ROOT / store.device_id
            own.mkdir(parents=True, exist_ok=True)
            exchange.export_bundles(store, own, since=exported[index])
            exported[index] = exchange.have(store, store.device_id)
            if n and n % sync_every == 0:  # read the neighbour's new bundles
                neighbour = team[(index + 1) % devices]
                theirs = share / folder.ROOT / neighbour.device_id
                held = exchange.have(store, neighbour.device_id)
                for path in sorted(theirs.iterdir()):
                    span = parse_bundle_file_name(path.name)
                    if span and span[1] > held:
                        exchange.import_bundle(store, path)
        if n % 50 == 0:
            log.info("session %d of %d (%.0f s)", n, bundles, time.perf_counter() - started)
    return team


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=20)
    parser.add_argument("--bundles", type=int, default=250)
    parser.add_argument("--sync-every", type=int, default=50)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("sync").setLevel(logging.WARNING)
    base = Path(tempfile.mkdtemp(prefix="bench-join-"))
    try:
        team = build_team(base, args.devices, args.bundles, args.sync_every)
        share = base / "share"
        files = sum(1 for _ in (share / folder.ROOT).rglob("*.zip"))
        changes = sum(exchange.have(s, s.device_id) for s in team)
        joiner = Store.open(base / "joiner", actor="新同事")
        with joiner.write():
            for store in team:
                roster.trust_key(joiner, store.device_id, roster.device_key(store).public_hex())
        started = time.perf_counter()
        report = folder.sync(joiner, share)
        joined = time.perf_counter() - started
        # the same bundles, applied by a team laptop that catches up the slow way
        reference = team[0]
        folder.sync(reference, share)
        same = all(exchange.have(joiner, s.device_id) == exchange.have(s, s.device_id)
                   for s in team)
        tables = ("communities", "inspections", "responses", "findings")
        same = same and all(joiner.query(f"SELECT * FROM {t} ORDER BY id")
                            == reference.query(f"SELECT * FROM {t} ORDER BY id")
                            for t in tables)
        waiting = len(report.waiting)
        for store in [*team, joiner]:
            store.close()
    finally:
        shutil.rmtree(base, ignore_errors=True)
    lines = [
        f"\n{args.devices} laptops × {args.bundles} sessions: {files:,} bundles, "
        f"{changes:,} changes",
        f"  new laptop's first sync   {joined:8.1f} s  ({files / joined:,.0f} bundles/s, "
        f"{changes / joined:,.0f} changes/s)",
        f"  waiting afterwards        {waiting}",
        f"  same data as the team     {'yes' if same else 'NO'}",
        f"join of a year's history: {joined:.1f} s (target < 60 s)",
    ]
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
