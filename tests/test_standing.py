"""Standing that lasts, recognition decisions, targets, and the summary's figures and 名单.

Inspections in other years are made by setting the store's clock (``wall.moment``) to that
day before starting them, as an inspector's laptop would have been.
"""

from __future__ import annotations

import csv
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspector import cli
from inspector.core.clock import SetClock
from inspector.core.errors import InspectorError, NotFoundError
from inspector.core.store import Store
from inspector.domain import communities, config, inspections, standing, templates
from inspector.domain.communities import CommunityData
from inspector.ops import demo
from inspector.reports import summary
from tests.conftest import CHINA, TEST_MOMENT, fixed_clock, given_for

TODAY = TEST_MOMENT.date()


def on(wall: SetClock, day: str) -> None:
    """Set the laptop's clock to 10:00 (Ningbo) on a day."""
    wall.moment = datetime.fromisoformat(f"{day}T10:00:00").replace(tzinfo=CHINA)


def inspect(store: Store, name: str, *, fail: tuple[str, ...] = (), b06: tuple[int, int] = (18, 20),
            h01: str | None = None, submit: bool = True) -> str:
    """A fully answered inspection of the default checklist (v2); ``fail`` lists items
    answered to fail, ``b06`` is the sorting sample (good, checked)."""
    inspection_id = inspections.start(store, name, ["王建国"])
    for item in inspections.view(store, inspection_id).template.items:
        answer = given_for(item, fail=item.code in fail)
        if item.code == "B06":
            answer = inspections.Given(sampled=b06[1], qualified=b06[0])
        elif item.code == "H01" and h01:
            answer = inspections.Given(choice=h01)
        inspections.answer(store, inspection_id, item.code, answer)
    if submit:
        inspections.submit(store, inspection_id, ["王建国"])
    return inspection_id


def registry(store: Store) -> None:
    templates.ensure_builtin(store)
    for district, street, name, management in (
            ("海曙区", "南门街道", "柳西社区", "专业物业"),
            ("海曙区", "南门街道", "尹江岸社区", "准物业"),
            ("海曙区", "月湖街道", "郡庙社区", "自治"),
            ("江北区", "孔浦街道", "孔浦社区", "无")):
        communities.create(store, CommunityData(district, street, name, "", 100, management))


@pytest.fixture
def reg(store: Store) -> Store:
    registry(store)
    return store


def figures(store: Store, **kwargs: Any) -> standing.Summary:
    return standing.compute(store, **kwargs)


# -- standing that lasts ------------------------------------------------------------------------


def test_meeting_the_standard_last_year_still_counts_and_a_failed_reinspection_does_not(
        reg: Store, wall: SetClock) -> None:
    on(wall, "2025-06-01")
    inspect(reg, "柳西社区")
    inspect(reg, "尹江岸社区")
    on(wall, "2026-05-01")
    inspect(reg, "尹江岸社区", fail=("C01",))  # a veto: the re-inspection fails
    on(wall, TODAY.isoformat())
    this_year = figures(reg, year=2026, as_of="2026-08-31")
    street = this_year.row("海曙区", "南门街道")
    assert (street.registered, street.inspected, street.met) == (2, 2, 1)
    assert street.inspected_in_year == 1
    assert [e.community for e in this_year.roll] == ["柳西社区"]
    assert this_year.roll[0].standing.on == "2025-06-01"
    # Before the re-inspection both stood.
    assert figures(reg, as_of="2026-04-30").row("海曙区", "南门街道").met == 2
    # The as-of date is the one day that counts, whatever the year.
    assert figures(reg, as_of="2025-05-31").total.inspected == 0


def test_the_default_date_is_the_31_august_report_day(reg: Store, wall: SetClock) -> None:
    on(wall, "2026-09-05")
    inspect(reg, "柳西社区")
    on(wall, TODAY.isoformat())
    assert figures(reg, year=2026).as_of == date(2026, 8, 31)
    assert figures(reg, year=2026).total.met == 0  # inspected after the report day
    assert figures(reg, year=2025).as_of == date(2025, 8, 31)
    wall.moment = datetime(2026, 3, 1, 9, tzinfo=CHINA)  # before this year's report day
    assert figures(reg, year=2026).as_of == date(2026, 3, 1)


