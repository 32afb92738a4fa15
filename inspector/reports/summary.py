"""The district summary of a year: the plan's 附件2《绿色社区建设任务完成情况汇总表》.

Rows per street, a subtotal per district (districts in the city's official order, 海曙区 …
象山县, others after them) and a city total. What is counted:

- **Communities**: every community in the registry (the denominator of every ratio).
- **The inspection that counts** for a community in a year is its latest *submitted*
  inspection (by ``started_at``, then short id) whose ``started_at`` falls in that year, read
  as the calendar date written in the stamp (the inspector's local date; Ningbo is UTC+8).
  Drafts and reopened inspections do not count; neither does another year's inspection.
- **Inspected**: communities with such an inspection; **达标**: those whose counted
  inspection meets the standard (``scoring.score(...).met``).
- **Ratio** = 达标 / communities; **target** = the plan's target for the year (40 % for 2021,
  60 % from 2022 on; configurable, see ``load_targets``); **gap** = target − ratio, 0 once the
  target is met; **needed** = communities still to reach the standard to meet the target.
- **Garbage sorting accuracy** (item B06): the mean of the counted inspections' B06 values,
  and the share of those estates at ≥ 80 % (三(二)2); estates whose B06 is missing or
  不适用 are left out of both.
- **Property-management coverage** (三(四)2, ≥ 30 %): communities whose 物业管理 is 专业物业 or
  准物业, over all communities. 自治 (residents managing themselves) and 无 are not property
  management; an empty value counts as not covered.

Ratios are kept as fractions (0.4 = 40 %); targets are configured in percent.
"""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

from inspector.core.errors import InspectorError
from inspector.core.i18n import t
from inspector.core.store import Store
from inspector.domain import scoring, templates
from inspector.domain.districts import NINGBO_DISTRICTS
from inspector.domain.inspections import SUBMITTED
from inspector.reports.exports import CSV_ENCODING, atomic_path, neutralise

DEFAULT_TARGETS: dict[int, float] = {2021: 40.0, 2022: 60.0}  # 四(二), 四(三): percent
SORTING_ITEM = "B06"
SORTING_TARGET = 80.0  # percent, 三(二)2
PROPERTY_TARGET = 30.0  # percent, 三(四)2
PROPERTY_COVERED = ("专业物业", "准物业")
MIN_YEAR, MAX_YEAR = 2000, 2100
STREET, DISTRICT, CITY = "street", "district", "city"


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    kind: str  # "count" or "percent"

    def label(self, year: int | None = None) -> str:
        return t(self.zh, self.en, year=year)


COLUMNS: dict[str, Column] = {c.key: c for c in (
    Column("registered", "社区总数", "Communities", "count"),
    Column("inspected", "已检查", "Inspected", "count"),
    Column("met", "达标数", "Meeting \nstandard", "count"),
    Column("ratio", "达标比例", "Ratio", "percent"),
    Column("target", "{year}年目标", "Target {year}", "percent"),
    Column("gap", "差距", "Gap", "percent"),
    Column("needed", "尚需\n达标数", "Still \nneeded", "count"),
    Column("sorting_checked", "分类抽查\n小区数", "Sorting \nchecked", "count"),
    Column("sorting_accuracy", "垃圾分类\n平均准确率", "Mean sorting \naccuracy", "percent"),
    Column("sorting_ok_share", "准确率≥80%\n小区占比", "Estates \n≥ 80 %", "percent"),
    Column("property_managed", "物业管理\n社区数", "Property \nmanaged", "count"),
    Column("property_coverage", "物业管理\n覆盖率", "Property \nmanagement \ncoverage", "percent"),
)}
DEFAULT_COLUMNS: tuple[str, ...] = (
    "registered", "inspected", "met", "ratio", "target", "gap", "needed",
    "sorting_accuracy", "sorting_ok_share", "property_coverage",
)


