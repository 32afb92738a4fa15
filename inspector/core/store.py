"""The one writing connection to a data directory, and the change log written with every change.

Rules kept here so no caller can forget them:
- a write is ``with store.write():`` — ``BEGIN IMMEDIATE`` … ``COMMIT``; nested writes join the
  outer transaction through a savepoint;
- every change to user data goes through ``log_change`` inside that transaction;
- one writer, many readers: a process holds exactly one writing connection per data directory
  (``_Writer``), shared by the store and its workers (``open_worker``) and used by one thread
  at a time — a ``write()`` waits for the writer lock, so a background job's batch and a GUI
  edit take turns instead of failing with "database is locked". Outside ``write()`` every
  store reads through its own connection, which is read-only (``PRAGMA query_only``) and
  belongs to the thread that opened it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from inspector.core import schema_version
from inspector.core.changes import Changes
from inspector.core.clock import MAX_DRIFT_MS, HybridClock, Stamp, WallClock
from inspector.core.datadir import DataDirLock, check_not_synced, prepare_data_dir
from inspector.core.errors import DataDirError, InspectorError, SchemaError
from inspector.core.i18n import t

log = logging.getLogger(__name__)

DB_NAME = "inspector.db"
BUSY_TIMEOUT_MS = 5000
# SQLite virtual-machine steps between two looks at a cancel flag (``interrupted_by``): about
# a millisecond of work.
PROGRESS_STEPS = 10_000


class _Writer:
    """The one writing connection of a data directory in this process, and the lock its users
    take turns by. Made by the store that holds the data-directory lock; its workers share it.
    The connection may be used from any thread, but only by the holder of ``lock``."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.lock = threading.RLock()
        self.closed = False

    def acquire(self) -> None:
        # Untimed: another thread's transaction is one batch of rows (files are copied
        # outside it), and a timed wait is what a faked clock breaks.
        if not self.lock.acquire(blocking=False):
            log.debug("waiting for another thread's write")
            self.lock.acquire()
        if self.closed:
            self.lock.release()
            raise InspectorError(t("数据目录已经关闭，刚才的修改没有保存。",
                                   "The data directory was closed; the last change was not "
                                   "saved."))

    def close(self) -> None:
        """Close the connection once no thread is writing through it (closing it under a
        worker's transaction would crash the process)."""
        self.lock.acquire()
        try:
            self.closed = True
            self.conn.close()
        finally:
            self.lock.release()


def default_actor() -> str:
    name = os.environ.get("INSPECTOR_USER")
    if name:
        return name
    import getpass  # only without a name: kept out of the start

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


