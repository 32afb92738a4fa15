"""The strip's batch import (issue 11): staged in a worker, written on the writer thread,
report copies made afterwards in the background; a cancelled batch stores nothing."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from inspector.core.store import Store
from inspector.domain import derived, photos, provenance
from tests.photo_helpers import jpeg
from tests.ui.test_workbench import a_draft
from ui import errors, photo_jobs
from ui.photo_strip import PhotoStrip


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def a_strip(qtbot: QtBot, store: Store) -> tuple[PhotoStrip, photos.Target]:
    target = photos.target_for_inspection(store, a_draft(store))
    strip = PhotoStrip(store)
    qtbot.addWidget(strip)
    strip.resize(700, 130)
    strip.set_target(target)
    strip.show()
    return strip, target


def test_a_batch_is_written_off_the_gui_thread_then_its_report_copies_made(
        qtbot: QtBot, demo_store: Store, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    strip, target = a_strip(qtbot, demo_store)
    writers: list[threading.Thread] = []
    real_import_all = photos.import_all

    def spy(store: Store, pending: list[photos.Pending]) -> list[photos.ImportedPhoto | str]:
        writers.append(threading.current_thread())
        assert store is not demo_store  # the writer's own connection
        return real_import_all(store, pending)

    monkeypatch.setattr(photos, "import_all", spy)
    files = [jpeg(tmp_path / f"IMG_{n}.JPG", seed=n) for n in range(3)]
    with qtbot.waitSignal(strip.changed, timeout=20_000):
        batch = strip.import_files(files)
    assert batch is not None and batch.result is not None
    assert len(writers) == 1 and writers[0] is not threading.main_thread()
    # the rows are there, and the strip shows them (refreshed from the import's Changes)
    shas = [sha(f) for f in files]
    assert sorted(p["id"] for p in photos.photos_of(demo_store, target)) == sorted(shas)
    assert batch.result.changes.touches("photo_links")
    assert sorted(strip.photo_ids()) == sorted(shas) and strip.list.count() == 3
    assert errors.shown_messages == []
    assert list((demo_store.data_dir / "photos" / ".incoming").iterdir()) == []
    # the report copies come afterwards, in the background, made and proven
    copies = batch.copies_op
    assert copies is not None
    qtbot.waitUntil(lambda: copies.finished, timeout=30_000)
    hashed: list[Path] = []
    real_sha = provenance._sha_of
    monkeypatch.setattr(provenance, "_sha_of", lambda p: hashed.append(p) or real_sha(p))
    for one in shas:
        report = derived.derived_path(demo_store.data_dir, one, derived.REPORT, None)
        assert report.exists() and provenance.proof_path(report).exists()
        assert provenance.checked_copy(demo_store.data_dir, one, "jpg", one) == report
    assert hashed == []  # proven: a report hashes nothing
    qtbot.waitUntil(strip.thumbnails_loaded, timeout=10_000)


def test_a_cancelled_batch_stores_nothing(
        qtbot: QtBot, demo_store: Store, tmp_path: Path) -> None:
    strip, target = a_strip(qtbot, demo_store)
    before = photos.photos_of(demo_store, target)
    files = [jpeg(tmp_path / f"IMG_{n}.JPG", seed=10 + n) for n in range(3)]
    batch = strip.import_files(files)
    assert batch is not None
    batch.cancel()  # the progress dialog's button
    qtbot.waitUntil(lambda: batch.result is not None, timeout=20_000)
    assert batch.result is not None and not batch.result.imported
    assert batch.write_op is None and batch.copies_op is None
    assert photos.photos_of(demo_store, target) == before
    assert strip.list.count() == len(before)
    for one in files:
        digest = sha(one)
        assert not photos.original_path(demo_store.data_dir, digest, "jpg").exists()
        assert demo_store.query_one("SELECT id FROM photos WHERE id = ?", (digest,)) is None
    incoming = demo_store.data_dir / "photos" / ".incoming"
    assert not incoming.exists() or list(incoming.iterdir()) == []
    assert errors.shown_messages == []


def test_a_batch_cancelled_before_the_writer_takes_it_stores_nothing(
        qtbot: QtBot, demo_store: Store, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    strip, target = a_strip(qtbot, demo_store)
    files = [jpeg(tmp_path / f"IMG_{n}.JPG", seed=20 + n) for n in range(3)]
    real_write = photo_jobs.PhotoImport._write

    def cancel_then_write(self: photo_jobs.PhotoImport, failures: dict[int, str]) -> None:
        self.cancel()  # pressed just as the last file was read
        real_write(self, failures)

    monkeypatch.setattr(photo_jobs.PhotoImport, "_write", cancel_then_write)
    batch = strip.import_files(files)
    assert batch is not None
    qtbot.waitUntil(lambda: batch.result is not None, timeout=20_000)
    assert batch.result is not None and not batch.result.imported
    assert [p["id"] for p in photos.photos_of(demo_store, target)] == []
    incoming = demo_store.data_dir / "photos" / ".incoming"
    assert list(incoming.iterdir()) == []
    assert all(not photos.original_path(demo_store.data_dir, sha(f), "jpg").exists()
               for f in files)


def test_the_files_of_a_batch_show_at_once_and_give_way_to_their_photos(
        qtbot: QtBot, demo_store: Store, tmp_path: Path) -> None:
    """A drop is answered at once: each file appears as a placeholder while the batch is
    read, hashed and copied; the photos take their places; a file that fails leaves none."""
    strip, _target = a_strip(qtbot, demo_store)
    good = [jpeg(tmp_path / f"IMG_{n}.JPG", seed=n) for n in range(2)]
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"not a picture")
    batch = strip.import_files([*good, bad])
    assert batch is not None
    assert strip.arriving_count() == 3 and strip.list.count() == 3  # before any work ran
    assert strip.list.isVisible() and not strip.empty_label.isVisible()
    assert "正在导入 3 张" in strip.count_label.text()
    qtbot.waitUntil(lambda: batch.result is not None, timeout=20_000)
    assert strip.arriving_count() == 0
    assert strip.list.count() == 2 and sorted(strip.photo_ids()) == sorted(sha(f) for f in good)
    assert "broken.jpg" in errors.shown_messages[-1]
    errors.shown_messages.clear()
    # a batch that stores nothing takes its placeholders away too
    nothing = strip.import_files([bad])
    assert nothing is not None and strip.arriving_count() == 1
    qtbot.waitUntil(lambda: nothing.result is not None, timeout=20_000)
    assert strip.arriving_count() == 0 and strip.list.count() == 2
    assert "正在导入" not in strip.count_label.text()
    errors.shown_messages.clear()
