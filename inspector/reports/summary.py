"""The district summary (附件2《绿色社区建设任务完成情况汇总表》) and the 名单, rendered.

The figures come from ``inspector.domain.standing.compute`` (one computation for the CLI, the
reports and the dashboard); this module writes them as CSV, XLSX (a 汇总表 sheet and a 名单
sheet) and PDF (the table, then the 名单), each with the 填报单位 / 填报人 / 日期 footer.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from inspector.core.errors import InspectorError
from inspector.core.i18n import t
from inspector.domain.standing import (
    COLUMNS,
    DEFAULT_COLUMNS,
    DISTRICT,
    MAX_YEAR,
    MIN_YEAR,
    STREET,
    TOTAL,
    Summary,
    SummaryRow,
    check_year,
    compute,
    parse_columns,
)
from inspector.reports import layout
from inspector.reports.exports import CSV_ENCODING, atomic_path, neutralise

__all__ = ["COLUMNS", "DEFAULT_COLUMNS", "Summary", "SummaryRow", "check_year", "compute",
           "load_targets", "parse_columns", "parse_targets", "roll_to_csv", "roll_to_xlsx",
           "to_csv", "to_pdf", "to_xlsx"]


# -- a targets file ----------------------------------------------------------------------------


def parse_targets(data: Any, source: str = "targets") -> dict[int, float]:
    """``{"2021": 40, "2023": 70}`` (year → percent) checked and converted."""
    if not isinstance(data, dict):
        raise InspectorError(t("{f}：目标应为 JSON 对象，例如 {{\"2023\": 70}}",
                               "{f}: targets must be a JSON object like {{\"2023\": 70}}",
                               f=source))
    result: dict[int, float] = {}
    for key, value in data.items():
        try:
            year = int(str(key))
        except ValueError:
            raise InspectorError(t("{f}：“{k}”不是年份", "{f}: {k!r} is not a year",
                                   f=source, k=key)) from None
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise InspectorError(t("{f}：年份 {k} 应在 {a}–{b} 之间",
                                   "{f}: the year {k} must be between {a} and {b}",
                                   f=source, k=key, a=MIN_YEAR, b=MAX_YEAR))
        if isinstance(value, bool) or not isinstance(value, int | float) or not (
                0 <= value <= 100):
            raise InspectorError(t("{f}：{k}年的目标应为 0–100 之间的百分数，而不是 {v!r}",
                                   "{f}: the target for {k} must be a percent 0–100, not {v!r}",
                                   f=source, k=key, v=value))
        result[year] = float(value)
    return result


def load_targets(path: Path) -> dict[int, float]:
    """Targets from a JSON file: ``{"2021": 40, "2022": 60, "2023": 70}``."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise InspectorError(t("无法读取目标文件 {f}：{e}", "Cannot read the targets file {f}: {e}",
                               f=path, e=exc.strerror or exc)) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise InspectorError(t("目标文件 {f} 不是有效的 JSON：{e}",
                               "The targets file {f} is not valid JSON: {e}",
                               f=path, e=exc)) from exc
    return parse_targets(data, str(path))


# -- cells ----------------------------------------------------------------------------------