@dataclass(frozen=True)
class SummaryRow:
    level: str  # street / district / city
    district: str
    street: str
    registered: int = 0
    inspected: int = 0
    met: int = 0
    sorting_checked: int = 0
    sorting_total: float = 0.0  # sum of B06 values, percent
    sorting_ok: int = 0
    property_managed: int = 0
    target_percent: float | None = None

    def __add__(self, other: SummaryRow) -> SummaryRow:
        return SummaryRow(
            self.level, self.district, self.street,
            self.registered + other.registered, self.inspected + other.inspected,
            self.met + other.met, self.sorting_checked + other.sorting_checked,
            self.sorting_total + other.sorting_total, self.sorting_ok + other.sorting_ok,
            self.property_managed + other.property_managed, self.target_percent)

    @property
    def ratio(self) -> float | None:
        return self.met / self.registered if self.registered else None

    @property
    def target(self) -> float | None:
        return None if self.target_percent is None else self.target_percent / 100

    @property
    def gap(self) -> float | None:
        if self.target is None or self.ratio is None:
            return None
        return max(0.0, self.target - self.ratio)

    @property
    def needed(self) -> int | None:
        if self.target_percent is None:
            return None
        required = math.ceil(Fraction(str(self.target_percent)) * self.registered / 100)
        return max(0, required - self.met)

    @property
    def sorting_accuracy(self) -> float | None:
        if not self.sorting_checked:
            return None
        return self.sorting_total / self.sorting_checked / 100

    @property
    def sorting_ok_share(self) -> float | None:
        return self.sorting_ok / self.sorting_checked if self.sorting_checked else None

    @property
    def property_coverage(self) -> float | None:
        return self.property_managed / self.registered if self.registered else None

    def value(self, key: str) -> int | float | None:
        if key not in COLUMNS:
            raise KeyError(key)
        result: int | float | None = getattr(self, key)
        return result

    def labels(self) -> tuple[str, str]:
        """What the first two columns show: district and street (or 小计 / 合计)."""
        if self.level == CITY:
            return t("全市", "City"), t("合计", "Total")
        if self.level == DISTRICT:
            return self.district, t("小计", "Subtotal")
        return self.district, self.street


@dataclass(frozen=True)
class Summary:
    year: int
    target_percent: float | None
    columns: tuple[str, ...]
    rows: tuple[SummaryRow, ...]
    generated_at: str
    targets: dict[int, float] = field(default_factory=dict)

    @property
    def total(self) -> SummaryRow:
        return self.rows[-1]

    def row(self, district: str, street: str | None = None) -> SummaryRow:
        """The subtotal of a district, or one of its streets."""
        for row in self.rows:
            if row.district == district and (
                    (street is None and row.level == DISTRICT)
                    or (street is not None and row.level == STREET and row.street == street)):
                return row
        raise KeyError((district, street))

    def title(self) -> str:
        return t("{y}年绿色社区建设任务完成情况汇总表",
                 "Green community construction: completion summary {y}", y=self.year)

    def header(self, *, one_line: bool = False) -> list[str]:
        """Column titles; a line break marks where a long title wraps (``one_line`` drops it)."""
        labels = [t("区县(市)", "District"), t("街道", "Street")] + [
            COLUMNS[key].label(self.year) for key in self.columns]
        return [label.replace("\n", "") if one_line else label for label in labels]

    def notes(self) -> list[str]:
        target = (t("无目标", "no target") if self.target_percent is None
                  else f"{self.target_percent:g}%")
        return [
            t("达标比例 = 达标社区数 / 社区总数；{y}年目标 {tg}（2021年≥40%，2022年起≥60%）。",
              "Ratio = communities meeting the standard / all communities; target {y}: {tg} "
              "(2021 ≥ 40 %, from 2022 ≥ 60 %).", y=self.year, tg=target),
            t("每个社区按其{y}年内最近一次已提交的检查计；草稿、重新打开的检查和其他年份的检查不计。",
              "Each community counts by its latest submitted inspection started in {y}; "
              "drafts, reopened inspections and other years' inspections do not count.",
              y=self.year),
            t("垃圾分类准确率取检查项 B06 的抽查值，目标≥{s:g}%；"
              "物业管理覆盖率 = 专业物业或准物业的社区 / 社区总数（自治、无不计），目标≥{p:g}%。",
              "Sorting accuracy is item B06's spot check, target ≥ {s:g} %; property-"
              "management coverage = communities with professional or quasi property "
              "management / all (self-managed and none do not count), target ≥ {p:g} %.",
              s=SORTING_TARGET, p=PROPERTY_TARGET),
        ]


