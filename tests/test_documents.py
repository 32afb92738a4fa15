"""Documents a recipient can verify: the register, signed codes, verify-document, bad files.

Each PDF kind is issued once per module (``issued``) and copies are altered per test: a
character of the text changed in a content stream, a re-saved copy, an unrelated PDF, a
file that is no PDF, cut short, stripped of its facts or with its facts edited.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pytest
from pypdf.generic import NameObject, StreamObject

from inspector import cli
from inspector.core import identity, keys
from inspector.core.errors import InspectorError
from inspector.core.store import Store
from inspector.domain import documents, findings, pdffile, rechecks, standing, verification
from inspector.domain.verification import ALTERED, GENUINE, NOT_OURS, UNCONFIRMED
from inspector.reports import (
    findings_report,
    layout,
    notices,
    recheck_report,
    summary_issue,
)
from tests.conftest import fixed_clock
from tests.test_reports import Sample, issue_settings, sample


@dataclass
class Issued:
    store: Store
    sample: Sample
    report: Path
    notice: Path
    referral: Path
    summary: Path
    recheck: Path
    folder: Path


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Issued]:
    """A findings report, a notice, a referral, a district summary and a 复查 report, each
    issued once by one laptop."""
    folder = tmp_path_factory.mktemp("issued")
    with Store.open(folder / "data", actor="王建国", wall=fixed_clock()) as store:
        made = sample(store, folder / "src")
        issue_settings(store)
        report = findings_report.build(store, made.inspection, folder / "report.pdf").path
        results = notices.build_all(store, made.inspection, folder / "notices")
        notice = next(r.path for r in results if "整改通知书" in r.path.name)
        referral = next(r.path for r in results if "交办单" in r.path.name)
        year = standing.compute(store, store.wall.today().year)
        summary_issue.write_pdf(store, year, folder / "summary.pdf")
        recheck = rechecks.start(store, inspection=made.inspection, inspectors=["李明"])
        recheck_path = recheck_report.build(store, recheck, folder / "recheck.pdf").path
        yield Issued(store, made, report, notice, referral, folder / "summary.pdf",
                     recheck_path, folder)


def check(store: Store, path: Path) -> verification.Verdict:
    return verification.verify(store, path)


# -- altering copies ------------------------------------------------------------------------


# 2026年11月29日 (年 月 日 as subset codes, the digits as ASCII), else 2026-11-29.
DATES = (re.compile(rb"\d{4}\\\d{3}\d{1,2}\\\d{3}\d{0,1}(\d)\\\d{3}"),
         re.compile(rb"\d{4}-\d{2}-\d(\d)"))


def change_one_character(source: Path, target: Path) -> str:
    """Change one digit of the first printed date (年/月/日 are subset codes, digits are
    ASCII) in a page's content stream, as pypdf lets anyone do; returns the page text
    changed from → to."""
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(str(source)))
    for page in writer.pages:
        contents = page.get_contents()
        assert contents is not None
        data = contents.get_data()
        match = next((m for m in (d.search(data) for d in DATES) if m), None)
        if match is None:
            continue
        digit = match.group(1)
        replacement = b"1" if digit != b"1" else b"2"
        start = match.start(1)
        changed = data[:start] + replacement + data[start + 1:]
        stream = StreamObject()
        stream.set_data(changed)
        page[NameObject("/Contents")] = writer._add_object(stream)
        with open(target, "wb") as handle:
            writer.write(handle)
        return f"{digit.decode()}→{replacement.decode()}"
    raise AssertionError("no date printed in the document")


def resave(source: Path, target: Path) -> None:
    """What a viewer's "save as" or a PDF tool does: read the file and write it again."""
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(str(source)))
    with open(target, "wb") as handle:
        writer.write(handle)


def unrelated_pdf(target: Path) -> Path:
    from reportlab.pdfgen.canvas import Canvas

    canvas = Canvas(str(target))
    canvas.drawString(100, 700, "Quarterly figures")
    canvas.save()
    return target


