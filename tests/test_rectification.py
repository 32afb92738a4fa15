"""The rectification loop: parties, directory, documents with numbers, 复查 and 销号, ledger."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from inspector import cli
from inspector.core import i18n
from inspector.core.clock import SetClock
from inspector.core.errors import ImportFileError, InspectorError, NotFoundError, ReadOnlyError
from inspector.core.store import Store
from inspector.domain import (
    directory,
    documents,
    estates,
    findings,
    inspections,
    ledger,
    photos,
    rechecks,
)
from inspector.reports import ledger as ledger_file
from inspector.reports import notices, recheck_report
from tests.photo_helpers import real
from tests.test_reports import Sample, all_text, flat, issue_settings, page_texts, sample

COMPANY = "宁波甬城物业服务有限公司"


@pytest.fixture
def loop(store: Store, tmp_path: Path) -> Sample:
    """The report sample with issuer settings, the sample directory and an estate whose
    property company is responsible for the fire lane, the corridor and the road."""
    made = sample(store, tmp_path / "src")
    issue_settings(store)
    directory.ensure_sample(store)
    estates.put(store, "柳西社区", "柳西新村", property_company=COMPANY, contact="赵经理",
                phone="0574-87112233")
    for key in ("fire_lane", "corridor", "road"):
        findings.set_responsible(store, made.findings[key], estate="柳西新村")
    return made


def _state(store: Store) -> list[tuple[object, ...]]:
    """Everything a refused command must leave as it was."""
    return [tuple(r) for t in ("findings", "followups", "rechecks", "documents", "estates",
                               "directory")
            for r in store.conn.execute(f"SELECT * FROM {t} ORDER BY id")]


# -- parties and the directory -------------------------------------------------------------


def test_default_party_is_the_estate_company_else_the_committee(loop: Sample) -> None:
    store = loop.store
    fire = findings.get(store, loop.findings["fire_lane"])
    assert (fire["party_kind"], fire["party_name"]) == ("property", COMPANY)
    garbage = findings.get(store, loop.findings["garbage"])
    assert (garbage["party_kind"], garbage["party_name"]) == ("community", "柳西社区居民委员会")
    findings.set_responsible(store, loop.findings["garbage"], responsible="业主:宁波市排水有限公司")
    assert findings.get(store, loop.findings["garbage"])["party_name"] == "宁波市排水有限公司"


def test_category_routing_follows_zhejiang_practice(ready_store: Store) -> None:
    inspection = inspections.start(ready_store, "柳西社区", ["王建国"])
    departments = {category: findings.get(ready_store, findings.add(
        ready_store, inspection, category=category, description="x"))["department"]
        for category in ("noise_nuisance", "cooking_fume_nuisance", "fire_lane_blocked",
                         "sewage_overflow", "manhole_cover_damaged")}
    assert departments == {"noise_nuisance": "执法", "cooking_fume_nuisance": "执法",
                           "fire_lane_blocked": "消防", "sewage_overflow": "排水",
                           "manhole_cover_damaged": "住建"}


def test_bad_party_estate_and_dates_are_refused_and_change_nothing(loop: Sample) -> None:
    store = loop.store
    fire = loop.findings["fire_lane"]
    before = _state(store)
    with pytest.raises(InspectorError, match="未知的责任方“某某公司”"):
        findings.set_responsible(store, fire, responsible="某某公司")
    with pytest.raises(NotFoundError, match="没有小区“不存在小区”"):
        findings.set_responsible(store, fire, estate="不存在小区")
    with pytest.raises(InspectorError, match="早于检查日期"):
        findings.edit(store, fire, deadline="2020-01-01")
    with pytest.raises(InspectorError, match="完成时间 2020-01-01 早于检查日期"):
        findings.set_reply(store, fire, measures="已清理", fixed_on="2020-01-01")
    assert _state(store) == before


def test_directory_import_refuses_a_file_with_a_bad_line(store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "units.csv"
    bad.write_text("区县(市),代码,单位名称,联系人,电话\n海曙区,消防,海曙区消防救援大队,周队,0574-1\n"
                   "海曙区,外星办,某单位,,\n海曙区,住建,,林科,电话号码\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as caught:
        directory.import_csv(store, bad)
    problems = "\n".join(caught.value.problems)
    assert "units.csv" in str(caught.value)
    assert "第 3 行，代码：未知代码“外星办”" in problems
    assert "第 4 行，单位名称：不能为空" in problems and "不像电话号码" in problems
    assert directory.list_units(store) == []
    directory.ensure_sample(store)
    units = directory.list_units(store, "海曙区")
    assert {u["code"] for u in units} >= {"消防", "综合执法", "住建", "派出所", "供电"}
    assert all(u["sample"] == 1 for u in units)  # marked 示例 until replaced
    assert directory.unit_for(store, "海曙区", "执法")["name"] == "海曙区综合行政执法局南门中队"
    assert directory.unit_for(store, "象山县", "消防")["name"] == "消防救援机构"


# -- documents -----------------------------------------------------------------------------


def test_notices_go_to_parties_and_referrals_to_departments(loop: Sample,
                                                            tmp_path: Path) -> None:
    results = notices.build_all(loop.store, loop.inspection, tmp_path / "out")
    folder = tmp_path / "out" / loop.short_id
    assert all(r.path.parent == folder for r in results)
    for result in results:  # <文号>-<kind>-<addressee>.pdf
        assert result.path.name.startswith(result.number + "-")
        assert result.path.name.split("-")[-2] in ("整改通知书", "交办单")
    by_party = {r.path.name.rsplit("-", 1)[1][:-4]: r for r in results
                if "整改通知书" in r.path.name}
    assert set(by_party) == {COMPANY, "柳西社区居民委员会"}
    company = all_text(by_party[COMPANY].path)
    first = flat(page_texts(by_party[COMPANY].path)[0])
    assert first.startswith("宁波市海曙区南门街道办事处" + flat(by_party[COMPANY].number))
    assert f"{COMPANY}：" in first and "整改通知书" in first
    for key in ("fire_lane", "road"):
        assert flat(loop.descriptions[loop.findings[key]]) in company
    for key in ("garbage", "corridor"):  # another party's; reported fixed (rectified)
        assert flat(loop.descriptions[loop.findings[key]]) not in company
    assert "三(二)1" in company and "宁波市绿色社区建设行动实施方案" in company  # the basis
    assert "李明" in company and "0574-87001234" in company and "签收人" in company
    assert "整改情况回执" in company and "抄送" in company and "复查" in company
    assert "照片见附件2：P1" in company
    # Already fixed (rectified) or closed findings are not asked for again.
    assert flat(loop.descriptions[loop.findings["fixed"]]) not in company
    referrals = {r.path.name.rsplit("-", 1)[1][:-4]: r for r in results
                 if "交办单" in r.path.name}
    assert set(referrals) == {"海曙区消防救援大队", "海曙区住房和城乡建设局",
                              "海曙区综合行政执法局南门中队"}
    fire = all_text(referrals["海曙区消防救援大队"].path)
    for words in ("交办事项", "点位", "责任方", "办理时限", "反馈要求", COMPANY,
                  flat(by_party[COMPANY].number)):
        assert flat(words) in fire, words
    assert all(r.number.startswith("南街绿交〔2026〕") for r in referrals.values())


def test_the_seal_block_comes_before_the_photos_and_dates_do_not_wrap(loop: Sample,
                                                                      tmp_path: Path) -> None:
    results = notices.build_all(loop.store, loop.inspection, tmp_path / "out")
    company = next(r for r in results if COMPANY in r.path.name and "整改通知书" in r.path.name)
    pages = [flat(p) for p in page_texts(company.path)]
    seal = next(i for i, p in enumerate(pages) if "2026年11月29日" in p and "签收" in p)
    photos_page = next(i for i, p in enumerate(pages) if "附件2问题照片" in p)
    assert seal < photos_page
    text = subprocess.run(["pdftotext", "-layout", str(company.path), "-"], check=True,
                          capture_output=True, text=True).stdout \
        if shutil.which("pdftotext") else ""
    for line in text.splitlines():
        assert not line.rstrip().endswith("2026年12月2"), line  # a date split over lines


def test_regenerating_keeps_numbers_and_never_overwrites(loop: Sample, tmp_path: Path) -> None:
    store = loop.store
    out = tmp_path / "out"
    first = notices.build_all(store, loop.inspection, out)
    stamps = {r.path: r.path.stat().st_mtime_ns for r in first}
    again = notices.build_all(store, loop.inspection, out)
    assert [(r.path, r.number) for r in again] == [(r.path, r.number) for r in first]
    assert all(r.kept for r in again)
    assert {r.path: r.path.stat().st_mtime_ns for r in again} == stamps
    # A changed notice gets a new number; the old one is recorded as superseded.
    findings.edit(store, loop.findings["road"], deadline="2026-12-31")
    third = notices.build_all(store, loop.inspection, out)
    changed = [r for r in third if not r.kept]
    # The company's notice, and the referrals that cite its number or list the road.
    assert {r.path.name.rsplit("-", 1)[1] for r in changed} == {
        f"{COMPANY}.pdf", "海曙区住房和城乡建设局.pdf", "海曙区消防救援大队.pdf"}
    assert all(r.path.exists() for r in first)  # the old files stay
    rows = documents.of_inspection(store, loop.inspection)
    old = next(r for r in rows if r["number"] == next(
        x.number for x in first if COMPANY in x.path.name))
    assert old["superseded_by"] and old["superseded_by"] != "-"


def test_two_inspections_notices_never_touch_each_other(loop: Sample, tmp_path: Path) -> None:
    store = loop.store
    out = tmp_path / "out"
    notices.build_all(store, loop.inspection, out)
    before = {p: p.read_bytes() for p in out.rglob("*.pdf")}
    other = inspections.start(store, "柳西社区", ["王建国"])
    findings.add(store, other, category="fire_lane_blocked", description="另一处占道",
                 estate="柳西新村")
    from tests.test_inspections import _answer_all

    _answer_all(store, other)
    inspections.submit(store, other, ["王建国"])
    made = notices.build_all(store, other, out)
    assert made and all(r.path.parent.name == inspections.get(store, other)["short_id"]
                        for r in made)
    assert {p: p.read_bytes() for p in before} == before
    numbers = [r["number"] for r in store.query("SELECT number FROM documents")]
    assert len(numbers) == len(set(numbers))


def test_notices_need_the_issuer_and_a_submitted_inspection(store: Store,
                                                            tmp_path: Path) -> None:
    made = sample(store, tmp_path / "src")
    with pytest.raises(InspectorError, match="issuer.name"):
        notices.build_all(store, made.inspection, tmp_path / "out")
    issue_settings(store)
    inspections.reopen(store, made.inspection, "补充")
    with pytest.raises(InspectorError, match="尚未提交"):
        notices.build_all(store, made.inspection, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_english_documents_have_no_chinese_measure_words(loop: Sample, tmp_path: Path) -> None:
    i18n.set_language("en")
    results = notices.build_all(loop.store, loop.inspection, tmp_path / "en")
    for result in results:
        text = "".join(page_texts(result.path))
        assert "Rectification Notice" in text or "Referral" in text
        # No Chinese measure word or label after a number ("3 个", "2 项") in English.
        numbers = re.sub(r"\S*〔\d{4}〕\S*?号", "", text)  # 文号 are names, kept as issued
        assert re.search(r"\d\s*[个起处次项号]", numbers) is None, result.path.name
        for label in ("序号", "整改期限", "签收人", "附件"):
            assert label not in text, (result.path.name, label)


def test_the_serif_font_is_used_or_named(loop: Sample, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from inspector.reports import fonts

    result = notices.build_all(loop.store, loop.inspection, tmp_path / "a")[0]
    if any(Path(p).is_file() for p, _i in fonts.FANGSONG_CANDIDATES):
        assert result.font_notice is None
    monkeypatch.setattr(fonts, "FANGSONG_CANDIDATES", ())
    findings.edit(loop.store, loop.findings["road"], deadline="2026-12-30")
    fallback = notices.build_all(loop.store, loop.inspection, tmp_path / "b")[0]
    assert fallback.font_notice and "仿宋" in fallback.font_notice


# -- 复查 and 销号 ---------------------------------------------------------------------------


def test_recheck_closes_fixed_findings_and_keeps_others_open(loop: Sample, wall: SetClock,
                                                             tmp_path: Path) -> None:
    store = loop.store
    findings.set_reply(store, loop.findings["fire_lane"], measures="车辆已移走，设隔离桩",
                       fixed_on="2026-11-29")
    assert findings.get(store, loop.findings["fire_lane"])["status"] == findings.RECTIFIED
    wall.advance(timedelta(days=7))
    recheck = rechecks.start(store, inspection=loop.short_id, inspectors=["李明"])
    visited = [e.finding["id"] for e in rechecks.entries(store, recheck)]
    assert loop.findings["fixed"] not in visited and loop.findings["fire_lane"] in visited
    followup = rechecks.answer(store, recheck, loop.findings["fire_lane"], "fixed",
                               note="已清理").id
    photos.import_photo(store, real("Canon_40D.jpg"),
                        photos.target_for_followup(store, followup), kind="after")
    rechecks.answer(store, recheck, loop.findings["road"], "not-fixed",
                    new_deadline="2026-12-20")
    counts = rechecks.submit(store, recheck, ["李明"])
    assert (counts.closed, counts.open) == (1, 1)
    fire = findings.get(store, loop.findings["fire_lane"])
    assert (fire["status"], fire["closed_on"], fire["closed_by"], fire["closed_in"]) == (
        "verified", "2026-12-06", "李明", recheck)
    road = findings.get(store, loop.findings["road"])
    assert (road["status"], road["deadline"]) == ("open", "2026-12-20")
    assert rechecks.count_of(store, loop.findings["road"]) == 1
    result = recheck_report.build(store, recheck, tmp_path / "recheck.pdf")
    text = all_text(result.path)
    assert "整改前" in text and "复查时" in text and "已整改" in text and "未整改" in text
    assert result.photos_placed >= 2


def test_recheck_refusals_change_nothing(loop: Sample, wall: SetClock) -> None:
    store = loop.store
    recheck = rechecks.start(store, inspection=loop.inspection, inspectors=["李明"])
    before = _state(store)
    with pytest.raises(InspectorError, match="已销号"):
        rechecks.answer(store, recheck, loop.findings["fixed"], "fixed")
    with pytest.raises(InspectorError, match="早于复查次日"):
        rechecks.answer(store, recheck, loop.findings["road"], "not-fixed",
                        new_deadline="2026-11-01")
    with pytest.raises(InspectorError, match="fixed"):
        rechecks.answer(store, recheck, loop.findings["road"], "maybe")
    with pytest.raises(InspectorError, match="还没有任何结果"):
        rechecks.submit(store, recheck, ["李明"])
    assert _state(store) == before
    rechecks.answer(store, recheck, loop.findings["road"], "fixed")
    rechecks.submit(store, recheck, ["李明"])
    with pytest.raises(ReadOnlyError):
        rechecks.answer(store, recheck, loop.findings["garbage"], "fixed")
    with pytest.raises(InspectorError, match="没有待复查的问题"):
        other = inspections.start(store, "柳西社区", ["王建国"])
        rechecks.start(store, inspection=other, inspectors=["李明"])


def test_ledger_and_pending_view(loop: Sample, wall: SetClock, tmp_path: Path) -> None:
    store = loop.store
    notices.build_all(store, loop.inspection, tmp_path / "out")
    recheck = rechecks.start(store, inspection=loop.inspection, inspectors=["李明"])
    rechecks.answer(store, recheck, loop.findings["fire_lane"], "fixed")
    rechecks.submit(store, recheck, ["李明"])
    findings.set_reply(store, loop.findings["road"], measures="已修补路面")
    wall.advance(timedelta(days=20))
    rows = {r["id"]: r for r in ledger.rows(store)}
    fire, road = rows[loop.findings["fire_lane"]], rows[loop.findings["road"]]
    assert fire["closed_on"] == "2026-11-29" and fire["rechecks"] == 1
    assert fire["notice"] and fire["notice"].startswith("南街绿〔2026〕")
    assert fire["department"] == "海曙区消防救援大队" and fire["estate"] == "柳西新村"
    assert road["measures"] == "已修补路面" and road["days_overdue"] > 0
    assert {r["id"] for r in ledger.rows(store, status="closed")} >= {fire["id"]}
    assert road["id"] in {r["id"] for r in ledger.rows(store, status="overdue")}
    view = ledger.pending(store)
    assert dict(view.by_department)["海曙区住房和城乡建设局"] >= 1
    assert dict(view.by_party)[COMPANY] >= 1
    target = tmp_path / "ledger.csv"
    assert ledger_file.write(store, target, "csv") == len(rows)
    with open(target, encoding="utf-8-sig") as handle:
        header = next(csv.reader(handle))
    assert header == ["编号", "社区", "小区", "位置", "问题", "类别", "责任方", "交办部门",
                      "通知书文号", "期限", "整改措施", "完成时间", "复查日期", "复查结果",
                      "复查次数", "销号日期", "逾期天数"]
    with pytest.raises(InspectorError, match="台账状态"):
        ledger.rows(store, status="done")


def test_deleted_findings_leave_reports_notices_and_exports(ready_store: Store,
                                                            tmp_path: Path) -> None:
    from inspector.reports import exports, findings_report

    store = ready_store
    issue_settings(store)
    inspection = inspections.start(store, "柳西社区", ["王建国"])
    kept = findings.add(store, inspection, category="corridor_clutter", description="留下的问题")
    gone = findings.add(store, inspection, category="corridor_clutter", description="删掉的问题")
    findings.delete(store, gone)
    from tests.test_inspections import _answer_all

    _answer_all(store, inspection)
    inspections.submit(store, inspection, ["王建国"])
    report = all_text(findings_report.build(store, inspection, tmp_path / "r.pdf").path)
    assert "留下的问题" in report and "删掉的问题" not in report
    texts = "".join(all_text(r.path) for r in notices.build_all(store, inspection,
                                                                tmp_path / "n"))
    assert "留下的问题" in texts and "删掉的问题" not in texts
    assert [r["id"] for r in exports.finding_rows(store)] == [kept]
    assert [r["id"] for r in ledger.rows(store)] == [kept]


# -- the command line ----------------------------------------------------------------------


def test_the_full_loop_on_the_command_line(loop: Sample, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    data = ["--data-dir", str(loop.store.data_dir)]
    sid = loop.short_id
    loop.store.close()
    units = tmp_path / "units.csv"
    units.write_text("区县(市),代码,单位名称,联系人,电话\n海曙区,消防,海曙区消防救援大队,周队,"
                     "0574-87000119\n", encoding="utf-8")
    assert cli.main([*data, "directory", "import", str(units)]) == 0
    assert cli.main([*data, "estates", "add", "--community", "柳西社区", "--name", "柳西二村",
                     "--property-company", "宁波安居物业有限公司"]) == 0
    assert cli.main([*data, "estates", "list", "--json"]) == 0
    assert "宁波安居物业有限公司" in capsys.readouterr().out
    assert cli.main([*data, "findings", "set", f"{sid}-F04", "--estate", "柳西二村",
                     "--responsible", "物业"]) == 0
    assert cli.main([*data, "findings", "set", f"{sid}-F04", "--responsible", "谁"]) == 2
    assert "未知的责任方“谁”" in capsys.readouterr().err
    assert cli.main([*data, "notices", sid, "-o", str(tmp_path / "n")]) == 0
    out = capsys.readouterr().out
    assert "整改通知书-宁波安居物业有限公司.pdf" in out and "交办单-海曙区消防救援大队.pdf" in out
    assert cli.main([*data, "findings", "set", f"{sid}-F04", "--measures", "已修补",
                     "--fixed-on", "2026-11-29"]) == 0
    assert cli.main([*data, "recheck", "new", sid, "--inspector", "李明"]) == 0
    recheck = capsys.readouterr().out.strip()
    assert cli.main([*data, "recheck", "answer", recheck, f"{sid}-F04", "fixed", "--photo",
                     str(real("Canon_40D.jpg"))]) == 0
    assert cli.main([*data, "recheck", "answer", recheck, f"{sid}-F05", "not-fixed",
                     "--new-deadline", "2026-01-01"]) == 2
    assert "早于复查次日" in capsys.readouterr().err
    assert cli.main([*data, "recheck", "submit", recheck, "--signed-by", "李明"]) == 0
    assert "销号 1 项" in capsys.readouterr().out
    assert cli.main([*data, "recheck", "report", recheck, "-o", str(tmp_path / "r.pdf")]) == 0
    assert cli.main([*data, "ledger", "--status", "closed", "--format", "xlsx", "-o",
                     str(tmp_path / "l.xlsx")]) == 0
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "l.xlsx").active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "编号" and any(row[0] == f"{sid}-F04" for row in values[1:])
    assert cli.main([*data, "pending"]) == 0


def test_a_location_starting_with_a_dash_is_a_value(ready_store: Store,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    inspection = inspections.start(ready_store, "柳西社区", ["王建国"])
    ready_store.close()
    data = ["--data-dir", str(ready_store.data_dir)]
    assert cli.main([*data, "findings", "add", inspection, "--category", "积水",
                     "--description", "地下车库积水", "--location", "-2+3"]) == 0
    finding = capsys.readouterr().out.strip()
    with Store.open(ready_store.data_dir, readonly=True) as store:
        assert findings.get(store, finding)["location"] == "-2+3"


def test_xlsx_text_cells_carry_no_literal_quote(ready_store: Store, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    inspection = inspections.start(ready_store, "柳西社区", ["王建国"])
    findings.add(ready_store, inspection, category="积水", description="=1+1 地下车库积水",
                 location="-2+3")
    ledger_file.write(ready_store, tmp_path / "l.xlsx", "xlsx")
    sheet = load_workbook(tmp_path / "l.xlsx").active
    row = [c.value for c in list(sheet.iter_rows())[1]]
    assert "-2+3" in row and "=1+1 地下车库积水" in row
    cell = next(c for c in list(sheet.iter_rows())[1] if c.value == "=1+1 地下车库积水")
    assert cell.data_type == "s"
    ledger_file.write(ready_store, tmp_path / "l.csv", "csv")
    assert "'-2+3" in (tmp_path / "l.csv").read_text(encoding="utf-8-sig")


def test_two_laptops_issue_and_recheck_without_clashing(tmp_path: Path) -> None:
    from tests.conftest import fixed_clock
    from tests.sync.team import make_team, send
    from tests.test_inspections import _answer_all

    a, b = make_team(tmp_path, 2, [fixed_clock(), fixed_clock()])
    try:
        from inspector.domain import communities, templates
        from inspector.domain.communities import CommunityData

        templates.ensure_builtin(a)
        communities.create(a, CommunityData("海曙区", "南门街道", "柳西社区"))
        issue_settings(a)
        inspection = inspections.start(a, "柳西社区", ["王建国"])
        for n in range(2):
            findings.add(a, inspection, category="corridor_clutter", description=f"堆物{n}")
        _answer_all(a, inspection)
        inspections.submit(a, inspection, ["王建国"])
        send(a, b, tmp_path)
        # Both laptops, offline, issue the same inspection's documents.
        made_a = notices.build_all(a, inspection, tmp_path / "a")
        made_b = notices.build_all(b, inspection, tmp_path / "b")
        assert {r.number for r in made_a}.isdisjoint({r.number for r in made_b})
        recheck_a = rechecks.start(a, inspection=inspection, inspectors=["李明"])
        recheck_b = rechecks.start(b, inspection=inspection, inspectors=["陈晓燕"])
        assert rechecks.get(a, recheck_a)["short_id"] != rechecks.get(b, recheck_b)["short_id"]
        send(a, b, tmp_path)
        send(b, a, tmp_path)
        numbers = [r["number"] for r in a.query("SELECT number FROM documents")]
        assert len(numbers) == len(set(numbers)) == len(made_a) + len(made_b)
        assert sorted(numbers) == sorted(r["number"] for r in b.query(
            "SELECT number FROM documents"))
        assert len(rechecks.list_rechecks(a)) == len(rechecks.list_rechecks(b)) == 2
    finally:
        a.close()
        b.close()


def test_report_layout_fixes(loop: Sample, tmp_path: Path) -> None:
    """Findings flow (no page per finding), each photo printed once, signature lines."""
    from inspector.reports import findings_report

    result = findings_report.build(loop.store, loop.inspection, tmp_path / "r.pdf")
    pages = [flat(p) for p in page_texts(result.path)]
    # The first page carries the checklist, not just the title block.
    assert "检查项结果" in pages[0] or "A01" in pages[0] + pages[1][:200]
    # The photo of the fire lane is also the C01 answer's evidence: printed once.
    assert result.photos_placed == len(loop.distinct_photos) < loop.placements
    assert "另见照片P" in "".join(pages)
    assert flat(result.number) in pages[0]
    # Findings flow: a finding's photos never push the next finding to a page of its own,
    # so some page holds two findings' headings.
    assert any("问题1" in page and "问题2" in page for page in pages)


def test_a_failure_midway_leaves_no_notice_at_the_destination(
        loop: Sample, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The documents are written together: when the second file cannot be written (the disk
    fills), the first is not left behind either — nor the folders made for them."""
    import errno

    from inspector.reports import layout

    real_build = layout.build_pdf
    calls: list[Path] = []

    def second_fails(target: Path, *args: object, **kwargs: object) -> int:
        calls.append(target)
        if len(calls) == 2:
            target.write_bytes(b"%PDF-1.4 half")  # what a full disk leaves
            raise OSError(errno.ENOSPC, "No space left on device", str(target))
        return real_build(target, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(layout, "build_pdf", second_fails)
    out = tmp_path / "out"
    with pytest.raises(InspectorError, match="磁盘已满"):
        notices.build_all(loop.store, loop.inspection, out / "deeper")
    assert len(calls) == 2 and calls[0].exists() is False
    assert not out.exists()  # nothing new: no file, no temporary folder, no made folder
    monkeypatch.undo()
    written = notices.build_all(loop.store, loop.inspection, out)  # room again: all of them
    assert len(written) >= 2 and all(r.path.exists() for r in written)
    assert sorted(p.name for p in (out / loop.short_id).iterdir()) == sorted(
        r.path.name for r in written)


def test_a_requirement_quoting_a_quoted_item_nests_its_quotes() -> None:
    """“…” around an item that has quotes of its own ("飞线"充电) nests them as ‘…’, never
    ““飞线”充电…”."""
    from inspector.domain import templates

    checked = 0
    for path in templates.builtin_files():
        template = templates.load_file(path)
        for section in template.sections:
            for item in section.items:
                text = notices.requirement_of(template, {"item_code": item.code})
                assert text.count("“") == text.count("”") <= 1, text
                assert '"' not in text, text
                checked += '"' in item.label() or "“" in item.label()
    assert checked  # the shipped checklists do quote within items