def test_drafts_and_reopened_inspections_take_part_but_do_not_stand(reg: Store) -> None:
    inspect(reg, "柳西社区", submit=False)
    total = figures(reg, as_of=TODAY).total
    assert (total.participating, total.inspected) == (1, 0)
    reopened = inspect(reg, "尹江岸社区")
    assert figures(reg, as_of=TODAY).total.inspected == 1
    inspections.reopen(reg, reopened, "复核")
    total = figures(reg, as_of=TODAY).total
    assert (total.participating, total.inspected, total.met) == (2, 0, 0)


def test_a_community_tagged_as_taking_part_counts_as_taking_part(reg: Store) -> None:
    row = communities.find_by_key(reg, "江北区", "孔浦街道", "孔浦社区")
    assert row is not None
    communities.edit(reg, row["id"], tags=("老旧小区", "参与创建"))
    assert figures(reg, as_of=TODAY).row("江北区").participating == 1


# -- recognition decisions ----------------------------------------------------------------------


def test_a_decision_stands_until_a_later_inspection_or_its_revocation(
        reg: Store, wall: SetClock) -> None:
    decision = standing.recognise(reg, "郡庙社区", level="city", decision="pass",
                                  decided_on="2025-09-26", decided_by="市住建局",
                                  document="甬建绿〔2025〕13号")
    result = figures(reg, as_of=TODAY)
    assert result.row("海曙区", "月湖街道").met == 1
    entry = result.roll[0]
    assert (entry.community, entry.standing.basis, entry.standing.reference) == (
        "郡庙社区", "city", "甬建绿〔2025〕13号")
    # Revoked from a day on: it stood before that day and not after.
    standing.revoke(reg, decision[:10], revoked_on="2026-03-01", reason="复查发现违建")
    assert figures(reg, as_of="2026-02-28").row("海曙区", "月湖街道").met == 1
    after = figures(reg, as_of="2026-03-01").row("海曙区", "月湖街道")
    assert (after.met, after.inspected, after.participating) == (0, 0, 0)
    row = standing.get_recognition(reg, decision)
    assert (row["revoked_on"], row["revoke_reason"], row["revoked_by"]) == (
        "2026-03-01", "复查发现违建", "测试员")


def test_on_one_day_the_city_outranks_the_district_and_both_outrank_an_inspection(
        reg: Store, wall: SetClock) -> None:
    on(wall, "2026-05-01")
    inspect(reg, "柳西社区")  # meets the standard
    on(wall, TODAY.isoformat())
    standing.recognise(reg, "柳西社区", level="city", decision="fail", decided_on="2026-05-01")
    standing.recognise(reg, "柳西社区", level="district", decision="pass",
                       decided_on="2026-05-01")
    found = standing.standing_of(reg, "柳西社区", "2026-05-01")
    assert found is not None and (found.basis, found.met) == ("city", False)
    standing.recognise(reg, "柳西社区", level="district", decision="pass",
                       decided_on="2026-05-02")
    later = standing.standing_of(reg, "柳西社区", "2026-06-01")
    assert later is not None and (later.basis, later.met) == ("district", True)


@pytest.mark.parametrize("kwargs,message", [
    ({"level": "province"}, "级别"),
    ({"decision": "maybe"}, "结论"),
    ({"decided_on": "2026-02-30"}, "2026-02-30"),
    ({"decided_on": "2026-12-01"}, "晚于今天"),
    ({"community": "不存在社区"}, "不存在社区"),
])
def test_a_bad_decision_is_refused_and_writes_nothing(reg: Store, kwargs: dict[str, Any],
                                                      message: str) -> None:
    arguments: dict[str, Any] = {"community": "柳西社区", "level": "city",
                                 "decision": "pass", "decided_on": "2026-01-05"}
    arguments.update(kwargs)
    before = reg.query_one("SELECT COUNT(*) AS n FROM changes")
    with pytest.raises(InspectorError, match=message):
        standing.recognise(reg, arguments.pop("community"), **arguments)
    assert reg.query_one("SELECT COUNT(*) AS n FROM changes") == before


def test_a_bad_revocation_is_refused(reg: Store) -> None:
    decision = standing.recognise(reg, "柳西社区", level="district", decision="pass",
                                  decided_on="2026-01-05")
    with pytest.raises(InspectorError, match="早于"):
        standing.revoke(reg, decision, revoked_on="2026-01-04", reason="错录")
    with pytest.raises(InspectorError, match="原因"):
        standing.revoke(reg, decision, revoked_on="2026-02-01", reason=" ")
    with pytest.raises(NotFoundError):
        standing.revoke(reg, "ffffffffff", revoked_on="2026-02-01", reason="错录")
    standing.revoke(reg, decision, revoked_on="2026-02-01", reason="错录")
    with pytest.raises(InspectorError, match="已于 2026-02-01 撤销"):
        standing.revoke(reg, decision, revoked_on="2026-03-01", reason="再撤")


