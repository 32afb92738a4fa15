"""The maintained community standing equals a from-scratch recomputation, whatever happened.

The oracle below is written independently of ``inspector.domain.community_standing``: the
latest submitted inspection by its start stamp (every stamp here has the same offset, so the
text orders them), its score as the inspection view gives it, open findings counted in SQL.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspector.core.errors import InspectorError
from inspector.core.schema_version import STANDING_STALE_KEY
from inspector.core.store import Store
from inspector.domain import communities, community_standing, findings, inspections, templates
from inspector.domain.communities import CommunityData
from tests.conftest import fixed_clock, given_for

NAMES = ("柳西社区", "白云社区")


def _oracle(store: Store) -> dict[str, tuple[Any, ...]]:
    expected: dict[str, tuple[Any, ...]] = {}
    for community in store.query("SELECT id FROM communities"):
        submitted = store.query(
            "SELECT id, started_at FROM inspections WHERE community_id = ? AND"
            " status = 'submitted' ORDER BY started_at", (community["id"],))
        latest = submitted[-1]["id"] if submitted else None
        score = inspections.view(store, latest).score if latest else None
        open_count = store.query_one(
            "SELECT COUNT(*) AS n FROM findings WHERE status = 'open' AND deleted IS NULL"
            " AND inspection_id IN (SELECT id FROM inspections WHERE community_id = ?)",
            (community["id"],))
        assert open_count is not None
        expected[community["id"]] = (latest, score.percent if score else None,
                                     score.met if score else None, open_count["n"])
    return expected


def _table(store: Store) -> dict[str, tuple[Any, ...]]:
    return {row["community_id"]: (row["inspection_id"], row["score"],
                                  None if row["met"] is None else bool(row["met"]),
                                  row["open_findings"])
            for row in store.query("SELECT * FROM community_standing")}


def _new_store(folder: Path) -> Store:
    store = Store.open(folder / "data", actor="测试员", wall=fixed_clock())
    templates.ensure_builtin(store)
    for name in NAMES:
        communities.create(store, CommunityData("海曙区", "南门街道", name))
    return store


def _submit(store: Store, inspection_id: str, failing: bool) -> None:
    view = inspections.view(store, inspection_id)
    key = next((i.code for i in view.template.items if i.key), None)
    with store.write():  # one transaction: the summary follows once
        for item in view.template.items:  # an answer that does not change writes nothing
            inspections.answer(store, inspection_id, item.code,
                               given_for(item, fail=failing and item.code == key))
    inspections.submit(store, inspection_id, ["王建国"])


OPERATIONS = st.lists(st.one_of(
    st.tuples(st.just("start"), st.integers(0, 1)),
    st.tuples(st.just("submit"), st.integers(0, 5), st.booleans()),
    st.tuples(st.just("reopen"), st.integers(0, 5)),
    st.tuples(st.just("finding"), st.integers(0, 5)),
    st.tuples(st.just("status"), st.integers(0, 7), st.sampled_from(findings.STATUSES)),
    st.tuples(st.just("delete"), st.integers(0, 7)),
), min_size=1, max_size=12)


def _run(store: Store, operation: tuple[Any, ...], made: dict[str, list[str]]) -> None:
    kind = operation[0]
    if kind == "start":
        made["inspections"].append(inspections.start(store, NAMES[operation[1]], ["王建国"]))
        return
    if kind in ("submit", "reopen", "finding"):
        if not made["inspections"]:
            return
        target = made["inspections"][operation[1] % len(made["inspections"])]
        if kind == "submit":
            _submit(store, target, operation[2])
        elif kind == "reopen":
            inspections.reopen(store, target, "复核")
        else:
            made["findings"].append(findings.add(store, target, category="corridor_clutter",
                                                 description="楼道堆物"))
        return
    if not made["findings"]:
        return
    finding = made["findings"][operation[1] % len(made["findings"])]
    if kind == "status":
        findings.set_status(store, finding, operation[2])
    else:
        findings.delete(store, finding)


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(OPERATIONS)
def test_the_maintained_standing_equals_a_recomputation(operations: list[tuple[Any, ...]]
                                                        ) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = _new_store(Path(folder))
        try:
            made: dict[str, list[str]] = {"inspections": [], "findings": []}
            for operation in operations:
                try:
                    _run(store, operation, made)
                except InspectorError:
                    pass  # refused (submitted twice, a finding of a submitted inspection …)
                assert _table(store) == _oracle(store), operation
        finally:
            store.close()


def test_a_stale_table_is_rebuilt_and_a_read_only_store_computes_it(tmp_path: Path) -> None:
    store = _new_store(tmp_path)
    first = inspections.start(store, NAMES[0], ["王建国"])
    _submit(store, first, failing=True)
    findings.set_status(store, findings.add(store, inspections.start(store, NAMES[1],
                                                                     ["王建国"]),
                                            category="corridor_clutter", description="x"),
                        "open")
    expected = _oracle(store)
    assert _table(store) == expected and expected[_id(store, NAMES[0])][2] is False
    # as the migration leaves it: empty, marked stale
    with store.write():
        store.conn.execute("DELETE FROM community_standing")
        store.conn.execute("INSERT INTO local_state VALUES (?, '1')", (STANDING_STALE_KEY,))
    store.close()
    with Store.open(tmp_path / "data", readonly=True) as reader:
        computed = community_standing.read(reader)
        assert {k: (v.inspection_id, v.score, v.met, v.open_findings)
                for k, v in computed.items()} == expected
        assert _table(reader) == {}
    with Store.open(tmp_path / "data", wall=fixed_clock()) as writer:
        community_standing.read(writer)
        assert _table(writer) == expected
        assert not community_standing.is_stale(writer)


def _id(store: Store, name: str) -> str:
    row = store.query_one("SELECT id FROM communities WHERE name = ?", (name,))
    assert row is not None
    return str(row["id"])


def test_a_sync_import_keeps_the_receiving_laptops_table(tmp_path: Path) -> None:
    from tests.sync.team import make_team, seed_inspection, send

    a, b = make_team(tmp_path, 2)
    try:
        inspection, made = seed_inspection(a)
        send(a, b, tmp_path)
        _submit(a, inspection, failing=False)
        findings.set_status(a, made[0], "rectified")
        send(a, b, tmp_path)
        expected = _oracle(b)
        assert _table(b) == expected == _oracle(a) == _table(a)
        assert list(expected.values())[0][3] == len(made) - 1  # one open finding left
        assert list(expected.values())[0][0] == inspection
    finally:
        a.close()
        b.close()


def test_todays_standings_from_the_summary_equal_gathering_them(store: Store) -> None:
    from inspector.domain import overview, standing
    from inspector.ops import demo

    demo.fill(store, with_photos=False)  # submitted, reopened, drafts, and decisions
    assert store.query("SELECT 1 FROM recognitions")
    today = store.wall.today()
    assert standing.standings_today(store) == standing.gather(store, today).standings
    statuses = overview.community_statuses(store)
    badges = {s.id: (s.state, s.score, s.open_findings) for s in statuses}
    expected = _oracle(store)
    gathered = standing.gather(store, today).standings
    for community_id, (state, score, open_count) in badges.items():
        assert open_count == expected[community_id][3]
        found = gathered.get(community_id)
        if found is not None:
            assert (state == overview.MET) == found.met and score == found.score


def test_a_failing_summary_never_refuses_the_facts(tmp_path: Path,
                                                    monkeypatch: Any) -> None:
    store = _new_store(tmp_path)
    try:
        inspection = inspections.start(store, NAMES[0], ["王建国"])
        _submit(store, inspection, failing=False)
        inspections.reopen(store, inspection, "复核")
        real = community_standing.compute

        def broken(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("a checklist this laptop cannot read")

        monkeypatch.setattr(community_standing, "compute", broken)
        inspections.submit(store, inspection, ["王建国"])
        assert inspections.get(store, inspection)["status"] == inspections.SUBMITTED
        assert community_standing.is_stale(store)
        monkeypatch.setattr(community_standing, "compute", real)
        community_standing.read(store)
        assert _table(store) == _oracle(store) and not community_standing.is_stale(store)
    finally:
        store.close()


def test_a_revocation_that_unmakes_a_submission_moves_the_summary(tmp_path: Path) -> None:
    from sync import exchange, roster
    from tests.sync.team import make_team, seed_inspection, send

    a, b = make_team(tmp_path, 2)
    try:
        inspection, _made = seed_inspection(a)
        send(a, b, tmp_path)
        before_b = exchange.have(b, b.device_id)
        _submit(b, inspection, failing=False)
        send(b, a, tmp_path)
        assert _table(a)[inspections.get(a, inspection)["community_id"]][0] == inspection
        roster.revoke(a, b.device_id, upto=before_b)  # b's submission no longer counts
        assert inspections.get(a, inspection)["status"] != inspections.SUBMITTED
        assert _table(a) == _oracle(a)
        assert list(_table(a).values())[0][0] is None
    finally:
        a.close()
        b.close()


def test_one_community_s_badge_read_alone_equals_the_full_read(store: Store) -> None:
    """The browser refreshes one badge after an edit: reading it alone gives what reading
    every community gives, decisions included."""
    from inspector.core.changes import Changes
    from inspector.domain import overview, standing
    from inspector.ops import demo

    demo.fill(store, with_photos=False)
    everyone = {s.id: s for s in overview.community_statuses(store)}
    today = standing.standings_today(store)
    for community_id in list(everyone)[::3]:
        assert overview.community_statuses(store, community_ids=[community_id]) \
            == [everyone[community_id]]
        assert standing.standings_today(store, community_ids=[community_id]) \
            == ({community_id: today[community_id]} if community_id in today else {})
    decided = store.query("SELECT id, community_id FROM recognitions")[0]
    assert overview.affected_communities(
        store, Changes.of([("recognitions", decided["id"])])) == {decided["community_id"]}
    assert overview.affected_communities(store, Changes.of([("photos", "x")])) == set()
    assert overview.affected_communities(store, Changes.of([("findings", "gone")])) is None


def test_a_listener_is_told_what_each_commit_changed(store: Store) -> None:
    from inspector.core.changes import Changes

    told: list[Changes] = []
    store.on_commit(told.append)
    with store.write():
        communities.create(store, CommunityData(name="柳西社区", street="西门街道",
                                             district="海曙区"))
    assert len(told) == 1 and told[0].touches("communities")
    try:
        with store.write():
            communities.create(store, CommunityData(name="白云社区", street="西门街道",
                                                 district="海曙区"))
            raise RuntimeError("rolled back")
    except RuntimeError:
        pass
    assert len(told) == 1  # nothing committed, nothing told
    store.remove_listener(told.append)
    with store.write():
        communities.create(store, CommunityData(name="白云社区", street="西门街道",
                                             district="海曙区"))
    assert len(told) == 1