def _percent_text(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def text_cells(summary: Summary, row: SummaryRow, empty: str = "") -> list[str]:
    """A row as text: counts as integers, percentages with one decimal and a % sign,
    percentage points with one decimal."""
    district, street = row.labels()
    cells = [district, street]
    for key in summary.columns:
        value = row.value(key)
        kind = COLUMNS[key].kind
        if value is None:
            cells.append(empty)
        elif kind == "percent":
            cells.append(_percent_text(value))
        elif kind == "points":
            cells.append(f"{value:.1f}")
        else:
            cells.append(str(int(value)))
    return cells


def roll_header() -> list[str]:
    return [t("序号", "No."), t("区县(市)", "District"), t("街道", "Street"),
            t("社区", "Community"), t("依据", "Basis"), t("检查编号/文号", "Inspection / ref."),
            t("日期", "Date"), t("得分", "Score"), t("检查表", "Checklist")]


def roll_cells(summary: Summary) -> list[list[str]]:
    """The 名单: every community meeting the standard, with what says so."""
    rows: list[list[str]] = []
    for number, entry in enumerate(summary.roll, start=1):
        standing = entry.standing
        rows.append([str(number), entry.district, entry.street, entry.community,
                     standing.basis_label(), standing.reference, standing.on,
                     "" if standing.score is None else f"{standing.score:.1f}",
                     standing.template])
    return rows


def roll_title(summary: Summary) -> str:
    return t("{s}绿色社区达标名单（截至 {d}，共 {n} 个）",
             "Communities meeting the standard, {s} (as of {d}, {n} in all)",
             s=summary.scope(), d=summary.as_of.isoformat(), n=len(summary.roll))


def footer_pairs(summary: Summary) -> list[tuple[str, str]]:
    return [(t("填报单位", "Reporting office"), summary.unit),
            (t("填报人", "Filled in by"), summary.person),
            (t("填报日期", "Date"), summary.filed_on),
            (t("统计截至", "As of"), summary.as_of.isoformat())]


# -- CSV ------------------------------------------------------------------------------------


def to_csv(summary: Summary, path: Path) -> Path:
    """One header row and one row per street, district subtotal (街道 = 小计) and the total
    (合计), then after an empty line the 填报单位 / 填报人 / 日期; UTF-8 with a BOM,
    percentages written like ``45.0%``."""
    with atomic_path(Path(path)) as temporary, open(temporary, "w", encoding=CSV_ENCODING,
                                                    newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(summary.header(one_line=True))
        for row in summary.rows:
            cells = text_cells(summary, row)
            writer.writerow([neutralise(c) for c in cells[:2]] + cells[2:])
        writer.writerow([])
        for label, value in footer_pairs(summary):
            writer.writerow([label, neutralise(value)])
    return Path(path)


def roll_to_csv(summary: Summary, path: Path) -> Path:
    """The 名单 as CSV (UTF-8 with a BOM)."""
    with atomic_path(Path(path)) as temporary, open(temporary, "w", encoding=CSV_ENCODING,
                                                    newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(roll_header())
        for cells in roll_cells(summary):
            writer.writerow([neutralise(c) for c in cells])
        writer.writerow([])
        for label, value in footer_pairs(summary):
            writer.writerow([label, neutralise(value)])
    return Path(path)


# -- XLSX -----------------------------------------------------------------------------------


def _print_setup(sheet: Any, header_row: int, landscape: bool = True) -> None:
    from openpyxl.worksheet.properties import PageSetupProperties

    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.oddFooter.center.text = t("第 &P 页 共 &N 页", "Page &P of &N")


def to_xlsx(summary: Summary, path: Path) -> Path:
    """Two sheets a clerk can print (A4, fit to width, header repeated and frozen): the
    汇总表 with its notes and footer, and the 名单."""
    from openpyxl import Workbook

    workbook = Workbook()
    _summary_sheet(workbook.active, summary)
    _roll_sheet(workbook.create_sheet(), summary)
    workbook.properties.title = summary.title()
    workbook.properties.creator = "Green Community Inspector"
    with atomic_path(Path(path)) as temporary:
        workbook.save(temporary)
    return Path(path)


def roll_to_xlsx(summary: Summary, path: Path) -> Path:
    """The 名单 alone, as a printable sheet."""
    from openpyxl import Workbook

    workbook = Workbook()
    _roll_sheet(workbook.active, summary)
    workbook.properties.title = roll_title(summary)
    workbook.properties.creator = "Green Community Inspector"
    with atomic_path(Path(path)) as temporary:
        workbook.save(temporary)
    return Path(path)


def _summary_sheet(sheet: Any, summary: Summary) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    sheet.title = t("汇总表", "Summary")[:31]
    width = 2 + len(summary.columns)
    last = get_column_letter(width)
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)

    sheet["A1"] = summary.title()
    sheet.merge_cells(f"A1:{last}1")
    sheet["A1"].font = Font(bold=True, size=16)
    sheet["A1"].alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 30
    sheet["A2"] = neutralise(t("附件2　范围：{s}　统计截至：{d}　生成时间：{g}",
                               "Annex 2   Scope: {s}   As of: {d}   Generated: {g}",
                               s=summary.scope(), d=summary.as_of.isoformat(),
                               g=summary.generated_at[:16].replace("T", " ")))
    sheet.merge_cells(f"A2:{last}2")
    sheet["A2"].alignment = Alignment(horizontal="left", vertical="center")

    header_row = 3
    header_fill = PatternFill("solid", fgColor="D9E2F3")
    for index, label in enumerate(summary.header(), start=1):
        cell = sheet.cell(row=header_row, column=index, value=label)
        cell.font = Font(bold=True)
        cell.border = border
        cell.alignment = centre
        cell.fill = header_fill
    sheet.row_dimensions[header_row].height = 36

    subtotal_fill = PatternFill("solid", fgColor="F2F2F2")
    total_fill = PatternFill("solid", fgColor="E2E2E2")
    formats = {"percent": "0.0%", "points": "0.0", "count": "0"}
    for offset, row in enumerate(summary.rows, start=1):
        number = header_row + offset
        district, street = row.labels()
        values: list[Any] = [neutralise(district), neutralise(street)]
        values += [row.value(key) for key in summary.columns]
        for index, value in enumerate(values, start=1):
            cell = sheet.cell(row=number, column=index)
            cell.border = border
            if index <= 2:
                cell.value = value
                cell.data_type = "s"
                cell.alignment = Alignment(horizontal="left" if index == 2 else "center",
                                           vertical="center")
                continue
            kind = COLUMNS[summary.columns[index - 3]].kind
            if value is None:
                cell.value = "—"
                cell.alignment = Alignment(horizontal="center")
            else:
                cell.value = value
                cell.number_format = formats[kind]
                cell.alignment = Alignment(horizontal="right")
        if row.level != STREET:
            for index in range(1, width + 1):
                cell = sheet.cell(row=number, column=index)
                cell.font = Font(bold=True)
                cell.fill = total_fill if row.level == TOTAL else subtotal_fill

    notes_row = header_row + len(summary.rows) + 2
    notes = summary.notes()
    for index, note in enumerate(notes):
        cell = sheet.cell(row=notes_row + index, column=1, value=neutralise(note))
        sheet.merge_cells(start_row=notes_row + index, start_column=1,
                          end_row=notes_row + index, end_column=width)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.row_dimensions[notes_row + index].height = 30
    footer_row = notes_row + len(notes) + 1
    sheet.cell(row=footer_row, column=1, value=neutralise(summary.footer()))
    sheet.merge_cells(start_row=footer_row, start_column=1, end_row=footer_row,
                      end_column=width)

    # Chinese characters are about two widths of a Latin digit.
    longest = [max((len(row.labels()[i]) for row in summary.rows), default=0) for i in (0, 1)]
    sheet.column_dimensions["A"].width = max(12, min(30, 2 * longest[0] + 3))
    sheet.column_dimensions["B"].width = max(16, min(40, 2 * longest[1] + 3))
    for index, key in enumerate(summary.columns, start=3):
        sheet.column_dimensions[get_column_letter(index)].width = (
            10 if COLUMNS[key].kind == "count" else 13)
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=3)
    _print_setup(sheet, header_row)
    sheet.print_area = f"A1:{last}{footer_row}"


def _roll_sheet(sheet: Any, summary: Summary) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    sheet.title = t("名单", "Roll")[:31]
    header = roll_header()
    last = get_column_letter(len(header))
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    sheet["A1"] = neutralise(roll_title(summary))
    sheet.merge_cells(f"A1:{last}1")
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 26
    header_row = 2
    for index, label in enumerate(header, start=1):
        cell = sheet.cell(row=header_row, column=index, value=label)
        cell.font = Font(bold=True)
        cell.border = border
        cell.fill = PatternFill("solid", fgColor="D9E2F3")
        cell.alignment = Alignment(horizontal="center", vertical="center")
    for offset, cells in enumerate(roll_cells(summary), start=1):
        for index, text in enumerate(cells, start=1):
            cell = sheet.cell(row=header_row + offset, column=index)
            cell.value = neutralise(text)
            cell.data_type = "s"
            cell.border = border
    footer_row = header_row + len(summary.roll) + 2
    sheet.cell(row=footer_row, column=1, value=neutralise(summary.footer()))
    sheet.merge_cells(start_row=footer_row, start_column=1, end_row=footer_row,
                      end_column=len(header))
    for index, width in enumerate((6, 12, 16, 18, 12, 24, 12, 8, 28), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    _print_setup(sheet, header_row)
    sheet.print_area = f"A1:{last}{footer_row}"


# -- PDF ------------------------------------------------------------------------------------


def to_pdf(summary: Summary, path: Path, font_path: str | Path | None = None, *,
           seal: Any | None = None) -> Any:
    """A4 landscape table in the CJK font, with title, generation time and "第 x 页 共 y 页";
    returns the ``fonts.ReportFont`` used (its ``notice()`` says if it is not embedded).
    ``seal``: an issued document's ``layout.Seal``, drawn at the foot of every page."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from inspector.reports import fonts

    font = fonts.find(font_path)
    page_width, page_height = landscape(A4)
    margin = 15 * mm
    title_style = ParagraphStyle("title", fontName=font.name, fontSize=18, leading=24,
                                 alignment=TA_CENTER, spaceAfter=4 * mm)
    meta_style = ParagraphStyle("meta", fontName=font.name, fontSize=9, leading=12)
    head_style = ParagraphStyle("head", fontName=font.name, fontSize=9, leading=11,
                                alignment=TA_CENTER)
    note_style = ParagraphStyle("note", fontName=font.name, fontSize=8, leading=11,
                                textColor=colors.HexColor("#333333"))

    usable = page_width - 2 * margin
    first = [18 * mm, 26 * mm]
    weights = [1.3 if COLUMNS[key].kind == "percent" else 1.0 for key in summary.columns]
    unit = (usable - sum(first)) / max(1.0, sum(weights))
    widths = first + [unit * w for w in weights]
    # Header, subtotal and total rows in pseudo-bold: CJK TrueType fonts rarely have a bold
    # face. A header too wide for its column gets a smaller type, never a broken word.
    from inspector.reports.layout import bold_paragraph_class

    bold = bold_paragraph_class()
    header = []
    for label, column_width in zip(summary.header(), widths, strict=True):
        size = 9.0
        while size > 6 and max(stringWidth(line, font.name, size)
                               for line in label.split("\n")) > column_width - 6:
            size -= 0.5
        label_style = ParagraphStyle(f"head{size}", parent=head_style, fontSize=size,
                                     leading=size + 2)
        header.append(bold(layout.markup(label).replace("\n", "<br/>"), label_style))
    cell_styles = [ParagraphStyle(f"cell{a}", fontName=font.name, fontSize=9, leading=11,
                                  alignment=a, wordWrap="CJK")
                   for a in (TA_CENTER, TA_LEFT, TA_RIGHT)]
    data: list[list[Any]] = [header]
    for row in summary.rows:
        cells = text_cells(summary, row, empty="—")
        if row.level == STREET:  # names wrap in their column; figures are short
            data.append([Paragraph(layout.markup(text), cell_styles[index])
                         for index, text in enumerate(cells[:2])] + cells[2:])
        else:
            data.append([bold(layout.markup(text), cell_styles[min(index, 2)])
                         for index, text in enumerate(cells)])
    table = Table(data, colWidths=widths, repeatRows=1)
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), font.name, 9),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#D9E2F3")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
        ("ALIGN", (0, 1), (0, -1), "CENTER"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, 0), 2),
        ("RIGHTPADDING", (0, 0), (-1, 0), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    for index, row in enumerate(summary.rows, start=1):
        if row.level == DISTRICT:
            style.append(("BACKGROUND", (0, index), (-1, index), colors.HexColor("#EFEFEF")))
        elif row.level == TOTAL:
            style += [("BACKGROUND", (0, index), (-1, index), colors.HexColor("#DDDDDD")),
                      ("LINEABOVE", (0, index), (-1, index), 1.2, colors.black)]
    table.setStyle(TableStyle(style))

    generated = summary.generated_at[:19].replace("T", " ")
    story: list[Any] = [
        Paragraph(layout.markup(t("附件2", "Annex 2")), meta_style),
        bold(layout.markup(summary.title()), title_style),
        Paragraph(layout.markup(t("范围：{s}　　统计截至：{d}　　生成时间：{g}",
                            "Scope: {s}    As of: {d}    Generated: {g}", s=summary.scope(),
                            d=summary.as_of.isoformat(), g=generated)), meta_style),
        Spacer(1, 3 * mm),
        table,
        Spacer(1, 4 * mm),
    ]
    story += [Paragraph(layout.markup(note), note_style) for note in summary.notes()]
    if not font.embedded:
        story.append(Paragraph(layout.markup(font.notice() or ""), note_style))
    story += [Spacer(1, 5 * mm), Paragraph(layout.markup(summary.footer()), meta_style)]
    story += _roll_story(summary, font.name, usable, bold, meta_style)

    footer_right = f"{t('生成时间', 'Generated')} {generated}"
    canvas_class = _numbered_canvas(font.name, summary.title(), footer_right, page_width,
                                    margin, seal)
    path = Path(path)
    with atomic_path(path) as temporary:
        document = SimpleDocTemplate(
            str(temporary), pagesize=(page_width, page_height), leftMargin=margin,
            rightMargin=margin, topMargin=margin,
            bottomMargin=seal.height + 4 * mm if seal else margin + 4 * mm,
            title=summary.title(), author="Green Community Inspector",
            subject=t("附件2", "Annex 2"), **(seal.doc_options() if seal else {}))
        document.build(story, canvasmaker=canvas_class)
    return font


def _roll_story(summary: Summary, font_name: str, usable: float, bold: Any,
                meta_style: Any) -> list[Any]:
    """The 名单 after the table, on its own page."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, Paragraph, Spacer, Table, TableStyle

    title_style = ParagraphStyle("rolltitle", fontName=font_name, fontSize=14, leading=20,
                                 alignment=TA_CENTER, spaceAfter=3 * mm)
    cell = ParagraphStyle("rollcell", fontName=font_name, fontSize=8.5, leading=10.5,
                          wordWrap="CJK")
    head = ParagraphStyle("rollhead", parent=cell, alignment=TA_CENTER)
    story: list[Any] = [PageBreak(), bold(layout.markup(roll_title(summary)), title_style)]
    if not summary.roll:
        story.append(Paragraph(layout.markup(t("（截至该日没有达标社区）",
                                         "(no community meets the standard on that day)")),
                               meta_style))
        return story
    weights = [0.5, 1.1, 1.4, 1.6, 1.1, 2.2, 1.1, 0.7, 2.6]
    widths = [usable * w / sum(weights) for w in weights]
    data: list[list[Any]] = [[bold(layout.markup(h), head) for h in roll_header()]]
    data += [[Paragraph(layout.markup(text), cell) for text in cells]
             for cells in roll_cells(summary)]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#D9E2F3")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]))
    return story + [table, Spacer(1, 5 * mm),
                    Paragraph(layout.markup(summary.footer()), meta_style)]


def _numbered_canvas(font_name: str, left: str, right: str, page_width: float,
                     margin: float, seal: Any | None = None) -> Any:
    """A canvas that writes "第 x 页 共 y 页" once the page count is known."""

    def finish(canvas: Any, _pages: int) -> None:
        if seal is not None:
            seal.prepare(canvas)

    def footer(canvas: Any, page: int, pages: int) -> None:
        canvas.saveState()
        canvas.setFont(font_name, 8)
        canvas.setFillGray(0.35)
        y = margin - 2
        canvas.drawString(margin, y, left)
        canvas.drawCentredString(page_width / 2, y, layout.page_of(page, pages))
        canvas.drawRightString(page_width - margin - (seal.width if seal else 0), y, right)
        canvas.restoreState()
        if seal is not None:
            seal.draw(canvas, left=margin, right=page_width - margin, font=font_name)

    return layout.counted_pages_canvas(footer, finish=finish)
