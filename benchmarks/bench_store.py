"""Write-throughput benchmark of the store: domain answers against plain SQLite inserts.

Run from the project root::

    .venv/bin/python benchmarks/bench_store.py [--answers N] [--data-dir DIR]

It measures, in one run:

1. N answers written through ``inspections.answer`` (response row + change log + register
   heads), 1,000 per ``with store.write():`` transaction;
2. the same N rows inserted into a table shaped like ``responses`` with plain sqlite3
   ``executemany``, 1,000 per transaction, in a fresh file with the store's pragmas (WAL,
   synchronous=FULL): the limit for the same durable row count without a change log;
3. 1,000 single answers saved as the GUI saves them, each its own transaction, every one
   flipping an item between pass and fail so that it really changes something;
4. 1,000 plain single-row inserts, each committed on its own: the fsync cost floor.

The setup (checklist, communities, the inspections answered in 1) is not timed. Without
``--data-dir`` everything happens in a fresh temporary directory that is removed afterwards;
with it, the store is created in DIR (which must not hold a database yet) and the plain SQLite
files go next to it inside DIR; nothing there is removed.
"""

from __future__ import annotations

import argparse
import logging
import math
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inspector.core.clock import WallClock
from inspector.core.store import DB_NAME, Store
from inspector.domain import communities, inspections, templates
from inspector.domain.communities import CommunityData
from inspector.domain.scoring import FAIL, PASS
from inspector.domain.templates import Item, Template

log = logging.getLogger("bench_store")

BATCH = 1_000
SINGLES = 1_000
ACTOR = "bench"
# Spread inspections over districts: short ids are numbered per district and day, 3 digits.
DISTRICTS = ("海曙区", "江北区", "鄞州区", "北仑区", "镇海区")
COMMUNITIES_PER_DISTRICT = 4
MAX_PER_DISTRICT_DAY = 999
PLAIN_BULK_DB = "bench-plain-bulk.db"
PLAIN_SINGLE_DB = "bench-plain-single.db"

# Same columns, key and index as ``responses`` in inspector/schema.py (no foreign key: the
# plain file has no inspections table).
RESPONSES_DDL = (
    "CREATE TABLE responses (id TEXT PRIMARY KEY, inspection_id TEXT, item_code TEXT,"
    " answer TEXT, value REAL, note TEXT, answered_at TEXT, answered_by TEXT) STRICT",
    "CREATE INDEX idx_responses_inspection_id ON responses (inspection_id)",
)
INSERT_RESPONSE = "INSERT INTO responses VALUES (?, ?, ?, ?, ?, ?, ?, ?)"


@dataclass(frozen=True)
class Planned:
    """One answer to write: the arguments of ``inspections.answer``."""

    inspection_id: str
    code: str
    answer: str
    value: float | None
    given: inspections.Given | None = None  # format-2 items: a choice, a sample, a count


@dataclass(frozen=True)
class Result:
    case: str
    rows: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else math.inf


# -- setup (not timed) -------------------------------------------------------------------------


def make_inspections(store: Store, count: int) -> list[str]:
    """Communities across a few districts and ``count`` draft inspections of them."""
    districts = math.ceil(count / MAX_PER_DISTRICT_DAY)
    if districts > len(DISTRICTS):
        raise SystemExit(f"at most {len(DISTRICTS) * MAX_PER_DISTRICT_DAY} inspections")
    ids: list[str] = []
    with store.write():
        templates.ensure_builtin(store)
        community_ids = [
            communities.create(
                store, CommunityData(district, f"基准街道{n}", f"基准社区{d}-{n}", households=500)
            )
            for d, district in enumerate(DISTRICTS)
            for n in range(COMMUNITIES_PER_DISTRICT)
        ]
        for i in range(count):
            ids.append(
                inspections.start(store, community_ids[i % len(community_ids)], ["基准巡查员"])
            )
    return ids


def number_value(item: Item, rng: random.Random) -> float:
    low = item.minimum if item.minimum is not None else 0.0
    high = item.maximum if item.maximum is not None else low + 10.0
    return float(rng.randint(int(low), int(high)))


