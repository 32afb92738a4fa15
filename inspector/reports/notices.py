"""Official documents of an inspection: 整改通知书 to each responsible party, 交办单 to each
supervising department.

A **整改通知书** goes to whoever must fix the hazards (the estate's property company, the
community's 居委会 or an owner unit), issued by the street office in its own name and number
(GB/T 9704 conventions: 发文机关标志, 文号, red rule, title, 主送, body in 仿宋/宋体 where the
machine has it, a table of problems with location, requirement, plan basis and deadline,
contact, issuer and date with room for the seal, inspectors, 抄送 the supervising units, a
签收 slip), then, after the seal block, the reply slip (附件1) and the photos (附件2), each
referred to by number in the table.

A **交办单** goes to each supervising department (through the street's command centre): 交办事项,
点位, 问题, 责任方, 办理时限, 反馈要求, each item pointing to the notice that asked the party.

Each document is registered (``inspector.domain.documents``) with the facts it states; files
go to ``<out>/<inspection short id>/<文号>-<kind>-<addressee>.pdf`` and are never overwritten.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from inspector.core.durable import files_together
from inspector.core.errors import InspectorError, NotFoundError
from inspector.core.i18n import language, t
from inspector.core.store import Store
from inspector.domain import directory, documents, findings, inspections, responsibility
from inspector.domain.documents import Document, Issuer
from inspector.domain.templates import Template
from inspector.reports import findings_report as report
from inspector.reports import layout
from inspector.reports.findings_report import FindingData, ReportData
from inspector.reports.layout import MM, ReportResult

log = logging.getLogger(__name__)

FACTS_FORMAT = "notice/2"
PLAN = "宁波市绿色社区建设行动实施方案"
RED = (0.85, 0.0, 0.0)
FEEDBACK_DAYS = 3  # 交办单: report back within three working days of the time limit


@dataclass(frozen=True)
class Item:
    """One problem as a document states it."""

    number: int  # 序号 in this document (the reply slip and photos use the same)
    data: FindingData
    requirement: str
    basis: str
    photos: tuple[int, ...]  # photo numbers in the attachment


@dataclass(frozen=True)
class Addressee:
    kind: str  # documents.NOTICE or documents.REFERRAL
    key: str  # party key or department code
    name: str  # who it is addressed to, in full
    findings: tuple[FindingData, ...]
    contact: str = ""
    phone: str = ""


def to_fix(data: ReportData) -> list[FindingData]:
    """Findings a notice asks to fix: open ones (already fixed or closed ones are not)."""
    return [f for f in data.findings if f.row.get("status") == findings.OPEN]


def _order(template: Template) -> list[str]:
    return [d.code for d in template.departments]


def notice_addressees(store: Store, data: ReportData) -> list[Addressee]:
    """One per responsible party with findings to fix, in the order they first appear."""
    grouped: dict[str, tuple[responsibility.Party, list[FindingData]]] = {}
    for finding in to_fix(data):
        party = responsibility.party_of(store, finding.row, data.view.community)
        grouped.setdefault(party.key, (party, []))[1].append(finding)
    result = []
    for key, (party, items) in grouped.items():
        contact = phone = ""
        if party.estate_id and party.kind == responsibility.PROPERTY:
            row = store.query_one("SELECT contact, phone FROM estates WHERE id = ?",
                                  (party.estate_id,))
            contact, phone = (row or {}).get("contact") or "", (row or {}).get("phone") or ""
        result.append(Addressee(documents.NOTICE, key, party.name, tuple(items), contact,
                                phone))
    return result


def referral_addressees(store: Store, data: ReportData) -> list[Addressee]:
    """One per supervising department with findings to fix (checklist order)."""
    order = _order(data.view.template)
    grouped: dict[str, list[FindingData]] = {}
    for finding in to_fix(data):
        grouped.setdefault(str(finding.row.get("department") or ""), []).append(finding)
    result = []
    district = data.view.community.get("district")
    for code in sorted(grouped, key=lambda c: (order.index(c) if c in order else len(order),
                                                c)):
        unit = directory.unit_for(store, district, code) if code else {
            "name": t("（未指定部门）", "(no department)"), "contact": "", "phone": ""}
        result.append(Addressee(documents.REFERRAL, code, str(unit["name"]),
                                tuple(grouped[code]), unit.get("contact") or "",
                                unit.get("phone") or ""))
    return result


def quoted(text: str) -> str:
    """Text to be put inside “…”: its own double quotes (curly or straight) become single
    ones, as Chinese nests them (达到“‘飞线’充电…”的要求, not 达到““飞线”充电…”的要求)."""
    text = text.replace("“", "‘").replace("”", "’")
    pieces = text.split('"')  # straight quotes (the checklist has them) pair up in order
    return "".join(piece + ("‘" if index % 2 == 0 else "’") if index < len(pieces) - 1
                   else piece for index, piece in enumerate(pieces))


def requirement_of(template: Template, row: dict[str, Any]) -> str:
    """What the party must achieve: the checklist item's standard, else the category's."""
    if row.get("item_code"):
        try:
            item = template.item(row["item_code"])
            return t("达到“{s}”的要求", "Meet the standard: {s}", s=quoted(item.label()))
        except NotFoundError:
            pass
    try:
        category = template.category(row.get("category") or "")
    except NotFoundError:
        return t("消除隐患，恢复原状", "Remove the hazard and restore the site")
    for code in category.items:
        try:
            return t("达到“{s}”的要求", "Meet the standard: {s}",
                     s=quoted(template.item(code).label()))
        except NotFoundError:
            continue
    return t("消除{c}问题，恢复原状", "Remove the problem ({c}) and restore the site",
             c=category.label())


def basis_of(template: Template, row: dict[str, Any]) -> str:
    """The plan clause the problem breaches (of the item, else of the category's items)."""
    codes = [row["item_code"]] if row.get("item_code") else []
    try:
        codes += list(template.category(row.get("category") or "").items)
    except NotFoundError:
        pass
    for code in codes:
        try:
            item = template.item(code)
        except NotFoundError:
            continue
        if item.clause:
            return t("《{p}》{c}", "Plan {c}", p=PLAN, c=item.clause_label())
    return t("《{p}》", "the Ningbo green community plan", p=PLAN)


def location_of(store: Store, data: ReportData, row: dict[str, Any]) -> str:
    parts: list[str] = []
    if row.get("estate_id"):
        estate = store.query_one("SELECT name FROM estates WHERE id = ?", (row["estate_id"],))
        if estate:
            parts.append(str(estate["name"]))
    if row.get("location"):
        parts.append(str(row["location"]))
    return " ".join(parts) or str(data.view.community["name"])


def items_of(store: Store, data: ReportData, addressee: Addressee) -> list[Item]:
    template = data.view.template
    made: list[Item] = []
    photo = 0
    for number, finding in enumerate(addressee.findings, start=1):
        count = len(finding.before) if addressee.kind == documents.NOTICE else 0
        made.append(Item(number, finding, requirement_of(template, finding.row),
                         basis_of(template, finding.row),
                         tuple(range(photo + 1, photo + count + 1))))
        photo += count
    return made


def facts(store: Store, data: ReportData, office: Issuer, addressee: Addressee,
          items: Sequence[Item], notice_numbers: dict[str, str] | None = None
          ) -> dict[str, Any]:
    """What one document states (not its number or date, which the register adds)."""
    view = data.view
    return {
        "format": FACTS_FORMAT,
        "kind": addressee.kind,
        "issuer": {"name": office.name, "prefix": office.prefix, "contact": office.contact,
                   "phone": office.phone},
        "inspection": report.inspection_fact(view),
        "addressee": {"key": addressee.key, "name": addressee.name,
                      "contact": addressee.contact, "phone": addressee.phone},
        "items": [{
            "finding": item.data.row["id"], "short_id": item.data.row.get("short_id"),
            "location": location_of(store, data, item.data.row),
            "description": item.data.row.get("description"),
            "requirement": item.requirement, "basis": item.basis,
            "deadline": item.data.row.get("deadline"),
            "party": responsibility.party_of(store, item.data.row, view.community).name,
            "department": item.data.row.get("department"),
            "notice": (notice_numbers or {}).get(item.data.row["id"]),
            "photos": [p["id"] for p in item.data.before]
            if addressee.kind == documents.NOTICE else [],
        } for item in items],
    }


# -- drawing --------------------------------------------------------------------------------


class _Document:
    """The parts both kinds of document share: the head, the sign-off, the table style."""

    def __init__(self, store: Store, data: ReportData, office: Issuer, addressee: Addressee,
                 document: Document, items: Sequence[Item], styles: layout.Styles,
                 placer: layout.PhotoPlacer) -> None:
        self.store = store
        self.data = data
        self.view = data.view
        self.template = data.view.template
        self.office = office
        self.to = addressee
        self.doc = document
        self.items = items
        self.s = styles
        self.placer = placer
        self.width = layout.OFFICIAL_PAGE.frame_width

    def p(self, text: str, style: Any | None = None) -> Any:
        return layout.para(layout.esc(text), style or self.s.body)

    def cell(self, text: object, *, center: bool = False) -> Any:
        return layout.para(layout.esc(text), self.s.cell_center if center else self.s.cell)

    def head_cell(self, text: str) -> Any:
        return layout.para(layout.esc(text), self.s.cell_center, bold=True)

    def masthead(self, title: str) -> list[Any]:
        """发文机关标志 in red, the 文号, the red rule, then the title (GB/T 9704 版头)."""
        from reportlab.lib.colors import Color
        from reportlab.lib.styles import ParagraphStyle
        from reportlab.platypus import HRFlowable, Spacer

        red = Color(*RED)
        size = 26.0 if len(self.office.name) <= 14 else max(15.0, 380 / len(self.office.name))
        mark = ParagraphStyle("mark", parent=self.s.title, fontSize=size, leading=size * 1.3,
                              textColor=red)
        return [
            layout.para(layout.esc(self.office.name), mark, bold=True),
            Spacer(1, 5 * MM),
            self.p(self.doc.number, self.s.subtitle),
            HRFlowable(width="100%", thickness=1.6, color=red, spaceBefore=2 * MM,
                       spaceAfter=8 * MM),
            layout.heading(title, self.s.title),
            Spacer(1, 4 * MM),
        ]

    def place(self) -> str:
        community = self.view.community
        if language() == "en":
            return ", ".join(str(p) for p in (community["name"], community.get("street"),
                                              community.get("district")) if p)
        return "".join(str(p) for p in (community.get("district"), community.get("street"),
                                        community["name"]) if p)

    def when(self) -> str:
        started = layout.day_of(self.view.row.get("started_at"))
        return layout.date_text(started) if started else ""

    def table_style(self) -> list[tuple[Any, ...]]:
        from reportlab.lib.colors import Color, black

        fill = Color(layout.FILL_LABEL, layout.FILL_LABEL, layout.FILL_LABEL)
        return [("GRID", (0, 0), (-1, -1), 0.5, black), ("BACKGROUND", (0, 0), (-1, 0), fill),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3), ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3)]

    def deadline_width(self) -> float:
        """Wide enough for the longest date on one line (2026年12月16日 never wraps)."""
        from reportlab.pdfbase.pdfmetrics import stringWidth

        longest = layout.date_text(date(2026, 12, 28))
        return float(stringWidth(longest, self.s.cell.fontName, self.s.cell.fontSize)) + 8

    def signoff(self, label: str | None = None) -> list[Any]:
        """Issuer and date, right-aligned four characters in, with room for the seal."""
        from reportlab.platypus import Spacer

        block = 82 * MM
        right = 4 * self.s.body.fontSize
        rows = [[self.p(label or self.office.name, self.s.signoff)],
                [self.p(layout.date_text(self.doc.issued_on), self.s.signoff)]]
        inner = layout.table(rows, [block], [("LEFTPADDING", (0, 0), (-1, -1), 0),
                                             ("RIGHTPADDING", (0, 0), (-1, -1), 0)])
        outer = layout.table([[inner, ""]], [block, right], [
            ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)])
        outer.hAlign = "RIGHT"
        # The seal is pressed over the issuer's name and the date: room above them.
        return [Spacer(1, 20 * MM), outer, Spacer(1, 4 * MM)]

    def receipt(self, title: str, who: str) -> list[Any]:
        """A cut-off receipt: number, addressee, who received it and when."""
        from reportlab.lib.colors import black
        from reportlab.platypus import KeepTogether, Spacer

        gap = "\u00a0" * 4
        blank_date = t(f"{gap}年{gap}月{gap}日", "____ / __ / __")
        w = self.width
        label_w = 24 * MM
        rows = [
            [self.head_cell(t("文号", "Number")), self.cell(self.doc.number),
             self.head_cell(t("签收单位", "Received by")), self.cell(self.to.name)],
            [self.head_cell(who), layout.ruled_space(w / 2 - label_w - 6, 10 * MM,
                                                     gap=9 * MM),
             self.head_cell(t("签收日期", "Date")), self.cell(blank_date, center=True)],
        ]
        table = layout.table(rows, [label_w, w / 2 - label_w, label_w, w / 2 - label_w],
                             [("GRID", (0, 0), (-1, -1), 0.5, black),
                              ("VALIGN", (0, 0), (-1, -1), "MIDDLE")])
        cut = self.p(t("－－－－－－－－－－－ 沿此线剪下，签收后交回 －－－－－－－－－－－",
                       "- - - - - - - - cut here, sign and hand back - - - - - - - -"),
                     self.s.caption_center)
        return [KeepTogether([Spacer(1, 4 * MM), cut, Spacer(1, 2 * MM),
                              layout.heading(title, self.s.h2_center), table])]


