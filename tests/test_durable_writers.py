"""Every file the program writes goes through ``durable.atomic_file``: a write that fails
before the file is in place leaves neither the file nor its temporary, and the temporary's
name is one that ``inspector verify`` (or, in a sync folder, another laptop) recognises as a
leftover when a crash leaves it behind.

Each writer is made to fail when it would put its finished temporary file in place (the
rename, or the link that never replaces a device key), the last step where a disk can still
refuse it.
"""

from __future__ import annotations

import errno
import fnmatch
import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from inspector.core.durable import TEMPORARY_MARK, atomic_file
from inspector.core.errors import InspectorError
from inspector.core.store import Store
from inspector.domain import inspections, photos
from inspector.ops import health
from sync import folder as sync_folder
from tests.photo_helpers import jpeg


@dataclass(frozen=True)
class Writer:
    name: str
    write: Callable[[Store, Path], None]  # given the store and a scratch folder
    # the destination whose placing fails
    fails_at: Callable[[Path], bool]


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 20), (255, 255, 255)).save(buffer, "PNG")
    return buffer.getvalue()


def _backup(store: Store, scratch: Path) -> None:
    from inspector.ops import backup

    (scratch / "out").mkdir()
    backup.backup(store, scratch / "out" / "b.zip")


def _report(store: Store, _scratch: Path) -> None:
    from inspector.reports import findings_report

    inspection = inspections.start(store, "柳西社区", ["王建国"])
    findings_report.build(store, inspection, store.data_dir / "exports" / "r.pdf")


def _export(store: Store, _scratch: Path) -> None:
    from inspector.reports import exports

    (store.data_dir / "exports").mkdir(exist_ok=True)
    exports.write_json(store, store.data_dir / "exports" / "e.json")


def _derived(store: Store, _scratch: Path) -> None:
    from inspector.domain import derived

    target = store.data_dir / "cache" / "thumbs" / "ab" / "x.jpg"
    derived.save_jpeg(Image.new("RGB", (40, 30), (10, 120, 40)), target, 80)


def _proof(store: Store, scratch: Path) -> None:
    from inspector.domain import provenance

    inspection = inspections.start(store, "柳西社区", ["王建国"])
    made = photos.import_photo(store, jpeg(scratch / "p.jpg"),
                               photos.target_for_inspection(store, inspection))
    provenance.checked_copy(store.data_dir, made.sha256, "jpg", "p.jpg")


def _signature(store: Store, _scratch: Path) -> None:
    from inspector.domain import signatures

    signatures.save(store, _png())


def _key(_store: Store, scratch: Path) -> None:
    from inspector.core.keys import DeviceKey

    DeviceKey.load_or_create(scratch / "fresh" / "keys")


def _bundle(store: Store, scratch: Path) -> None:
    from sync import exchange

    inspections.start(store, "柳西社区", ["王建国"])
    (scratch / "share").mkdir()
    exchange.export_bundles(store, scratch / "share")


def _inbox(store: Store, scratch: Path) -> None:
    from sync import bundle, exchange

    inspections.start(store, "柳西社区", ["王建国"])
    written = exchange.export_bundle(store, scratch / "000000000001-000000000009.zip")
    assert written is not None
    exchange._keep(store, bundle.read_bundle(written), exchange.WAITING, "test")


def _photo_from_bundle(store: Store, scratch: Path) -> None:
    from sync import exchange
    from tests.sync.team import make_team, seed_inspection

    a, b = make_team(scratch / "team", 2)
    try:
        inspection, _ = seed_inspection(a)
        photos.import_photo(a, jpeg(scratch / "p.jpg"), photos.target_for_inspection(
            a, inspection))
        (scratch / "stick").mkdir()
        (written,) = exchange.export_bundles(a, scratch / "stick")
        exchange.import_bundle(b, written)
    finally:
        a.close()
        b.close()


WRITERS = [
    Writer("backup", _backup, lambda dst: dst.name == "b.zip"),
    Writer("report", _report, lambda dst: dst.name == "r.pdf"),
    Writer("export", _export, lambda dst: dst.name == "e.json"),
    Writer("derived copy", _derived, lambda dst: dst.name == "x.jpg"),
    Writer("copy proof", _proof, lambda dst: dst.name.endswith(".proof.json")),
    Writer("signature", _signature, lambda dst: dst.parent.name == "signatures"),
    Writer("device key", _key, lambda dst: "fresh" in dst.parts),
    Writer("bundle", _bundle, lambda dst: dst.parent.name == "share"),
    Writer("inbox copy", _inbox, lambda dst: dst.parent.name == "inbox"),
    Writer("photo from a bundle", _photo_from_bundle,
           lambda dst: "photos" in dst.parts and dst.parent.parent.name == "photos"),
]


@pytest.mark.parametrize("writer", WRITERS, ids=[w.name for w in WRITERS])
def test_a_write_that_fails_leaves_no_temporary_and_its_name_is_a_known_leftover(
        writer: Writer, ready_store: Store, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    failed: list[tuple[Path, Path, int]] = []  # (temporary, destination, its size then)
    real_replace, real_link = os.replace, os.link

    def refuse(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> bool:
        source, target = Path(src), Path(dst)
        # only files written under the one temporary name: a writer with a name of its own
        # never fails here, and the test says so
        if TEMPORARY_MARK not in source.name or not writer.fails_at(target) \
                or source.is_dir():
            return False
        failed.append((source, target, source.stat().st_size))
        return True

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if refuse(src, dst):
            raise OSError(errno.EIO, "Input/output error", str(dst))
        real_replace(src, dst)

    def link(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if refuse(src, dst):
            raise OSError(errno.EIO, "Input/output error", str(dst))
        real_link(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(os, "link", link)
    data_dir = ready_store.data_dir
    with pytest.raises((OSError, InspectorError)):
        writer.write(ready_store, scratch)
    monkeypatch.undo()

    assert failed, "the write never reached the step that was made to fail"
    temporary, destination, size = failed[-1]
    assert size > 0  # the file was written whole under its temporary name
    assert temporary.parent == destination.parent
    assert not temporary.exists() and not destination.exists()
    assert not [p for p in tmp_path.rglob(f"*{TEMPORARY_MARK}*")]

    # A crash at that moment would have left it: it is known for what it is.
    temporary.write_bytes(b"half")
    if writer.name == "bundle":
        assert fnmatch.fnmatch(temporary.name, sync_folder.BUNDLE_LEFTOVER)
        assert sync_folder._skip_reason(temporary.name) is not None
    elif writer.name == "device key":
        assert health.leftovers(scratch / "fresh") == [temporary]
    elif writer.name == "photo from a bundle":
        root = temporary.parents[2]  # the receiving laptop's data directory
        assert temporary in health.leftovers(root)
    elif writer.name != "backup":
        assert temporary in health.leftovers(data_dir)


def test_a_device_key_is_never_replaced(tmp_path: Path) -> None:
    from inspector.core.keys import DeviceKey

    first = DeviceKey.load_or_create(tmp_path / "keys")
    path = tmp_path / "keys" / "device-key.pem"
    assert path.stat().st_mode & 0o777 == 0o600
    made = path.read_bytes()
    with pytest.raises(FileExistsError), atomic_file(path, exclusive=True) as temporary:
        temporary.write_bytes(b"another key")
    assert path.read_bytes() == made and sorted(p.name for p in path.parent.iterdir()) == [
        "device-key.pem"]
    assert DeviceKey.load_or_create(tmp_path / "keys").public_hex() == first.public_hex()
