"""Where findings are: typed coordinates, a photo's GPS, a pin on the site plan; GCJ-02 at the
edge; evidence hints; community positions from the registry; the demo spread over Ningbo."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from inspector import cli
from inspector.core.errors import InspectorError, ReadOnlyError
from inspector.core.store import Store
from inspector.domain import (
    communities,
    community_import,
    evidence,
    findings,
    geo,
    inspections,
    photos,
    places,
)
from inspector.ops import demo
from inspector.reports import exports
from tests.conftest import fixed_clock, given_for
from tests.photo_helpers import jpeg, real

# -- GCJ-02 ------------------------------------------------------------------------------------

ningbo = st.tuples(st.floats(27.0, 32.0), st.floats(119.0, 123.0))
china = st.tuples(st.floats(18.0, 53.0), st.floats(74.0, 134.5))


@given(ningbo)
def test_gcj02_round_trips_to_well_under_a_centimetre(point: tuple[float, float]) -> None:
    latitude, longitude = point
    back = geo.gcj02_to_wgs84(*geo.wgs84_to_gcj02(latitude, longitude))
    assert geo.distance_m(latitude, longitude, *back) < 0.01


@given(china)
def test_gcj02_is_a_shift_of_at_most_a_kilometre_in_china(point: tuple[float, float]) -> None:
    shifted = geo.wgs84_to_gcj02(*point)
    assert 0 < geo.distance_m(*point, *shifted) < 1000


def test_gcj02_matches_a_published_pair_and_leaves_other_countries_alone() -> None:
    # Tiananmen: WGS-84 39.90923, 116.397428 is GCJ-02 39.910630, 116.403664 (coordtransform)
    lat, lon = geo.wgs84_to_gcj02(39.90923, 116.397428)
    assert lat == pytest.approx(39.910630, abs=2e-5) and lon == pytest.approx(116.403664,
                                                                              abs=2e-5)
    assert geo.wgs84_to_gcj02(43.4674, 11.8851) == (43.4674, 11.8851)  # Tuscany


def test_coordinates_text_and_bad_input() -> None:
    assert geo.parse("29.8683，121.5440") == (29.8683, 121.544)
    for bad, message in (("29.8", "纬度, 经度"), ("abc def", "不是数字"),
                         ("95, 121", "纬度 95.0 超出范围"), ("29, 200", "经度 200.0 超出范围")):
        with pytest.raises(InspectorError, match=message):
            geo.parse(bad)
    assert "GCJ-02" in geo.with_gcj02(29.8683, 121.544)


# -- findings --------------------------------------------------------------------------------


@pytest.fixture
def finding(ready_store: Store) -> str:
    inspection_id = inspections.start(ready_store, "柳西社区", ["王建国"])
    return findings.add(ready_store, inspection_id, category="fire_lane_blocked",
                        description="消防车道被占", item_code="C01")


def test_a_finding_placed_by_its_photo_typed_or_not_at_all(ready_store: Store,
                                                          finding: str) -> None:
    row = findings.get(ready_store, finding)
    assert places.finding_position(ready_store, row) is None
    target = photos.target_for_finding(ready_store, finding)
    photos.import_photo(ready_store, real("Canon_40D.jpg"), target)  # no GPS
    photos.import_photo(ready_store, real("gps_DSCN0021.jpg"), target, kind="after")
    gps = photos.import_photo(ready_store, real("gps_DSCN0010.jpg"), target)
    # not recorded: shown at the first GPS-tagged before-photo, and said so
    shown = places.finding_position(ready_store, findings.get(ready_store, finding))
    assert shown is not None and not shown.stored and shown.photo == gps.sha256
    assert "按照片 GPS 显示" in shown.describe()
    recorded = places.coordinates_from_photo(ready_store, finding)
    assert recorded.position.latitude == pytest.approx(43.4674483)
    row = findings.get(ready_store, finding)
    assert row["coord_source"] == f"photo:{gps.sha256}" and row["coord_by"] == "测试员"
    assert "取自照片 GPS" in places.finding_position(ready_store, row).describe()  # type: ignore[union-attr]
    with pytest.raises(InspectorError, match="没有 GPS"):
        places.coordinates_from_photo(ready_store, finding, "Canon_40D.jpg")
    places.set_coordinates(ready_store, finding, 29.87, 121.55)
    typed = places.finding_position(ready_store, findings.get(ready_store, finding))
    assert typed is not None and typed.source == "typed" and typed.latitude == 29.87
    # coordinates are their own register: the facts were never rewritten
    registers = {r["reg"] for r in ready_store.query(
        "SELECT reg FROM changes WHERE tbl = 'findings' AND row_id = ?", (finding,))}
    assert "coordinates" in registers
    facts = ready_store.query("SELECT value FROM changes WHERE tbl = 'findings' AND"
                              " row_id = ? AND reg = 'facts'", (finding,))
    assert len(facts) == 1


def test_coordinates_and_pins_are_locked_with_the_inspection(ready_store: Store,
                                                             finding: str,
                                                             tmp_path: Path) -> None:
    inspection_id = findings.get(ready_store, finding)["inspection_id"]
    community_id = inspections.get(ready_store, inspection_id)["community_id"]
    with pytest.raises(InspectorError, match="还没有总平面图"):
        places.set_pin(ready_store, finding, 0.5, 0.5)
    plan = Image.new("RGB", (800, 500), (230, 235, 225))
    plan.save(tmp_path / "plan.png")
    sha = places.set_site_plan(ready_store, community_id, tmp_path / "plan.png").sha256
    for x, y in ((1.2, 0.5), (0.5, -0.1)):
        with pytest.raises(InspectorError, match="应在 0 到 1 之间"):
            places.set_pin(ready_store, finding, x, y)
    places.set_pin(ready_store, finding, 0.42, 0.61)
    row = findings.get(ready_store, finding)
    assert (row["pin_plan"], row["pin_x"], row["pin_y"]) == (sha, 0.42, 0.61)
    view = inspections.view(ready_store, inspection_id)
    for state in view.items:
        inspections.answer(ready_store, inspection_id, state.item.code, given_for(state.item))
    inspections.submit(ready_store, inspection_id, ["王建国"])
    with pytest.raises(ReadOnlyError, match="位置已锁定"):
        places.set_pin(ready_store, finding, 0.1, 0.1)
    with pytest.raises(ReadOnlyError):
        places.set_coordinates(ready_store, finding, 29.8, 121.5)
    # a site plan that is not an image is refused by name and changes nothing
    (tmp_path / "plan.pdf").write_bytes(b"%PDF-1.4 ...")
    with pytest.raises(InspectorError, match="plan.pdf"):
        places.set_site_plan(ready_store, community_id, tmp_path / "plan.pdf")
    assert places.site_plan_of(ready_store, community_id)["id"] == sha  # type: ignore[index]


def test_the_plan_image_has_numbered_pins(ready_store: Store, finding: str,
                                          tmp_path: Path) -> None:
    inspection_id = findings.get(ready_store, finding)["inspection_id"]
    community_id = inspections.get(ready_store, inspection_id)["community_id"]
    Image.new("RGB", (1000, 600), (255, 255, 255)).save(tmp_path / "plan.png")
    places.set_site_plan(ready_store, community_id, tmp_path / "plan.png")
    places.set_pin(ready_store, finding, 0.25, 0.5)
    plan = places.site_plan_of(ready_store, community_id)
    assert plan is not None
    pins = places.pins_on(findings.list_findings(ready_store, inspection_id=inspection_id),
                          plan["id"])
    assert [(p.label, p.x, p.y) for p in pins] == [("1", 0.25, 0.5)]
    path = places.plan_image(ready_store, plan, pins)
    with Image.open(path) as drawn:
        red = drawn.convert("RGB").getpixel((round(0.25 * (drawn.width - 1)) - 12,
                                             round(0.5 * (drawn.height - 1))))
        assert isinstance(red, tuple) and red[0] > 150 and red[1] < 90  # the marker


def _cli(capsys: pytest.CaptureFixture[str], data_dir: Path, *args: str) -> tuple[int, str,
                                                                               str]:
    code = cli.main(["--data-dir", str(data_dir), "--user", "王建国", *args],
                    wall=fixed_clock())
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_command_line_places_findings(capsys: pytest.CaptureFixture[str], data_dir: Path,
                                          tmp_path: Path) -> None:
    with Store.open(data_dir, wall=fixed_clock()) as store:
        demo.fill(store, with_photos=False)
        row = store.query_one(
            "SELECT f.short_id, c.name FROM findings f JOIN inspections i ON"
            " i.id = f.inspection_id JOIN communities c ON c.id = i.community_id"
            " WHERE i.status = 'draft' LIMIT 1")
    assert row is not None
    short, community = row["short_id"], row["name"]
    code, out, _ = _cli(capsys, data_dir, "findings", "set", short, "--lat", "29.87",
                        "--lon", "121.55")
    assert code == 0 and "29.870000, 121.550000 (WGS-84)" in out and "GCJ-02" in out
    code, _, err = _cli(capsys, data_dir, "findings", "set", short, "--lat", "29.87")
    assert code == 2 and "经纬度需要同时给出" in err
    code, _, err = _cli(capsys, data_dir, "findings", "set", short, "--from-photo")
    assert code == 2 and "没有带 GPS 位置的照片" in err
    code, _, err = _cli(capsys, data_dir, "findings", "set", short, "--lat", "29.8", "--lon",
                        "121.5", "--from-photo")
    assert code == 2 and "只能选一个" in err
    code, _, err = _cli(capsys, data_dir, "communities", "plan", community,
                        str(tmp_path / "nowhere.png"))
    assert code == 2 and "nowhere.png" in err and "不能用作" in err
    code, _, err = _cli(capsys, data_dir, "findings", "pin", short, "--x", "0.4", "--y", "0.6")
    assert code == 2 and "还没有总平面图" in err
    Image.new("RGB", (600, 400), "white").save(tmp_path / "总平面图.png")
    code, out, _ = _cli(capsys, data_dir, "communities", "plan", community,
                        str(tmp_path / "总平面图.png"))
    assert code == 0 and "已载入" in out
    assert _cli(capsys, data_dir, "findings", "pin", short, "--x", "0.42", "--y", "0.61")[0] == 0
    code, _, err = _cli(capsys, data_dir, "findings", "pin", short, "--x", "4", "--y", "0.6")
    assert code == 2 and "0 到 1" in err
    with Store.open(data_dir, readonly=True) as store:
        stored = findings.resolve(store, short)
        assert (stored["pin_x"], stored["pin_y"]) == (0.42, 0.61)
        assert (stored["coord_latitude"], stored["coord_longitude"]) == (29.87, 121.55)
        feature = next(f for f in exports.finding_features(store) if f["id"] == stored["id"])
        assert feature["geometry"]["coordinates"] == [121.55, 29.87]


# -- evidence hints ------------------------------------------------------------------------


def test_hints_for_old_far_and_damaged_photos(ready_store: Store, tmp_path: Path) -> None:
    community = communities.resolve(ready_store, "柳西社区")
    places.set_community_position(ready_store, community["id"], 29.8683, 121.544)
    inspection_id = inspections.start(ready_store, "柳西社区", ["王建国"])
    target = photos.target_for_inspection(ready_store, inspection_id)
    where = evidence.context(ready_store, inspection_id)
    visit = where.visit
    assert visit is not None

    def hints_of(path: Path) -> list[str]:
        sha = photos.import_photo(ready_store, path, target).sha256
        return evidence.hints(photos.get(ready_store, sha), where)

    assert hints_of(jpeg(tmp_path / "today.jpg", taken=visit - timedelta(hours=3))) == []
    old = hints_of(jpeg(tmp_path / "old.jpg", taken=visit - timedelta(days=3), seed=2))
    assert old == ["拍摄于检查前 3 天（2026-11-26）"]
    far = hints_of(real("gps_DSCN0010.jpg"))  # Tuscany, and taken in 2008
    assert any("距社区" in h and "公里" in h for h in far) and any("检查前" in h for h in far)
    assert any("JPEG 数据损坏" in h for h in hints_of(real("corrupted.jpg")))
    # near the community: no distance hint
    sha = photos.import_photo(ready_store, jpeg(tmp_path / "near.jpg", seed=5), target).sha256
    row = {**photos.get(ready_store, sha), "latitude": 29.87, "longitude": 121.545}
    assert evidence.hints(row, where) == []


# -- communities ---------------------------------------------------------------------------


def test_a_registry_with_coordinates_and_a_preview_before_writing(ready_store: Store,
                                                                  tmp_path: Path) -> None:
    registry = tmp_path / "名单.csv"
    registry.write_text("区县(市),街道,社区,纬度,经度\n"
                        "海曙区,南门街道,柳西社区,29.8683,121.5440\n"
                        "海曙区,南门街道,新社区,29.87,121.55\n", encoding="gbk")
    shown = community_import.preview(ready_store, registry)
    assert shown.ok and shown.encoding == "GBK/GB18030"
    assert shown.columns == ["区县(市)", "街道", "社区", "纬度", "经度"]
    assert (shown.added, shown.updated, shown.unchanged) == (1, 1, 0)
    assert [data.name for _line, data in shown.first_rows] == ["柳西社区", "新社区"]
    assert ready_store.query_one("SELECT COUNT(*) AS n FROM communities")["n"] == 1  # type: ignore[index]
    community_import.import_file(ready_store, registry)
    liuxi = communities.resolve(ready_store, "柳西社区")
    assert (liuxi["latitude"], liuxi["longitude"]) == (29.8683, 121.544)
    again = community_import.preview(ready_store, registry)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)

    bad = tmp_path / "bad.csv"
    bad.write_text("区县(市),街道,社区,纬度,经度\n海曙区,南门街道,甲社区,129.8,121.5\n"
                   "海曙区,南门街道,乙社区,29.8,\n", encoding="utf-8")
    shown = community_import.preview(ready_store, bad)
    assert not shown.ok and len(shown.problems) == 2
    assert "第 2 行" in shown.problems[0] and "纬度 129.8 超出范围" in shown.problems[0]
    assert "第 3 行" in shown.problems[1] and "经纬度需要同时给出" in shown.problems[1]
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes("区县(市),街道,社区\n".encode("utf-16"))
    shown = community_import.preview(ready_store, utf16)
    assert not shown.ok and "UTF-16" in shown.problems[0]


def test_the_demo_is_spread_over_the_districts(store: Store) -> None:
    demo.fill(store)
    spots = store.query("SELECT DISTINCT latitude, longitude FROM photos"
                        " WHERE latitude IS NOT NULL")
    assert len(spots) >= 15
    for district, (lat, lon) in demo.DISTRICT_CENTRES.items():
        rows = store.query("SELECT latitude, longitude FROM communities WHERE district = ?",
                           (district,))
        assert rows and all(geo.distance_m(r["latitude"], r["longitude"], lat, lon) < 6000
                            for r in rows), district
    # every finding with a photo is where its community is (within a few hundred metres)
    for row in store.query(
            "SELECT f.*, c.latitude AS c_lat, c.longitude AS c_lon FROM findings f JOIN"
            " inspections i ON i.id = f.inspection_id JOIN communities c"
            " ON c.id = i.community_id"):
        position = places.finding_position(store, row)
        assert position is not None
        assert geo.distance_m(position.latitude, position.longitude, row["c_lat"],
                              row["c_lon"]) < 500
    # after-photos are taken before "now" (never dated after the report)
    now = store.wall.now().replace(tzinfo=None)
    for row in store.query("SELECT p.taken_at FROM photos p JOIN photo_links l"
                           " ON l.photo_id = p.id WHERE l.kind = 'after'"):
        assert datetime.fromisoformat(row["taken_at"]) < now
    failed_keys = [inspections.view(store, r["id"]).score.key_failed for r in store.query(
        "SELECT id FROM inspections WHERE status = 'submitted'")]
    assert sum(1 for keys in failed_keys if keys) >= 3
    assert json.loads(json.dumps(demo.KEY_FINDINGS))  # plain data


def test_the_report_shows_places_pins_and_hints(store: Store, tmp_path: Path) -> None:
    import subprocess

    from inspector.reports import findings_report
    from tests.conftest import inspection_of

    demo.fill(store, with_photos=False)
    inspection_id = inspection_of(store, "柳西社区")["id"]
    inspections.reopen(store, inspection_id, "补充照片")
    fire = next(f for f in findings.list_findings(store, inspection_id=inspection_id)
                if f["item_code"] == "C01")
    photos.import_photo(store, real("gps_DSCN0010.jpg"),
                        photos.target_for_finding(store, fire["id"]))
    result = findings_report.build(store, inspection_id, tmp_path / "report.pdf")
    text = "".join(subprocess.run(["pdftotext", "-enc", "UTF-8", str(result.path), "-"],
                                  check=True, capture_output=True).stdout.decode().split())
    assert "(GCJ-02)" in text and "(WGS-84)" in text  # the 坐标 row, both datums
    assert "问题位置图（总平面图）" in text and "见“问题位置图”标记1" in text
    assert "※拍摄于检查前" in text and "※拍摄地点距社区" in text  # the Tuscan 2008 photo