class _Notice(_Document):
    def opening(self) -> list[Any]:
        count = len(self.items)
        body = t(
            "{when}，我办会同有关部门对{place}开展绿色社区建设检查（检查编号 {sid}），发现你单位"
            "负责的区域存在以下 {n} 项问题。依据《{plan}》有关要求，现通知你单位于下表所列期限内"
            "完成整改。",
            "On {when} this office and the departments concerned inspected {place} against "
            "the green community standard (inspection {sid}) and found the following "
            "{n} problem(s) in the area you are responsible for. Under the Ningbo green "
            "community plan, you are required to rectify them by the deadlines below.",
            when=self.when(), place=self.place(), sid=self.view.row["short_id"], n=count,
            plan=PLAN)
        return [self.p(self.to.name + t("：", ":")), self.p(body, self.s.body_indent)]

    def problems(self) -> list[Any]:
        w = self.width
        date_w = self.deadline_width()
        widths = [10 * MM, 30 * MM, 0.0, 38 * MM, date_w]
        widths[2] = w - sum(widths)
        rows: list[list[Any]] = [[self.head_cell(h) for h in (
            t("序号", "No."), t("位置", "Location"), t("问题", "Problem"),
            t("整改要求及依据", "Requirement and basis"), t("整改期限", "Deadline"))]]
        for item in self.items:
            row = item.data.row
            text = layout.esc(row.get("description") or "")
            if item.photos:
                numbers = ", ".join(f"P{n}" for n in item.photos)
                text += "<br/>" + layout.esc(t("（照片见附件2：{p}）",
                                               "(photos: attachment 2, {p})", p=numbers))
            text += f"<br/><font size='7.5'>{layout.esc(row.get('short_id') or '')}</font>"
            rows.append([self.cell(item.number, center=True),
                         self.cell(location_of(self.store, self.data, row)),
                         layout.para(text, self.s.cell),
                         layout.para(layout.esc(item.requirement) + "<br/><font size='8'>"
                                     + layout.esc(t("依据：", "Basis: ") + item.basis)
                                     + "</font>", self.s.cell),
                         self.cell(report.deadline_label(row), center=True)])
        return [layout.table(rows, widths, self.table_style(), repeat_rows=1)]

    def closing(self) -> list[Any]:
        from reportlab.platypus import Spacer

        latest = max((date.fromisoformat(i.data.row["deadline"]) for i in self.items
                      if i.data.row.get("deadline")), default=None)
        recheck = t("期限届满后，我办将组织复查（{d}后），未按期整改的将移交有关部门依法处理。",
                    "After the deadlines this office will re-check (from {d}); problems not "
                    "rectified in time will be referred to the competent departments.",
                    d=layout.date_text(latest + timedelta(days=1)) if latest else "")
        contact = self.office.contact + t("，电话 ", ", tel. ") + self.office.phone
        team = report.names_text(inspections.inspectors_of(self.view.row))
        paragraphs = [
            t("请你单位收到本通知后在签收回执上签字，按期整改，并于整改完成后填写附件1《整改情况"
              "回执》，加盖单位公章后交回我办。",
              "Please sign the receipt below, rectify by the deadlines, and when done fill in "
              "attachment 1 (reply slip), seal it and return it to this office."),
            recheck,
            t("联系人：{c}", "Contact: {c}", c=contact),
            t("检查人员：{n}", "Inspectors: {n}", n=team),
        ]
        story: list[Any] = [Spacer(1, 3 * MM)]
        story += [self.p(text, self.s.body_indent) for text in paragraphs]
        attachments = [t("1. 整改情况回执", "1. Reply slip")]
        if any(i.photos for i in self.items):
            attachments.append(t("2. 问题照片", "2. Photos"))
        story.append(self.p(t("附件：", "Attachments: ") + ("；".join(attachments)
                              if language() != "en" else "; ".join(attachments)),
                            self.s.body_indent))
        return story

    def copies(self) -> list[Any]:
        """抄送: the supervising units of the problems listed."""
        from reportlab.lib.colors import black
        from reportlab.platypus import HRFlowable

        district = self.view.community.get("district")
        names: list[str] = []
        for item in self.items:
            code = item.data.row.get("department")
            if code:
                name = str(directory.unit_for(self.store, district, code)["name"])
                if name not in names:
                    names.append(name)
        if not names:
            return []
        return [HRFlowable(width="100%", thickness=0.6, color=black, spaceAfter=1 * MM),
                self.p(t("抄送：", "Copy to: ") + report.names_text(names) + t("。", "."),
                       self.s.cell),
                HRFlowable(width="100%", thickness=0.6, color=black, spaceBefore=1 * MM)]

    def reply_slip(self) -> list[Any]:
        from reportlab.platypus import PageBreak, Spacer

        w = self.width
        gap = "\u00a0" * 4
        blank_date = t(f"{gap}年{gap}月{gap}日", "____ / __ / __")
        widths = [10 * MM, 48 * MM, 0.0, 36 * MM]
        widths[2] = w - sum(widths)
        rows: list[list[Any]] = [[self.head_cell(h) for h in (
            t("序号", "No."), t("问题", "Problem"), t("整改措施", "Measures taken"),
            t("完成时间", "Completed on"))]]
        for item in self.items:
            row = item.data.row
            rows.append([self.cell(item.number, center=True),
                         self.cell(f"{location_of(self.store, self.data, row)}："
                                   f"{row.get('description') or ''}" if language() != "en"
                                   else f"{location_of(self.store, self.data, row)}: "
                                   f"{row.get('description') or ''}"),
                         layout.ruled_space(widths[2] - 8, 18 * MM, gap=6 * MM),
                         self.cell(blank_date, center=True)])
        label_w = 44 * MM
        sign = layout.kv_table([
            [self.head_cell(t("责任单位（盖章）", "Responsible unit (seal)")),
             layout.ruled_space(w - label_w - 8, 24 * MM, gap=12 * MM)],
            [self.head_cell(t("负责人及电话", "Person in charge, tel.")),
             layout.ruled_space(w - label_w - 8, 9 * MM, gap=8 * MM)],
            [self.head_cell(t("日期", "Date")), self.cell(blank_date)],
        ], [label_w, w - label_w])
        return [PageBreak(),
                self.p(t("附件1", "Attachment 1"), self.s.body),
                layout.heading(t("整改情况回执", "Reply slip"), self.s.subheading),
                self.p(t("（{n}，对应{num}）", "({n}, for {num})", n=self.to.name,
                         num=self.doc.number), self.s.cell_center),
                Spacer(1, 4 * MM),
                layout.table(rows, widths, self.table_style(), repeat_rows=1),
                Spacer(1, 4 * MM), sign]

    def photo_attachment(self) -> list[Any]:
        from reportlab.platypus import PageBreak, Spacer

        with_photos = [i for i in self.items if i.photos]
        if not with_photos:
            return []
        story: list[Any] = [PageBreak(), self.p(t("附件2", "Attachment 2"), self.s.body),
                            layout.heading(t("问题照片", "Photos"), self.s.subheading),
                            Spacer(1, 3 * MM)]
        box = self.width / 2 - 8 * MM
        cells = []
        for item in with_photos:
            for number, photo in zip(item.photos, item.data.before, strict=True):
                place = t("序号 {n}：{p}", "No. {n}: {p}", n=item.number,
                          p=location_of(self.store, self.data, item.data.row))
                cells.append(self.placer.photo(photo, f"{self.doc.number} P{number}",
                                               place=place, width=box, height=box * 0.75,
                                               label=f"P{number}"))
        story.append(self.placer.grid(cells, self.width))
        return story

    def story(self) -> list[Any]:
        receipt = self.receipt(t("整改通知书签收回执", "Receipt of the notice"),
                               t("签收人", "Signed by"))
        from reportlab.platypus import KeepTogether

        closing = self.closing()
        # The last paragraphs, the issuer and the date stay on one page: no lone seal.
        return (self.masthead(t("整改通知书", "Rectification Notice")) + self.opening()
                + self.problems() + closing[:-3] + [KeepTogether(closing[-3:] + self.signoff())]
                + self.copies() + receipt + self.reply_slip() + self.photo_attachment())


