"""The data directory and its database: migrations, lock, sync-folder refusal."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from inspector.core import schema
from inspector.core import store as store_module
from inspector.core.datadir import resolve_data_dir
from inspector.core.errors import DataDirError, InspectorError, SchemaError
from inspector.core.store import DB_NAME, Store


def test_migrations_apply_on_empty_and_up_to_date_database(data_dir: Path) -> None:
    with Store.open(data_dir) as store:
        applied = {m.name for m in schema.migrations.applied(store.db)}
        assert applied == schema.known_migration_names()
        device = store.device_id
        assert store.db["communities"].exists()
        assert store.db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.db.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert store.db.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert store.db["changes"].strict
    with Store.open(data_dir) as store:  # up to date: nothing re-applied, same device
        assert len(schema.migrations.applied(store.db)) == len(schema.known_migration_names())
        assert store.device_id == device


def test_the_fast_schema_check_knows_every_migration() -> None:
    from inspector.core import schema_version

    assert set(schema_version.MIGRATION_NAMES) == schema.known_migration_names()


def test_database_from_newer_version_is_refused(data_dir: Path) -> None:
    Store.open(data_dir).close()
    conn = sqlite3.connect(data_dir / DB_NAME)
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
                 " VALUES ('green-inspector', 'm999_from_the_future', 'x')")
    conn.commit()
    conn.close()
    with pytest.raises(SchemaError, match="m999_from_the_future") as info:
        Store.open(data_dir)
    assert "更新版本" in str(info.value)
    # and the refused open did not keep the directory locked
    with pytest.raises(SchemaError):
        Store.open(data_dir)


def test_a_file_that_is_not_a_database_is_refused(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    (data_dir / DB_NAME).write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(SchemaError, match="inspector.db"):
        Store.open(data_dir)


def test_second_writer_is_refused_with_the_directory_named(data_dir: Path) -> None:
    with Store.open(data_dir):
        with pytest.raises(DataDirError) as info:
            Store.open(data_dir)
        assert str(data_dir) in str(info.value)
        # readers are welcome while the writer works
        with Store.open(data_dir, readonly=True) as reader:
            assert reader.readonly
    Store.open(data_dir).close()  # released on close


def test_lock_held_by_another_process_and_released_when_it_is_killed(data_dir: Path) -> None:
    Store.open(data_dir).close()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from inspector.core.store import Store; "
         "s = Store.open(Path(sys.argv[1])); print('locked', flush=True); time.sleep(60)",
         str(data_dir)],
        stdout=subprocess.PIPE, text=True)
    with holder:
        try:
            assert holder.stdout is not None
            assert holder.stdout.readline().strip() == "locked"
            with pytest.raises(DataDirError, match="另一个"):
                Store.open(data_dir)
        finally:
            holder.send_signal(signal.SIGKILL)
            holder.wait()
    Store.open(data_dir).close()  # a killed holder never blocks the next start


def test_data_dir_inside_a_syncthing_folder_is_refused(tmp_path: Path) -> None:
    synced = tmp_path / "Sync"
    synced.mkdir()
    (synced / ".stfolder").mkdir()
    with pytest.raises(DataDirError, match=".stfolder") as info:
        Store.open(synced / "inspector-data")
    assert str(synced / "inspector-data") in str(info.value)
    assert not (synced / "inspector-data" / DB_NAME).exists()


def test_data_dir_inside_the_configured_sync_folder_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = tmp_path / "share"
    monkeypatch.setenv("INSPECTOR_SYNC_FOLDER", str(shared))
    with pytest.raises(DataDirError, match="同步文件夹"):
        Store.open(shared / "data")
    monkeypatch.delenv("INSPECTOR_SYNC_FOLDER")
    # the sync folder remembered in the store is checked too
    with Store.open(shared / "data") as store:
        store.set_setting("sync_folder", str(shared))
    with pytest.raises(DataDirError, match="同步文件夹"):
        Store.open(shared / "data")


def test_data_dir_resolution(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("INSPECTOR_DATA_DIR", str(tmp_path / "env"))
    assert resolve_data_dir(None) == tmp_path / "env"
    assert resolve_data_dir(tmp_path / "flag") == tmp_path / "flag"
    monkeypatch.delenv("INSPECTOR_DATA_DIR")
    assert "green-inspector" in str(resolve_data_dir(None))


def test_a_failed_write_leaves_nothing_behind(store: Store) -> None:
    from inspector.domain import communities
    from inspector.domain.communities import CommunityData

    before = store.query_one("SELECT COUNT(*) AS n FROM changes")
    with pytest.raises(RuntimeError):
        with store.write():
            communities.create(store, CommunityData("海曙区", "南门街道", "甲社区"))
            raise RuntimeError("crash in the middle")
    assert store.query_one("SELECT COUNT(*) AS n FROM changes") == before
    assert store.query("SELECT * FROM communities") == []
    # the sequence number did not skip: the next change is seq 1
    communities.create(store, CommunityData("海曙区", "南门街道", "乙社区"))
    assert store.query_one("SELECT MIN(seq) AS s FROM changes")["s"] == 1  # type: ignore[index]


def test_a_full_disk_is_a_message_and_loses_nothing(store: Store) -> None:
    from inspector.core.errors import InspectorError
    from inspector.domain import communities
    from inspector.domain.communities import CommunityData

    communities.create(store, CommunityData("海曙区", "南门街道", "甲社区"))
    pages = store.db.conn.execute("PRAGMA page_count").fetchone()[0]
    store.db.conn.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(InspectorError, match="磁盘已满"):
        with store.write():
            for n in range(500):
                communities.create(store, CommunityData("海曙区", "南门街道", f"社区{n}",
                                                        "地址" * 100))
    names = [r["name"] for r in store.query("SELECT name FROM communities")]
    assert names == ["甲社区"]
    assert store.db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_uncreatable_data_dir_is_a_clear_message(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(DataDirError, match="无法创建数据目录") as info:
        Store.open(blocker / "data")
    assert str(blocker / "data") in str(info.value)


# -- one writer, many readers (issue 11) ---------------------------------------------------


def test_outside_a_write_the_connection_only_reads(store: Store) -> None:
    """A change made past ``store.write()`` would miss its change-log entry: it is refused."""
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        store.conn.execute("INSERT INTO local_state (key, value) VALUES ('stray', '1')")
    store.set_setting("kept", "1")  # through write(): fine
    assert store.get_setting("kept") == "1"
    assert store.get_setting("stray") is None


def test_a_worker_writes_through_the_stores_one_writer(store: Store) -> None:
    seen: dict[str, object] = {}

    def work() -> None:
        with store.open_worker() as worker, worker.write():
            seen["writer"] = worker.conn
            worker.conn.execute("INSERT INTO local_state (key, value) VALUES ('w', '1')")

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    with store.write():
        assert store.conn is seen["writer"]
    assert store.get_setting("w") == "1"  # and the store's own reader sees it at once


def _announced(monkeypatch: pytest.MonkeyPatch, method: str) -> threading.Event:
    """An event set when the writer's ``method`` is called (just before it runs)."""
    called = threading.Event()
    real = getattr(store_module._Writer, method)  # noqa: SLF001

    def announcing(writer: Any) -> None:
        called.set()
        real(writer)

    monkeypatch.setattr(store_module._Writer, method, announcing)  # noqa: SLF001
    return called


