"""Hostile bundles at the store: each refused with its own message, the database untouched."""

from __future__ import annotations

import hashlib
import stat
import zipfile
from pathlib import Path

import pytest

from inspector.core.keys import DeviceKey
from inspector.core.store import DB_NAME, Store
from sync import exchange
from sync.bundle import BundleError
from tests.test_bundle import MiB, Raw, build_zip, change, deflated_zeros, forge, jsonl, raw


def _files(store: Store) -> dict[str, str]:
    store.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in store.data_dir.glob(f"{DB_NAME}*")}


def _hostile(tmp_path: Path, kind: str) -> Path:
    key = DeviceKey.generate()
    path = tmp_path / f"{kind}.zip"
    if kind == "zip-slip":
        return forge(path, key, changes=jsonl([change(1)]), extra=[raw("../../etc/x", b"x")])
    if kind == "absolute":
        return forge(path, key, changes=jsonl([change(1)]), extra=[raw("/etc/x", b"x")])
    if kind == "backslash":
        return forge(path, key, changes=jsonl([change(1)]),
                     extra=[raw("photos\\..\\..\\x", b"x")])
    if kind == "symlink":
        return forge(path, key, changes=jsonl([change(1)]),
                     extra=[raw("photos/" + "b" * 64 + ".jpg", b"/etc/passwd",
                                mode=stat.S_IFLNK | 0o777)])
    if kind == "bomb":
        zeros, crc = deflated_zeros(1024 * MiB)
        bomb = Raw("photos/" + "0" * 64 + ".jpg", zeros, zipfile.ZIP_DEFLATED, crc, 1024 * MiB)
        return forge(path, key, changes=jsonl([change(1)]), extra=[bomb])
    if kind == "flood":
        build_zip(path, (Raw(str(i), b"") for i in range(100_000)))
        return path
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["zip-slip", "absolute", "backslash", "symlink", "bomb",
                                  "flood"])
def test_a_hostile_bundle_leaves_the_database_byte_for_byte(store: Store, tmp_path: Path,
                                                           kind: str) -> None:
    path = _hostile(tmp_path, kind)
    state, files = exchange.state_hash(store), _files(store)
    with pytest.raises(BundleError) as info:
        exchange.import_bundle(store, path)
    assert str(path) in str(info.value)
    assert exchange.state_hash(store) == state
    assert _files(store) == files
    assert not (tmp_path.parent / "etc").exists()