# -- configuration --------------------------------------------------------------------------


def check_year(year: int) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InspectorError(t("年份 {y} 不对：应在 {a}–{b} 之间",
                               "The year {y} is wrong: it must be between {a} and {b}",
                               y=year, a=MIN_YEAR, b=MAX_YEAR))
    return year


def target_for(year: int, targets: Mapping[int, float] | None = None) -> float | None:
    """The target (percent) for a year: the configured one for that year, else that of the
    latest configured year before it; ``targets`` override the plan's defaults year by year."""
    merged = {**DEFAULT_TARGETS, **(targets or {})}
    earlier = [y for y in merged if y <= year]
    return merged[max(earlier)] if earlier else None


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


def parse_columns(keys: Iterable[str] | str | None) -> tuple[str, ...]:
    """Column keys (a list or ``"a,b,c"``), checked; None gives the default set."""
    if keys is None:
        return DEFAULT_COLUMNS
    if isinstance(keys, str):
        keys = [k for k in keys.split(",")]
    chosen = tuple(k.strip() for k in keys if k.strip())
    unknown = [k for k in chosen if k not in COLUMNS]
    if unknown or not chosen:
        raise InspectorError(t("未知的列：{u}；可用的列：{all}",
                               "Unknown columns: {u}; the columns are: {all}",
                               u=", ".join(unknown) or "—", all=", ".join(COLUMNS)))
    return chosen


# -- computing ------------------------------------------------------------------------------


