"""Small reads and actions the sync dialogs and the status bar use (sync/, no Qt)."""

from __future__ import annotations

from pathlib import Path

from inspector.core import conflicts
from inspector.core.store import Store
from inspector.domain import findings
from sync import exchange, folder
from tests.sync.team import make_team, seed_inspection


def test_unexported_counts_own_changes_not_yet_in_the_folder(tmp_path: Path) -> None:
    a, b = make_team(tmp_path, 2)
    try:
        shared = tmp_path / "shared"
        shared.mkdir()
        seed_inspection(a)
        own = exchange.have(a, a.device_id)
        assert own > 0
        assert folder.unexported(a, None) == own
        assert folder.unexported(a, shared) == own  # nothing written there yet
        assert folder.unexported(a, tmp_path / "no-such-stick") == own
        folder.sync(a, shared)
        assert folder.unexported(a, shared) == 0
        assert folder.unexported(a, None) == exchange.have(a, a.device_id)
        finding = a.query("SELECT id FROM findings LIMIT 1")[0]["id"]
        findings.edit(a, finding, description="改过的描述")
        assert folder.unexported(a, shared) == 1
        # another device's files and stray files do not count as this device's
        folder.sync(b, shared)
        (shared / folder.ROOT / a.device_id / "notes.txt").write_text("x", encoding="utf-8")
        assert folder.unexported(a, shared) == 1
    finally:
        a.close()
        b.close()


def test_count_open_follows_list_open(tmp_path: Path) -> None:
    a, b = make_team(tmp_path, 2)
    try:
        shared = tmp_path / "shared"
        shared.mkdir()
        _inspection, made = seed_inspection(a)
        folder.sync(a, shared)
        folder.sync(b, shared)
        assert conflicts.count_open(b) == 0
        findings.edit(a, made[0], description="甲改的")
        findings.edit(b, made[0], description="乙改的")
        folder.sync(a, shared)
        folder.sync(b, shared)
        assert conflicts.count_open(b) == len(conflicts.list_open(b)) == 1
        conflicts.resolve(b, conflicts.list_open(b)[0].id, values={"description": "定稿"})
        assert conflicts.count_open(b) == 0
    finally:
        a.close()
        b.close()


def test_import_files_lists_each_refused_file_and_imports_the_others(tmp_path: Path) -> None:
    a, b = make_team(tmp_path, 2)
    try:
        seed_inspection(a)
        stick = tmp_path / "stick"
        stick.mkdir()
        written = exchange.export_bundles(a, stick)
        assert written
        broken = stick / "broken.zip"
        broken.write_bytes(b"PK\x03\x04 not really a zip")
        report = folder.import_files(b, [broken, *written])
        assert report.bundles_read == len(written)
        assert report.changes_applied == exchange.have(b, a.device_id) == \
            exchange.have(a, a.device_id)
        assert [path for path, _reason in report.skipped] == [broken]
        assert "broken.zip" in report.skipped[0][1]
        # the same files again: nothing applied, each named as already applied
        again = folder.import_files(b, list(written))
        assert again.changes_applied == 0
        assert [path for path, _reason in again.skipped] == list(written)
    finally:
        a.close()
        b.close()


def test_import_files_quarantines_an_untrusted_device(tmp_path: Path) -> None:
    (a,) = make_team(tmp_path, 1)
    with Store.open(tmp_path / "stranger", actor="陌生人") as stranger:
        seed_inspection(stranger)
        stick = tmp_path / "stick"
        stick.mkdir()
        written = exchange.export_bundles(stranger, stick)
        try:
            report = folder.import_files(a, written)
            assert report.changes_applied == 0
            assert len(report.quarantined) == 1
            assert stranger.device_id[:8] in report.quarantined[0]
        finally:
            a.close()