def with_attachment(source: Path, target: Path, change: dict[str, object] | None = None,
                    raw: bytes | None = None) -> None:
    """A copy whose attached facts are replaced (edited JSON, or raw bytes)."""
    reader = pypdf.PdfReader(str(source))
    data = json.loads(reader.attachments[documents.ATTACHMENT_NAME][0])
    for key, value in (change or {}).items():
        data["facts"][key] = value
    writer = pypdf.PdfWriter(clone_from=reader)
    writer.remove_attachments() if hasattr(writer, "remove_attachments") else None
    names = writer.root_object.get("/Names")
    if names is not None and "/EmbeddedFiles" in names.get_object():
        del names.get_object()["/EmbeddedFiles"]
    body = raw if raw is not None else json.dumps(data, ensure_ascii=False).encode("utf-8")
    writer.add_attachment(documents.ATTACHMENT_NAME, body)
    with open(target, "wb") as handle:
        writer.write(handle)


def without_attachment(source: Path, target: Path) -> None:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(str(source)))
    names = writer.root_object["/Names"].get_object()
    del names["/EmbeddedFiles"]
    with open(target, "wb") as handle:
        writer.write(handle)


# -- the register ---------------------------------------------------------------------------


def test_every_kind_is_registered_with_its_file_and_facts(issued: Issued) -> None:
    rows = {row["kind"]: row for row in documents.list_documents(issued.store)}
    assert set(rows) == {documents.REPORT, documents.NOTICE, documents.REFERRAL,
                         documents.SUMMARY, documents.RECHECK}
    for kind, path in ((documents.REPORT, issued.report), (documents.NOTICE, issued.notice),
                       (documents.SUMMARY, issued.summary),
                       (documents.RECHECK, issued.recheck)):
        row = issued.store.query_one(
            "SELECT d.* FROM documents d JOIN document_files f ON f.document_id = d.id"
            " WHERE f.id = ?", (documents.file_sha256(path),))
        assert row is not None and row["kind"] == kind, kind
        assert row["device"] == issued.store.device_id and row["issued_at"]
        assert row["sha256"] == documents.digest(json.loads(row["facts"]))
        assert row["addressee_name"] and row["issuer"]
        public = identity.signing_key(issued.store, row["device"])
        assert documents.signature_valid(public, row["number"], row["sha256"],
                                         row["issued_at"], bytes.fromhex(row["signature"]))
    assert rows[documents.REPORT]["number"].startswith("JC-2026-")
    assert rows[documents.SUMMARY]["number"].startswith("HZ-2026-")
    assert rows[documents.RECHECK]["number"].startswith("FC-2026-")
    assert rows[documents.SUMMARY]["addressee_name"] == "宁波市住房和城乡建设局"
    assert rows[documents.REPORT]["addressee_name"] == "柳西社区居民委员会"
    # The issuer comes from the settings when they are there.
    assert rows[documents.REPORT]["issuer"] == "宁波市海曙区南门街道办事处"


def test_unchanged_facts_keep_the_document_changed_facts_supersede_it(
        store: Store, tmp_path: Path) -> None:
    made = sample(store, tmp_path / "src")
    first = findings_report.build(store, made.inspection, tmp_path / "a.pdf")
    again = findings_report.build(store, made.inspection, tmp_path / "b.pdf")
    assert again.number == first.number and again.file_sha256 == first.file_sha256
    assert len(documents.list_documents(store)) == 1
    findings.set_status(store, made.findings["garbage"], findings.RECTIFIED)
    changed = findings_report.build(store, made.inspection, tmp_path / "c.pdf")
    assert changed.number != first.number
    listed = {row["number"]: row for row in documents.list_documents(store)}
    assert listed[first.number]["superseded_by"] == changed.number
    assert listed[changed.number]["superseded_by"] is None
    # The old file is still genuine — and says what replaced it.
    verdict = check(store, first.path)
    assert verdict.outcome == GENUINE and verdict.superseded_by == changed.number
    assert f"已被 {changed.number} 取代" in verdict.message()


