"""Findings report and rectification notices: content, fonts, photos passed through, verification.

PDF text comes from pdftotext (poppler) when it is installed, else pypdf; fonts from pdffonts,
else pypdf; images from the PDF's image objects (pypdf), cross-checked with pdfimages.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pypdf
import pytest
from PIL import Image, ImageDraw

from inspector import cli
from inspector.core import i18n
from inspector.core.store import Store
from inspector.domain import derived, documents, findings, inspections, photos, places
from inspector.ops import demo
from inspector.reports import findings_report, fonts, layout, notices
from tests.conftest import given_for, inspection_of
from tests.photo_helpers import jpeg, real

ANNOTATIONS = ('{"version": 1, "items": [{"type": "ellipse", "x": 0.3, "y": 0.3, "w": 0.3,'
               ' "h": 0.3}]}')


# -- reading PDFs ---------------------------------------------------------------------------


def page_texts(pdf: Path) -> list[str]:
    """The text of each page."""
    if shutil.which("pdftotext"):
        out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True,
                             capture_output=True).stdout.decode("utf-8")
        pages = out.split("\f")
        return pages[:-1] if pages and not pages[-1].strip() else pages
    return [page.extract_text() or "" for page in pypdf.PdfReader(str(pdf)).pages]


def flat(text: str) -> str:
    """Text without white space, so a phrase wrapped over lines is still found."""
    return re.sub(r"\s+", "", text)


def all_text(pdf: Path) -> str:
    return flat("".join(page_texts(pdf)))


@dataclass
class PdfImage:
    object_id: int
    filters: list[str]
    raw: bytes


def images_of(pdf: Path) -> list[PdfImage]:
    """Every distinct image object, with its stream exactly as stored."""
    found: dict[int, PdfImage] = {}
    for page in pypdf.PdfReader(str(pdf)).pages:
        for ref in (page["/Resources"].get("/XObject") or {}).values():
            obj = ref.get_object()
            if obj.get("/Subtype") != "/Image":
                continue
            filters = obj.get("/Filter")
            names = [str(f) for f in filters] if isinstance(filters, list) else [str(filters)]
            found[ref.idnum] = PdfImage(ref.idnum, names, obj._data)
    return list(found.values())


def embedded_fonts(pdf: Path, *, poppler: bool = True) -> dict[str, bool]:
    """Font name → embedded (pdffonts if installed and ``poppler``, else pypdf)."""
    if poppler and shutil.which("pdffonts"):
        lines = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True,
                               text=True).stdout.splitlines()[2:]
        result = {}
        for line in lines:
            match = re.search(r"\s(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$", line)
            assert match, line
            result[line.split()[0]] = match.group(1) == "yes"
        return result
    result = {}
    for page in pypdf.PdfReader(str(pdf)).pages:
        for ref in (page["/Resources"].get("/Font") or {}).values():
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            result[str(font["/BaseFont"]).lstrip("/")] = any(
                key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
    return result


def pdfimages_object_ids(pdf: Path) -> set[int]:
    lines = subprocess.run(["pdfimages", "-list", str(pdf)], check=True, capture_output=True,
                           text=True).stdout.splitlines()[2:]
    return {int(line.split()[10]) for line in lines if line.split()[2] == "image"}


# -- data -----------------------------------------------------------------------------------


def signature_png(seed: int) -> bytes:
    image = Image.new("RGB", (300, 100), "white")
    ImageDraw.Draw(image).line([(10, 80), (90 + seed * 20, 20), (200, 70), (290, 30)],
                               fill="black", width=4)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@dataclass
class Sample:
    store: Store
    inspection: str
    findings: dict[str, str]  # name -> finding id
    descriptions: dict[str, str]  # finding id -> description
    placements: int = 0
    distinct_photos: set[str] = field(default_factory=set)
    annotated: str = ""

    @property
    def short_id(self) -> str:
        return str(inspections.get(self.store, self.inspection)["short_id"])


def sample(store: Store, tmp_path: Path) -> Sample:
    """柳西社区 from the demo, reopened to add findings for three more departments and photos of
    every kind (finding, after-photo, answer, inspection), then signed and submitted."""
    demo.fill(store, with_photos=False)
    tmp_path.mkdir(parents=True, exist_ok=True)
    inspection = inspection_of(store, "柳西社区")["id"]
    inspections.reopen(store, inspection, "补充照片")
    existing = {row["item_code"]: row["id"] for row in
                store.query("SELECT * FROM findings WHERE inspection_id = ?", (inspection,))}
    made = {
        "fire_lane": existing["C01"], "corridor": existing["C04"], "charging": existing["D03"],
        "road": findings.add(store, inspection, category="road_damaged",
                             description="7幢南侧道路路面坑洼约2平方米", location="7幢南侧",
                             latitude=29.871234, longitude=121.551234),
        "garbage": findings.add(store, inspection, category="garbage_piles",
                                description="垃圾投放点西侧堆放3袋装修垃圾",
                                location="垃圾投放点西侧"),
        "fixed": findings.add(store, inspection, category="lighting_broken",
                              description="9幢1单元楼道灯损坏，现场已修复", location="9幢1单元"),
    }
    findings.set_status(store, made["fixed"], findings.VERIFIED)
    result = Sample(store, inspection, made, {
        row["id"]: row["description"] for row in
        store.query("SELECT * FROM findings WHERE inspection_id = ?", (inspection,))})

    def add(source: Path, target: photos.Target, kind: str | None = None) -> str:
        sha = photos.import_photo(store, source, target, kind=kind).sha256
        result.placements += 1
        result.distinct_photos.add(sha)
        return sha

    fire = photos.target_for_finding(store, made["fire_lane"])
    result.annotated = add(real("gps_DSCN0010.jpg"), fire)
    photos.set_annotations(store, result.annotated, ANNOTATIONS)
    add(jpeg(tmp_path / "fire2.jpg", seed=2), fire)
    add(real("gps_DSCN0021.jpg"), photos.target_for_finding(store, made["road"]))
    add(jpeg(tmp_path / "garbage.jpg", seed=3), photos.target_for_finding(store,
                                                                         made["garbage"]))
    add(real("orientation_landscape_6.jpg"), photos.target_for_finding(store,
                                                                      made["corridor"]))
    add(real("orientation_landscape_1.jpg"), photos.target_for_response(store, inspection,
                                                                       "C01"))
    # The same photo as evidence of an answer too: placed twice, stored once in the PDF.
    add(real("gps_DSCN0010.jpg"), photos.target_for_response(store, inspection, "C01"))
    add(jpeg(tmp_path / "site.jpg", seed=4), photos.target_for_inspection(store, inspection))
    inspections.submit(store, inspection, ["王建国", "陈晓燕"], representative="刘芳",
                       inspector_signature=signature_png(1),
                       representative_signature=signature_png(2))
    # After submission: the corridor was cleared and photographed.
    add(real("Canon_40D.jpg"), photos.target_for_finding(store, made["corridor"]), "after")
    return result


@pytest.fixture
def rich(store: Store, tmp_path: Path) -> Sample:
    return sample(store, tmp_path / "src")


def issue_settings(store: Store) -> None:
    from inspector.domain import config

    for key, value in (("name", "宁波市海曙区南门街道办事处"), ("prefix", "南街绿"),
                       ("contact", "李明"), ("phone", "0574-87001234")):
        config.set_value(store, f"issuer.{key}", value)


def report(rich: Sample, tmp_path: Path, name: str = "report.pdf") -> layout.ReportResult:
    return findings_report.build(rich.store, rich.inspection, tmp_path / "out" / name)


# -- the findings report --------------------------------------------------------------------


def test_report_text_holds_the_community_failed_items_and_findings(rich: Sample,
                                                                   tmp_path: Path) -> None:
    result = report(rich, tmp_path)
    text = all_text(result.path)
    view = inspections.view(rich.store, rich.inspection)
    assert "柳西社区" in text and "海曙区" in text and "南门街道" in text
    failed = [s.item for s in view.items if s.answer == "fail"]
    assert failed
    for item in failed:
        assert flat(item.code) in text and flat(item.text) in text, item.code
    for description in rich.descriptions.values():
        assert flat(description) in text
    assert "未达标" in text and "一票否决项C01不符合" in text


def test_every_page_says_page_x_of_y(rich: Sample, tmp_path: Path) -> None:
    result = report(rich, tmp_path)
    pages = page_texts(result.path)
    assert result.pages == len(pages) > 1
    for number, text in enumerate(pages, start=1):
        assert f"第{number}页共{result.pages}页" in flat(text)
        assert rich.short_id in text  # the short id on every page
        assert result.number in text  # and the document's number, with its signature
        signature = documents.by_number(rich.store, result.number)[0]["signature"]
        assert documents.signature_text(signature)[:4] in flat(text)


def test_the_cjk_font_is_embedded(rich: Sample, tmp_path: Path) -> None:
    font = fonts.find()
    assert font.embedded, "no embeddable CJK TrueType font (install fonts-wqy-microhei)"
    result = report(rich, tmp_path)
    assert result.font_notice is None
    embedded = embedded_fonts(result.path)
    cjk = {name: emb for name, emb in embedded.items() if "+" in name}  # subset fonts
    assert cjk and all(cjk.values()), embedded
    # Only the standard Courier (hash digits) may be left to the viewer.
    assert {name for name, emb in embedded.items() if not emb} <= {"Courier"}, embedded


def test_images_in_the_pdf_are_exactly_those_placed(rich: Sample, tmp_path: Path) -> None:
    result = report(rich, tmp_path)
    # The fire-lane photo is also the C01 answer's evidence: printed once, referred to after.
    assert result.photos_placed == rich.placements - 1 == 8
    # Photos (one placed twice is stored once) + two different signatures + the demo's site
    # plan with the findings' pins; the QR code is drawn as vectors, not an image.
    assert result.images_embedded == len(rich.distinct_photos) + 2 + 1 == 11
    images = images_of(result.path)
    assert len(images) == result.images_embedded
    assert sum(1 for image in images if image.filters == ["/DCTDecode"]) == 9
    if shutil.which("pdfimages"):
        assert len(pdfimages_object_ids(result.path)) == result.images_embedded


def test_photo_jpeg_bytes_pass_through_unchanged(rich: Sample, tmp_path: Path) -> None:
    result = report(rich, tmp_path)
    data_dir = rich.store.data_dir
    expected = {}
    for sha in rich.distinct_photos:
        row = photos.get(rich.store, sha)
        copy = derived.ensure(data_dir, sha, row["ext"], derived.REPORT, row["annotations"])
        expected[hashlib.sha256(copy.read_bytes()).hexdigest()] = copy
    streams = [image.raw for image in images_of(result.path)
               if image.filters == ["/DCTDecode"]]
    plan = places.site_plan_of(rich.store, inspections.view(
        rich.store, rich.inspection).community["id"])
    assert plan is not None  # the demo's 柳西社区 has a site plan with pins: its copy too
    plans = list((data_dir / "cache" / "plans").glob(f"{plan['id']}-*.jpg"))
    expected.update({hashlib.sha256(p.read_bytes()).hexdigest(): p for p in plans})
    assert len(plans) == 1
    assert {hashlib.sha256(raw).hexdigest() for raw in streams} == set(expected)
    # The annotated photo went in as its annotated report copy, not the plain one.
    annotated = photos.get(rich.store, rich.annotated)
    drawn = derived.derived_path(data_dir, rich.annotated, derived.REPORT,
                                 annotated["annotations"])
    plain = derived.derived_path(data_dir, rich.annotated, derived.REPORT, None)
    assert drawn.read_bytes() in streams
    assert not plain.exists() or plain.read_bytes() not in streams


def test_before_and_after_photos_stand_side_by_side(rich: Sample, tmp_path: Path) -> None:
    result = report(rich, tmp_path)
    text = all_text(result.path)
    assert "整改前" in text and "整改后" in text
    assert "P1" in text and "43.467" in text  # caption: number and GPS of the photo


def test_appendix_lists_every_photo_hash_with_its_file_name(rich: Sample,
                                                            tmp_path: Path) -> None:
    result = report(rich, tmp_path)
    appendix = flat(page_texts(result.path)[-1])
    for sha in rich.distinct_photos:
        assert sha[:32] in appendix and sha[32:] in appendix
    assert "gps_DSCN0010.jpg" in appendix and "Canon_40D.jpg" in appendix
    row = rich.store.query_one("SELECT inspector_signature FROM inspections WHERE id = ?",
                               (rich.inspection,))
    assert row is not None and row["inspector_signature"][:32] in appendix
    assert result.verification in appendix and result.number in appendix


def test_a_report_without_findings_builds(store: Store, tmp_path: Path) -> None:
    demo.fill(store, with_photos=False)
    row = store.query_one(
        "SELECT i.id, c.name FROM inspections i JOIN communities c ON c.id = i.community_id"
        " WHERE NOT EXISTS (SELECT 1 FROM findings f WHERE f.inspection_id = i.id)"
        " ORDER BY c.name LIMIT 1")
    assert row is not None
    inspection = row["id"]
    result = findings_report.build(store, inspection, tmp_path / "empty.pdf")
    text = all_text(result.path)
    assert row["name"] in text and "本次检查未发现问题" in text
    assert result.photos_placed == 0 and result.warnings == []
    issue_settings(store)
    assert notices.build_all(store, inspection, tmp_path / "notices") == []


def test_200_findings_and_300_photos_build(store: Store, tmp_path: Path) -> None:
    demo.fill(store, with_photos=False)
    inspection = inspections.start(store, "柳西社区", ["王建国"], departments=["住建", "消防"])
    template = inspections.view(store, inspection).template
    categories = [c.code for c in template.hazard_categories]
    with store.write():
        for item in template.items:
            inspections.answer(store, inspection, item.code, given_for(item))
        ids = [findings.add(store, inspection, category=categories[i % len(categories)],
                            description=f"第{i + 1}号问题描述", location=f"{i % 20 + 1}幢")
               for i in range(200)]
    source = tmp_path / "src"
    source.mkdir()
    count = 0
    for index, finding_id in enumerate(ids):
        target = photos.Target("finding", finding_id, inspection, "")
        for _ in range(2 if index < 100 else 1):
            photos.import_photo(store, jpeg(source / f"p{count}.jpg", size=(48, 36),
                                            seed=count), target)
            count += 1
    assert count == 300
    seen: list[tuple[int, int]] = []
    result = findings_report.build(store, inspection, tmp_path / "big.pdf",
                                   progress=lambda done, total: seen.append((done, total)))
    assert result.photos_placed == 300 and result.images_embedded == 300
    assert result.warnings == []
    assert seen[-1] == (300, 300)
    pages = page_texts(result.path)
    assert len(pages) == result.pages > 50
    text = flat("".join(pages))
    assert "第200号问题描述" in text and f"第{result.pages}页共{result.pages}页" in text


def test_a_missing_original_becomes_a_placeholder_and_a_warning(rich: Sample,
                                                                tmp_path: Path) -> None:
    row = photos.get(rich.store, rich.annotated)
    photos.path_of(rich.store, row).unlink()
    shutil.rmtree(rich.store.data_dir / "cache", ignore_errors=True)
    result = report(rich, tmp_path)
    text = all_text(result.path)
    assert "照片原件缺失" in text
    assert any(rich.annotated[:12] in w and "gps_DSCN0010.jpg" in w for w in result.warnings)
    # It was placed twice (finding and answer): neither placement embeds an image.
    assert result.photos_placed == rich.placements - 2
    assert len(images_of(result.path)) == result.images_embedded == 10  # with the site plan
    assert "gps_DSCN0010.jpg（照片原件缺失）" in flat(page_texts(result.path)[-1])


def test_an_undecodable_original_becomes_a_placeholder(rich: Sample, tmp_path: Path) -> None:
    road = photos.photos_of(rich.store, photos.target_for_finding(rich.store,
                                                                  rich.findings["road"]))[0]
    photos.path_of(rich.store, road).write_bytes(b"\xff\xd8\xff\xe0 not a whole photo")
    shutil.rmtree(rich.store.data_dir / "cache", ignore_errors=True)
    result = report(rich, tmp_path)
    assert "照片原件已被改动" in all_text(result.path)  # its bytes no longer match its hash
    assert [w for w in result.warnings if "gps_DSCN0021.jpg" in w]
    assert result.photos_placed == rich.placements - 2


def test_the_verification_code_follows_the_answers(rich: Sample, tmp_path: Path) -> None:
    first = report(rich, tmp_path, "a.pdf")
    again = report(rich, tmp_path, "b.pdf")
    assert first.verification == again.verification and first.number == again.number
    assert first.path.read_bytes() == again.path.read_bytes()  # the same document
    row = documents.by_number(rich.store, first.number)[0]
    keywords = pypdf.PdfReader(str(first.path)).metadata["/Keywords"]
    assert keywords == documents.qr_payload(first.number, row["signature"])
    inspections.reopen(rich.store, rich.inspection, "复核")
    inspections.answer(rich.store, rich.inspection, "A04", "na", note="无设计师进社区")
    changed = report(rich, tmp_path, "c.pdf")
    assert changed.verification != first.verification and changed.number != first.number
    assert changed.number in page_texts(changed.path)[0]
    assert documents.by_number(rich.store, first.number)[0]["superseded_by"]


def test_the_verification_code_is_the_hash_of_the_facts(rich: Sample) -> None:
    data = findings_report.collect(rich.store, rich.inspection)
    facts = findings_report.facts(data)
    canonical = layout.canonical_json(facts).encode("utf-8")
    assert layout.digest(facts) == hashlib.sha256(canonical).hexdigest()
    assert set(facts) >= {"answers", "findings", "signatures"}
    listed = {p["sha256"] for f in facts["findings"] for p in f["photos"] + f["after_photos"]}
    assert rich.annotated in listed


def test_a_cancelled_report_leaves_nothing_behind(rich: Sample, tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.pdf"
    with pytest.raises(layout.ReportCancelled):
        findings_report.build(rich.store, rich.inspection, target, cancelled=lambda: True)
    assert not target.exists()
    assert not list(target.parent.glob("*")) if target.parent.exists() else True


def test_the_fallback_font_is_reported(rich: Sample, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    real_find = fonts.find
    monkeypatch.delenv("INSPECTOR_FONT", raising=False)
    monkeypatch.setattr(fonts, "find", lambda configured=None: real_find(None, candidates=()))
    result = report(rich, tmp_path)
    assert result.font_notice and "STSong-Light" in result.font_notice
    # (pdffonts needs poppler-data to list a CID font; pypdf reads the font objects.)
    listed = embedded_fonts(result.path, poppler=False)
    assert [emb for name, emb in listed.items() if name.startswith("STSong-Light")] == [False]


def test_english_reports(rich: Sample, tmp_path: Path) -> None:
    i18n.set_language("en")
    result = report(rich, tmp_path)
    pages = page_texts(result.path)
    assert f"Page1of{result.pages}" in flat(pages[0])
    assert "Findings" in pages[0] + pages[1] + pages[2]


# -- the command line -----------------------------------------------------------------------


def test_cli_writes_the_report_and_the_notices(rich: Sample, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    data_dir, short_id = str(rich.store.data_dir), rich.short_id
    rich.store.close()  # issuing the report registers it: the CLI takes the lock
    target = tmp_path / "cli" / "report.pdf"
    assert cli.main(["--data-dir", data_dir, "report", short_id, "-o", str(target)]) == 0
    out = capsys.readouterr().out
    assert str(target) in out and "页，照片 8 张" in out
    assert target.exists() and "柳西社区" in all_text(target)


def test_cli_refuses_an_unknown_inspection(store: Store, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    demo.fill(store, with_photos=False)
    data_dir = str(store.data_dir)
    store.close()  # issuing writes: the CLI takes the data directory's lock
    assert cli.main(["--data-dir", data_dir, "report", "XX-NOSUCH-001", "-o",
                     str(tmp_path / "r.pdf")]) == 2
    assert "找不到检查 XX-NOSUCH-001" in capsys.readouterr().err
    assert cli.main(["--data-dir", data_dir, "notices", "XX-NOSUCH-001", "-o",
                     str(tmp_path / "n")]) == 2
    assert "找不到检查" in capsys.readouterr().err
    assert not (tmp_path / "r.pdf").exists() and not (tmp_path / "n").exists()


def test_cli_says_when_the_fallback_font_is_used(rich: Sample, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    real_find = fonts.find
    monkeypatch.delenv("INSPECTOR_FONT", raising=False)
    monkeypatch.setattr(fonts, "find", lambda configured=None: real_find(None, candidates=()))
    short_id = rich.short_id
    rich.store.close()  # issuing the report registers it: the CLI takes the lock
    assert cli.main(["--data-dir", str(rich.store.data_dir), "report", short_id,
                     "-o", str(tmp_path / "r.pdf")]) == 0
    assert "STSong-Light" in capsys.readouterr().err
    assert cli.main(["--data-dir", str(rich.store.data_dir), "report", short_id,
                     "-o", str(tmp_path / "r.pdf"), "--font", str(tmp_path / "none.ttf")]) == 2
    assert "none.ttf" in capsys.readouterr().err
