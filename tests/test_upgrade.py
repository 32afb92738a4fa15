"""A database from the first round upgrades to the register model with nothing lost."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from inspector.core.registers import TABLES
from inspector.core.store import Store
from inspector.domain import inspections
from inspector.reports import findings_report
from sync import exchange, roster
from tests.sync.team import data_hash

OLD = Path(__file__).resolve().parent / "data" / "v1" / "inspector-v1.zip"


@pytest.fixture
def old_dir(tmp_path: Path) -> Path:
    target = tmp_path / "old"
    target.mkdir()
    with zipfile.ZipFile(OLD) as archive:
        archive.extractall(target)
    return target


def test_the_old_database_upgrades_with_every_row_and_one_head_per_register(
        old_dir: Path, tmp_path: Path) -> None:
    import sqlite3

    with sqlite3.connect(old_dir / "inspector.db") as raw:
        before = {t: raw.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                  for t in ("communities", "inspections", "responses", "findings")}
        old_log = raw.execute("SELECT COUNT(*) FROM changes").fetchone()[0]
        device = raw.execute("SELECT value FROM local_state WHERE key = 'device_id'"
                             ).fetchone()[0]
    with Store.open(old_dir) as store:
        assert store.device_id == device
        after = {t: store.query_one(f"SELECT COUNT(*) AS n FROM {t}")["n"]  # type: ignore[index]
                 for t in before}
        assert after == before
        assert store.query_one("SELECT COUNT(*) AS n FROM changes_v1") == {"n": old_log}
        # every register with something in it has exactly one version, by this device
        for spec in TABLES.values():
            for row in store.query(f"SELECT * FROM {spec.name}"):
                for register in spec.registers:
                    heads = store.query("SELECT device, seq FROM heads WHERE tbl = ? AND"
                                        " row_id = ? AND reg = ?",
                                        (spec.name, row["id"], register.name))
                    filled = any(row.get(c) is not None for c in register.fields)
                    assert len(heads) == (1 if filled else 0), (spec.name, register.name)
        assert store.query_one("SELECT MIN(seq) AS s FROM changes") == {"s": 1}
        # checklists are named by their content, and inspections follow
        assert store.query("SELECT 1 FROM inspections i LEFT JOIN templates t ON"
                           " t.id = i.template_id WHERE t.id IS NULL") == []
        # the derived standing (m011) is filled on first use and agrees with the facts
        from inspector.domain import community_standing
        assert community_standing.read(store) == community_standing.compute(store)
        assert len(community_standing.read(store)) == before["communities"]
        draft = store.query("SELECT id FROM inspections WHERE status = 'draft'")[0]["id"]
        answer = inspections.answers_of(store, draft)["B01"]
        assert (answer["answer"], answer["note"]) == ("fail", "旧版本的备注")
        deleted = store.query("SELECT * FROM findings WHERE deleted IS NOT NULL")
        assert len(deleted) == 1 and deleted[0]["description"] == "旧版本记录的问题"
        # it works on: an edit, a report, a sync to a new teammate
        inspections.answer(store, draft, "B01", "pass")
        submitted = store.query("SELECT id FROM inspections WHERE status = 'submitted'")[0]
        findings_report.build(store, submitted["id"], tmp_path / "report.pdf")
        roster.ensure_self(store)
        stick = tmp_path / "stick"
        stick.mkdir()
        written = exchange.export_bundles(store, stick)
        with Store.open(tmp_path / "new") as teammate:
            with teammate.write():
                roster.trust_key(teammate, store.device_id, roster.device_key(store).public_hex())
            for path in written:
                exchange.import_bundle(teammate, path)
            assert data_hash(teammate) == data_hash(store)
            assert json.loads(json.dumps(teammate.query("SELECT * FROM conflicts"))) == []
