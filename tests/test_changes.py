"""Operations return what they changed: exactly the rows their change-log entries name.

The oracle reads the change log with SQL before and after each operation (the rows of the
entries that appeared), independently of the journal that builds ``Changes``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from inspector.core import records
from inspector.core.changes import NONE, Changes, union
from inspector.core.store import Store
from inspector.domain import findings, inspections, photos
from tests.conftest import given_for
from tests.photo_helpers import jpeg


def _log(store: Store) -> set[tuple[str, int, str, str]]:
    return {(r[0], int(r[1]), r[2], r[3]) for r in store.conn.execute(
        "SELECT device, seq, tbl, row_id FROM changes WHERE masked = 0")}


def _logged_by(store: Store, operation: Callable[[], Any]) -> tuple[Any, Changes]:
    """Run ``operation``; return its result and the rows of the log entries it wrote."""
    before = _log(store)
    result = operation()
    written = Changes(frozenset((tbl, row_id) for _d, _s, tbl, row_id in _log(store) - before))
    return result, written


def _a_finding(store: Store) -> str:
    """A finding on a new inspection of 柳西社区."""
    inspection = inspections.start(store, "柳西社区", ["王建国"])
    return findings.add(store, inspection, category="corridor_clutter", description="楼道堆物")


def _answer_all(store: Store, inspection_id: str) -> None:
    for item in inspections.view(store, inspection_id).template.items:
        inspections.answer(store, inspection_id, item.code, given_for(item))


def test_changes_record_basics() -> None:
    a = Changes.of([("findings", "f1"), ("photos", "p")])
    b = Changes.of([("findings", "f2")])
    both = a | b
    assert both.touches("findings") and not both.touches("responses")
    assert both.rows("findings") == {"f1", "f2"} and both.rows("nothing") == frozenset()
    assert both.tables == {"findings", "photos"}
    assert both.by_table() == {"findings": {"f1", "f2"}, "photos": {"p"}}
    assert union([a, b]) == both and not NONE and len(both) == 3
    assert hash(both) == hash(Changes.of(list(both)))


def test_each_inspection_operation_names_the_rows_it_logged(ready_store: Store) -> None:
    store = ready_store
    inspection = inspections.start(store, "柳西社区", ["王建国"])
    changes, logged = _logged_by(store, lambda: inspections.answer(store, inspection, "A01",
                                                                   "pass"))
    assert changes == logged == Changes.of([("responses", f"{inspection}:A01")])
    changes, logged = _logged_by(store, lambda: inspections.set_note(store, inspection, "A01",
                                                                     "门口"))
    assert changes == logged and changes.rows("responses") == {f"{inspection}:A01"}
    # the same note again writes nothing, and says so
    changes, logged = _logged_by(store, lambda: inspections.set_note(store, inspection, "A01",
                                                                     "门口"))
    assert changes == logged == NONE
    changes, logged = _logged_by(store, lambda: inspections.set_team(
        store, inspection, inspectors=["王建国", "陈晓燕"]))
    assert changes == logged == Changes.of([("inspections", inspection)])
    _answer_all(store, inspection)
    submitted, logged = _logged_by(store, lambda: inspections.submit(store, inspection,
                                                                     ["王建国"]))
    assert submitted.changes == logged and submitted.changes.tables == {"inspections"}
    assert submitted.score.met
    changes, logged = _logged_by(store, lambda: inspections.reopen(store, inspection, "复核"))
    assert changes == logged == Changes.of([("inspections", inspection)])


def test_each_finding_operation_names_the_rows_it_logged(ready_store: Store) -> None:
    store = ready_store
    inspection = inspections.start(store, "柳西社区", ["王建国"])
    created, logged = _logged_by(store, lambda: findings.create(
        store, inspection, category="corridor_clutter", description="楼道堆物"))
    assert created.changes == logged and created.changes.rows("findings") == {created.id}
    changes, logged = _logged_by(store, lambda: findings.edit(store, created.id,
                                                              location="3号楼"))
    assert changes == logged == Changes.of([("findings", created.id)])
    changes, logged = _logged_by(store, lambda: findings.edit(store, created.id,
                                                              location="3号楼"))
    assert changes == logged == NONE
    changes, logged = _logged_by(store, lambda: findings.set_status(store, created.id,
                                                                    "rectified"))
    assert changes == logged == Changes.of([("findings", created.id)])
    changes, logged = _logged_by(store, lambda: findings.set_status(store, created.id,
                                                                    "rectified"))
    assert changes == logged == NONE
    changes, logged = _logged_by(store, lambda: findings.delete(store, created.id))
    assert changes == logged == Changes.of([("findings", created.id)])


def test_a_photo_import_names_the_photo_and_its_link(ready_store: Store,
                                                     tmp_path: Path) -> None:
    store = ready_store
    inspection = inspections.start(store, "柳西社区", ["王建国"])
    target = photos.target_for_response(store, inspection, "A01")
    files = [jpeg(tmp_path / "a.jpg"), jpeg(tmp_path / "b.jpg", size=(200, 100))]
    batch, logged = _logged_by(store, lambda: photos.import_photos(store, files, target))
    assert not batch.failed and batch.changes == logged
    assert batch.changes.rows("photos") == {p.sha256 for p in batch.imported}
    assert batch.changes.rows("photo_links") == {p.link_id for p in batch.imported}
    # the same file again: nothing new
    again, logged = _logged_by(store, lambda: photos.import_photo(store, files[0], target))
    assert again.changes == logged == NONE


def test_a_nested_operation_reports_only_its_own_rows(ready_store: Store) -> None:
    store = ready_store
    inspection = inspections.start(store, "柳西社区", ["王建国"])
    with records.changing(store) as outer:
        first = inspections.answer(store, inspection, "A01", "pass")
        second = inspections.answer(store, inspection, "A02", "pass")
    assert first.rows("responses") == {f"{inspection}:A01"}
    assert second.rows("responses") == {f"{inspection}:A02"}
    assert outer.changes == first | second


def test_a_savepoint_rolled_back_is_not_reported(ready_store: Store) -> None:
    store = ready_store
    inspection = inspections.start(store, "柳西社区", ["王建国"])
    with records.changing(store) as outer:
        inspections.answer(store, inspection, "A01", "pass")
        with pytest.raises(RuntimeError), store.write():
            inspections.answer(store, inspection, "A02", "pass")
            raise RuntimeError("undo this part")
    assert outer.changes == Changes.of([("responses", f"{inspection}:A01")])


def test_a_sync_import_names_the_rows_of_the_changes_it_applied(tmp_path: Path) -> None:
    from sync import exchange
    from tests.sync.team import make_team, seed_inspection

    a, b = make_team(tmp_path, 2)
    try:
        inspection, made = seed_inspection(a)
        path = exchange.export_bundle(a, tmp_path / "a.zip")
        assert path is not None
        report, logged = _logged_by(b, lambda: exchange.import_bundle(b, path))
        assert report.status == exchange.APPLIED
        assert report.changed == logged
        assert report.changed.rows("inspections") == {inspection}
        assert report.changed.rows("findings") == set(made)
    finally:
        a.close()
        b.close()


def test_starting_an_inspection_names_its_row(ready_store: Store) -> None:
    store = ready_store
    created, logged = _logged_by(store, lambda: inspections.create(store, "柳西社区",
                                                                   ["王建国"]))
    assert created.changes == logged == Changes.of([("inspections", created.id)])
    assert inspections.get(store, created.id)["status"] == inspections.DRAFT


def test_who_fixes_a_finding_and_their_reply_name_the_rows_they_logged(
        ready_store: Store) -> None:
    store = ready_store
    finding = _a_finding(store)
    changes, logged = _logged_by(store, lambda: findings.set_responsible(
        store, finding, responsible="业主:宁波市排水有限公司"))
    assert changes == logged == Changes.of([("findings", finding)])
    changes, logged = _logged_by(store, lambda: findings.set_responsible(
        store, finding, responsible="业主:宁波市排水有限公司"))
    assert changes == logged == NONE
    changes, logged = _logged_by(store, lambda: findings.set_reply(
        store, finding, measures="已清理", fixed_on=store.wall.today()))
    assert changes == logged == Changes.of([("findings", finding)])
    assert findings.get(store, finding)["status"] == findings.RECTIFIED
    changes, logged = _logged_by(store, lambda: findings.set_reply(store, finding,
                                                                   measures="已清理"))
    assert changes == logged == NONE


def test_places_and_pins_name_the_rows_they_logged(ready_store: Store,
                                                   tmp_path: Path) -> None:
    from PIL import Image

    from inspector.domain import places

    store = ready_store
    inspection = inspections.start(store, "柳西社区", ["王建国"])
    community = inspections.get(store, inspection)["community_id"]
    finding = findings.add(store, inspection, category="corridor_clutter",
                           description="楼道堆物")
    changes, logged = _logged_by(store, lambda: places.set_coordinates(
        store, finding, 29.87, 121.55))
    assert changes == logged == Changes.of([("findings", finding)])
    changes, logged = _logged_by(store, lambda: places.set_coordinates(store, finding,
                                                                       None, None))
    assert changes == logged == Changes.of([("findings", finding)])
    changes, logged = _logged_by(store, lambda: places.set_community_position(
        store, community, 29.87, 121.55))
    assert changes == logged == Changes.of([("communities", community)])
    changes, logged = _logged_by(store, lambda: places.set_community_position(
        store, community, 29.87, 121.55))
    assert changes == logged == NONE
    Image.new("RGB", (80, 50), (230, 235, 225)).save(tmp_path / "plan.png")
    loaded, logged = _logged_by(store, lambda: places.set_site_plan(store, community,
                                                                    tmp_path / "plan.png"))
    assert loaded.changes == logged == Changes.of([("photos", loaded.sha256),
                                                   ("communities", community)])
    # the same plan again writes nothing; another plan writes its row and the register
    loaded, logged = _logged_by(store, lambda: places.set_site_plan(store, community,
                                                                    tmp_path / "plan.png"))
    assert loaded.changes == logged == NONE
    Image.new("RGB", (80, 50), (20, 35, 225)).save(tmp_path / "other.png")
    other, logged = _logged_by(store, lambda: places.set_site_plan(store, community,
                                                                   tmp_path / "other.png"))
    assert other.changes == logged == Changes.of([("photos", other.sha256),
                                                  ("communities", community)])
    changes, logged = _logged_by(store, lambda: places.set_pin(store, finding, 0.4, 0.6))
    assert changes == logged == Changes.of([("findings", finding)])
    changes, logged = _logged_by(store, lambda: places.clear_pin(store, finding))
    assert changes == logged == Changes.of([("findings", finding)])


def test_a_site_plan_that_fails_after_the_file_step_writes_nothing(
        ready_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from PIL import Image

    from inspector.core.filehash import file_sha256
    from inspector.domain import places

    store = ready_store
    community = inspections.get(store, inspections.start(store, "柳西社区",
                                                         ["王建国"]))["community_id"]
    Image.new("RGB", (80, 50), (230, 235, 225)).save(tmp_path / "plan.png")
    sha = file_sha256(tmp_path / "plan.png")
    put = records.put

    def failing_put(store: Store, table: str, row_id: str, values: dict[str, Any],
                    **kwargs: Any) -> dict[str, Any]:
        if table == "communities":
            raise OSError("disk went away")
        return put(store, table, row_id, values, **kwargs)

    monkeypatch.setattr(records, "put", failing_put)
    before = _log(store)
    with pytest.raises(OSError, match="disk went away"):
        places.set_site_plan(store, community, tmp_path / "plan.png")
    # the photo row and the register are one transaction: neither was written
    assert store.query_one("SELECT id FROM photos WHERE id = ?", (sha,)) is None
    assert _log(store) == before
    assert places.site_plan_of(store, community) is None
    monkeypatch.setattr(records, "put", put)
    loaded = places.set_site_plan(store, community, tmp_path / "plan.png")
    assert loaded.sha256 == sha and loaded.changes.rows("photos") == {sha}


def test_coordinates_from_a_photo_and_annotations_name_the_rows_they_logged(
        ready_store: Store) -> None:
    from inspector.domain import places
    from tests.photo_helpers import real

    store = ready_store
    finding = _a_finding(store)
    gps = photos.import_photo(store, real("gps_DSCN0010.jpg"),
                              photos.target_for_finding(store, finding))
    placed, logged = _logged_by(store, lambda: places.coordinates_from_photo(store, finding))
    assert placed.changes == logged == Changes.of([("findings", finding)])
    assert placed.position.photo == gps.sha256
    arrow = ('{"version": 1, "items": [{"type": "arrow", "x1": 0.1, "y1": 0.1, "x2": 0.6,'
             ' "y2": 0.6, "color": "#d32f2f", "width": 0.01}]}')
    changes, logged = _logged_by(store, lambda: photos.set_annotations(store, gps.sha256,
                                                                       arrow))
    assert changes == logged == Changes.of([("photos", gps.sha256)])
    changes, logged = _logged_by(store, lambda: photos.set_annotations(store, gps.sha256,
                                                                       arrow))
    assert changes == logged == NONE
    changes, logged = _logged_by(store, lambda: photos.set_annotations(store, gps.sha256,
                                                                       None))
    assert changes == logged == Changes.of([("photos", gps.sha256)])


def test_each_recheck_operation_names_the_rows_it_logged(ready_store: Store) -> None:
    from inspector.domain import rechecks

    store = ready_store
    inspection = inspections.start(store, "柳西社区", ["王建国"])
    fixed = findings.add(store, inspection, category="corridor_clutter", description="楼道堆物")
    kept = findings.add(store, inspection, category="corridor_clutter", description="杂物")
    created, logged = _logged_by(store, lambda: rechecks.create(store, inspection=inspection,
                                                                inspectors=["李明"]))
    assert created.changes == logged == Changes.of([("rechecks", created.id)])
    recheck = created.id
    made, logged = _logged_by(store, lambda: rechecks.answer(store, recheck, fixed, "fixed"))
    assert made.id == rechecks.followup_id(recheck, fixed)
    assert made.changes == logged == Changes.of([("followups", made.id)])
    changes, logged = _logged_by(store, lambda: rechecks.clear(store, recheck, fixed))
    assert changes == logged == Changes.of([("followups", made.id)])
    rechecks.answer(store, recheck, fixed, "fixed")
    rechecks.answer(store, recheck, kept, "not-fixed")
    signed, logged = _logged_by(store, lambda: rechecks.submit(store, recheck, ["李明"]))
    assert (signed.closed, signed.open) == (1, 1)
    # the finding kept open already has the deadline its severity gives: it is not written
    assert signed.changes == logged == Changes.of([("findings", fixed), ("rechecks", recheck)])