class _Referral(_Document):
    def fields(self) -> list[Any]:
        w = self.width
        label_w = 28 * MM
        limit = max((i.data.row["deadline"] for i in self.items if i.data.row.get("deadline")),
                    default=None)
        limit_text = layout.date_text(date.fromisoformat(limit)) if limit else ""
        matter = t("{place}绿色社区建设检查（{when}，检查编号 {sid}）发现的 {n} 项问题，"
                   "已向责任方发出整改通知书，请按职责督促整改并依法处置。",
                   "{n} problem(s) found in the green community inspection of {place} "
                   "({when}, inspection {sid}); the responsible parties have been sent "
                   "rectification notices. Please supervise the rectification within your "
                   "remit and act as the law provides.", place=self.place(), when=self.when(),
                   sid=self.view.row["short_id"], n=len(self.items))
        feedback = t("请于办理时限届满后 {d} 个工作日内，将办理情况（含整改前后照片）反馈至{o}"
                     "（联系人 {c}，电话 {p}）；不属于本单位职责的，请于收到后 1 个工作日内"
                     "说明理由退回。",
                     "Within {d} working days after the time limit, report what was done "
                     "(with before and after photos) to {o} (contact {c}, tel. {p}); a matter "
                     "outside your remit is to be returned with reasons within 1 working day.",
                     d=FEEDBACK_DAYS, o=self.office.name, c=self.office.contact,
                     p=self.office.phone)
        receiver = self.to.name
        if self.to.contact or self.to.phone:
            receiver += t("（{c} {p}）", " ({c} {p})", c=self.to.contact, p=self.to.phone)
        rows = [
            [self.head_cell(t("承办单位", "To")), self.cell(receiver)],
            [self.head_cell(t("交办事项", "Matter")), self.cell(matter)],
            [self.head_cell(t("办理时限", "Time limit")),
             self.cell(t("{d}前（各点位期限见下表）", "by {d} (each item's deadline below)",
                         d=limit_text))],
            [self.head_cell(t("反馈要求", "Feedback")), self.cell(feedback)],
        ]
        return [layout.kv_table(rows, [label_w, w - label_w])]

    def points(self) -> list[Any]:
        from reportlab.platypus import Spacer

        w = self.width
        date_w = self.deadline_width()
        widths = [10 * MM, 28 * MM, 0.0, 46 * MM, date_w]
        widths[2] = w - sum(widths)
        rows: list[list[Any]] = [[self.head_cell(h) for h in (
            t("序号", "No."), t("点位", "Location"), t("问题", "Problem"),
            t("责任方", "Responsible party"), t("办理时限", "Time limit"))]]
        numbers = {i["finding"]: i.get("notice") for i in self.doc.facts.get("items", [])}
        for item in self.items:
            row = item.data.row
            party = responsibility.party_of(self.store, row, self.view.community)
            text = layout.esc(row.get("description") or "")
            text += f"<br/><font size='7.5'>{layout.esc(row.get('short_id') or '')}</font>"
            party_text = layout.esc(party.name)
            if numbers.get(row["id"]):
                party_text += "<br/><font size='7.5'>" + layout.esc(
                    t("通知书 {n}", "notice {n}", n=numbers[row["id"]])) + "</font>"
            rows.append([self.cell(item.number, center=True),
                         self.cell(location_of(self.store, self.data, row)),
                         layout.para(text, self.s.cell), layout.para(party_text, self.s.cell),
                         self.cell(report.deadline_label(row), center=True)])
        return [Spacer(1, 4 * MM), layout.table(rows, widths, self.table_style(), repeat_rows=1)]

    def story(self) -> list[Any]:
        receipt = self.receipt(t("交办单签收回执", "Receipt of the referral"),
                               t("接收人", "Received by"))
        from reportlab.platypus import KeepTogether

        return (self.masthead(t("问题交办单", "Referral")) + self.fields() + self.points()
                + [KeepTogether(self.signoff())] + receipt)


