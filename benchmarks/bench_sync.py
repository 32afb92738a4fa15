"""Sync: bundle export/import throughput, and whether cost follows the change or the database.

1. 100,000 changes written on one device are exported as bundles and imported on another
   (validation, signature, merge, change log); changes per second against a plain
   ``executemany`` of the same rows into a table of the same shape.
2. Ten new changes synced to a device whose change log holds 1,000,000 rows, against the
   same ten synced to a device with an empty log (ratio; 1.0 means the size does not matter).

    .venv/bin/python benchmarks/bench_sync.py [--changes 100000] [--big-log 1000000]
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inspector.core.store import Store  # noqa: E402
from inspector.domain import communities, inspections, templates  # noqa: E402
from inspector.domain.communities import CommunityData  # noqa: E402
from sync import exchange, folder, roster  # noqa: E402

log = logging.getLogger("bench_sync")


def trusting(receiver: Store, author: Store) -> None:
    with receiver.write():
        roster.trust_key(receiver, author.device_id, roster.device_key(author).public_hex())


def make_changes(store: Store, wanted: int) -> int:
    """Answer checklist items until about ``wanted`` changes are in this device's log."""
    templates.ensure_builtin(store)
    template = templates.latest(store)
    community = communities.create(store, CommunityData("海曙区", "南门街道", "基准社区"))
    codes = [i.code for i in template.items if i.answer_type in ("yes_no", "yes_no_na")]
    flip = 0
    while exchange.have(store, store.device_id) < wanted:
        with store.write():
            inspection = inspections.start(store, community, ["bench"])
            for code in codes:
                inspections.answer(store, inspection, code, "pass" if flip % 3 else "fail")
                flip += 1
    return exchange.have(store, store.device_id)


def plain_executemany(rows: list[tuple[object, ...]], path: Path) -> float:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE changes (device TEXT, seq INTEGER, hlc TEXT, tbl TEXT,"
                 " row_id TEXT, reg TEXT, value TEXT, replaces TEXT, actor TEXT,"
                 " PRIMARY KEY (device, seq)) STRICT, WITHOUT ROWID")
    started = time.perf_counter()
    with conn:
        conn.executemany("INSERT INTO changes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def throughput(base: Path, wanted: int) -> dict[str, float]:
    author = Store.open(base / "author", actor="bench")
    receiver = Store.open(base / "receiver", actor="bench")
    try:
        count = make_changes(author, wanted)
        trusting(receiver, author)
        stick = base / "stick"
        stick.mkdir()
        started = time.perf_counter()
        bundles = exchange.export_bundles(author, stick)
        exported = time.perf_counter() - started
        started = time.perf_counter()
        for path in bundles:
            exchange.import_bundle(receiver, path)
        imported = time.perf_counter() - started
        count = exchange.have(author, author.device_id)  # with its own roster entry
        assert exchange.have(receiver, author.device_id) == count
        rows = [tuple(r.values()) for r in author.query(
            "SELECT device, seq, hlc, tbl, row_id, reg, value, replaces, actor"
            " FROM changes WHERE device = ? ORDER BY seq", (author.device_id,))]
        baseline = plain_executemany(rows, base / "plain.db")
        size = sum(p.stat().st_size for p in bundles)
        return {"changes": count, "export_s": exported, "import_s": imported,
                "plain_s": baseline, "bundle_mb": size / 1e6}
    finally:
        author.close()
        receiver.close()


def fill_log(store: Store, rows: int) -> None:
    """A big change log from another (imaginary) device, written straight into the table."""
    device = "f" * 32
    batch = 50_000
    with store.write():
        for start in range(0, rows, batch):
            store.conn.executemany(
                "INSERT INTO changes (device, seq, hlc, tbl, row_id, reg, value, replaces,"
                " actor) VALUES (?, ?, ?, 'communities', ?, 'address', '{\"address\":\"x\"}',"
                " NULL, 'old')",
                [(device, seq, f"{1_700_000_000_000 + seq:015d}-00000", f"row{seq % 20_000}")
                 for seq in range(start + 1, min(rows, start + batch) + 1)])


def small_sync(base: Path, big_log: int) -> tuple[float, int]:
    author = Store.open(base / "author", actor="bench")
    receiver = Store.open(base / "receiver", actor="bench")
    share = base / "share"
    share.mkdir(parents=True)
    try:
        templates.ensure_builtin(author)
        community = communities.create(author, CommunityData("海曙区", "南门街道", "小社区"))
        folder.sync(author, share)
        trusting(receiver, author)
        if big_log:
            fill_log(receiver, big_log)
        folder.sync(receiver, share)  # catch up on the first bundle: not timed
        timings = []
        for round_number in range(7):  # the median of several small syncs
            for n in range(10):
                communities.edit(author, community, households=1000 * round_number + n)
            folder.sync(author, share)
            started = time.perf_counter()
            report = folder.sync(receiver, share)
            timings.append(time.perf_counter() - started)
            assert report.changes_applied == 10, report
        log_rows = receiver.query_one("SELECT COUNT(*) AS n FROM changes")
        return statistics.median(timings), int(log_rows["n"]) if log_rows else 0
    finally:
        author.close()
        receiver.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--changes", type=int, default=100_000)
    parser.add_argument("--big-log", type=int, default=1_000_000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    base = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    try:
        log.info("writing %d changes…", args.changes)
        result = throughput(base / "throughput", args.changes)
        n = result["changes"]
        empty_s, _ = small_sync(base / "empty", 0)
        big_s, big_rows = small_sync(base / "big", args.big_log)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    lines = [
        f"\n{n:,} changes in {result['bundle_mb']:.1f} MB of bundles",
        f"  export       {n / result['export_s']:10,.0f} changes/s ({result['export_s']:.1f} s)",
        f"  import       {n / result['import_s']:10,.0f} changes/s ({result['import_s']:.1f} s)",
        f"  executemany  {n / result['plain_s']:10,.0f} rows/s    ({result['plain_s']:.2f} s)",
        f"  import / executemany  {result['plain_s'] / result['import_s']:.3f}",
        f"  export / executemany  {result['plain_s'] / result['export_s']:.3f}",
        "\n10 new changes, folder sync on the receiving device (median of 7)",
        f"  empty change log      {empty_s * 1000:8.1f} ms",
        f"  {big_rows:,} log rows  {big_s * 1000:8.1f} ms",
        f"  ratio big / empty     {big_s / empty_s:8.2f}x  (1.0: cost follows the change)",
    ]
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