def _instant(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return moment if moment.tzinfo is not None else moment.astimezone()


def _text_key(text: str) -> bytes:
    # GB18030 order puts common characters in pinyin order, as Chinese lists are sorted.
    return text.encode("gb18030", errors="replace")


def counted_inspections(store: Store, year: int) -> dict[str, dict[str, Any]]:
    """Community id → the inspection that counts for it in ``year``."""
    latest: dict[str, dict[str, Any]] = {}
    for row in store.query(
            "SELECT id, short_id, community_id, template_id, started_at FROM inspections"
            " WHERE status = ? AND substr(started_at, 1, 4) = ?", (SUBMITTED, f"{year:04d}")):
        current = latest.get(row["community_id"])
        key = (_instant(row["started_at"]), row["short_id"] or "", row["id"])
        if current is None or key > (_instant(current["started_at"]),
                                     current["short_id"] or "", current["id"]):
            latest[row["community_id"]] = row
    return latest


def compute(store: Store, year: int, targets: Mapping[int, float] | None = None,
            columns: Sequence[str] | None = None) -> Summary:
    """The summary of ``year``; ``targets`` (year → percent) override the plan's."""
    check_year(year)
    chosen = parse_columns(columns)
    target = target_for(year, targets)
    counted = counted_inspections(store, year)
    answers: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    wanted = {row["id"] for row in counted.values()}
    for row in store.query(
            "SELECT r.inspection_id, r.item_code, r.answer, r.value FROM responses r"
            " JOIN inspections i ON i.id = r.inspection_id"
            " WHERE i.status = ? AND substr(i.started_at, 1, 4) = ?",
            (SUBMITTED, f"{year:04d}")):
        if row["inspection_id"] in wanted:
            answers[row["inspection_id"]][row["item_code"]] = row

    streets: dict[tuple[str, str], SummaryRow] = {}
    for community in store.query(
            "SELECT id, district, street, property_management FROM communities"):
        key = (community["district"] or "", community["street"] or "")
        one = SummaryRow(STREET, key[0], key[1], registered=1, target_percent=target,
                         property_managed=int(community["property_management"]
                                              in PROPERTY_COVERED))
        inspection = counted.get(community["id"])
        if inspection is not None:
            given = answers.get(inspection["id"], {})
            met = scoring.score(templates.get(store, inspection["template_id"]),
                                {code: r["answer"] for code, r in given.items()}).met
            sorting = given.get(SORTING_ITEM)
            value = sorting["value"] if sorting and sorting["answer"] in (
                scoring.PASS, scoring.FAIL) else None
            one = one + SummaryRow(
                STREET, key[0], key[1], inspected=1, met=int(met),
                sorting_checked=int(value is not None), sorting_total=value or 0.0,
                sorting_ok=int(value is not None and value >= SORTING_TARGET))
        streets[key] = streets[key] + one if key in streets else one

    rank = {name: index for index, name in enumerate(NINGBO_DISTRICTS)}
    districts = sorted({d for d, _ in streets},
                       key=lambda d: (rank.get(d, len(rank)), _text_key(d)))
    rows: list[SummaryRow] = []
    city = SummaryRow(CITY, "", "", target_percent=target)
    for district in districts:
        subtotal = SummaryRow(DISTRICT, district, "", target_percent=target)
        for _, street in sorted((k for k in streets if k[0] == district),
                                key=lambda k: _text_key(k[1])):
            street_row = streets[(district, street)]
            rows.append(street_row)
            subtotal = subtotal + street_row
        rows.append(subtotal)
        city = city + subtotal
    rows.append(city)
    return Summary(year, target, chosen, tuple(rows), store.wall.iso(),
                   dict(sorted({**DEFAULT_TARGETS, **(targets or {})}.items())))


# -- cells ----------------------------------------------------------------------------------


def _percent_text(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def text_cells(summary: Summary, row: SummaryRow, empty: str = "") -> list[str]:
    """A row as text: counts as integers, percentages with one decimal and a % sign."""
    district, street = row.labels()
    cells = [district, street]
    for key in summary.columns:
        value = row.value(key)
        if value is None:
            cells.append(empty)
        elif COLUMNS[key].kind == "percent":
            cells.append(_percent_text(value))
        else:
            cells.append(str(int(value)))
    return cells


# -- CSV ------------------------------------------------------------------------------------


def to_csv(summary: Summary, path: Path) -> Path:
    """One header row and one row per street, district subtotal (街道 = 小计) and the city
    (合计); UTF-8 with a BOM, percentages written like ``45.0%``."""
    with atomic_path(Path(path)) as temporary, open(temporary, "w", encoding=CSV_ENCODING,
                                                    newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(summary.header(one_line=True))
        for row in summary.rows:
            cells = text_cells(summary, row)
            writer.writerow([neutralise(c) for c in cells[:2]] + cells[2:])
    return Path(path)


# -- XLSX -----------------------------------------------------------------------------------


def to_xlsx(summary: Summary, path: Path) -> Path:
    """A sheet a clerk can print: A4 landscape, fit to width, header repeated and frozen."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    workbook = Workbook()
    sheet = workbook.active
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
    sheet["A2"] = t("附件2　统计年度：{y}年　生成时间：{g}",
                    "Annex 2   Year: {y}   Generated: {g}", y=summary.year,
                    g=summary.generated_at[:16].replace("T", " "))
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
                cell.number_format = "0.0%" if kind == "percent" else "0"
                cell.alignment = Alignment(horizontal="right")
        if row.level != STREET:
            for index in range(1, width + 1):
                cell = sheet.cell(row=number, column=index)
                cell.font = Font(bold=True)
                cell.fill = total_fill if row.level == CITY else subtotal_fill

    notes_row = header_row + len(summary.rows) + 2
    for index, note in enumerate(summary.notes()):
        cell = sheet.cell(row=notes_row + index, column=1, value=neutralise(note))
        sheet.merge_cells(start_row=notes_row + index, start_column=1,
                          end_row=notes_row + index, end_column=width)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.row_dimensions[notes_row + index].height = 30

    # Chinese characters are about two widths of a Latin digit.
    longest = [max((len(row.labels()[i]) for row in summary.rows), default=0) for i in (0, 1)]
    sheet.column_dimensions["A"].width = max(12, min(30, 2 * longest[0] + 3))
    sheet.column_dimensions["B"].width = max(16, min(40, 2 * longest[1] + 3))
    for index, key in enumerate(summary.columns, start=3):
        sheet.column_dimensions[get_column_letter(index)].width = (
            13 if COLUMNS[key].kind == "percent" else 10)

    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=3)
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.oddFooter.center.text = t("第 &P 页 共 &N 页", "Page &P of &N")
    sheet.print_area = f"A1:{last}{notes_row + len(summary.notes()) - 1}"
    workbook.properties.title = summary.title()
    workbook.properties.creator = "Green Community Inspector"

    with atomic_path(Path(path)) as temporary:
        workbook.save(temporary)
    return Path(path)


# -- PDF ------------------------------------------------------------------------------------


def to_pdf(summary: Summary, path: Path, font_path: str | Path | None = None) -> Any:
    """A4 landscape table in the CJK font, with title, generation time and "第 x 页 共 y 页";
    returns the ``fonts.ReportFont`` used (its ``notice()`` says if it is not embedded)."""
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
        header.append(bold(_escape(label).replace("\n", "<br/>"), label_style))
    cell_styles = [ParagraphStyle(f"cell{a}", fontName=font.name, fontSize=9, leading=11,
                                  alignment=a, wordWrap="CJK")
                   for a in (TA_CENTER, TA_LEFT, TA_RIGHT)]
    data: list[list[Any]] = [header]
    for row in summary.rows:
        cells = text_cells(summary, row, empty="—")
        if row.level == STREET:  # names wrap in their column; figures are short
            data.append([Paragraph(_escape(text), cell_styles[index])
                         for index, text in enumerate(cells[:2])] + cells[2:])
        else:
            data.append([bold(_escape(text), cell_styles[min(index, 2)])
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
        elif row.level == CITY:
            style += [("BACKGROUND", (0, index), (-1, index), colors.HexColor("#DDDDDD")),
                      ("LINEABOVE", (0, index), (-1, index), 1.2, colors.black)]
    table.setStyle(TableStyle(style))

    generated = summary.generated_at[:19].replace("T", " ")
    story: list[Any] = [
        Paragraph(_escape(t("附件2", "Annex 2")), meta_style),
        bold(_escape(summary.title()), title_style),
        Paragraph(_escape(t("统计年度：{y}年　　生成时间：{g}", "Year: {y}    Generated: {g}",
                            y=summary.year, g=generated)), meta_style),
        Spacer(1, 3 * mm),
        table,
        Spacer(1, 4 * mm),
    ]
    story += [Paragraph(_escape(note), note_style) for note in summary.notes()]
    if not font.embedded:
        story.append(Paragraph(_escape(font.notice() or ""), note_style))

    footer_right = f"{t('生成时间', 'Generated')} {generated}"
    canvas_class = _numbered_canvas(font.name, summary.title(), footer_right, page_width,
                                    margin)
    path = Path(path)
    with atomic_path(path) as temporary:
        document = SimpleDocTemplate(
            str(temporary), pagesize=(page_width, page_height), leftMargin=margin,
            rightMargin=margin, topMargin=margin, bottomMargin=margin + 4 * mm,
            title=summary.title(), author="Green Community Inspector",
            subject=t("附件2", "Annex 2"))
        document.build(story, canvasmaker=canvas_class)
    return font


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _numbered_canvas(font_name: str, left: str, right: str, page_width: float,
                     margin: float) -> Any:
    """A canvas that writes "第 x 页 共 y 页" once the page count is known."""
    from reportlab.pdfgen.canvas import Canvas

    class NumberedCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._footer(total)
                super().showPage()
            super().save()

        def _footer(self, total: int) -> None:
            self.saveState()
            self.setFont(font_name, 8)
            self.setFillGray(0.35)
            y = margin - 2
            self.drawString(margin, y, left)
            self.drawCentredString(page_width / 2, y, t(
                "第 {x} 页 共 {y} 页", "Page {x} of {y}", x=self._pageNumber, y=total))
            self.drawRightString(page_width - margin, y, right)
            self.restoreState()

    return NumberedCanvas
