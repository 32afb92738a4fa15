"""Is the data directory sound? And getting back what can be read when it is not.

``check`` runs SQLite's own check of the database file (``quick_check``, or the slower
``integrity_check`` when asked), looks for rows that name something missing, and lists the
leftovers an interrupted import, export or sync leaves behind. ``clean`` removes those
leftovers — only while this program holds the data directory's lock, so nothing that is
still being written can be taken for one. ``recover`` copies every change of a damaged
database that can still be read into a new data directory, rebuilds the rows from them (the
change log holds everything that was ever shown), and gives the new directory its own device
identity.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inspector.core import changelog, records
from inspector.core.durable import TEMPORARY_MARK
from inspector.core.errors import InspectorError
from inspector.core.i18n import t
from inspector.core.registers import TABLES
from inspector.core.store import DB_NAME, Store
from inspector.domain import community_standing, photos, signatures

log = logging.getLogger(__name__)

# Names only this program's interrupted writes leave: a photo being staged, and the
# temporary name every file is written under before it is renamed (durable.temporary_for,
# ``.<name>.tmp-<random>``). ``inbox/.*.tmp`` is what versions before it left there.
_TEMPORARY = f".*{TEMPORARY_MARK}*"
LEFTOVER_PATTERNS = ("photos/.incoming/*", f"photos/*/{_TEMPORARY}", f"inbox/{_TEMPORARY}",
                     "inbox/.*.tmp", f"cache/**/{_TEMPORARY}", f"signatures/{_TEMPORARY}",
                     f"keys/{_TEMPORARY}", f"exports/{_TEMPORARY}")
REFERENCES = (  # (table, column, table it names)
    ("responses", "inspection_id", "inspections"),
    ("findings", "inspection_id", "inspections"),
    ("inspections", "community_id", "communities"),
    ("inspections", "template_id", "templates"),
    ("photo_links", "photo_id", "photos"),
    ("followups", "finding_id", "findings"),
)


@dataclass
class Health:
    database: list[str] = field(default_factory=list)  # what SQLite's check found
    dangling: list[str] = field(default_factory=list)
    leftovers: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.database or self.dangling)

    def lines(self) -> list[str]:
        out: list[str] = []
        if self.database:
            out.append(t("数据库已损坏：", "The database is damaged:"))
            out += [f"  {line}" for line in self.database[:20]]
            out.append(t("  请从备份恢复（inspector restore），或把可读的数据抢救到新的数据目录"
                         "（inspector recover --data-dir 旧目录 新目录）。",
                         "  Restore a backup (`inspector restore`), or salvage what can be "
                         "read into a new data directory (`inspector recover NEW`)."))
        else:
            out.append(t("数据库完好", "The database is sound"))
        out += self.dangling
        if self.leftovers:
            out.append(t("中断的操作留下的临时文件 {n} 个（inspector verify --clean 可删除）",
                         "{n} temporary files left by interrupted work (`inspector verify "
                         "--clean` removes them)", n=len(self.leftovers)))
        return out


def leftovers(data_dir: Path) -> list[Path]:
    found: set[Path] = set()
    for pattern in LEFTOVER_PATTERNS:
        found |= {p for p in data_dir.glob(pattern) if p.is_file()}
    return sorted(found)


def check(store: Store, *, full: bool = False) -> Health:
    health = Health()
    pragma = "integrity_check" if full else "quick_check"
    try:
        rows = [row[0] for row in store.conn.execute(f"PRAGMA {pragma}")]
    except sqlite3.DatabaseError as exc:
        rows = [str(exc)]
    if rows != ["ok"]:
        health.database = rows
    else:
        for table, column, target in REFERENCES:
            try:
                count = store.conn.execute(
                    f"SELECT COUNT(*) FROM [{table}] WHERE [{column}] IS NOT NULL AND"
                    f" [{column}] NOT IN (SELECT id FROM [{target}])").fetchone()[0]
            except sqlite3.DatabaseError as exc:
                health.database.append(str(exc))
                break
            if count:
                health.dangling.append(t(
                    "{n} 行 {table} 指向不存在的 {target}（可能尚未同步到，或已被撤销）",
                    "{n} {table} rows name {target} that are not here (not synced yet, or "
                    "cut by a revocation)", n=count, table=table, target=target))
    health.leftovers = leftovers(store.data_dir)
    return health


def clean(store: Store) -> list[Path]:
    """Remove the leftovers (the caller holds the data directory's lock: see Store.open)."""
    if store.readonly:
        raise InspectorError(t("清理需要以可写方式打开数据目录", "Cleaning needs the data "
                               "directory open for writing"))
    removed = []
    for path in leftovers(store.data_dir):
        try:
            path.unlink()
            removed.append(path)
        except OSError as exc:
            log.warning("could not remove %s: %s", path, exc)
    return removed


# -- salvage -----------------------------------------------------------------------------------


@dataclass
class Recovery:
    data_dir: Path
    old_device: str
    new_device: str
    changes: int
    unreadable: int  # ranges of the log that could not be read
    photos: int


def _readable_rows(conn: sqlite3.Connection, sql: str, keys: list[Any],
                   params: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Rows of ``sql`` (which takes two extra parameters: a first and last key), read in
    halves around whatever part of the file is damaged."""
    stack = [(0, len(keys) - 1)]
    while stack:
        low, high = stack.pop()
        if low > high:
            continue
        try:
            yield from conn.execute(sql, (*params, keys[low], keys[high])).fetchall()
        except sqlite3.DatabaseError:
            if low == high:
                continue  # this one row cannot be read
            middle = (low + high) // 2
            stack += [(middle + 1, high), (low, middle)]


def recover(source_dir: Path, target_dir: Path) -> Recovery:
    """Salvage the change log of a damaged data directory into a new one."""
    source_db = Path(source_dir) / DB_NAME
    if Path(target_dir).exists() and any(Path(target_dir).iterdir()):
        raise InspectorError(t("{d} 不是空文件夹：抢救的数据只写入新的或空的数据目录",
                               "{d} is not empty: salvaged data goes only into a new or "
                               "empty data directory", d=target_dir))
    try:
        old = sqlite3.connect(f"file:{source_db}?mode=ro", uri=True)
        old_device = old.execute("SELECT value FROM local_state WHERE key = 'device_id'"
                                 ).fetchone()[0]
    except (sqlite3.Error, TypeError) as exc:
        raise InspectorError(t("{f} 无法读取，无从抢救：{e}", "{f} cannot be read at all, there "
                               "is nothing to salvage: {e}", f=source_db, e=exc)) from exc
    salvaged: list[tuple[Any, ...]] = []
    contexts: list[tuple[Any, ...]] = []
    lost = 0
    try:
        devices = [row[0] for row in old.execute("SELECT DISTINCT device FROM changes")]
    except sqlite3.DatabaseError:
        devices = [old_device]
    for device in devices:
        try:
            last = old.execute("SELECT MAX(seq) FROM changes WHERE device = ?",
                               (device,)).fetchone()[0] or 0
        except sqlite3.DatabaseError:
            last = 1_000_000
        seqs = list(range(1, last + 1))
        rows = list(_readable_rows(
            old, "SELECT device, seq, hlc, tbl, row_id, reg, value, replaces, actor, masked"
            " FROM changes WHERE device = ? AND seq BETWEEN ? AND ?", seqs, (device,)))
        lost += len(seqs) - len(rows)
        salvaged += rows
    try:
        contexts = old.execute("SELECT * FROM contexts").fetchall()
    except sqlite3.DatabaseError:
        contexts = []
    old.close()
    with Store.open(target_dir) as store:
        with store.write():
            conn = store.conn  # the writer, inside the transaction
            conn.executemany("INSERT OR IGNORE INTO changes (device, seq, hlc, tbl, row_id, reg,"
                             " value, replaces, actor, masked) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?,"
                             " ?)", [r for r in salvaged if r[3] in TABLES])
            conn.executemany("INSERT OR IGNORE INTO contexts VALUES (?, ?, ?, ?)", contexts)
            # The old device is this laptop's past: its history counts as received.
            conn.execute("INSERT INTO receipts (own_seq, device, seq) VALUES (0, ?, ?)",
                         (old_device, changelog.have(store, old_device)))
            keys = {(row[0], row[1], row[2]) for row in conn.execute(
                "SELECT DISTINCT tbl, row_id, reg FROM changes")}
            for key in keys:
                changelog.rebuild_heads(store, key)
            changelog.refresh(store, keys)
            community_standing.mark_stale(store)  # every shown row was made again
            own = store.query_one("SELECT public_key FROM devices WHERE id = ?", (old_device,))
            if own and own["public_key"]:
                records.put(store, "devices", old_device,
                            {"trusted": 1, "trusted_key": own["public_key"],
                             "trusted_upto": None})
        copied = _copy_files(Path(source_dir), store)
        return Recovery(store.data_dir, old_device, store.device_id, len(salvaged), lost,
                        copied)


def _copy_files(source_dir: Path, store: Store) -> int:
    """The photo originals and signature images the recovered rows name."""
    copied = 0
    for row in store.query("SELECT id, ext FROM photos"):
        source = photos.original_path(source_dir, row["id"], row["ext"])
        target = photos.original_path(store.data_dir, row["id"], row["ext"])
        if source.is_file() and not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
            copied += 1
    for column in ("inspector_signature", "representative_signature"):
        for row in store.query(f"SELECT DISTINCT {column} AS sha FROM inspections"
                               f" WHERE {column} IS NOT NULL"):
            source = source_dir / signatures.FOLDER / f"{row['sha']}.png"
            target = signatures.path_of(store, row["sha"])
            if source.is_file() and not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
    return copied


def describe(recovery: Recovery) -> str:
    return t("已抢救 {n} 条变更到 {d}（{lost} 条无法读取），照片 {p} 张。"
             "新的数据目录使用新的设备身份 {new}（原为 {old}）。"
             "请让同事信任本机，再同步补回缺失的部分。",
             "Salvaged {n} changes into {d} ({lost} could not be read) and {p} photos. The new "
             "data directory is a new device {new} (it was {old}). Ask a teammate to trust "
             "it, then sync to get back what is missing.", n=recovery.changes,
             d=recovery.data_dir, lost=recovery.unreadable, p=recovery.photos,
             new=recovery.new_device[:8], old=recovery.old_device[:8])

