"""Rectification notices (整改通知书): one per responsible department, and one for the community.

Each notice lists its addressee's findings that still need action (open, or rectified and
awaiting re-inspection; a finding already verified needs no notice), with deadlines and
photos, and ends with a reply slip (整改情况 / 完成时间 / 签字盖章) with ruled space. The layout
follows GB/T 9704 where it applies: A4, the title centred in large type, the body in 仿宋 where
the machine has it, the date in Arabic numerals (2026年11月29日) with room for the seal over it.
The community's notice lists every pending finding with its responsible department.
Every page carries the same footer as the findings report; the verification code covers the
facts printed in that notice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from inspector.core.errors import InspectorError, NotFoundError
from inspector.core.i18n import language, t
from inspector.core.store import Store
from inspector.domain import findings, inspections
from inspector.reports import findings_report as report
from inspector.reports import layout
from inspector.reports.findings_report import FindingData, ReportData
from inspector.reports.layout import MM, ReportResult

FACTS_FORMAT = "notice/1"
COMMUNITY = "community"


@dataclass(frozen=True)
class Addressee:
    code: str  # the department code, or COMMUNITY
    name: str  # who the notice is addressed to, in full
    file_name: str
    findings: tuple[FindingData, ...]

    @property
    def is_community(self) -> bool:
        return self.code == COMMUNITY


def pending(data: ReportData) -> list[FindingData]:
    """Findings that still need action: not yet verified."""
    return [f for f in data.findings if f.row.get("status") != findings.VERIFIED]


def file_name_for(code: str, english_name: str) -> str:
    if language() == "en":
        return f"notice-{layout.safe_file_part(english_name.lower())}.pdf"
    return f"整改通知书-{layout.safe_file_part(code)}.pdf"


def addressees(data: ReportData) -> list[Addressee]:
    """One addressee per department with pending findings (checklist order), then the
    community with all of them; none when nothing is pending."""
    template = data.view.template
    open_findings = pending(data)
    if not open_findings:
        return []
    order = [d.code for d in template.departments]
    by_department: dict[str, list[FindingData]] = {}
    for finding in open_findings:
        by_department.setdefault(str(finding.row.get("department") or ""), []).append(finding)
    result: list[Addressee] = []
    for code in sorted(by_department, key=lambda c: (order.index(c) if c in order
                                                     else len(order), c)):
        try:
            department = template.department(code)
            name, english = department.label(), department.name_en or department.code
        except NotFoundError:  # a code the checklist does not know: show it as is
            name, english = code, code
        result.append(Addressee(code, name, file_name_for(code, english),
                                tuple(by_department[code])))
    community = data.view.community
    result.append(Addressee(COMMUNITY, str(community["name"]),
                            file_name_for(t("社区", "community"), "community"),
                            tuple(open_findings)))
    return result


def facts(data: ReportData, addressee: Addressee) -> dict[str, Any]:
    """The facts one notice prints; its verification code is their SHA-256."""
    return {
        "format": FACTS_FORMAT,
        "inspection": report.inspection_fact(data.view),
        "addressee": addressee.code,
        "findings": [report.finding_fact(f) for f in addressee.findings],
    }


class _Notice:
    def __init__(self, store: Store, data: ReportData, addressee: Addressee,
                 styles: layout.Styles, placer: layout.PhotoPlacer, issued: datetime) -> None:
        self.store = store
        self.data = data
        self.view = data.view
        self.template = data.view.template
        self.to = addressee
        self.s = styles
        self.placer = placer
        self.issued = issued
        self.width = layout.OFFICIAL_PAGE.frame_width
        self.sections = 0

    def h1(self, text: str) -> Any:
        self.sections += 1
        return layout.heading(layout.section_number(self.sections) + text, self.s.h1)

    def cell(self, text: object, *, center: bool = False, bold: bool = False) -> Any:
        style = self.s.cell_center if center else self.s.cell
        return layout.para(layout.esc(text), self.s.cell_bold if bold and not center
                           else style, bold=bold)

    def head(self) -> list[Any]:
        from reportlab.lib.colors import black
        from reportlab.platypus import HRFlowable, Spacer

        number = f"{self.view.row['short_id']}-{self.to.code}" if not self.to.is_community \
            else f"{self.view.row['short_id']}-{t('社区', 'C')}"
        return [
            layout.heading(t("整改通知书", "Rectification Notice"), self.s.title),
            Spacer(1, 2 * MM),
            layout.para(layout.esc(t("编号：{n}", "No. {n}", n=number)), self.s.subtitle),
            Spacer(1, 2 * MM),
            HRFlowable(width="100%", thickness=1.2, color=black, spaceBefore=0,
                       spaceAfter=6 * MM),
        ]

    def opening(self) -> list[Any]:
        view, community = self.view, self.view.community
        started = layout.day_of(view.row.get("started_at"))
        when = layout.date_text(started) if started else ""
        place = "".join(str(p) for p in (community.get("district"), community.get("street"),
                                         community["name"]) if p) if language() != "en" else \
            ", ".join(str(p) for p in (community["name"], community.get("street"),
                                       community.get("district")) if p)
        team = report.names_text(inspections.inspectors_of(view.row))
        count = len(self.to.findings)
        if self.to.is_community:
            body = t(
                "{when}，检查组（{team}）对{place}开展了绿色社区建设检查（检查编号 {sid}）。"
                "检查发现以下 {n} 项问题需要整改，现予通知。请社区会同物业服务企业及有关"
                "责任部门按所列期限完成整改，并将整改情况填写于回执，签字盖章后交回检查组，"
                "检查组将组织复查。",
                "On {when} the inspection team ({team}) inspected {place} against the green "
                "community standard (inspection {sid}). The {n} findings below need to be "
                "rectified. Please have them rectified by the deadlines shown, together with "
                "the property management and the departments responsible, fill in the reply "
                "slip, sign and seal it and return it to the team, which will re-inspect.",
                when=when, team=team, place=place, sid=view.row["short_id"], n=count)
        else:
            body = t(
                "{when}，检查组（{team}）对{place}开展了绿色社区建设检查（检查编号 {sid}）。"
                "检查发现以下 {n} 项问题属你单位职责范围，现予通知。请你单位按所列期限完成"
                "整改，并将整改情况填写于回执，签字盖章后交回检查组，检查组将组织复查。",
                "On {when} the inspection team ({team}) inspected {place} against the green "
                "community standard (inspection {sid}). The {n} findings below fall within "
                "your responsibility. Please rectify them by the deadlines shown, fill in the "
                "reply slip, sign and seal it and return it to the team, which will "
                "re-inspect.",
                when=when, team=team, place=place, sid=view.row["short_id"], n=count)
        return [layout.para(layout.esc(self.to.name + t("：", ":")), self.s.body),
                layout.para(layout.esc(body), self.s.body_indent)]

    def finding_table(self) -> list[Any]:
        from reportlab.lib.colors import Color, black

        w = self.width
        community = self.to.is_community
        widths = [12 * MM, 0.0, 20 * MM, 31 * MM]
        header = [t("序号", "No."), t("问题及位置", "Finding and location"),
                  t("严重程度", "Severity"), t("整改期限", "Deadline")]
        if community:
            widths.insert(2, 30 * MM)
            header.insert(2, t("责任部门", "Department"))
        widths[1] = w - sum(widths)
        rows: list[list[Any]] = [[self.cell(h, center=True, bold=True) for h in header]]
        for number, data in enumerate(self.to.findings, start=1):
            row = data.row
            text = layout.esc(row["description"])
            if row.get("location"):
                text += "<br/>" + layout.esc(t("位置：{p}", "Location: {p}", p=row["location"]))
            text += f"<br/><font size='8'>{layout.esc(row.get('short_id') or '')}</font>"
            status = report.status_label(row, self.issued.date())
            if row.get("status") != findings.OPEN or "逾期" in status or "overdue" in status:
                text += f"<font size='8'>　{layout.esc(status)}</font>"
            line = [self.cell(number, center=True), layout.para(text, self.s.cell)]
            if community:
                line.append(self.cell(report.department_label(self.template,
                                                              row.get("department"))))
            line += [self.cell(report.severity_label(self.template, row.get("severity")),
                               center=True),
                     self.cell(report.deadline_label(row), center=True)]
            rows.append(line)
        return [self.h1(t("问题清单", "Findings")), layout.table(rows, widths, [
            ("GRID", (0, 0), (-1, -1), 0.5, black),
            ("BACKGROUND", (0, 0), (-1, 0), Color(layout.FILL_LABEL, layout.FILL_LABEL,
                                                   layout.FILL_LABEL)),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ], repeat_rows=1)]

    def photos(self) -> list[Any]:
        with_photos = [(n, f) for n, f in enumerate(self.to.findings, start=1)
                       if f.photo_count]
        if not with_photos:
            return []
        story: list[Any] = [self.h1(t("问题照片", "Photos"))]
        for number, data in with_photos:
            story.append(layout.heading(f"{number}. {data.row['description']}"
                                        f"（{data.row.get('short_id') or ''}）"
                                        if language() != "en" else
                                        f"{number}. {data.row['description']} "
                                        f"({data.row.get('short_id') or ''})", self.s.h2))
            story += report.finding_photos(self.placer, data, self.width)
        return story

    def requirements(self) -> list[Any]:
        text = t(
            "请按上述期限完成整改。整改完成后，请在回执中逐项填写整改情况和完成时间，"
            "由责任单位签字盖章后交回检查组；检查组将对照本通知逐项复查。",
            "Please rectify the findings by the deadlines above. When done, fill in the reply "
            "slip for each finding (what was done and when), have it signed and sealed by the "
            "responsible unit, and return it to the inspection team, which will re-inspect "
            "each finding against this notice.")
        return [self.h1(t("整改要求", "What to do")),
                layout.para(layout.esc(text), self.s.body_indent)]

    def closing(self) -> list[Any]:
        """The requirements and the sign-off on one page: the seal never stands alone."""
        from reportlab.platypus import KeepTogether

        return [KeepTogether(self.requirements() + self.issuer())]

    def issuer(self) -> list[Any]:
        from reportlab.platypus import Spacer

        block = 80 * MM
        right = 4 * self.s.body.fontSize  # GB/T 9704: the date stands four characters in
        team = t("绿色社区建设检查组", "Green Community Inspection Team")
        inner = layout.table([[layout.para(layout.esc(team), self.s.signoff)],
                              [layout.para(layout.esc(layout.date_text(self.issued.date())),
                                           self.s.signoff)]], [block], [
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ])
        outer = layout.table([[inner, ""]], [block, right], [
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ])
        outer.hAlign = "RIGHT"
        # Room for the seal, which is pressed over the issuer's name and the date.
        return [Spacer(1, 24 * MM), outer, Spacer(1, 8 * MM)]

    def reply(self) -> list[Any]:
        from reportlab.lib.colors import Color, black
        from reportlab.platypus import KeepTogether, PageBreak, Spacer

        w = self.width
        widths = [12 * MM, 44 * MM, 0.0, 34 * MM]
        widths[2] = w - sum(widths)
        header = [t("序号", "No."), t("问题编号", "Finding"), t("整改情况", "What was done"),
                  t("完成时间", "Completed on")]
        gap = "\u00a0" * 5
        blank_date = t(f"{gap}年{gap}月{gap}日", "____ / __ / __")
        rows: list[list[Any]] = [[self.cell(h, center=True, bold=True) for h in header]]
        for number, data in enumerate(self.to.findings, start=1):
            rows.append([self.cell(number, center=True),
                         self.cell(data.row.get("short_id") or ""),
                         layout.ruled_space(widths[2] - 8, 21 * MM, gap=7 * MM),
                         self.cell(blank_date, center=True)])
        findings_table = layout.table(rows, widths, [
            ("GRID", (0, 0), (-1, -1), 0.5, black),
            ("BACKGROUND", (0, 0), (-1, 0), Color(layout.FILL_LABEL, layout.FILL_LABEL,
                                                   layout.FILL_LABEL)),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ], repeat_rows=1)
        label_w = 46 * MM
        sign_rows = [
            [self.cell(t("责任单位（签字盖章）", "Responsible unit (signature and seal)"),
                       bold=True),
             layout.ruled_space(w - label_w - 8, 30 * MM, gap=10 * MM)],
            [self.cell(t("联系人及电话", "Contact and telephone"), bold=True),
             layout.ruled_space(w - label_w - 8, 9 * MM, gap=8 * MM)],
            [self.cell(t("日期", "Date"), bold=True), self.cell(blank_date)],
        ]
        sign_table = layout.kv_table(sign_rows, [label_w, w - label_w])
        # The reply slip starts on a page of its own, so it can be filled in and sent back.
        return [
            PageBreak(),
            layout.heading(t("整改情况回执", "Reply slip"), self.s.subheading),
            layout.para(layout.esc(t("（{n}，编号 {sid}）", "({n}, inspection {sid})",
                                     n=self.to.name, sid=self.view.row["short_id"])),
                        self.s.cell_center),
            Spacer(1, 4 * MM),
            findings_table,
            Spacer(1, 4 * MM),
            KeepTogether([sign_table]),
        ]

    def story(self) -> list[Any]:
        return (self.head() + self.opening() + self.finding_table() + self.photos()
                + self.closing() + self.reply())


def build_all(store: Store, inspection_id: str, folder: Path, *,
              font_path: str | Path | None = None, progress: layout.Progress | None = None,
              cancelled: layout.Cancelled | None = None) -> list[ReportResult]:
    """Write the notices of an inspection into ``folder``: one per department with findings
    still to be rectified, then the community's. Returns one result per file (none when no
    finding needs action)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InspectorError(t("{p} 不是文件夹", "{p} is not a folder", p=folder))
    resolved = inspections.resolve(store, inspection_id)["id"]
    data = report.collect(store, resolved)
    targets = addressees(data)
    report_fonts = layout.load_fonts(font_path, fangsong=True)
    styles = layout.make_styles(report_fonts, official=True)
    total = sum(f.photo_count for a in targets for f in a.findings)
    done = 0
    issued = store.wall.now()
    results: list[ReportResult] = []
    view = data.view
    for addressee in targets:
        def step(_done: int, _total: int, base: int = done) -> None:
            if progress is not None:
                progress(min(base + _done, total), total)

        placer = layout.PhotoPlacer(store, styles, total=sum(f.photo_count
                                                             for f in addressee.findings),
                                    progress=step, cancelled=cancelled)
        placer.warnings += list(report_fonts.warnings)
        verification = layout.digest(facts(data, addressee))
        story = _Notice(store, data, addressee, styles, placer, issued).story()
        setup = layout.PageSetup(
            top=layout.OFFICIAL_PAGE.top, bottom=layout.OFFICIAL_PAGE.bottom,
            left=layout.OFFICIAL_PAGE.left, right=layout.OFFICIAL_PAGE.right,
            watermark=t("草稿", "DRAFT") if view.status != inspections.SUBMITTED else None)
        stamp = layout.Stamp(view.id, str(view.row["short_id"]), verification, issued)
        target = folder / addressee.file_name
        pages = layout.build_pdf(
            target, story, setup=setup, stamp=stamp, styles=styles,
            title=t("整改通知书 {n} {s}", "Rectification notice {n} {s}", n=addressee.name,
                    s=view.row["short_id"]),
            subject=t("整改通知书", "Rectification notice"), cancelled=cancelled)
        done += placer.total
        results.append(ReportResult(target, pages, placer.placed, placer.warnings,
                                    report_fonts.notice(),
                                    images_embedded=len(placer.embedded),
                                    verification=verification))
    return results