def format2_given(item: Item, rng: random.Random) -> inspections.Given:
    """A passing or failing answer to a choice, sample or count item (checklist format 2)."""
    failed = rng.random() < 0.1
    if item.answer_type == "choice":
        wanted = [c for c in item.choices if c.passes != failed] or list(item.choices)
        return inspections.Given(choice=wanted[0].code)
    if item.answer_type == "sample":
        sampled = max(item.min_sample, 20)
        return inspections.Given(sampled=sampled, qualified=sampled // 2 if failed else sampled)
    return inspections.Given("value", 2.0 if failed else 0.0)


def plan_answers(
    inspection_ids: Sequence[str], template: Template, total: int, rng: random.Random
) -> list[Planned]:
    plan: list[Planned] = []
    for inspection_id in inspection_ids:
        for item in template.items:
            if len(plan) == total:
                return plan
            if item.answer_type == "number":
                plan.append(Planned(inspection_id, item.code, "value", number_value(item, rng)))
            elif item.answer_type in ("choice", "sample", "count"):
                plan.append(Planned(inspection_id, item.code, "value", 0.0,
                                    format2_given(item, rng)))
            else:
                answer = FAIL if rng.random() < 0.1 else PASS
                plan.append(Planned(inspection_id, item.code, answer, None))
    return plan


def plain_rows(plan: Sequence[Planned]) -> list[tuple[Any, ...]]:
    """The rows ``responses`` gets for the plan, as plain tuples."""
    at = WallClock().iso()
    return [
        (f"{p.inspection_id}:{p.code}", p.inspection_id, p.code,
         p.answer if p.value is None else PASS, p.value, None, at, ACTOR)
        for p in plan
    ]


def open_plain(path: Path) -> sqlite3.Connection:
    """A fresh SQLite file with the store's pragmas; transactions are explicit."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    for ddl in RESPONSES_DDL:
        conn.execute(ddl)
    return conn


def batches(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def count_rows(conn: sqlite3.Connection, table: str) -> int:
    return int(conn.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0])


# -- the four measurements -----------------------------------------------------------------------


def bench_domain_bulk(store: Store, plan: Sequence[Planned]) -> Result:
    started = time.perf_counter()
    for batch in batches(plan, BATCH):
        with store.write():
            for p in batch:
                if p.given is not None:
                    inspections.answer(store, p.inspection_id, p.code, p.given)
                else:
                    inspections.answer(store, p.inspection_id, p.code, p.answer, value=p.value)
    return Result(f"domain answer, {BATCH:,} per transaction", len(plan),
                  time.perf_counter() - started)


def bench_plain_bulk(path: Path, rows: Sequence[tuple[Any, ...]]) -> Result:
    conn = open_plain(path)
    try:
        started = time.perf_counter()
        for batch in batches(rows, BATCH):
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(INSERT_RESPONSE, batch)
            conn.execute("COMMIT")
        seconds = time.perf_counter() - started
        if count_rows(conn, "responses") != len(rows):
            raise RuntimeError("plain bulk insert lost rows")
    finally:
        conn.close()
    return Result(f"plain executemany, {BATCH:,} per transaction", len(rows), seconds)


def bench_domain_single(store: Store, plan: Sequence[Planned]) -> Result:
    """Each answer its own transaction, flipping already answered pass/fail items."""
    current = {(p.inspection_id, p.code): p.answer for p in plan if p.value is None}
    if not current:
        raise SystemExit("no pass/fail items were answered; raise --answers")
    keys = list(current)
    started = time.perf_counter()
    for i in range(SINGLES):
        key = keys[i % len(keys)]
        flipped = FAIL if current[key] == PASS else PASS
        inspections.answer(store, key[0], key[1], flipped)
        current[key] = flipped
    return Result("domain answer, one per transaction", SINGLES, time.perf_counter() - started)


def bench_plain_single(path: Path, rows: Sequence[tuple[Any, ...]]) -> Result:
    conn = open_plain(path)
    try:
        started = time.perf_counter()
        for row in rows[:SINGLES]:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(INSERT_RESPONSE, row)
            conn.execute("COMMIT")
        seconds = time.perf_counter() - started
    finally:
        conn.close()
    return Result("plain insert, one per transaction", min(SINGLES, len(rows)), seconds)


# -- reporting -----------------------------------------------------------------------------------


def mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"


def table_sizes(conn: sqlite3.Connection, tables: Sequence[str]) -> dict[str, int]:
    """Bytes per table including its indexes (dbstat), or nothing if dbstat is missing."""
    try:
        rows = conn.execute(
            "SELECT coalesce(m.tbl_name, s.name), sum(s.pgsize) FROM dbstat AS s"
            " LEFT JOIN sqlite_master AS m ON m.name = s.name GROUP BY 1"
        ).fetchall()
    except sqlite3.Error:
        return {}
    sizes = {str(name): int(size) for name, size in rows}
    return {name: sizes.get(name, 0) for name in tables}


def report(
    results: Sequence[Result], lines: Sequence[tuple[str, str]], out: Any = sys.stdout
) -> None:
    width = max(len(r.case) for r in results)
    out.write(f"\n{'case':<{width}}  {'rows':>8}  {'seconds':>8}  {'rows/s':>9}\n")
    out.write(f"{'-' * width}  {'-' * 8}  {'-' * 8}  {'-' * 9}\n")
    for r in results:
        out.write(f"{r.case:<{width}}  {r.rows:>8,}  {r.seconds:>8.2f}  {r.rate:>9,.0f}\n")
    out.write("\n")
    label_width = max(len(label) for label, _ in lines)
    for label, value in lines:
        out.write(f"{label:<{label_width}}  {value}\n")
    out.flush()


def run(data_dir: Path, plain_dir: Path, answers: int) -> None:
    rng = random.Random(20261129)
    with Store.open(data_dir, actor=ACTOR) as store:
        conn = store.db.conn
        template = templates.latest(store)
        per_inspection = len(template.items)
        count = max(math.ceil(answers / per_inspection), 1)
        log.info("setup: %d inspections of %s (%d items each), not timed",
                 count, template.uid, per_inspection)
        inspection_ids = make_inspections(store, count)
        plan = plan_answers(inspection_ids, template, answers, rng)
        rows = plain_rows(plan)

        log.info("1/4 domain bulk: %d answers", len(plan))
        changes_before = count_rows(conn, "changes")
        domain_bulk = bench_domain_bulk(store, plan)
        changes_bulk = count_rows(conn, "changes") - changes_before
        if count_rows(conn, "responses") != len(plan):
            raise RuntimeError("domain bulk did not write one response per answer")

        log.info("2/4 plain executemany: %d rows", len(rows))
        plain_bulk = bench_plain_bulk(plain_dir / PLAIN_BULK_DB, rows)

        log.info("3/4 domain single: %d answers", SINGLES)
        changes_before = count_rows(conn, "changes")
        domain_single = bench_domain_single(store, plan)
        changes_single = count_rows(conn, "changes") - changes_before
        if changes_single < SINGLES:
            raise RuntimeError("a single answer changed nothing")

        log.info("4/4 plain single: %d rows", SINGLES)
        plain_single = bench_plain_single(plain_dir / PLAIN_SINGLE_DB, rows)

        changes_total = count_rows(conn, "changes")
        heads_total = count_rows(conn, "heads")
        wal = data_dir / f"{DB_NAME}-wal"
        wal_size = wal.stat().st_size if wal.exists() else 0
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db_size = (data_dir / DB_NAME).stat().st_size
        sizes = table_sizes(conn, ("changes", "heads", "responses"))

    bulk_ratio = domain_bulk.rate / plain_bulk.rate
    single_ratio = domain_single.rate / plain_single.rate
    lines = [
        ("bulk ratio domain / executemany", f"{bulk_ratio:.4f}  ({1 / bulk_ratio:.0f}x slower)"),
        ("single ratio domain / plain", f"{single_ratio:.3f}  ({1 / single_ratio:.1f}x slower)"),
        ("change-log rows per answer, bulk", f"{changes_bulk / domain_bulk.rows:.2f}"),
        ("change-log rows per answer, single", f"{changes_single / domain_single.rows:.2f}"),
        ("changes rows total / bulk answers",
         f"{changes_total:,} / {domain_bulk.rows:,} = {changes_total / domain_bulk.rows:.2f}"),
        ("heads rows", f"{heads_total:,}"),
        ("inspector.db size (checkpointed)", f"{mib(db_size)}  (WAL before: {mib(wal_size)})"),
        ("database bytes per answer", f"{db_size / domain_bulk.rows:,.0f}"),
    ]
    if sizes:
        lines.append(("  of which changes / heads / responses",
                      " / ".join(mib(size) for size in sizes.values()) + " (with indexes)"))
    lines.append(("plain bulk file (same rows)",
                  mib((plain_dir / PLAIN_BULK_DB).stat().st_size)
                  + f"  (+ WAL {mib(_wal_size(plain_dir / PLAIN_BULK_DB))})"))
    lines.append(("sqlite / python",
                  f"{sqlite3.sqlite_version} / {sys.version.split()[0]}, WAL, synchronous=FULL"))
    report([domain_bulk, plain_bulk, domain_single, plain_single], lines)


def _wal_size(db: Path) -> int:
    wal = db.with_name(db.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--answers", type=int, default=100_000,
                        help="answers in the bulk cases (default 100000)")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="data directory to create and keep (default: a temporary one)")
    args = parser.parse_args(argv)
    if args.answers < 1:
        parser.error("--answers must be at least 1")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    if args.data_dir is not None:
        data_dir = Path(args.data_dir).expanduser().resolve()
        if (data_dir / DB_NAME).exists():
            parser.error(f"{data_dir} already holds {DB_NAME}; give a new or empty directory")
        data_dir.mkdir(parents=True, exist_ok=True)
        run(data_dir, data_dir, args.answers)
        return
    scratch = Path(tempfile.mkdtemp(prefix="bench-store-"))
    try:
        run(scratch / "data", scratch, args.answers)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