# -- targets, gap, still needed -----------------------------------------------------------------


def test_targets_come_from_the_plan_only_for_its_years_then_from_settings(reg: Store) -> None:
    assert figures(reg, year=2021).target_percent == 40
    assert figures(reg, year=2022).target_percent == 60
    nothing = figures(reg, year=2026).total  # the plan sets no target after 2022
    assert nothing.target is None and nothing.gap is None and nothing.needed is None
    config.set_value(reg, "targets.海曙区.2026", "60")
    config.set_value(reg, "targets.全市.2026", "50")
    result = figures(reg, year=2026)
    assert result.row("海曙区").target_percent == 60
    assert result.row("江北区").target_percent == 50  # the city-wide setting
    assert result.row("海曙区", "月湖街道").target_percent == 60
    assert result.total.target_percent is None  # the districts differ
    # 海曙区: 60 % of 3 → 2 needed; 江北区: 50 % of 1 → 1 needed
    assert (result.row("海曙区").needed, result.row("江北区").needed) == (2, 1)
    assert result.total.needed == 3
    given_here = figures(reg, year=2026, year_target=75)
    assert given_here.target_percent == 75 and given_here.total.needed == 3 + 1


def test_the_gap_is_in_percentage_points(reg: Store) -> None:
    inspect(reg, "柳西社区")
    result = figures(reg, as_of=TODAY, year_target=60)
    row = result.row("海曙区")
    assert row.ratio == pytest.approx(1 / 3)
    assert row.gap == pytest.approx(60 - 100 / 3)  # 26.7 points, not 44 %
    summary.to_csv(result, Path(tempfile.mkdtemp()) / "s.csv")
    assert summary.text_cells(result, row)[result.columns.index("gap") + 2] == "26.7"
    assert "差距(百分点)" in result.header(one_line=True)
    inspect(reg, "尹江岸社区")
    assert figures(reg, as_of=TODAY, year_target=60).row("海曙区").gap == 0


def test_one_district_shows_its_name_in_the_total_row(store: Store) -> None:
    templates.ensure_builtin(store)
    communities.create(store, CommunityData("海曙区", "南门街道", "柳西社区"))
    communities.create(store, CommunityData("海曙区", "月湖街道", "郡庙社区"))
    result = figures(store, as_of=TODAY)
    assert result.total.labels() == ("海曙区", "合计")
    assert [r.level for r in result.rows] == ["street", "street", "total"]  # no twin subtotal
    assert result.row("海曙区") is result.total
    communities.create(store, CommunityData("江北区", "孔浦街道", "孔浦社区"))
    assert figures(store, as_of=TODAY).total.labels() == ("全市", "合计")
    one = figures(store, as_of=TODAY, district="江北区")
    assert one.total.labels() == ("江北区", "合计") and one.total.registered == 1
    assert one.scope() == "江北区"


def test_unknown_districts_and_bad_dates_are_refused(reg: Store) -> None:
    with pytest.raises(InspectorError, match="海署区.*海曙区"):
        figures(reg, as_of=TODAY, district="海署区")
    with pytest.raises(InspectorError, match="2026-13-01"):
        figures(reg, as_of="2026-13-01")
    with pytest.raises(InspectorError, match="不在 2025 年内"):
        figures(reg, year=2025, as_of="2026-01-01")
    with pytest.raises(InspectorError, match="1999"):
        figures(reg, year=1999)
    with pytest.raises(InspectorError, match="0–100"):
        figures(reg, as_of=TODAY, year_target=120)
    before = reg.query_one("SELECT COUNT(*) AS n FROM changes")
    with pytest.raises(InspectorError, match="海署区"):
        config.set_value(reg, "targets.海署区.2026", "60")
    assert reg.query_one("SELECT COUNT(*) AS n FROM changes") == before


def _oracle_required(target: int, registered: int) -> int:
    return -(-target * registered // 100)  # ceiling in integers


@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), min_size=1, max_size=6),
       st.integers(0, 100))