# -- genuine --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["report", "notice", "referral", "summary", "recheck"])
def test_each_kind_verifies_as_genuine_where_it_was_made(issued: Issued, kind: str) -> None:
    path = getattr(issued, kind)
    verdict = check(issued.store, path)
    assert verdict.outcome == GENUINE, verdict.message()
    assert verdict.exit_code == 0
    row = documents.by_number(issued.store, str(verdict.number))[0]
    assert verdict.message() == (
        f"{path}: 真实且未被改动：{row['number']}，由 {row['issuer']} 于 2026年11月29日 "
        f"发给 {row['addressee_name']}")


def test_a_second_laptop_verifies_after_sync(tmp_path: Path) -> None:
    from tests.sync.team import make_team, send

    a, b = make_team(tmp_path, 2, [fixed_clock(), fixed_clock()])
    try:
        made = sample(a, tmp_path / "src")
        issue_settings(a)
        report = findings_report.build(a, made.inspection, tmp_path / "report.pdf")
        notice = notices.build_all(a, made.inspection, tmp_path / "notices")[0]
        year = standing.compute(a, a.wall.today().year)
        summary_issue.write_pdf(a, year, tmp_path / "summary.pdf")
        # Before the register reaches it, b knows a's key but not the documents.
        early = check(b, report.path)
        assert early.outcome == UNCONFIRMED and early.exit_code == 1
        assert "请先同步" in early.message()
        send(a, b, tmp_path)
        for path in (report.path, notice.path, tmp_path / "summary.pdf"):
            verdict = check(b, path)
            assert verdict.outcome == GENUINE, verdict.message()
            assert "宁波市海曙区南门街道办事处" in verdict.message()
        altered = tmp_path / "altered.pdf"
        change_one_character(notice.path, altered)
        assert check(b, altered).outcome == ALTERED
    finally:
        a.close()
        b.close()


# -- altered, re-saved, unrelated -----------------------------------------------------------


@pytest.mark.parametrize("kind", ["report", "notice", "summary"])
def test_one_changed_character_is_an_altered_page(issued: Issued, tmp_path: Path,
                                                  kind: str) -> None:
    altered = tmp_path / "altered.pdf"
    change_one_character(getattr(issued, kind), altered)
    verdict = check(issued.store, altered)
    assert verdict.outcome == ALTERED and verdict.reason == "pages", verdict.message()
    assert verdict.exit_code == 1 and verdict.pages_changed
    number = documents.by_number(issued.store, str(verdict.number))[0]["number"]
    assert verdict.message().startswith(
        f"{altered}: 已被改动：此文件与所发出的文件 {number} 不一致")
    assert f"第 {verdict.pages_changed[0]} 页的内容与签发时不同" in verdict.message()


def test_a_resaved_copy_is_told_apart(issued: Issued, tmp_path: Path) -> None:
    resaved = tmp_path / "resaved.pdf"
    resave(issued.notice, resaved)
    assert resaved.read_bytes() != issued.notice.read_bytes()
    verdict = check(issued.store, resaved)
    assert verdict.outcome == ALTERED and verdict.reason == "resaved"
    assert "被其他程序重新保存过" in verdict.message() and verdict.exit_code == 1


def test_an_unrelated_pdf_is_not_ours(issued: Issued, tmp_path: Path) -> None:
    other = unrelated_pdf(tmp_path / "figures.pdf")
    verdict = check(issued.store, other)
    assert verdict.outcome == NOT_OURS and verdict.reason == "no-data"
    assert verdict.message().startswith(f"{other}: 不是本团队发出的文件")
    assert "figures.pdf" in verdict.detail and verdict.exit_code == 1