# -- building -------------------------------------------------------------------------------


def build_all(store: Store, inspection_id: str, folder: Path, *,
              font_path: str | Path | None = None, progress: layout.Progress | None = None,
              cancelled: layout.Cancelled | None = None) -> list[ReportResult]:
    """Issue and write an inspection's notices (one per responsible party with findings to
    fix) and 交办单 (one per supervising department) into ``folder/<short id>/``.

    A document whose facts were issued before keeps its number and its file is not
    rewritten; changed facts get a new number and a new file. Returns one result per
    document (none when nothing needs fixing).
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InspectorError(t("{p} 不是文件夹", "{p} is not a folder", p=folder))
    inspection = inspections.resolve(store, inspection_id)
    data = report.collect(store, inspection["id"])
    if not to_fix(data):
        return []
    office = documents.issuer(store)
    if inspection["status"] != inspections.SUBMITTED:
        raise InspectorError(t(
            "检查 {sid} 尚未提交（签字确认）：通知书和交办单只依据已提交的检查发出。",
            "The inspection {sid} is not submitted (signed) yet: notices and referrals are "
            "issued only from a submitted inspection.", sid=inspection["short_id"]))
    report_fonts = layout.load_fonts(font_path, fangsong=True)
    styles = layout.make_styles(report_fonts, official=True)
    notices = notice_addressees(store, data)
    referrals = referral_addressees(store, data)
    out = folder / layout.safe_file_part(str(inspection["short_id"]))
    # The new files are written into a temporary sibling folder and moved into ``out``
    # together: a failure midway (a full disk, a cancel) leaves nothing new there.
    with files_together(out) as staging:
        return _write_all(store, data, office, [*notices, *referrals], out, staging,
                          inspection, report_fonts, styles, progress, cancelled)


def _write_all(store: Store, data: ReportData, office: Issuer, addressees: list[Addressee],
               out: Path, staging: Path, inspection: dict[str, Any], report_fonts: Any,
               styles: Any, progress: layout.Progress | None,
               cancelled: layout.Cancelled | None) -> list[ReportResult]:
    total = sum(len(f.before) for a in addressees if a.kind == documents.NOTICE
                for f in a.findings)
    results: list[ReportResult] = []
    numbers: dict[str, str] = {}
    done = 0
    for addressee in addressees:
        items = items_of(store, data, addressee)
        count = sum(len(i.photos) for i in items)

        def step(_done: int, _total: int, base: int = done) -> None:
            if progress is not None:
                progress(min(base + _done, total), max(total, 1))

        placer = layout.PhotoPlacer(store, styles, total=count, progress=step,
                                    cancelled=cancelled)
        placer.warnings += list(report_fonts.warnings)
        stated = facts(store, data, office, addressee, items, numbers)
        damage = placer.check([p for i in items if i.photos for p in i.data.before])
        if damage:  # placeholders instead of photos: other facts than with the photos
            stated["unavailable_photos"] = damage
        kind_name = documents.KINDS[addressee.kind][0] if language() != "en" else \
            documents.KINDS[addressee.kind][1].replace(" ", "-")
        document = documents.issue(
            store, kind=addressee.kind, office=office, inspection_id=inspection["id"],
            addressee_key=addressee.key, addressee_name=addressee.name, facts=stated,
            file_stem=f"{kind_name}-{addressee.name}")
        if addressee.kind == documents.NOTICE:
            numbers.update({i.data.row["id"]: document.number for i in items})
        target = out / (layout.safe_file_part(document.file_name[:-4]) + ".pdf")
        if target.exists():
            log.info("%s is already written; kept as it is", target)
            results.append(ReportResult(target, 0, 0, [], report_fonts.notice(),
                                        verification=document.sha256,
                                        number=document.number, kept=True))
            done += count
            continue
        maker = _Notice if addressee.kind == documents.NOTICE else _Referral
        story = maker(store, data, office, addressee, document, items, styles,
                      placer).story()
        stamp = layout.stamp_for(document, data.view.id, document.number, office.phone,
                                 label=t("文号：{s}", "No. {s}", s=document.number))
        sealed: list[str] = []

        def seal(path: Path, issued: Document = document, into: list[str] = sealed) -> None:
            into.append(documents.seal_file(store, issued, path))

        pages = layout.build_pdf(
            staging / target.name, story, setup=layout.OFFICIAL_PAGE, stamp=stamp, styles=styles,
            title=f"{document.number} {documents.KINDS[addressee.kind][0]} {addressee.name}",
            subject=documents.KINDS[addressee.kind][0], cancelled=cancelled, finish=seal)
        done += count
        results.append(ReportResult(target, pages, placer.placed, placer.warnings,
                                    report_fonts.notice(),
                                    images_embedded=len(placer.embedded),
                                    verification=document.sha256, number=document.number,
                                    damaged=placer.damaged,
                                    file_sha256=sealed[0] if sealed else ""))
    return results