def test_street_shares_add_up_and_never_exceed_a_streets_own_shortfall(
        streets: list[tuple[int, int]], target: int) -> None:
    rows = [(n, min(m, n)) for n, m in streets]
    registered, met = sum(n for n, _ in rows), sum(m for _, m in rows)
    needed = max(0, _oracle_required(target, registered) - met)
    shortfalls = [max(0, _oracle_required(target, n) - m) for n, m in rows]
    shares = standing.allocate(needed, shortfalls)
    assert sum(shares) == needed
    assert all(0 <= share <= own for share, own in zip(shares, shortfalls, strict=True))


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["海曙区", "江北区", "镇海区"]),
                          st.sampled_from(["东街道", "西街道", "南街道"]), st.booleans()),
                min_size=1, max_size=14),
       st.integers(1, 100), st.integers(1, 100))
def test_sub_totals_add_up_to_the_totals(tmp_path: Path, places: list[tuple[str, str, bool]],
                                         target_a: int, target_b: int) -> None:
    """Whatever the registry, streets add up to their district and districts to the total,
    in every count and in still-needed; each district needs what its target says."""
    with Store.open(Path(tempfile.mkdtemp(dir=tmp_path)), actor="测试员",
                    wall=fixed_clock()) as store:
        for index, (district, street, met) in enumerate(places):
            communities.create(store, CommunityData(district, street, f"社区{index}"))
            if met:
                standing.recognise(store, f"社区{index}", level="city", decision="pass",
                                   decided_on="2026-01-05")
        config.set_value(store, "targets.海曙区.2026", str(target_a))
        config.set_value(store, "targets.全市.2026", str(target_b))
        result = standing.compute(store, as_of=TODAY)
    counts = ("registered", "participating", "inspected", "met", "needed")
    subtotals = [r for r in result.rows if r.level == "district"] or [result.total]
    for subtotal in subtotals:
        streets = [r for r in result.streets() if r.district == subtotal.district]
        for key in counts:
            assert sum(getattr(r, key) for r in streets) == getattr(subtotal, key), key
        target = target_a if subtotal.district == "海曙区" else target_b
        want = max(0, _oracle_required(target, subtotal.registered) - subtotal.met)
        assert subtotal.needed == want
    for key in counts:
        assert sum(getattr(r, key) for r in subtotals) == getattr(result.total, key), key
    district_met = defaultdict(int)
    for district, _, met in places:
        district_met[district] += met
    assert {r.district: r.met for r in subtotals} == {
        d: n for d, n in district_met.items()}


# -- what is measured ---------------------------------------------------------------------------


def test_property_coverage_follows_h01_self_management_included(reg: Store) -> None:
    result = figures(reg, as_of=TODAY)
    assert result.covered == ("专业物业", "准物业", "自治")
    assert result.row("海曙区").property_coverage == 1.0  # 专业物业, 准物业, 自治
    assert result.row("江北区").property_coverage == 0.0  # 无
    # What the latest inspection found (H01) counts over the registry.
    inspect(reg, "孔浦社区", h01="self")
    assert figures(reg, as_of=TODAY).row("江北区").property_managed == 1
    inspect(reg, "柳西社区", h01="none", fail=("H01",))
    assert figures(reg, as_of=TODAY).row("海曙区").property_managed == 2


def test_sorting_accuracy_is_per_estate_counted_per_community_for_now(reg: Store) -> None:
    inspect(reg, "柳西社区", b06=(18, 20))
    inspect(reg, "尹江岸社区", b06=(14, 20), fail=())  # 70 %: a veto, not met
    result = figures(reg, as_of=TODAY)
    row = result.row("海曙区", "南门街道")
    assert (row.sorting_checked, row.met) == (2, 1)
    assert row.sorting_accuracy == pytest.approx(0.80)
    assert row.sorting_ok_share == pytest.approx(0.5)
    assert result.sorting_unit == "community"
    assert any("按社区计" in note for note in result.notes())


def test_a_v1_inspection_keeps_its_v1_result_in_the_summary(reg: Store) -> None:
    inspection_id = inspections.start(reg, "柳西社区", ["王建国"],
                                      template_uid="ningbo-green-community@v1")
    for item in inspections.view(reg, inspection_id).template.items:
        inspections.answer(reg, inspection_id, item.code, given_for(item, fail=item.code == "B04"))
    inspections.submit(reg, inspection_id, ["王建国"])
    # B04 (bins overflowing) is a veto in v1: the v1 inspection does not meet the standard,
    # although the same answers would pass v2.
    assert figures(reg, as_of=TODAY).total.met == 0
    assert templates.latest(reg).uid == "ningbo-green-community@v2"
    assert inspections.view(reg, inspection_id).template.uid == "ningbo-green-community@v1"