def test_the_three_outcomes_have_their_own_messages(issued: Issued, tmp_path: Path) -> None:
    change_one_character(issued.report, tmp_path / "changed.pdf")
    resave(issued.report, tmp_path / "resaved.pdf")
    messages = [check(issued.store, path).message().split("\n", 1)[1] for path in (
        tmp_path / "changed.pdf", tmp_path / "resaved.pdf",
        unrelated_pdf(tmp_path / "other.pdf"))]
    assert len(set(messages)) == 3


def test_a_document_signed_by_a_stranger_is_not_ours(issued: Issued, tmp_path: Path) -> None:
    with Store.open(tmp_path / "stranger", actor="外人", wall=fixed_clock()) as stranger:
        made = sample(stranger, tmp_path / "src")
        foreign = findings_report.build(stranger, made.inspection, tmp_path / "f.pdf")
        assert check(stranger, foreign.path).outcome == GENUINE
    verdict = check(issued.store, foreign.path)
    assert verdict.outcome == NOT_OURS and verdict.reason == "unknown-device"
    assert "不在本团队设备名单上" in verdict.message()


# -- bad input ------------------------------------------------------------------------------


def test_a_file_that_is_no_pdf_is_named(issued: Issued, tmp_path: Path) -> None:
    text = tmp_path / "notice.pdf"
    text.write_text("这不是 PDF", encoding="utf-8")
    verdict = check(issued.store, text)
    assert (verdict.outcome, verdict.reason) == (NOT_OURS, "not-pdf")
    assert "notice.pdf 不是 PDF 文件" in verdict.message()
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    assert check(issued.store, empty).reason == "empty"
    assert "empty.pdf 是空文件" in check(issued.store, empty).message()


def test_a_truncated_file_is_named(issued: Issued, tmp_path: Path) -> None:
    data = issued.report.read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(data[: len(data) // 2])
    verdict = check(issued.store, cut)
    assert verdict.outcome != GENUINE and verdict.exit_code == 1
    assert verdict.reason in ("truncated", "damaged"), verdict.message()
    assert "cut.pdf" in verdict.message() and ("截断" in verdict.message()
                                               or "已损坏" in verdict.message())


def test_a_missing_file_or_a_folder_is_refused(issued: Issued, tmp_path: Path) -> None:
    with pytest.raises(InspectorError, match="找不到文件 .*nothing.pdf"):
        check(issued.store, tmp_path / "nothing.pdf")
    with pytest.raises(InspectorError, match="是文件夹"):
        check(issued.store, tmp_path)


def test_a_pdf_without_its_facts_is_named(issued: Issued, tmp_path: Path) -> None:
    stripped = tmp_path / "stripped.pdf"
    without_attachment(issued.report, stripped)
    verdict = check(issued.store, stripped)
    # The keywords still name the document: it is ours, altered.
    assert (verdict.outcome, verdict.reason) == (ALTERED, "no-data")
    assert documents.ATTACHMENT_NAME in verdict.message()


def test_tampered_facts_are_altered(issued: Issued, tmp_path: Path) -> None:
    tampered = tmp_path / "tampered.pdf"
    with_attachment(issued.notice, tampered, {"format": "notice/9"})
    verdict = check(issued.store, tampered)
    assert (verdict.outcome, verdict.reason) == (ALTERED, "facts")
    assert "嵌入的数据" in verdict.message()
    garbage = tmp_path / "garbage.pdf"
    with_attachment(issued.notice, garbage, raw=b"\xff{not json")
    verdict = check(issued.store, garbage)
    assert verdict.outcome == ALTERED and "无法读取" in verdict.message()


def test_a_forged_signature_for_a_new_number_is_altered(issued: Issued,
                                                        tmp_path: Path) -> None:
    """Facts re-signed with another key under a teammate's device id do not pass."""
    reader = pypdf.PdfReader(str(issued.report))
    data = json.loads(reader.attachments[documents.ATTACHMENT_NAME][0])
    forger = keys.DeviceKey.generate()
    data["number"] = "JC-2026-ZZ-999"
    data["signature"] = forger.sign(documents.signed_bytes(
        data["number"], data["facts_sha256"], data["issued_at"])).hex()
    forged = tmp_path / "forged.pdf"
    with_attachment(issued.report, forged, raw=json.dumps(data).encode("utf-8"))
    verdict = check(issued.store, forged)
    assert verdict.outcome == ALTERED and verdict.reason == "facts"


# -- what the pages carry -------------------------------------------------------------------


def _render(pdf: Path, page: int, dpi: int, out: Path) -> Path:
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-singlefile", "-f", str(page),
                    "-l", str(page), str(pdf), str(out)], check=True)
    return out.with_suffix(".png")