def test_a_second_thread_waits_its_turn_instead_of_failing(
        data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A background batch and a GUI edit take turns on the writer: with two writing
    connections the second would fail with "database is locked" once SQLite's busy timeout
    (shortened here to 1 ms) ran out while the first held its transaction."""
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 1)
    outcome: list[object] = []
    asking = _announced(monkeypatch, "acquire")

    def second_edit(store: Store) -> None:
        try:
            with store.open_worker() as worker:
                worker.set_setting("second", "2")
            outcome.append("saved")
        except Exception as exc:  # noqa: BLE001 - what the test looks at
            outcome.append(exc)

    with Store.open(data_dir) as store:
        thread = threading.Thread(target=second_edit, args=(store,))
        try:
            with store.write():
                store.conn.execute("INSERT INTO local_state (key, value) VALUES ('first', '1')")
                thread.start()
                asking.wait()
                time.sleep(0.05)  # well past the 1 ms busy timeout
                assert outcome == []  # waiting, not failed
        finally:
            thread.join()
        assert outcome == ["saved"]
        assert (store.get_setting("first"), store.get_setting("second")) == ("1", "2")


def test_closing_waits_for_a_worker_s_write(data_dir: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The store that owns the writer closes it only once a worker's transaction ended:
    closing it under the worker would crash the process. A write after that is refused."""
    inside, closed = threading.Event(), threading.Event()
    closing = _announced(monkeypatch, "close")
    outcome: list[object] = []

    def work(store: Store) -> None:
        with store.open_worker() as worker:
            with worker.write():
                inside.set()
                closing.wait()
                time.sleep(0.05)  # the owner is now waiting to close
                worker.conn.execute("INSERT INTO local_state VALUES ('late', '1')")
            outcome.append("saved")
            closed.wait()
            try:
                worker.set_setting("after", "1")
            except InspectorError as exc:
                outcome.append(str(exc))

    store = Store.open(data_dir)
    thread = threading.Thread(target=work, args=(store,))
    thread.start()
    inside.wait()
    store.close()  # waits for the worker's transaction
    closed.set()
    thread.join()
    assert outcome[0] == "saved" and "关闭" in str(outcome[1])
    with Store.open(data_dir, readonly=True) as reader:
        assert reader.get_setting("late") == "1" and reader.get_setting("after") is None


def test_a_read_stops_mid_statement_when_asked(store: Store) -> None:
    endless = ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
               " WHERE i < 1000000000000) SELECT count(*) FROM n")
    with store.interrupted_by(lambda: True), \
            pytest.raises(sqlite3.OperationalError, match="interrupted"):
        store.conn.execute(endless).fetchone()
    assert store.query_one("SELECT 1 AS one") == {"one": 1}  # and the handler is gone after
