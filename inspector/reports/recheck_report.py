"""The 复查 report of one re-check: each finding visited, its result, and the before photo
beside the after photo; the signers and the day at the end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from inspector.core.i18n import t
from inspector.core.store import Store
from inspector.domain import communities, documents, photos, rechecks, responsibility
from inspector.reports import findings_report as report
from inspector.reports import layout
from inspector.reports.layout import MM, ReportResult

FACTS_FORMAT = "recheck-report/1"


def facts(store: Store, recheck: dict[str, Any], entries: list[rechecks.Entry]
          ) -> dict[str, Any]:
    return {
        "format": FACTS_FORMAT,
        "recheck": {k: recheck.get(k) for k in ("id", "short_id", "community_id",
                                                "inspection_id", "started_at", "status",
                                                "submitted_at", "inspectors", "signed_by")},
        "findings": [{"finding": e.finding["id"], "short_id": e.finding["short_id"],
                      "result": e.result, "note": (e.answer or {}).get("note"),
                      "new_deadline": (e.answer or {}).get("new_deadline"),
                      "after": [p["id"] for p in _after(store, e)]} for e in entries],
    }


def _after(store: Store, entry: rechecks.Entry) -> list[dict[str, Any]]:
    if entry.answer is None:
        return []
    return photos.photos_of(store, photos.target_for_followup(store, entry.answer["id"]))


def build(store: Store, recheck_id: str, target: Path, *,
          font_path: str | Path | None = None, progress: layout.Progress | None = None,
          cancelled: layout.Cancelled | None = None) -> ReportResult:
    target = layout.check_target(Path(target))
    recheck = rechecks.resolve(store, recheck_id)
    entries = rechecks.entries(store, recheck["id"])
    community = communities.get(store, recheck["community_id"])
    report_fonts = layout.load_fonts(font_path)
    styles = layout.make_styles(report_fonts)
    pairs = [(e, [p for p in photos.photos_of(store, photos.target_for_finding(
        store, e.finding["id"])) if p.get("kind") != "after"], _after(store, e))
        for e in entries]
    total = sum(min(len(b), 1) + len(a) for _e, b, a in pairs)
    placer = layout.PhotoPlacer(store, styles, total=total, progress=progress,
                                cancelled=cancelled)
    placer.warnings += list(report_fonts.warnings)
    width = layout.REPORT_PAGE.frame_width
    signed = recheck["status"] == rechecks.SUBMITTED
    stated = facts(store, recheck, entries)
    damage = placer.check([p for _e, b, a in pairs for p in b[:1] + a])
    if damage:  # placeholders instead of photos: other facts than with the photos
        stated["unavailable_photos"] = damage
    document = documents.issue_document(
        store, kind=documents.RECHECK, subject=recheck["id"],
        inspection_id=recheck.get("inspection_id"),
        issuer_name=documents.issuer_name(store, report.names_text(
            rechecks.inspectors_of(recheck))),
        addressee_key=responsibility.COMMUNITY,
        addressee_name=responsibility.committee_name(community), facts=stated,
        file_stem=str(recheck["short_id"]))

    def cell(text: object, bold: bool = False) -> Any:
        return layout.para(layout.esc(text), styles.cell_bold if bold else styles.cell,
                           bold=bold)

    from reportlab.platypus import CondPageBreak, Spacer

    day = rechecks.day_of(recheck)
    fixed = sum(1 for e in entries if e.result == rechecks.FIXED)
    not_fixed = sum(1 for e in entries if e.result == rechecks.NOT_FIXED)
    half = width / 2
    story: list[Any] = [
        layout.heading(t("整改复查记录", "Re-check record"), styles.title),
        layout.para(layout.esc(" ".join(str(p) for p in (
            community.get("district"), community.get("street"), community["name"]) if p)),
            styles.subtitle),
        Spacer(1, 5 * MM),
        layout.kv_table([
            [cell(t("复查编号", "Re-check"), True), cell(recheck["short_id"]),
             cell(t("复查日期", "Date"), True), cell(layout.date_text(day))],
            [cell(t("复查人员", "Inspectors"), True),
             cell(report.names_text(rechecks.inspectors_of(recheck))),
             cell(t("状态", "Status"), True),
             cell(t("已签字", "signed") if signed else t("草稿（未签字）", "draft (unsigned)"))],
            [cell(t("结果", "Result"), True),
             cell(t("复查 {n} 项：已整改 {a} 项（销号），未整改 {b} 项",
                    "{n} checked: {a} fixed (closed), {b} not fixed", n=fixed + not_fixed,
                    a=fixed, b=not_fixed)), "", ""],
        ], [24 * MM, half - 24 * MM, 24 * MM, half - 24 * MM], label_columns=(0, 2),
            spans=[(2, 1, 3)]),
        Spacer(1, 4 * MM),
    ]
    for number, (entry, before, after) in enumerate(pairs, start=1):
        row = entry.finding
        result = {rechecks.FIXED: t("已整改", "fixed"),
                  rechecks.NOT_FIXED: t("未整改", "not fixed")}.get(entry.result or "",
                                                                  t("未复查", "not visited"))
        note = (entry.answer or {}).get("note") or ""
        if entry.result == rechecks.NOT_FIXED and entry.answer:
            note += t("；新期限 {d}", "; new deadline {d}", d=entry.answer["new_deadline"]) \
                if note else t("新期限 {d}", "new deadline {d}", d=entry.answer["new_deadline"])
        party = responsibility.party_of(store, row).name
        facts_table = layout.kv_table([
            [cell(t("问题", "Problem"), True), cell(row["description"]),
             cell(t("结果", "Result"), True), cell(result, bold=entry.result ==
                                                   rechecks.NOT_FIXED)],
            [cell(t("位置", "Location"), True), cell(row.get("location") or ""),
             cell(t("责任方", "Party"), True), cell(party)],
            [cell(t("说明", "Note"), True), cell(note), "", ""],
        ], [20 * MM, half - 20 * MM, 20 * MM, half - 20 * MM], label_columns=(0, 2),
            spans=[(2, 1, 3)])
        # Only the heading and the first rows keep together: findings flow page to page.
        story += [CondPageBreak(40 * MM), layout.heading(
            t("{n}. {sid}", "{n}. {sid}", n=number, sid=row["short_id"]), styles.h2),
            facts_table]
        cells: list[list[Any]] = []
        use = str(row["short_id"])
        for index in range(max(min(len(before), 1), len(after))):
            first = before[index] if index < min(len(before), 1) else None
            second = after[index] if index < len(after) else None
            cells.append(report.photo_cell(placer, first, use, row.get("location"), width))
            cells.append(report.photo_cell(placer, second, use + t(" 复查", " re-check"),
                                           row.get("location"), width))
        if cells:
            story.append(placer.grid(cells, width, headers=[t("整改前", "Before"),
                                                            t("复查时", "At re-check")]))
        story.append(Spacer(1, 3 * MM))
    signers = report.names_text(rechecks.signers_of(recheck)) if signed else ""
    story += [Spacer(1, 6 * MM), layout.kv_table([
        [cell(t("复查人员签字", "Signed by"), True), cell(signers or " "),
         cell(t("日期", "Date"), True),
         cell(layout.time_text(recheck.get("submitted_at")) if signed else "")]],
        [30 * MM, half - 30 * MM, 20 * MM, half - 20 * MM], label_columns=(0, 2))]
    stamp = layout.stamp_for(document, str(recheck["inspection_id"] or recheck["id"]),
                             str(recheck["short_id"]), documents.issuer_phone(store),
                             label=t("复查编号：{s}", "Re-check: {s}", s=recheck["short_id"]))
    sealed: list[str] = []
    setup = layout.PageSetup(
        top=layout.REPORT_PAGE.top, bottom=layout.REPORT_PAGE.bottom,
        left=layout.REPORT_PAGE.left, right=layout.REPORT_PAGE.right,
        header=t("{c} 整改复查记录", "{c} re-check record", c=community["name"]),
        watermark=None if signed else t("草稿", "DRAFT"))
    pages = layout.build_pdf(target, story, setup=setup, stamp=stamp, styles=styles,
                             title=t("整改复查记录 {s}", "Re-check record {s}",
                                     s=recheck["short_id"]),
                             subject=t("整改复查记录", "Re-check record"), cancelled=cancelled,
                             finish=lambda path: sealed.append(
                                 documents.seal_file(store, document, path)))
    return ReportResult(target, pages, placer.placed, placer.warnings, report_fonts.notice(),
                        images_embedded=len(placer.embedded), verification=document.sha256,
                        number=document.number, damaged=placer.damaged,
                        file_sha256=sealed[0] if sealed else "")