@pytest.mark.parametrize("kind", ["report", "notice"])
def test_the_qr_code_decodes_from_a_rendered_page_and_keeps_its_quiet_zone(
        issued: Issued, tmp_path: Path, kind: str) -> None:
    import cv2

    path = getattr(issued, kind)
    dpi = 300
    png = _render(path, 1, dpi, tmp_path / "page")
    image = cv2.imread(str(png))
    # OpenCV's ArUco-based detector reads every code we tried (its classic detector misses
    # about one in twenty of these at any resolution); the classic one is the fallback.
    payload, corners, _ = cv2.QRCodeDetectorAruco().detectAndDecode(image)
    if not payload:
        payload, corners, _ = cv2.QRCodeDetector().detectAndDecode(image)
    number, signature = documents.parse_payload(payload) or ("", b"")
    row = documents.by_number(issued.store, number)[0]
    assert payload == documents.qr_payload(row["number"], row["signature"])
    assert documents.signature_valid(identity.signing_key(issued.store, row["device"]),
                                     number, row["sha256"], row["issued_at"], signature)
    # The 4-module quiet zone: the outer band of the code's square is blank paper.
    setup = layout.OFFICIAL_PAGE if kind == "notice" else layout.REPORT_PAGE
    scale = dpi / 72
    height = image.shape[0]
    x0 = round((layout.A4[0] - setup.right - layout.QR_SIZE) * scale)
    y1 = height - round(layout.QR_Y * scale)
    size = round(layout.QR_SIZE * scale)
    square = cv2.cvtColor(image[y1 - size:y1, x0:x0 + size], cv2.COLOR_BGR2GRAY)
    from reportlab.graphics.barcode.qr import QrCode

    code = QrCode(layout.qr_segments(payload), qrBorder=4, qrLevel="M")
    code.qr.make()
    module = size / (code.qr.getModuleCount() + 8)
    band = int(4 * module) - 2  # a pixel of anti-aliasing either side
    for strip in (square[:band, :], square[-band:, :], square[:, :band], square[:, -band:]):
        assert strip.min() > 200, "something is drawn in the quiet zone"
    inner = square[band + 4:-band - 4, band + 4:-band - 4]
    assert inner.min() < 60  # and the code is inside
    assert corners is not None


def test_every_page_says_how_to_have_it_checked(issued: Issued) -> None:
    from tests.test_reports import page_texts

    for path in (issued.report, issued.notice, issued.summary, issued.recheck):
        number = check(issued.store, path).number
        for text in page_texts(path):
            flat = re.sub(r"\s+", "", text)
            assert "真伪核验：致电0574-87001234" in flat, path.name
            assert re.sub(r"\s+", "", str(number)) in flat
            assert "扫码核验" in flat and "签名（Ed25519）" in flat


def test_the_facts_are_attached_to_the_pdf(issued: Issued) -> None:
    reader = pypdf.PdfReader(str(issued.notice))
    data = json.loads(reader.attachments[documents.ATTACHMENT_NAME][0])
    assert data["format"] == documents.ATTACHMENT_FORMAT
    assert documents.digest(data["facts"]) == data["facts_sha256"]
    assert data["facts"]["document"] == {"kind": "notice", "issuer": "宁波市海曙区南门街道办事处",
                                         "addressee": data["addressee"]}
    assert data["facts"]["items"] and data["device"] == issued.store.device_id