# -- the files ----------------------------------------------------------------------------------


def test_the_files_carry_the_roll_and_the_reporting_footer(reg: Store, tmp_path: Path) -> None:
    inspected = inspect(reg, "柳西社区")
    short_id = inspections.get(reg, inspected)["short_id"]
    standing.recognise(reg, "郡庙社区", level="city", decision="pass", decided_on="2025-09-26",
                       decided_by="市住建局", document="甬建绿〔2025〕13号")
    config.set_value(reg, "report.unit", "宁波市海曙区住房和城乡建设局")
    result = figures(reg, as_of=TODAY, person="李娜")
    assert (result.unit, result.person, result.filed_on) == (
        "宁波市海曙区住房和城乡建设局", "李娜", TODAY.isoformat())

    summary.to_csv(result, tmp_path / "s.csv")
    with open(tmp_path / "s.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert ["填报单位", "宁波市海曙区住房和城乡建设局"] in rows and ["填报人", "李娜"] in rows

    summary.roll_to_csv(result, tmp_path / "roll.csv")
    with open(tmp_path / "roll.csv", encoding="utf-8-sig", newline="") as handle:
        roll = list(csv.reader(handle))
    assert roll[0][:7] == ["序号", "区县(市)", "街道", "社区", "依据", "检查编号/文号", "日期"]
    assert roll[1][3:7] == ["柳西社区", "检查", short_id, TODAY.isoformat()]
    assert roll[2][3:7] == ["郡庙社区", "市级认定", "甬建绿〔2025〕13号", "2025-09-26"]

    from openpyxl import load_workbook

    summary.to_xlsx(result, tmp_path / "s.xlsx")
    book = load_workbook(tmp_path / "s.xlsx")
    assert book.sheetnames == ["汇总表", "名单"]
    roll_sheet = book["名单"]
    assert roll_sheet["D3"].value == "柳西社区" and roll_sheet["D4"].value == "郡庙社区"
    texts = [c.value for row in book["汇总表"].iter_rows() for c in row if c.value]
    assert any("填报单位：宁波市海曙区住房和城乡建设局" in str(v) for v in texts)

    from tests.test_summary_exports import pdf_text

    summary.to_pdf(result, tmp_path / "s.pdf")
    text = "".join(pdf_text(tmp_path / "s.pdf").split())
    assert "填报人：李娜" in text and "达标名单" in text and "甬建绿〔2025〕13号" in text


# -- one computation, checked against counts made independently ---------------------------------


def independent_counts(store: Store, as_of: date) -> dict[str, tuple[int, int, int]]:
    """Per district: (registered, inspected or decided, met), counted the plain way from
    each community's own inspections and decisions."""
    result: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    day = as_of.isoformat()
    for community in store.query("SELECT * FROM communities"):
        events: list[tuple[tuple[str, int, str], bool]] = []
        for row in inspections.list_for_community(store, community["id"]):
            if row["status"] == "submitted" and row["started_at"][:10] <= day:
                met = inspections.view(store, row["id"]).score.met
                events.append(((row["started_at"][:10], 0, row["started_at"]), met))
        for row in standing.list_recognitions(store, community["id"]):
            revoked = row["revoked_on"] and row["revoked_on"] <= day
            if row["decided_on"] <= day and not revoked:
                rank = {"district": 1, "city": 2}[row["level"]]
                events.append(((row["decided_on"], rank, row["created_at"]),
                               row["decision"] == "pass"))
        counts = result[community["district"]]
        counts[0] += 1
        if events:
            counts[1] += 1
            counts[2] += int(max(events)[1])
    return {k: (v[0], v[1], v[2]) for k, v in result.items()}


@pytest.fixture
def demo_store(data_dir: Path, wall: SetClock) -> Iterator[Store]:
    with Store.open(data_dir, actor="测试员", wall=wall) as store:
        demo.fill(store, with_photos=False)
        yield store


def test_the_summary_equals_counts_made_independently_from_the_demo(demo_store: Store) -> None:
    for as_of in (TODAY, date(TODAY.year, 8, 31)):
        result = standing.compute(demo_store, as_of=as_of)
        expected = independent_counts(demo_store, as_of)
        got = {r.district: (r.registered, r.inspected, r.met)
               for r in result.rows if r.level == "district"}
        assert got == expected
        assert result.total.met == sum(m for _, _, m in expected.values()) > 0
    # the demo's decisions of last year stand this August; its inspections are from November
    august = standing.compute(demo_store, as_of=date(TODAY.year, 8, 31))
    assert {e.standing.basis for e in august.roll} == {"city"}


# -- the command line ---------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], data_dir: Path, *args: str) -> tuple[int, str, str]:
    try:
        code = cli.main(["--data-dir", str(data_dir), "--user", "李娜", *args],
                         wall=fixed_clock())
    except SystemExit as exc:
        code = int(str(exc.code))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_commands_of_the_issue(capsys: pytest.CaptureFixture[str], data_dir: Path,
                                   tmp_path: Path) -> None:
    assert run(capsys, data_dir, "demo")[0] == 0
    code, out, err = run(capsys, data_dir, "config", "set", "targets.海曙区.2026", "60")
    assert code == 0, err
    code, out, err = run(capsys, data_dir, "recognition", "set", "柳西社区", "--level", "city",
                         "--decision", "fail", "--date", "2026-11-28", "--document", "甬建绿1号")
    assert code == 0, err
    decision = out.strip()
    code, out, _ = run(capsys, data_dir, "recognition", "list", "柳西社区")
    assert "市级认定 不通过" in out and "甬建绿1号" in out
    target = tmp_path / "海曙区.xlsx"
    code, out, err = run(capsys, data_dir, "summary", "--year", "2026", "--as-of", "2026-11-29",
                         "--district", "海曙区", "--format", "xlsx", "-o", str(target))
    assert code == 0, err
    assert "海曙区" in out and "目标 60%" in out and target.exists()
    code, out, err = run(capsys, data_dir, "summary", "--as-of", "2026-11-29", "--year-target",
                         "70", "-o", str(tmp_path / "s.csv"))
    assert code == 0 and "目标 70%" in out, err
    roll = tmp_path / "名单.csv"
    code, out, err = run(capsys, data_dir, "roll", "--as-of", "2026-11-29", "-o", str(roll))
    assert code == 0, err
    with open(roll, encoding="utf-8-sig", newline="") as handle:
        names = [row[3] for row in csv.reader(handle) if row and row[0].isdigit()]
    assert "柳西社区" not in names and names
    code, out, err = run(capsys, data_dir, "recognition", "revoke", decision[:10], "--date",
                         "2026-11-29", "--reason", "录入错误")
    assert code == 0, err
    for args, message in (
            (("summary", "--as-of", "2026-02-30", "-o", str(tmp_path / "x.csv")), "2026-02-30"),
            (("summary", "--as-of", "2026-11-29", "--district", "海署区", "-o",
              str(tmp_path / "x.csv")), "海署区"),
            (("summary", "--year-target", "abc", "-o", str(tmp_path / "x.csv")), "abc"),
            (("roll", "--as-of", "2026-11-29", "-o", str(tmp_path / "x.pdf")), "--format"),
            (("recognition", "set", "柳西社区", "--level", "province", "--decision", "pass",
              "--date", "2026-01-01"), "province"),
            (("config", "set", "targets.海署区.2026", "60"), "海署区")):
        code, _, err = run(capsys, data_dir, *args)
        assert code == 2 and message in err, (args, err)
    assert not (tmp_path / "x.csv").exists()


# -- decisions sync like any user data ---------------------------------------------------------


def test_a_decision_and_its_revocation_reach_the_other_laptop(tmp_path: Path) -> None:
    from tests.sync.team import full_exchange, make_team, open_conflicts

    a, b = make_team(tmp_path / "team", 2, [fixed_clock(), fixed_clock()])
    try:
        registry(a)
        full_exchange([a, b], tmp_path)
        decision = standing.recognise(a, "郡庙社区", level="city", decision="pass",
                                      decided_on="2025-09-26", document="甬建绿〔2025〕13号")
        full_exchange([a, b], tmp_path)
        assert [e.community for e in standing.compute(b, as_of=TODAY).roll] == ["郡庙社区"]
        standing.revoke(b, decision, revoked_on="2026-03-01", reason="复查发现违建")
        full_exchange([a, b], tmp_path)
        assert standing.compute(a, as_of=TODAY).roll == ()
        assert standing.get_recognition(a, decision)["revoked_by"] == "检查员1"
        assert open_conflicts(a) == open_conflicts(b) == []
    finally:
        for store in (a, b):
            store.close()
