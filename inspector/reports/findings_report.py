"""The findings report (检查情况反馈) of one inspection, as an A4 PDF.

Title block, conclusion (score, 达标, counts by severity and department), the checklist by
section (failed items in bold with a mark and a grey fill, so it reads in black and white),
every finding with its photos (before/after side by side where a fix was photographed), the
other evidence photos, the signatures, and an appendix with every photo's SHA-256 so a
recipient can check the originals. Every page carries the page count, the generation time,
the inspection's short id and a verification code over the facts printed (see ``facts``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from inspector.core.errors import NotFoundError
from inspector.core.i18n import language, t
from inspector.core.store import Store
from inspector.domain import (
    documents,
    evidence,
    findings,
    followups,
    inspections,
    photos,
    places,
    responsibility,
    signatures,
)
from inspector.domain.documents import Document
from inspector.domain.inspections import InspectionView, ItemState
from inspector.domain.scoring import FAIL, NA, PASS, answer_word, verdict_text
from inspector.domain.templates import Template
from inspector.reports import layout
from inspector.reports.layout import MM, ReportResult

FACTS_FORMAT = "findings-report/2"  # 2: positions, pins and the site plan
ARABIC = str.maketrans("一二三四五六七八九十", "123456789X")  # as Item.clause_label does
RULE_SIGNS = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "==": "="}


# -- what the report is made of ---------------------------------------------------------------


@dataclass
class FindingData:
    row: dict[str, Any]
    before: list[dict[str, Any]] = field(default_factory=list)  # photos of the hazard
    after: list[dict[str, Any]] = field(default_factory=list)  # after-photos and follow-ups'
    followups: list[dict[str, Any]] = field(default_factory=list)  # each with "photos"
    position: places.Position | None = None

    @property
    def photo_count(self) -> int:
        return len(self.before) + len(self.after)


@dataclass
class ReportData:
    view: InspectionView
    findings: list[FindingData]
    response_photos: list[tuple[ItemState, list[dict[str, Any]]]]
    inspection_photos: list[dict[str, Any]]
    site_plan: dict[str, Any] | None = None  # the community's plan (photos row), if any

    @property
    def photo_placements(self) -> int:
        return (sum(f.photo_count for f in self.findings)
                + sum(len(p) for _s, p in self.response_photos) + len(self.inspection_photos))


def _finding_order(row: dict[str, Any]) -> tuple[int, str]:
    match = re.search(r"F(\d+)$", str(row.get("short_id") or ""))
    return (int(match.group(1)) if match else 1 << 30, str(row.get("short_id") or row["id"]))


def collect(store: Store, inspection_id: str) -> ReportData:
    """Everything the report shows, read once."""
    view = inspections.view(store, inspection_id)
    rows = sorted(store.query("SELECT * FROM findings WHERE inspection_id = ?"
                              " AND deleted IS NULL", (view.id,)),
                  key=_finding_order)
    found: list[FindingData] = []
    for row in rows:
        linked = photos.photos_of(store, photos.Target("finding", row["id"], view.id,
                                                       row["short_id"]))
        data = FindingData(row, [p for p in linked if p.get("kind") != "after"],
                           [p for p in linked if p.get("kind") == "after"],
                           position=places.finding_position(store, row))
        for visit in followups.of_finding(store, row["id"]):
            visit = dict(visit)
            visit["photos"] = photos.photos_of(store, photos.Target(
                "followup", visit["id"], view.id, row["short_id"]))
            data.after += [p for p in visit["photos"] if p["id"] not in
                           {a["id"] for a in data.after}]
            data.followups.append(visit)
        found.append(data)
    response_photos = []
    for state in view.items:
        if view.photo_counts.get(state.item.code):
            response_photos.append((state, photos.photos_of(store, photos.Target(
                "response", f"{view.id}:{state.item.code}", view.id,
                f"{view.row['short_id']}:{state.item.code}"))))
    inspection_photos = photos.photos_of(store, photos.Target("inspection", view.id, view.id,
                                                              view.row["short_id"]))
    return ReportData(view, found, response_photos, inspection_photos,
                      places.site_plan_of(store, view.community["id"]))


def photo_fact(row: dict[str, Any]) -> dict[str, Any]:
    return {"sha256": row["id"], "name": row.get("original_name"),
            "taken_at": row.get("taken_at"), "latitude": row.get("latitude"),
            "longitude": row.get("longitude"), "kind": row.get("kind"),
            "caption": row.get("caption"), "annotations": row.get("annotations")}


def finding_fact(data: FindingData) -> dict[str, Any]:
    row = data.row
    position = data.position
    return {
        **{key: row.get(key) for key in (
            "short_id", "item_code", "category", "description", "location",
            "severity", "department", "deadline", "status")},
        "position": None if position is None else {
            "latitude": position.latitude, "longitude": position.longitude,
            "source": position.source, "photo": position.photo, "stored": position.stored},
        "pin": None if row.get("pin_x") is None else {
            "plan": row.get("pin_plan"), "x": row.get("pin_x"), "y": row.get("pin_y")},
        "photos": [photo_fact(p) for p in data.before],
        "after_photos": [photo_fact(p) for p in data.after],
        "followups": [{key: visit.get(key) for key in (
            "visited_on", "inspector", "result", "note")} for visit in data.followups],
    }


def inspection_fact(view: InspectionView) -> dict[str, Any]:
    row, community = view.row, view.community
    return {
        "id": view.id, "short_id": row["short_id"], "status": row["status"],
        "started_at": row.get("started_at"), "finished_at": row.get("finished_at"),
        "inspectors": inspections.inspectors_of(row),
        "departments": inspections.departments_of(row),
        "signed_by": inspections.signers_of(row),
        "representative": row.get("representative"),
        "reopen_reason": row.get("reopen_reason"),
        "template": view.template.uid, "template_title": view.template.title,
        "community": {key: community.get(key) for key in (
            "district", "street", "name", "address")},
    }


def facts(data: ReportData) -> dict[str, Any]:
    """Exactly the facts the report prints; the verification code is their SHA-256.

    Derived values that depend on the day of printing (overdue) are left out: they follow
    from the deadline and the printed generation time.
    """
    view = data.view
    return {
        "format": FACTS_FORMAT,
        "inspection": inspection_fact(view),
        "answers": [{"code": s.item.code, "answer": s.answer, "value": s.value,
                     "note": s.note} for s in view.items],
        "score": {"percent": None if view.score.percent is None
                  else round(view.score.percent, 1), "met": view.score.met},
        "findings": [finding_fact(f) for f in data.findings],
        "response_photos": {state.item.code: [photo_fact(p) for p in rows]
                            for state, rows in data.response_photos},
        "inspection_photos": [photo_fact(p) for p in data.inspection_photos],
        "site_plan": data.site_plan["id"] if data.site_plan else None,
        "signatures": {"inspector": view.row.get("inspector_signature"),
                       "representative": view.row.get("representative_signature")},
    }


# -- labels ---------------------------------------------------------------------------------


def department_label(template: Template, code: str | None) -> str:
    if not code:
        return ""
    try:
        return template.department(code).label()
    except NotFoundError:
        return code


def severity_label(template: Template, code: str | None) -> str:
    if not code:
        return ""
    try:
        return template.severity(code).label()
    except NotFoundError:
        return code


def category_label(template: Template, code: str | None) -> str:
    if not code:
        return ""
    try:
        return template.category(code).label()
    except NotFoundError:
        return code


def status_label(row: dict[str, Any], on: date) -> str:
    names = {findings.OPEN: t("待整改", "open"), findings.RECTIFIED: t("已整改", "rectified"),
             findings.VERIFIED: t("已复查", "verified")}
    text = names.get(row.get("status") or "", row.get("status") or "")
    try:
        overdue = findings.is_overdue(row, on)
    except (TypeError, ValueError):
        overdue = False
    return text + (t("（已逾期）", " (overdue)") if overdue else "")


def deadline_label(row: dict[str, Any]) -> str:
    try:
        return layout.date_text(date.fromisoformat(row["deadline"])) if row.get("deadline") \
            else ""
    except ValueError:
        return str(row["deadline"])


def status_of_inspection(view: InspectionView) -> str:
    names = {inspections.DRAFT: t("草稿（未提交）", "draft (not submitted)"),
             inspections.SUBMITTED: t("已提交", "submitted"),
             inspections.REOPENED: t("已重新打开", "reopened")}
    text = names.get(view.status, view.status)
    if view.status == inspections.SUBMITTED and view.row.get("finished_at"):
        text += f"（{layout.time_text(view.row['finished_at'])}）" if language() != "en" \
            else f" ({layout.time_text(view.row['finished_at'])})"
    return text


def names_text(names: Sequence[str]) -> str:
    return ("、" if language() != "en" else ", ").join(names)


def answer_text(state: ItemState) -> str:
    item = state.item
    value = inspections.value_text(state)
    if item.encouraged:
        return t("有（加 {p:g} 分）", "yes (+{p:g})", p=item.weight) if state.answer == PASS \
            else t("无", "none") if state.answer else t("未填", "—")
    word = answer_word(state.answer)
    if state.answer == FAIL:
        word = "× " + word
    if value and state.answer != NA:
        return f"{word}（{value}）" if language() != "en" else f"{word} ({value})"
    return word


# -- building -------------------------------------------------------------------------------


def photo_cell(placer: layout.PhotoPlacer, row: dict[str, Any] | None, use: str,
               place: str | None, width: float) -> list[Any]:
    """One cell of a two-column photo grid ``width`` wide (empty for None)."""
    if row is None:
        return []
    box_w = width / 2 - 8 * MM
    return placer.photo(row, use, place=place, width=box_w, height=box_w * 0.75)


def finding_photos(placer: layout.PhotoPlacer, data: FindingData, width: float) -> list[Any]:
    """A finding's photos two per row; before and after side by side when there are
    after-photos (of the finding or of its follow-ups)."""
    if not data.photo_count:
        return []
    use = str(data.row.get("short_id") or "")
    place = data.row.get("location")
    if data.after:
        cells: list[list[Any]] = []
        for index in range(max(len(data.before), len(data.after))):
            before = data.before[index] if index < len(data.before) else None
            after = data.after[index] if index < len(data.after) else None
            cells.append(photo_cell(placer, before, use, place, width))
            cells.append(photo_cell(placer, after, use + t(" 整改后", " after"), place, width))
        return [placer.grid(cells, width,
                            headers=[t("整改前", "Before"), t("整改后", "After")])]
    cells = [photo_cell(placer, p, use, place, width) for p in data.before]
    return [placer.grid(cells, width)]


class _Builder:
    def __init__(self, store: Store, data: ReportData, styles: layout.Styles,
                 placer: layout.PhotoPlacer, generated: datetime) -> None:
        self.store = store
        self.data = data
        self.view = data.view
        self.template = data.view.template
        self.s = styles
        self.placer = placer
        self.width = layout.REPORT_PAGE.frame_width
        self.generated = generated
        self.sections = 0

    def h1(self, text: str) -> Any:
        self.sections += 1
        return layout.heading(layout.section_number(self.sections) + text, self.s.h1)

    def cell(self, text: object, *, bold: bool = False) -> Any:
        return layout.para(layout.esc(text), self.s.cell_bold if bold else self.s.cell,
                           bold=bold)

    def label(self, text: str) -> Any:
        return layout.para(layout.esc(text), self.s.label, bold=True)

    # -- parts --

    def title_block(self) -> list[Any]:
        from reportlab.platypus import Spacer

        view, row, community = self.view, self.view.row, self.view.community
        started = layout.day_of(row.get("started_at"))
        w = self.width
        widths = [24 * MM, w / 2 - 24 * MM, 24 * MM, w / 2 - 24 * MM]
        departments = [department_label(self.template, code)
                       for code in inspections.departments_of(row)]
        rows: list[list[Any]] = [
            [self.label(t("社区名称", "Community")), self.cell(community["name"]),
             self.label(t("检查编号", "Inspection")), self.cell(row["short_id"])],
            [self.label(t("区县(市)", "District")), self.cell(community.get("district")),
             self.label(t("街道", "Street")), self.cell(community.get("street"))],
            [self.label(t("地址", "Address")), self.cell(community.get("address") or ""),
             "", ""],
            [self.label(t("检查日期", "Date")),
             self.cell(layout.date_text(started) if started else ""),
             self.label(t("状态", "Status")), self.cell(status_of_inspection(view))],
            [self.label(t("检查人员", "Inspectors")),
             self.cell(names_text(inspections.inspectors_of(row))), "", ""],
            [self.label(t("联合检查部门", "Joint team")),
             self.cell(names_text(departments) or t("无", "none")), "", ""],
            [self.label(t("检查表", "Checklist")),
             self.cell(t("{title}（第 {v} 版，{uid}）", "{title} (version {v}, {uid})",
                         title=self.template.label(), v=self.template.version,
                         uid=self.template.uid)), "", ""],
        ]
        spans = [(2, 1, 3), (4, 1, 3), (5, 1, 3), (6, 1, 3)]
        if row.get("reopen_reason"):
            rows.append([self.label(t("重新打开原因", "Reopened because")),
                         self.cell(row["reopen_reason"]), "", ""])
            spans.append((len(rows) - 1, 1, 3))
        subtitle = " ".join(p for p in (community.get("district"), community.get("street"),
                                        community["name"]) if p)
        return [
            layout.heading(t("绿色社区建设检查情况反馈", "Green Community Inspection Report"),
                           self.s.title),
            layout.para(layout.esc(subtitle), self.s.subtitle),
            Spacer(1, 6 * MM),
            self.h1(t("基本情况", "Inspection")),
            layout.kv_table(rows, widths, label_columns=(0,), spans=spans),
        ]

    def summary(self) -> list[Any]:
        from reportlab.platypus import Spacer

        score = self.view.score
        w = self.width
        percent = "—" if score.percent is None else f"{score.percent:.1f}%"
        threshold = f"{self.template.rule.min_score_percent:g}%"
        if score.met:
            verdict = verdict_text(True)
        elif score.unanswered and not score.key_failed and (score.percent or 0) >= \
                self.template.rule.min_score_percent:
            verdict = t("尚不能判定（有未填项）", "not yet decided (items unanswered)")
        else:
            verdict = verdict_text(False)
        reasons: list[str] = []
        if score.key_failed:
            reasons.append(t("一票否决项 {c} 不符合", "key items {c} failed",
                             c=names_text(score.key_failed)))
        if score.key_unanswered:
            reasons.append(t("一票否决项 {c} 未填", "key items {c} unanswered",
                             c=names_text(score.key_unanswered)))
        if score.percent is not None and score.percent < self.template.rule.min_score_percent:
            reasons.append(t("得分低于 {p}", "score below {p}", p=threshold))
        items = t("共 {n} 项：符合 {p}，不符合 {f}，不适用 {na}，仅记录 {r}，未填 {u}",
                  "{n} items: {p} pass, {f} fail, {na} n/a, {r} recorded, {u} unanswered",
                  n=len(self.view.items), p=score.passed, f=score.failed,
                  na=score.not_applicable, r=score.recorded, u=len(score.unanswered))
        severity_counts = {s.code: 0 for s in self.template.severities}
        for finding in self.data.findings:
            code = finding.row.get("severity") or ""
            severity_counts[code] = severity_counts.get(code, 0) + 1
        by_severity = ("，" if language() != "en" else ", ").join(
            f"{severity_label(self.template, code)} {n}"
            for code, n in sorted(severity_counts.items(), key=self._severity_rank))
        finding_text = t("共 {n} 项：{s}", "{n} in all: {s}", n=len(self.data.findings),
                         s=by_severity)
        widths = [24 * MM, w / 2 - 24 * MM, 24 * MM, w / 2 - 24 * MM]
        score_text = t("{s}（合格线 {p}）", "{s} (pass mark {p})", s=percent, p=threshold)
        if score.bonus:
            score_text += t("，含鼓励项加 {b:g} 分", ", with {b:g} bonus points", b=score.bonus)
        rows: list[list[Any]] = [
            [self.label(t("得分", "Score")), self.cell(score_text),
             self.label(t("结论", "Result")), self.cell(verdict, bold=not score.met)],
            [self.label(t("达标规则", "Pass rule")),
             self.cell(self.template.rule_text(prefix=False)), "", ""],
            [self.label(t("检查项", "Items")), self.cell(items), "", ""],
        ]
        spans = [(1, 1, 3), (2, 1, 3)]
        if reasons and not score.met:
            rows.append([self.label(t("未达标原因", "Why not")),
                         self.cell(("；" if language() != "en" else "; ").join(reasons)),
                         "", ""])
            spans.append((len(rows) - 1, 1, 3))
        rows.append([self.label(t("问题", "Findings")), self.cell(finding_text), "", ""])
        spans.append((len(rows) - 1, 1, 3))
        story: list[Any] = [self.h1(t("检查结论", "Result")),
                            layout.kv_table(rows, widths, label_columns=(0, 2), spans=spans)]
        if self.data.findings:
            story.append(Spacer(1, 4 * MM))
            story.append(self.department_table())
        return story

    def _severity_rank(self, pair: tuple[str, int]) -> int:
        order = [s.code for s in self.template.severities][::-1]  # severe first
        return order.index(pair[0]) if pair[0] in order else len(order)

    def department_table(self) -> Any:
        from reportlab.lib.colors import Color, black

        severities = sorted([s.code for s in self.template.severities],
                            key=lambda c: self._severity_rank((c, 0)))
        counts: dict[str, dict[str, int]] = {}
        for finding in self.data.findings:
            row = finding.row
            dept = counts.setdefault(row.get("department") or "", {})
            dept["total"] = dept.get("total", 0) + 1
            dept[row.get("severity") or ""] = dept.get(row.get("severity") or "", 0) + 1
            if row.get("status") != findings.VERIFIED:
                dept["pending"] = dept.get("pending", 0) + 1
        order = [d.code for d in self.template.departments]
        header = [t("责任部门", "Department"), t("合计", "Total")]
        header += [severity_label(self.template, c) for c in severities]
        header += [t("未完成复查", "Pending")]
        rows: list[list[Any]] = [[layout.para(layout.esc(h), self.s.cell_center, bold=True)
                                  for h in header]]
        for code in sorted(counts, key=lambda c: order.index(c) if c in order else 99):
            dept = counts[code]
            rows.append([self.cell(department_label(self.template, code))]
                        + [layout.para(str(dept.get(k, 0)), self.s.cell_center)
                           for k in ["total", *severities, "pending"]])
        number_width, last_width = 16 * MM, 24 * MM
        widths = [self.width - number_width * (len(header) - 2) - last_width] + \
            [number_width] * (len(header) - 2) + [last_width]
        return layout.table(rows, widths, [
            ("GRID", (0, 0), (-1, -1), 0.5, black),
            ("BACKGROUND", (0, 0), (-1, 0), Color(layout.FILL_LABEL, layout.FILL_LABEL,
                                                   layout.FILL_LABEL)),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ], repeat_rows=1)

    def checklist(self) -> list[Any]:
        from reportlab.lib.colors import Color, black
        from reportlab.platypus import Spacer

        w = self.width
        widths = [15 * MM, w - 15 * MM - 27 * MM - 42 * MM, 27 * MM, 42 * MM]
        header = [t("编号", "Code"), t("检查内容", "Item"), t("结果", "Result"),
                  t("备注", "Note")]
        rows: list[list[Any]] = [[layout.para(layout.esc(h), self.s.cell_center, bold=True)
                                  for h in header]]
        commands: list[tuple[Any, ...]] = [
            ("GRID", (0, 0), (-1, -1), 0.5, black),
            ("BACKGROUND", (0, 0), (-1, 0), Color(layout.FILL_LABEL, layout.FILL_LABEL,
                                                   layout.FILL_LABEL)),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ]
        failed_fill = Color(layout.FILL_FAILED, layout.FILL_FAILED, layout.FILL_FAILED)
        section_fill = Color(layout.FILL_SECTION, layout.FILL_SECTION, layout.FILL_SECTION)
        states = {s.item.code: s for s in self.view.items}
        for section in self.template.sections:
            clause = f"（{section.clause}）" if section.clause and language() != "en" else (
                f" ({section.clause.translate(ARABIC)})" if section.clause else "")
            rows.append([layout.para(layout.esc(section.label() + clause), self.s.cell_bold,
                                     bold=True), "", "", ""])
            index = len(rows) - 1
            commands += [("SPAN", (0, index), (-1, index)),
                         ("BACKGROUND", (0, index), (-1, index), section_fill)]
            for item in section.items:
                state = states[item.code]
                failed = state.answer == FAIL
                text = item.label()
                rule = item.pass_if
                if rule is not None and f"{rule.value:g}" not in text:
                    text += t("（合格：{r}{u}）", " (pass: {r}{u})", u=item.unit,
                              r=RULE_SIGNS.get(rule.op, rule.op) + f" {rule.value:g}")
                code = ("★" if item.key else "") + item.code
                rows.append([self.cell(code, bold=failed), self.cell(text, bold=failed),
                             self.cell(answer_text(state), bold=failed),
                             self.cell(state.note or "", bold=failed)])
                if failed:
                    index = len(rows) - 1
                    commands.append(("BACKGROUND", (0, index), (-1, index), failed_fill))
        table = layout.table(rows, widths, commands, repeat_rows=1)
        legend = t("说明：★ 为一票否决项；“×”、灰底、加粗为不符合项。",
                   "★ key item (veto); failed items are marked ×, bold, on grey.")
        return [self.h1(t("检查项结果", "Checklist")), table, Spacer(1, 2 * MM),
                layout.para(layout.esc(legend), self.s.caption)]

    def finding_block(self, number: int, data: FindingData) -> list[Any]:
        from reportlab.platypus import Spacer

        row = data.row
        w = self.width
        widths = [22 * MM, w / 2 - 22 * MM, 22 * MM, w / 2 - 22 * MM]
        item_text = ""
        if row.get("item_code"):
            try:
                item = self.template.item(row["item_code"])
                item_text = f"{item.code} {item.label()}"
            except NotFoundError:
                item_text = str(row["item_code"])
        severe = row.get("severity") == "severe"
        rows: list[list[Any]] = [
            [self.label(t("问题描述", "Description")), self.cell(row["description"]), "", ""],
            [self.label(t("位置", "Location")), self.cell(row.get("location") or ""), "", ""],
            [self.label(t("坐标", "Coordinates")),
             self.cell(data.position.describe() if data.position else t("未标定", "not set")),
             "", ""],
            [self.label(t("责任部门", "Department")),
             self.cell(department_label(self.template, row.get("department"))),
             self.label(t("严重程度", "Severity")),
             self.cell(severity_label(self.template, row.get("severity")), bold=severe)],
            [self.label(t("整改期限", "Deadline")), self.cell(deadline_label(row)),
             self.label(t("状态", "Status")),
             self.cell(status_label(row, self.generated.date()))],
        ]
        spans = [(0, 1, 3), (1, 1, 3), (2, 1, 3)]
        plan_sha = self.data.site_plan["id"] if self.data.site_plan else None
        if row.get("pin_x") is not None:
            where = places.describe_pin(row, plan_sha)
            if plan_sha and row.get("pin_plan") == plan_sha:
                where = t("见“问题位置图”标记 {n}；", "marker {n} on the site plan; ",
                          n=number) + where
            rows.append([self.label(t("平面图", "Site plan")), self.cell(where), "", ""])
            spans.append((len(rows) - 1, 1, 3))
        if item_text:
            rows.append([self.label(t("关联检查项", "Checklist item")), self.cell(item_text),
                         "", ""])
            spans.append((len(rows) - 1, 1, 3))
        for visit in data.followups:
            result = t("已整改", "rectified") if visit.get("result") == "rectified" else \
                t("未整改", "not rectified")
            text = f"{visit.get('visited_on') or ''}  {visit.get('inspector') or ''}  {result}"
            if visit.get("note"):
                text += f"  {visit['note']}"
            rows.append([self.label(t("复查", "Follow-up")), self.cell(text), "", ""])
            spans.append((len(rows) - 1, 1, 3))
        title = t("问题 {n}　{sid}　{cat}", "Finding {n}  {sid}  {cat}", n=number,
                  sid=row.get("short_id") or "", cat=category_label(self.template,
                                                                   row.get("category")))
        # Findings flow: only the heading keeps with its table (the heading's keepWithNext);
        # the photos follow where they fit, their captions carry the finding's P numbers.
        # Keeping each finding whole put one finding on a page (issue 13).
        facts_table = layout.kv_table(rows, widths, label_columns=(0, 2), spans=spans)
        pictures = self.finding_photos(data)
        story: list[Any] = [layout.heading(title, self.s.h2), facts_table, *pictures]
        story.append(Spacer(1, 4 * MM))
        return story

    def photo_cell(self, row: dict[str, Any] | None, use: str, place: str | None) -> list[Any]:
        return photo_cell(self.placer, row, use, place, self.width)

    def finding_photos(self, data: FindingData) -> list[Any]:
        return finding_photos(self.placer, data, self.width)

    def findings_section(self) -> list[Any]:
        story: list[Any] = [self.h1(t("问题清单", "Findings"))]
        if not self.data.findings:
            story.append(layout.para(layout.esc(t("本次检查未发现问题。",
                                                  "No findings were recorded.")),
                                     self.s.body))
            return story
        for number, data in enumerate(self.data.findings, start=1):
            story += self.finding_block(number, data)
        return story

    def site_plan_section(self) -> list[Any]:
        """The community's site plan with the findings' pins, numbered as in the list."""
        from reportlab.platypus import KeepTogether

        plan = self.data.site_plan
        if plan is None:
            return []
        rows = [data.row for data in self.data.findings]
        pins = places.pins_on(rows, str(plan["id"]))
        if not pins:
            return []
        try:
            image = places.plan_image(self.store, plan, pins)
        except Exception as exc:  # noqa: BLE001 - a damaged or missing plan: say so, go on
            self.placer.warnings.append(t("总平面图无法显示：{e}",
                                          "The site plan cannot be shown: {e}", e=exc))
            return []
        self.placer.embedded.add(str(image))
        by_id = {str(row["id"]): row for row in rows}
        legend = ("；" if language() != "en" else "; ").join(
            f"{pin.label} {by_id[pin.finding_id].get('short_id') or ''} "
            f"{category_label(self.template, by_id[pin.finding_id].get('category'))}"
            for pin in pins)
        height = self.width * 0.95
        return [KeepTogether([
            self.h1(t("问题位置图（总平面图）", "Where the findings are (site plan)")),
            layout.jpeg_image(image, self.width, height),
            layout.para(layout.esc(t("标记编号即问题编号：", "Markers are numbered as the "
                                     "findings: ") + legend), self.s.caption)])]

    def other_photos(self) -> list[Any]:
        if not self.data.response_photos and not self.data.inspection_photos:
            return []
        story: list[Any] = [self.h1(t("检查项及现场照片", "Checklist and site photos"))]
        for state, rows in self.data.response_photos:
            use = f"{self.view.row['short_id']}:{state.item.code}"
            story.append(layout.heading(f"{state.item.code}  {state.item.label()}  "
                                        f"[{answer_text(state)}]", self.s.h2))
            story += self.photos_once(rows, use)
        if self.data.inspection_photos:
            story.append(layout.heading(t("现场照片", "Site photos"), self.s.h2))
            story += self.photos_once(self.data.inspection_photos,
                                      str(self.view.row["short_id"]))
        return story

    def photos_once(self, rows: list[dict[str, Any]], use: str) -> list[Any]:
        """A photo already printed (under a finding) is referred to by its number."""
        seen = [self.placer.entry(p, use).number for p in rows
                if str(p["id"]) in self.placer.entries]
        new = [p for p in rows if str(p["id"]) not in self.placer.entries]
        story: list[Any] = []
        if seen:
            story.append(layout.para(layout.esc(t(
                "另见照片 {p}（已在上文列出）", "See also photo(s) {p} (shown above)",
                p=", ".join(f"P{n}" for n in seen))), self.s.caption))
        if new:
            story.append(self.placer.grid([self.photo_cell(p, use, None) for p in new],
                                          self.width))
        return story

    def signatures_section(self) -> list[Any]:
        from reportlab.lib.colors import black
        from reportlab.platypus import KeepTogether

        row = self.view.row
        half = self.width / 2
        sig_w, sig_h = half - 20 * MM, 22 * MM

        def sig(sha: str | None) -> Any:
            path = signatures.path_of(self.store, sha) if sha else None
            if path is None:
                return layout.ruled_space(sig_w, sig_h, gap=sig_h - 1)
            return self.placer.signature(path, sig_w, sig_h,
                                         t("签名图片缺失", "Signature image missing"))

        finished = layout.day_of(row.get("finished_at"))
        when = layout.date_text(finished) if finished else t("（未提交）", "(not submitted)")
        signers = inspections.signers_of(row) or inspections.inspectors_of(row)
        rows = [
            [layout.para(layout.esc(t("检查人员", "Inspectors")), self.s.cell_center,
                         bold=True),
             layout.para(layout.esc(t("社区代表", "Community representative")),
                         self.s.cell_center, bold=True)],
            [sig(row.get("inspector_signature")), sig(row.get("representative_signature"))],
            [layout.para(layout.esc(names_text(signers)), self.s.cell_center),
             layout.para(layout.esc(row.get("representative") or ""), self.s.cell_center)],
            [layout.para(layout.esc(when), self.s.cell_center),
             layout.para(layout.esc(when), self.s.cell_center)],
        ]
        table = layout.table(rows, [half, half], [
            ("BOX", (0, 0), (-1, -1), 0.5, black),
            ("LINEAFTER", (0, 0), (0, -1), 0.5, black),
            ("LINEBELOW", (0, 0), (-1, 0), 0.5, black),
            ("ALIGN", (0, 0), (-1, -1), "CENTER"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 1), (-1, 1), 6),
        ])
        return [KeepTogether([self.h1(t("签字确认", "Signatures")), table])]

    def appendix(self, document: Document) -> list[Any]:
        from reportlab.lib.colors import Color, black
        from reportlab.platypus import PageBreak, Spacer

        story: list[Any] = [PageBreak(), layout.heading(
            t("附录　照片原件校验清单", "Appendix: photo originals"), self.s.h1),
            layout.para(layout.esc(t(
                "下表列出本报告引用的每张照片原件的 SHA-256 值。收件人可用 sha256sum、"
                "certutil -hashfile 等工具计算原件的 SHA-256 并与本表核对；报告中的照片为按原件"
                "缩放并绘制标注的副本。",
                "The SHA-256 of every photo original this report refers to. Compute the "
                "SHA-256 of an original (sha256sum, certutil -hashfile) and compare; the photos "
                "in the report are scaled copies of the originals with annotations drawn.")),
                self.s.body),
            Spacer(1, 3 * MM)]
        w = self.width
        widths = [12 * MM, 52 * MM, w - 12 * MM - 52 * MM - 56 * MM, 56 * MM]
        header = [t("编号", "No."), t("原始文件名", "Original file"), t("用于", "Used for"),
                  "SHA-256"]
        rows: list[list[Any]] = [[layout.para(layout.esc(h), self.s.cell_center, bold=True)
                                  for h in header]]
        for sha, entry in self.placer.entries.items():
            name = str(entry.row.get("original_name") or "")
            if entry.missing and entry.problem:
                name += f"（{entry.problem}）" if language() != "en" else f" ({entry.problem})"
            rows.append([self.cell(f"P{entry.number}"), self.cell(name),
                         self.cell(names_text(entry.uses)),
                         layout.para(f"{sha[:32]}<br/>{sha[32:]}", self.s.mono)])
        for label, signature in ((t("检查人员签名", "Inspector's signature"),
                                  self.view.row.get("inspector_signature")),
                                 (t("社区代表签名", "Representative's signature"),
                                  self.view.row.get("representative_signature"))):
            if signature:
                sha = str(signature)
                rows.append([self.cell("—"), self.cell(label), self.cell(t("签名", "signature")),
                             layout.para(f"{sha[:32]}<br/>{sha[32:]}", self.s.mono)])
        if len(rows) == 1:
            rows.append([self.cell("—"), self.cell(t("本报告没有照片", "No photos")), "", ""])
        table = layout.table(rows, widths, [
            ("GRID", (0, 0), (-1, -1), 0.5, black),
            ("BACKGROUND", (0, 0), (-1, 0), Color(layout.FILL_LABEL, layout.FILL_LABEL,
                                                   layout.FILL_LABEL)),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ], repeat_rows=1)
        story += [table, Spacer(1, 5 * MM), layout.para(layout.esc(t(
            "本报告编号 {n}，{t} 签发。报告所载数据（检查项结果、问题、照片与签名的 SHA-256 "
            "等）以附件 {a} 嵌入本 PDF；每页二维码与页脚的签名是签发设备对编号、下列数据校验值"
            "（规范 JSON 的 SHA-256）与签发时间的 Ed25519 签名。核验本文件：inspector "
            "verify-document 文件.pdf，或将 PDF 原文件交签发单位。",
            "This report is document {n}, issued {t}. The facts it prints (answers, findings, "
            "photo and signature hashes) are embedded in this PDF as {a}; the QR code and the "
            "signature in every footer are the issuing device's Ed25519 signature over the "
            "number, the digest below (SHA-256 of the facts as canonical JSON) and the moment "
            "of issue. To check this file: inspector verify-document FILE.pdf, or hand the "
            "PDF file to its issuer.", n=document.number,
            t=f"{datetime.fromisoformat(document.issued_at):%Y-%m-%d %H:%M}",
            a=documents.ATTACHMENT_NAME)),
            self.s.caption), layout.para(document.sha256, self.s.mono)]
        return story


def all_photos(data: ReportData) -> list[dict[str, Any]]:
    """Every photo the report places, in order (a photo may come more than once)."""
    rows = [p for f in data.findings for p in f.before + f.after]
    rows += [p for _state, found in data.response_photos for p in found]
    return rows + data.inspection_photos


def build(store: Store, inspection_id: str, target: Path, *,
          font_path: str | Path | None = None, progress: layout.Progress | None = None,
          cancelled: layout.Cancelled | None = None) -> ReportResult:
    """Issue and write the findings report of an inspection (id, short id or unique prefix)
    to ``target``; return what was written and what the caller should tell the user.

    The report is registered as an issued document (the same facts keep their number) and
    sealed; photos whose originals are missing or altered are placeholders, listed in the
    facts and in ``ReportResult.damaged``."""
    target = layout.check_target(Path(target))
    resolved = inspections.resolve(store, inspection_id)["id"]
    data = collect(store, resolved)
    report_fonts = layout.load_fonts(font_path)
    styles = layout.make_styles(report_fonts)
    where = evidence.context(store, resolved)
    placer = layout.PhotoPlacer(store, styles, total=data.photo_placements,
                                progress=progress, cancelled=cancelled,
                                hints=lambda row: evidence.hints(row, where))
    placer.warnings += list(report_fonts.warnings)
    stated = facts(data)
    damage = placer.check(all_photos(data))
    if damage:  # a report with placeholders states other facts than one with the photos
        stated["unavailable_photos"] = damage
    view = data.view
    community = view.community
    document = documents.issue_document(
        store, kind=documents.REPORT, subject=view.id, inspection_id=view.id,
        issuer_name=documents.issuer_name(store, names_text(inspections.inspectors_of(
            view.row))),
        addressee_key=responsibility.COMMUNITY,
        addressee_name=responsibility.committee_name(community), facts=stated,
        file_stem=str(view.row["short_id"]))
    generated = datetime.fromisoformat(document.issued_at)
    builder = _Builder(store, data, styles, placer, generated)
    story: list[Any] = []
    story += builder.title_block()
    story += builder.summary()
    story += builder.checklist()
    story += builder.findings_section()
    story += builder.site_plan_section()
    story += builder.other_photos()
    story += builder.signatures_section()
    story += builder.appendix(document)
    setup = layout.PageSetup(
        top=layout.REPORT_PAGE.top, bottom=layout.REPORT_PAGE.bottom,
        left=layout.REPORT_PAGE.left, right=layout.REPORT_PAGE.right,
        header=t("{c} 绿色社区建设检查情况反馈", "{c} green community inspection report",
                 c=community["name"]),
        watermark=t("草稿", "DRAFT") if view.status != inspections.SUBMITTED else None)
    stamp = layout.stamp_for(document, view.id, str(view.row["short_id"]),
                             documents.issuer_phone(store))
    sealed: list[str] = []
    pages = layout.build_pdf(
        target, story, setup=setup, stamp=stamp, styles=styles,
        title=t("{c} 绿色社区建设检查情况反馈 {s}", "{c} green community inspection report {s}",
                c=community["name"], s=view.row["short_id"]),
        subject=t("检查情况反馈", "Inspection report"), cancelled=cancelled,
        finish=lambda path: sealed.append(documents.seal_file(store, document, path)))
    return ReportResult(target, pages, placer.placed, placer.warnings, report_fonts.notice(),
                        images_embedded=len(placer.embedded), verification=document.sha256,
                        number=document.number, damaged=placer.damaged,
                        file_sha256=sealed[0] if sealed else "")