class Store:
    """An open data directory. Use ``Store.open`` and close it (or use it as a context manager)."""

    def __init__(
        self,
        data_dir: Path,
        reader: sqlite3.Connection,
        writer: _Writer | None,
        lock: DataDirLock | _BorrowedLock | None,
        *,
        actor: str,
        wall: WallClock,
    ) -> None:
        self.data_dir = data_dir
        self._reader = reader
        self._writer = writer
        self._db: Any = None
        self.readonly = writer is None
        self.actor = actor
        self._lock = lock
        self._write_depth = 0
        self.closed = False  # a widget's late timer asks before it reads
        # The rows whose change-log entries the current write transaction wrote, in order
        # (see ``note_change``); a savepoint rolled back forgets its part.
        self._journal: list[tuple[str, str]] = []
        # Told the Changes of each committed transaction of this connection (``on_commit``).
        self._listeners: list[Callable[[Changes], None]] = []
        # Parsed templates by id: safe to keep, an installed template never changes.
        self.template_cache: dict[str, Any] = {}
        self.device_id = self._get_state("device_id") or ""
        self._seq = self._max_own_seq()
        # The time the domain reads (dates, deadlines, short ids) and the change-order clock.
        self.wall = wall
        self.clock = HybridClock(self._max_stamp(), wall.millis)

    # -- opening and closing -------------------------------------------------------------

    @classmethod
    def open(
        cls,
        data_dir: Path,
        *,
        readonly: bool = False,
        actor: str | None = None,
        wall: WallClock | None = None,
    ) -> Store:
        data_dir = Path(data_dir)
        wall = wall or WallClock()
        db_path = data_dir / DB_NAME
        _check_file(db_path)
        if readonly:
            if not db_path.exists():
                # a command that only reads never creates anything
                raise DataDirError(t(
                    "{dir} 中没有巡查数据（没有 {db}）。"
                    "请检查 --data-dir，或先运行 inspector init。",
                    "There is no inspector data in {dir} (no {db}). Check --data-dir, or run "
                    "`inspector init` first.", dir=data_dir, db=DB_NAME))
            # On read-only media SQLite cannot make its shared-memory file: read it as is.
            conn = _connect(db_path, readonly=True,
                            immutable=not os.access(data_dir, os.W_OK))
            try:
                pending = _check_schema(conn, db_path)
            except BaseException:
                conn.close()
                raise
            if not pending:
                return cls(data_dir, conn, None, None, actor=actor or default_actor(),
                           wall=wall)
            conn.close()  # needs migrating: fall through to a writing open
        if db_path.exists() and not (os.access(db_path, os.W_OK)
                                     and os.access(data_dir, os.W_OK)):
            raise DataDirError(t(
                "{db} 是只读的（只读介质或没有写权限）：只能查看，不能修改。"
                "请把数据目录复制到可写的位置再使用。",
                "{db} is read-only (read-only media, or no permission to write): it can be "
                "read but not changed. Copy the data directory to a writable place to work "
                "in it.", db=db_path))
        check_not_synced(data_dir)
        prepare_data_dir(data_dir)
        lock = DataDirLock(data_dir)
        lock.acquire()
        try:
            conn = _connect(db_path, readonly=False, shared=True)
            reader: sqlite3.Connection | None = None
            try:
                pending = _check_schema(conn, db_path)  # before WAL: a foreign file stays as is
                _execute(conn, "PRAGMA journal_mode = WAL")
                if pending:
                    from inspector.core import schema  # sqlite-utils: only when migrating

                    schema.migrate(conn, wall.millis())
                _ensure_device_id(conn)
                sync_folder = _state(conn, "sync_folder")
                check_not_synced(data_dir, Path(sync_folder) if sync_folder else None)
                reader = _connect(db_path, readonly=False, query_only=True)
            except BaseException:
                conn.close()
                if reader is not None:
                    reader.close()
                raise
        except BaseException:
            lock.release()
            raise
        return cls(data_dir, reader, _Writer(conn), lock, actor=actor or default_actor(),
                   wall=wall)

    def open_worker(self) -> Store:
        """A store for a background thread of this process: its own read-only connection (a
        connection belongs to the thread that made it) and this store's writer, under this
        store's lock. Closing it leaves the writer and the lock to this store."""
        if self.readonly:
            return Store.open(self.data_dir, readonly=True, actor=self.actor, wall=self.wall)
        reader = _connect(self.data_dir / DB_NAME, readonly=False, query_only=True)
        return Store(self.data_dir, reader, self._writer, _BorrowedLock(), actor=self.actor,
                     wall=self.wall)

    @property
    def conn(self) -> sqlite3.Connection:
        """The connection to use now: the writer inside ``write()``, else this store's
        read-only connection."""
        if self._write_depth > 0 and self._writer is not None:
            return self._writer.conn
        return self._reader

    @property
    def db(self) -> Any:
        """The writing connection (the reading one for a read-only store) as a sqlite-utils
        Database, for schema work and tests."""
        if self._db is None:
            from sqlite_utils import Database

            conn = self._writer.conn if self._writer is not None else self._reader
            self._db = Database(conn, execute_plugins=False, strict=True)
        return self._db

    def close(self) -> None:
        self.closed = True
        self._reader.close()
        if isinstance(self._lock, DataDirLock) and self._writer is not None:
            self._writer.close()
        if self._lock is not None:
            self._lock.release()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions --------------------------------------------------------------------

    @property
    def in_write(self) -> bool:
        return self._write_depth > 0

    @contextlib.contextmanager
    def write(self) -> Iterator[Store]:
        """A write transaction. Everything inside commits together or not at all."""
        if self.readonly:
            raise InspectorError(
                t("数据目录以只读方式打开，不能修改。", "The data directory is open read-only.")
            )
        writer = self._writer
        assert writer is not None  # not read-only
        conn = writer.conn
        saved_seq = self._seq
        savepoint = f"w{self._write_depth}"
        journal_mark = len(self._journal)
        if self._write_depth == 0:
            writer.acquire()
            try:
                _execute(conn, "BEGIN IMMEDIATE")
            except BaseException:
                writer.lock.release()
                raise
            self._journal = []
            journal_mark = 0
        else:
            conn.execute(f"SAVEPOINT {savepoint}")
        self._write_depth += 1
        try:
            if self._write_depth == 1:
                # Another store of this process (a worker) may have written meanwhile — or
                # given this data directory a new identity (a fork after a copy was found).
                self.device_id = self._get_state("device_id") or self.device_id
                self._seq = self._max_own_seq()
                self.clock.observe(self._own_last_stamp())
                saved_seq = self._seq
            yield self
            if self._write_depth == 1 and self._journal and _DERIVERS:
                # Derived tables follow the facts in the same transaction.
                changes = Changes.of(self._journal)
                for derive in _DERIVERS:
                    derive(self, changes)
        except BaseException:
            self._write_depth -= 1
            self._seq = saved_seq
            del self._journal[journal_mark:]
            if self._write_depth == 0:
                try:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                finally:
                    writer.lock.release()
            elif conn.in_transaction:
                conn.execute(f"ROLLBACK TO {savepoint}")
                conn.execute(f"RELEASE {savepoint}")
            if self._write_depth == 0 and _is_disk_full(sys.exc_info()[1]):
                raise _disk_full_error() from sys.exc_info()[1]
            raise
        self._write_depth -= 1
        if self._write_depth == 0:
            try:
                _execute(conn, "COMMIT")
            except BaseException:
                self._seq = saved_seq
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            finally:
                writer.lock.release()
            if self._journal and self._listeners:
                self._tell(Changes.of(self._journal))
        else:
            conn.execute(f"RELEASE {savepoint}")

    def on_commit(self, listener: Callable[[Changes], None]) -> None:
        """Have ``listener`` told the ``Changes`` of every transaction this connection commits
        (after the commit, on the writing thread) — a window that shows the data follows
        what any operation wrote, without a rescan. It must only note them (the operation
        that wrote may still be running) and must not raise."""
        if listener not in self._listeners:
            self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[Changes], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _tell(self, changes: Changes) -> None:
        for listener in list(self._listeners):
            try:
                listener(changes)
            except Exception:  # the write is committed: a listener's fault must not undo it
                log.exception("a commit listener failed")

    # -- the change log ------------------------------------------------------------------

    def allocate(self) -> tuple[int, str]:
        """The sequence number and clock stamp of this device's next change (inside a write;
        the change-log module writes the change)."""
        if not self.in_write:
            raise RuntimeError("a change outside a write transaction")
        self._seq += 1
        return self._seq, str(self.clock.now())

    def note_change(self, table: str, row_id: str) -> None:
        """Remember that the change log of this transaction names this row (called by the
        change-log module for this device's changes and for applied ones)."""
        if not self.in_write:
            raise RuntimeError("a change outside a write transaction")
        self._journal.append((table, row_id))

    def journal_mark(self) -> int:
        """Where the journal of the current transaction stands (see ``changes_since``)."""
        return len(self._journal)

    def changes_since(self, mark: int) -> Changes:
        """The rows noted in this transaction after ``mark``."""
        return Changes.of(self._journal[mark:])

    # -- local state (not synced) --------------------------------------------------------

    def _get_state(self, key: str) -> str | None:
        return _state(self.conn, key)

    def get_setting(self, key: str) -> str | None:
        return self._get_state(key)

    def set_setting(self, key: str, value: str | None) -> None:
        with self.write():
            if value is None:
                self.conn.execute("DELETE FROM local_state WHERE key = ?", (key,))
            else:
                self.conn.execute(
                    "INSERT INTO local_state (key, value) VALUES (?, ?) ON CONFLICT (key)"
                    " DO UPDATE SET value = excluded.value",
                    (key, value),
                )

    def reset_sequence(self) -> None:
        """After this device's id changed (a fork): continue from its own last change."""
        self._seq = self._max_own_seq()

    def _max_own_seq(self) -> int:
        row = self.conn.execute(
            "SELECT MAX(seq) FROM changes WHERE device = ?", (self.device_id,)
        ).fetchone()
        return int(row[0] or 0)

    def _max_stamp(self) -> Stamp:
        """The latest stamp seen that is not far ahead of the wall clock (those are flagged,
        not followed — also this device's own, if its clock was once set ahead)."""
        limit = Stamp(self.wall.millis() + MAX_DRIFT_MS, 0)
        row = self.conn.execute("SELECT MAX(hlc) FROM changes WHERE hlc < ?",
                                (str(limit),)).fetchone()
        return Stamp.parse(row[0]) if row[0] else Stamp(0, 0)

    def _own_last_stamp(self) -> Stamp:
        row = self.conn.execute(
            "SELECT hlc FROM changes WHERE device = ? ORDER BY seq DESC LIMIT 1",
            (self.device_id,)).fetchone()
        return Stamp.parse(row[0]) if row else Stamp(0, 0)

    # -- reading helpers -----------------------------------------------------------------

    @contextlib.contextmanager
    def interrupted_by(self, should_stop: Callable[[], bool]) -> Iterator[None]:
        """Let a long read stop in the middle of a statement once ``should_stop()`` says so:
        SQLite asks it every few thousand steps and the statement then fails with
        ``sqlite3.OperationalError('interrupted')``. For background reads that a newer one
        replaces (a cancelled flag checked only between statements lets them pile up)."""
        conn = self._reader
        conn.set_progress_handler(lambda: 1 if should_stop() else 0, PROGRESS_STEPS)
        try:
            yield
        finally:
            conn.set_progress_handler(None, 0)

    def query(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> list[dict[str, Any]]:
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def query_one(
        self, sql: str, params: tuple[Any, ...] | list[Any] = ()
    ) -> dict[str, Any] | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None


Deriver = Callable[[Store, Changes], None]
_DERIVERS: list[Deriver] = []


def register_deriver(derive: Deriver) -> None:
    """Keep a derived table (not in the change log) up to date: ``derive`` runs at the end of
    every write transaction that wrote change-log entries, inside it, with the rows they name.
    The domain registers its summaries here (the core cannot import the domain)."""
    if derive not in _DERIVERS:
        _DERIVERS.append(derive)


class _BorrowedLock:
    """The lock of the store a worker connection was opened from: not released by it."""

    def release(self) -> None:
        return None


def _is_disk_full(exc: BaseException | None) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and "full" in str(exc).lower()


def _disk_full_error() -> InspectorError:
    return InspectorError(
        t(
            "磁盘已满，刚才的修改没有保存（已有数据完好）。请腾出空间后重试。",
            "The disk is full; the last change was not saved (existing data is intact). "
            "Free some space and try again.",
        )
    )


def _execute(conn: sqlite3.Connection, sql: str) -> None:
    """Run BEGIN/COMMIT, turning a full disk into a message instead of a traceback."""
    try:
        conn.execute(sql)
    except sqlite3.OperationalError as exc:
        if _is_disk_full(exc):
            raise _disk_full_error() from exc
        raise


SQLITE_HEADER = b"SQLite format 3\x00"


def _check_file(db_path: Path) -> None:
    """Refuse a database file that is empty or not SQLite — never replace it (an empty file
    left by a failed copy would otherwise silently become a new, empty database)."""
    try:
        size = db_path.stat().st_size
    except (FileNotFoundError, NotADirectoryError):
        return  # not there yet (making its folder says what is wrong, if anything)
    except OSError as exc:
        raise DataDirError(t("无法读取 {p}：{e}", "Cannot read {p}: {e}", p=db_path,
                             e=exc.strerror or exc)) from exc
    if not db_path.is_file():
        raise SchemaError(t("{p} 不是文件。", "{p} is not a file.", p=db_path))
    if size == 0:
        raise SchemaError(t(
            "{p} 是空文件（0 字节），不是数据库；程序没有替换它。"
            "请从备份恢复，或把它移走后重新开始。",
            "{p} is empty (0 bytes), not a database; it was not replaced. Restore a backup, "
            "or move it away to start afresh.", p=db_path))
    try:
        with open(db_path, "rb") as handle:
            head = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise DataDirError(t("无法读取 {p}：{e}", "Cannot read {p}: {e}", p=db_path,
                             e=exc.strerror or exc)) from exc
    if head != SQLITE_HEADER:
        raise SchemaError(t("{p} 不是巡查程序的数据库（不是 SQLite 文件）；程序没有改动它。",
                            "{p} is not an inspector database (not an SQLite file); it was "
                            "left as it is.", p=db_path))


def _connect(db_path: Path, *, readonly: bool, immutable: bool = False, shared: bool = False,
             query_only: bool = False) -> sqlite3.Connection:
    """``shared``: the writer, used by whichever thread holds its lock; ``query_only``: a
    reading connection of a writable data directory, refusing any write made past
    ``Store.write()``."""
    try:
        if readonly:
            flags = "mode=ro&immutable=1" if immutable else "mode=ro"
            conn = sqlite3.connect(f"file:{db_path}?{flags}", uri=True, timeout=5)
        else:
            conn = sqlite3.connect(str(db_path), timeout=5, check_same_thread=not shared)
        if query_only:
            conn.execute("PRAGMA query_only = ON")
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError as exc:
        from inspector.core import faults

        known = faults.known(exc, db_path.parent)
        raise known if known is not None else DataDirError(t(
            "无法打开 {path}：{error}", "Cannot open {path}: {error}", path=db_path,
            error=exc)) from exc
    except sqlite3.DatabaseError as exc:
        raise SchemaError(
            t(
                "{path} 不是巡查程序的数据库，或已损坏：{error}",
                "{path} is not an inspector database, or it is damaged: {error}",
                path=db_path,
                error=exc,
            )
        ) from exc
    return conn


def _table_exists(conn: sqlite3.Connection, name: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    return row is not None


def _check_schema(conn: sqlite3.Connection, db_path: Path) -> bool:
    """Refuse a database written by a newer program; return whether migrations are pending."""
    applied: set[str] = set()
    if not _table_exists(conn, "_sqlite_migrations") and conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' LIMIT 1").fetchone():
        raise SchemaError(t("{path} 是另一个程序的 SQLite 数据库，不是巡查程序的；"
                            "程序没有改动它。",
                            "{path} is another program's SQLite database, not an inspector "
                            "database; it was left as it is.", path=db_path))
    if _table_exists(conn, "_sqlite_migrations"):
        applied = {
            row[0]
            for row in conn.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = ?",
                (schema_version.MIGRATION_SET,),
            )
        }
    unknown = applied - set(schema_version.MIGRATION_NAMES)
    if unknown:
        raise SchemaError(
            t(
                "数据库 {path} 由更新版本的巡查程序创建（未知的结构版本：{names}）；"
                "请升级本程序后再打开。",
                "The database {path} was written by a newer version of the inspector "
                "(unknown schema versions: {names}); upgrade this program to open it.",
                path=db_path,
                names=", ".join(sorted(unknown)),
            )
        )
    return applied != set(schema_version.MIGRATION_NAMES)


def _state(conn: sqlite3.Connection, key: str) -> str | None:
    if not _table_exists(conn, "local_state"):
        return None
    row = conn.execute("SELECT value FROM local_state WHERE key = ?", (key,)).fetchone()
    return str(row[0]) if row else None


def _ensure_device_id(conn: sqlite3.Connection) -> None:
    if _state(conn, "device_id"):
        return
    import uuid  # once per data directory: kept out of the start

    with conn:
        conn.execute(
            "INSERT INTO local_state (key, value) VALUES ('device_id', ?)", (uuid.uuid4().hex,)
        )