def test_page_digests_survive_a_resave_but_not_an_edit(issued: Issued, tmp_path: Path) -> None:
    original = pdffile.page_digests(pypdf.PdfReader(str(issued.report)))
    resave(issued.report, tmp_path / "r.pdf")
    assert pdffile.page_digests(pypdf.PdfReader(str(tmp_path / "r.pdf"))) == original
    change_one_character(issued.report, tmp_path / "c.pdf")
    changed = pdffile.page_digests(pypdf.PdfReader(str(tmp_path / "c.pdf")))
    assert sum(a != b for a, b in zip(original, changed, strict=True)) == 1


# -- the command line -----------------------------------------------------------------------


def test_cli_verify_document_and_its_exit_codes(issued: Issued, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = str(issued.store.data_dir)  # checking only reads: the store may stay open
    assert cli.main(["--data-dir", data_dir, "verify-document", str(issued.report)]) == 0
    assert "真实且未被改动" in capsys.readouterr().out
    change_one_character(issued.report, tmp_path / "x.pdf")
    assert cli.main(["--data-dir", data_dir, "verify-document", str(tmp_path / "x.pdf"),
                     "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["outcome"] == "altered" and data["reason"] == "pages" and data["number"]
    other = unrelated_pdf(tmp_path / "other.pdf")
    assert cli.main(["--data-dir", data_dir, "--lang", "en", "verify-document",
                     str(other)]) == 1
    assert "Not a document issued by this team" in capsys.readouterr().out
    assert cli.main(["--data-dir", data_dir, "verify-document",
                     str(tmp_path / "none.pdf")]) == 2
    assert "none.pdf" in capsys.readouterr().err


def test_cli_documents_list(issued: Issued, capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = str(issued.store.data_dir)
    assert cli.main(["--data-dir", data_dir, "documents", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["kind"] for r in rows} == {"report", "notice", "referral", "summary", "recheck"}
    assert all(r["files"] and r["signed"] for r in rows)
    assert cli.main(["--data-dir", data_dir, "documents", "list", "--inspection",
                     issued.sample.inspection[:12]]) == 0
    out = capsys.readouterr().out
    assert "整改通知书" in out and "检查情况反馈" in out and "汇总表" not in out


def test_bad_files_are_named_in_english_too(issued: Issued, tmp_path: Path) -> None:
    from inspector.core import i18n

    i18n.set_language("en")
    (tmp_path / "text.pdf").write_text("hello", encoding="utf-8")
    data = issued.report.read_bytes()
    (tmp_path / "cut.pdf").write_bytes(data[: len(data) // 2])
    without_attachment(issued.report, tmp_path / "bare.pdf")
    with_attachment(issued.report, tmp_path / "edited.pdf", {"format": "x"})
    expected = {"text.pdf": "text.pdf is not a PDF file",
                "cut.pdf": "cut.pdf is incomplete (cut short)",
                "bare.pdf": "were removed", "edited.pdf": "not those it was issued with"}
    for name, words in expected.items():
        message = check(issued.store, tmp_path / name).message()
        assert message.startswith(str(tmp_path / name)) and words in message, message


def test_a_summary_keeps_its_number_until_its_figures_change(store: Store,
                                                            tmp_path: Path) -> None:
    from inspector.ops import demo

    demo.fill(store, with_photos=False)
    year = store.wall.today().year
    _font, first = summary_issue.write_pdf(store, standing.compute(store, year),
                                           tmp_path / "a.pdf")
    _font, again = summary_issue.write_pdf(store, standing.compute(store, year),
                                           tmp_path / "b.pdf")
    assert again.number == first.number and not again.fresh
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    _font, other = summary_issue.write_pdf(store, standing.compute(store, year, year_target=80.0),
                                           tmp_path / "c.pdf")
    assert other.number != first.number
    assert check(store, tmp_path / "a.pdf").superseded_by == other.number
