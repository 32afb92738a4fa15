"""The summary (附件2) and the dashboard on a big registry: ours vs. the naive way.

- ours:  ``standing.compute`` — a few set-based queries, each latest inspection scored once;
         ``dashboard.compute`` adds the findings;
- naive: per community, list its inspections, ``inspections.view`` each submitted one on or
         before the date, then its decisions — what a first version would do.

The registry: N communities in 5 districts, 3 inspections each (2 submitted, one of them a
year earlier), a decision for every tenth community, 2 findings per inspection.

    .venv/bin/python benchmarks/bench_summary.py [--communities 1000]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable

    from inspector.core.store import Store

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
log = logging.getLogger("bench_summary")
CHINA = timezone(timedelta(hours=8))


def build(folder: Path, count: int) -> None:
    from inspector.core.clock import SetClock
    from inspector.core.store import Store
    from inspector.domain import communities, findings, inspections, standing, templates
    from inspector.domain.communities import CommunityData
    from tests.conftest import given_for

    clock = SetClock(datetime(2025, 6, 1, 9, tzinfo=CHINA), timedelta(milliseconds=1))
    districts = ["海曙区", "江北区", "镇海区", "北仑区", "鄞州区"]
    with Store.open(folder, actor="生成", wall=clock) as store:
        with store.write():
            templates.ensure_builtin(store)
            template = templates.latest(store)
            ids = [communities.create(store, CommunityData(
                districts[n % 5], f"第{n % 23}街道", f"社区{n:05d}")) for n in range(count)]
        for year, submit in ((2025, True), (2026, True), (2026, False)):
            clock.moment = datetime(year, 6, 1, 9, tzinfo=CHINA)
            with store.write():
                for n, community_id in enumerate(ids):
                    inspection_id = inspections.start(store, community_id, ["生成"])
                    for item in template.items:
                        inspections.answer(store, inspection_id, item.code,
                                           given_for(item, fail=(n + year) % 4 == 0
                                                     and item.code == "C01"))
                    for k in range(2):
                        findings.add(store, inspection_id, category="other",
                                     description=f"问题{k}", item_code="H02")
                    if submit:
                        inspections.submit(store, inspection_id, ["生成"])
        clock.moment = datetime(2026, 11, 29, 9, tzinfo=CHINA)
        with store.write():
            for community_id in ids[::10]:
                standing.recognise(store, community_id, level="city", decision="pass",
                                   decided_on="2026-01-05")


def naive(store: Store, as_of: date) -> int:
    from inspector.domain import inspections, standing

    met = 0
    for community in store.query("SELECT id FROM communities"):
        events = []
        for row in inspections.list_for_community(store, community["id"]):
            if row["status"] == "submitted" and row["started_at"][:10] <= as_of.isoformat():
                events.append(((row["started_at"][:10], 0),
                               inspections.view(store, row["id"]).score.met))
        for row in standing.list_recognitions(store, community["id"]):
            if standing.in_force(row, as_of):
                events.append(((row["decided_on"], 2), row["decision"] == "pass"))
        met += int(bool(events) and max(events)[1])
    return met


def timed(action: Callable[[], T], repeat: int = 3) -> tuple[float, T]:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--communities", type=int, default=1000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from inspector.core.clock import SetClock
    from inspector.core.store import Store
    from inspector.domain import dashboard, standing

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "data"
        start = time.perf_counter()
        build(folder, args.communities)
        log.info("built %d communities, %d inspections in %.1f s", args.communities,
                 3 * args.communities, time.perf_counter() - start)
        as_of = date(2026, 11, 29)
        clock = SetClock(datetime(2026, 11, 29, 9, tzinfo=CHINA))
        with Store.open(folder, actor="读", wall=clock) as store:
            ours_s, ours = timed(lambda: standing.compute(store, as_of=as_of))
            board_s, _ = timed(lambda: dashboard.compute(store, as_of))
            naive_s, naive_met = timed(lambda: naive(store, as_of), repeat=1)
        assert ours.total.met == naive_met, (ours.total.met, naive_met)
        log.info("summary (ours):     %.3f s", ours_s)
        log.info("dashboard (ours):   %.3f s (summary + findings)", board_s)
        log.info("naive per community: %.3f s", naive_s)
        log.info("naive / ours: %.1f×  (same 达标 count: %d)", naive_s / ours_s, naive_met)


if __name__ == "__main__":
    main()
