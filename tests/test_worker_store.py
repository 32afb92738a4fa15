"""A worker thread's own connection under the main store's lock."""

from __future__ import annotations

import threading

from inspector.core.store import Store
from inspector.domain import communities
from inspector.domain.communities import CommunityData


def test_a_worker_connection_writes_with_its_change_log(store: Store) -> None:
    results: list[str] = []

    def work() -> None:
        worker = store.open_worker()
        try:
            results.append(communities.create(worker, CommunityData("海曙区", "南门街道", "甲")))
        finally:
            worker.close()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert store.query_one("SELECT name FROM communities WHERE id = ?", (results[0],))
    # the worker's change follows this device's sequence, and the main store goes on from it
    communities.create(store, CommunityData("海曙区", "南门街道", "乙"))
    seqs = [r["seq"] for r in store.query("SELECT seq FROM changes ORDER BY seq")]
    assert seqs == list(range(1, len(seqs) + 1))
    # closing the worker did not release the lock
    import pytest

    from inspector.core.errors import DataDirError

    with pytest.raises(DataDirError):
        Store.open(store.data_dir)
