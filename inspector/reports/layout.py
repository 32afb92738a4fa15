"""Shared PDF plumbing for A4 reports (reportlab Platypus).

What every report gets from here:

- fonts and paragraph styles with the CJK font (``fonts.find``), 仿宋 for official notices where
  the machine has it, and a pseudo-bold (fill + stroke) because CJK TrueType fonts rarely ship a
  bold face;
- a page frame whose every page carries "第 x 页 共 y 页" (the canvas keeps the pages until the
  end, so it knows the count), the moment of issue, the inspection's short id and, for an
  issued document (``inspector.domain.documents``), its seal: the document number, a QR code
  (drawn once as a form, reused on every page, with its 4-module quiet zone) holding the
  number and the issuing device's Ed25519 signature, the signature printed, and how a
  recipient has the document checked (the issuer's phone);
- photos placed as the cached report-size JPEG *file*: reportlab copies a JPEG file's bytes
  into the PDF as a ``DCTDecode`` stream, without decoding or re-encoding it (ASCII85 is turned
  off while building so the stream is the file byte for byte); each copy is first proven
  derived from an intact original (``inspector.domain.provenance``); a photo whose original
  is missing or altered becomes a placeholder box that says so and a warning for the caller;
- the document's facts embedded as a file attachment while the PDF is written; writing to
  a temporary name, registering the file's SHA-256, then renaming, so a reader never sees
  half a report; the same document built again on the same machine gives the same bytes
  (fixed creation time and file id).
"""

from __future__ import annotations

import contextlib
import html
import logging
import os
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from inspector.core.durable import atomic_file
from inspector.core.errors import InspectorError
from inspector.core.i18n import language, t
from inspector.core.store import Store
from inspector.domain import documents, provenance
from inspector.domain.documents import Document
from inspector.reports import fonts

log = logging.getLogger(__name__)

MM = 72.0 / 25.4
A4 = (210 * MM, 297 * MM)
MONO = "Courier"
INK = (0.0, 0.0, 0.0)
GREY_TEXT = 0.3  # captions and footers: dark grey, still crisp in black and white
FILL_LABEL = 0.93  # label cells
FILL_FAILED = 0.86  # failed checklist rows
FILL_SECTION = 0.8  # section rows

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]


class ReportCancelled(InspectorError):
    """The user cancelled while the report was being made; nothing was written."""


@dataclass
class ReportResult:
    path: Path
    pages: int
    photos_placed: int  # photo placements (a photo shown twice counts twice)
    warnings: list[str] = field(default_factory=list)
    font_notice: str | None = None
    images_embedded: int = 0  # distinct image objects in the PDF: photos + signatures
    verification: str = ""  # the full SHA-256 (hex) over the facts printed
    number: str = ""  # the issued document's number (文号 / 编号)
    kept: bool = False  # the file was written before for the same facts: left untouched
    damaged: list[str] = field(default_factory=list)  # photos missing or altered: why
    file_sha256: str = ""  # of the PDF written, as registered


# -- verification ---------------------------------------------------------------------------


canonical_json = documents.canonical_json
digest = documents.digest  # the SHA-256 (hex) over a report's facts, as the register keeps it


# -- text helpers ---------------------------------------------------------------------------


def markup(text: object) -> str:
    """Text for a Paragraph's markup: ``&``, ``<`` and ``>`` escaped, nothing else changed."""
    return html.escape("" if text is None else str(text), quote=False)


def esc(text: object) -> str:
    """Text for a Paragraph: markup characters escaped, line breaks kept."""
    return markup(text).replace("\n", "<br/>")


def page_of(page: int, pages: int) -> str:
    """The footer's "第 x 页 共 y 页"."""
    return t("第 {x} 页 共 {y} 页", "Page {x} of {y}", x=page, y=pages)


def date_text(day: date) -> str:
    """2026年11月29日 (Arabic numerals, no padding, as GB/T 9704 asks) or 29 November 2026."""
    if language() == "en":
        return f"{day.day} {day:%B} {day.year}"
    return f"{day.year}年{day.month}月{day.day}日"


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def time_text(text: str | None) -> str:
    """An ISO time as local ``YYYY-MM-DD HH:MM`` (EXIF times without offset are kept as is)."""
    moment = parse_time(text)
    if moment is None:
        return text or ""
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return f"{moment:%Y-%m-%d %H:%M}"


def day_of(text: str | None) -> date | None:
    moment = parse_time(text)
    if moment is None:
        return None
    return (moment.astimezone() if moment.tzinfo is not None else moment).date()


def coordinates_text(latitude: float | None, longitude: float | None) -> str:
    if latitude is None or longitude is None:
        return ""
    return f"{latitude:.6f}, {longitude:.6f}"


CHINESE_ORDINALS = "一二三四五六七八九十"


def section_number(index: int) -> str:
    """一、 二、 … in Chinese, 1. 2. … in English (index from 1)."""
    if language() == "en":
        return f"{index}. "
    if index <= 10:
        return CHINESE_ORDINALS[index - 1] + "、"
    return f"{index}、"


def safe_file_part(text: str) -> str:
    cleaned = re.sub(r'[\\/:*?"<>|\s]+', "-", text.strip()).strip("-.")
    return cleaned or "x"


# -- fonts and styles -----------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFonts:
    body: fonts.ReportFont  # headings, tables: the CJK font (黑体-like on most machines)
    text: fonts.ReportFont  # running text: 仿宋 for notices where present, else the body font
    warnings: tuple[str, ...] = ()

    serif_missing: bool = False  # a notice asked for 仿宋/宋体 and got the body font

    def notice(self) -> str | None:
        notes = [n for n in (self.body.notice(),) if n]
        if self.serif_missing:
            notes.append(t("未找到仿宋或宋体字体，正文改用 {f}。可安装 fonts-arphic-uming"
                           "（AR PL UMing）或在设置中指定字体。",
                           "No 仿宋/宋体 (serif) font was found; the body text uses {f} "
                           "instead. Install fonts-arphic-uming (AR PL UMing) or set a font.",
                           f=self.text.path.name if self.text.path else self.text.name))
        return " ".join(notes) or None


def load_fonts(font_path: str | os.PathLike[str] | None = None, *,
               fangsong: bool = False) -> ReportFonts:
    body = fonts.find(font_path)
    notes: list[str] = []
    if font_path and (body.path is None or Path(body.path) != Path(font_path)):
        notes.append(t("指定的字体 {f} 无法使用（不存在或不能嵌入），已改用 {n}",
                       "The font {f} cannot be used (missing or not embeddable); using {n}",
                       f=font_path, n=body.path or body.name))
    text = fonts.find_fangsong(body) if fangsong and body.embedded else body
    serif = {Path(p) for p, _i in fonts.FANGSONG_CANDIDATES}
    return ReportFonts(body, text, tuple(notes),
                       serif_missing=fangsong and body.embedded and text.path not in serif)


@dataclass(frozen=True)
class Styles:
    title: Any
    subtitle: Any
    h1: Any
    h2: Any
    body: Any
    body_indent: Any
    cell: Any
    cell_bold: Any
    cell_center: Any
    label: Any
    caption: Any
    mono: Any
    right: Any
    placeholder: Any
    signoff: Any
    subheading: Any
    caption_center: Any
    h2_center: Any
    fonts: ReportFonts


def make_styles(report_fonts: ReportFonts, *, official: bool = False) -> Styles:
    """Report styles; ``official`` is the GB/T 9704 look (3号 仿宋 body, 2号 title)."""
    from reportlab.lib.colors import Color
    from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    head = report_fonts.body.name
    text = report_fonts.text.name
    grey = Color(GREY_TEXT, GREY_TEXT, GREY_TEXT)
    base = ParagraphStyle("base", fontName=head, fontSize=10.5, leading=15, wordWrap="CJK",
                          alignment=TA_LEFT)
    if official:
        body_size, body_leading, cell_size = 16.0, 28.0, 10.5
    else:
        body_size, body_leading, cell_size = 10.5, 16.0, 9.0

    def style(name: str, **kw: Any) -> Any:
        return ParagraphStyle(name, parent=base, **kw)

    return Styles(
        title=style("title", fontSize=22 if official else 18, leading=32 if official else 26,
                    alignment=TA_CENTER, spaceAfter=4),
        subtitle=style("subtitle", fontName=text, fontSize=14 if official else 11,
                       leading=22 if official else 16, alignment=TA_CENTER),
        h1=style("h1", fontSize=16 if official else 13, leading=26 if official else 19,
                 spaceBefore=12 if official else 10, spaceAfter=6, keepWithNext=1),
        h2=style("h2", fontSize=12 if official else 10.5, leading=18 if official else 15,
                 spaceBefore=6, spaceAfter=3, keepWithNext=1),
        body=style("body", fontName=text, fontSize=body_size, leading=body_leading,
                   alignment=TA_JUSTIFY),
        body_indent=style("body_indent", fontName=text, fontSize=body_size,
                          leading=body_leading, alignment=TA_JUSTIFY,
                          firstLineIndent=2 * body_size),
        cell=style("cell", fontName=text if official else head, fontSize=cell_size,
                   leading=cell_size * 1.4),
        cell_bold=style("cell_bold", fontSize=cell_size, leading=cell_size * 1.4),
        cell_center=style("cell_center", fontName=text if official else head,
                          fontSize=cell_size, leading=cell_size * 1.4, alignment=TA_CENTER),
        label=style("label", fontSize=cell_size, leading=cell_size * 1.4),
        caption=style("caption", fontSize=7.5, leading=10, textColor=grey),
        mono=style("mono", fontName=MONO, fontSize=7.5, leading=9.5, wordWrap=None),
        right=style("right", fontName=text, fontSize=body_size, leading=body_leading,
                    alignment=TA_RIGHT),
        placeholder=style("placeholder", fontSize=9, leading=13, alignment=TA_CENTER),
        signoff=style("signoff", fontName=text, fontSize=body_size, leading=body_leading,
                      alignment=TA_CENTER),
        subheading=style("subheading", fontSize=16 if official else 13,
                         leading=24 if official else 19, alignment=TA_CENTER, spaceAfter=2),
        caption_center=style("caption_center", fontSize=7.5, leading=10, textColor=grey,
                             alignment=TA_CENTER),
        h2_center=style("h2_center", fontSize=12 if official else 10.5,
                        leading=18 if official else 15, alignment=TA_CENTER, spaceAfter=3),
        fonts=report_fonts,
    )


def bold_paragraph_class() -> Any:
    from reportlab.platypus import Paragraph

    class BoldParagraph(Paragraph):  # type: ignore[misc]
        """A paragraph drawn with fill and a thin stroke: bold for fonts without a bold face."""

        def draw(self) -> None:
            canvas = self.canv
            canvas.saveState()
            canvas.setStrokeColor(self.style.textColor)
            canvas.setLineWidth(self.style.fontSize * 0.035)
            canvas.addLiteral("2 Tr")
            try:
                super().draw()
            finally:
                canvas.restoreState()

    return BoldParagraph


_BOLD: Any = None


def para(text: str, style: Any, *, bold: bool = False) -> Any:
    """A Paragraph of already escaped markup; ``bold`` draws it pseudo-bold."""
    global _BOLD
    from reportlab.platypus import Paragraph

    if not bold:
        return Paragraph(text, style)
    if _BOLD is None:
        _BOLD = bold_paragraph_class()
    return _BOLD(text, style)


def heading(text: str, style: Any) -> Any:
    return para(esc(text), style, bold=True)


def blank() -> Any:
    """An empty cell. (An empty string would make the table set its default font, Helvetica,
    which then shows up as a non-embedded font in the PDF.)"""
    from reportlab.platypus import Spacer

    return Spacer(0, 0)


def table(rows: Sequence[Sequence[Any]], widths: Sequence[float],
          commands: Sequence[tuple[Any, ...]], *, repeat_rows: int = 0,
          row_heights: Sequence[float] | None = None) -> Any:
    """A Table whose empty cells (``""`` or ``None``) hold nothing drawable."""
    from reportlab.platypus import Table, TableStyle

    data = [[blank() if cell is None or (isinstance(cell, str) and not cell) else cell
             for cell in row] for row in rows]
    made = Table(data, colWidths=list(widths), repeatRows=repeat_rows,
                 rowHeights=list(row_heights) if row_heights else None)
    font = _font_of(data)
    # A table sets its cell font even around flowables; make that the report's font too.
    made.setStyle(TableStyle(([("FONTNAME", (0, 0), (-1, -1), font)] if font else [])
                             + list(commands)))
    return made


def _font_of(cells: Any) -> str | None:
    """The font of the first paragraph among (nested lists of) cells."""
    if isinstance(cells, (list, tuple)):
        for cell in cells:
            found = _font_of(cell)
            if found:
                return found
        return None
    nested = getattr(cells, "_cellvalues", None)  # a table inside a table
    if nested is not None:
        return _font_of(nested)
    style = getattr(cells, "style", None)
    name = getattr(style, "fontName", None)
    return name if isinstance(name, str) and name != MONO else None


def kv_table(rows: Sequence[Sequence[Any]], widths: Sequence[float], *,
             label_columns: Sequence[int] = (0,), spans: Sequence[tuple[int, int, int]] = (),
             ) -> Any:
    """A ruled table of label/value cells; label columns get a light grey fill.

    ``spans`` are (row, first column, last column) to merge.
    """
    from reportlab.lib.colors import Color, black

    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.5, black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    fill = Color(FILL_LABEL, FILL_LABEL, FILL_LABEL)
    covered = {(row, column) for row, first, last in spans for column in range(first + 1,
                                                                              last + 1)}
    for row in range(len(rows)):
        for column in label_columns:
            if (row, column) not in covered:
                commands.append(("BACKGROUND", (column, row), (column, row), fill))
    for row, first, last in spans:
        commands.append(("SPAN", (first, row), (last, row)))
    return table(rows, widths, commands)


# -- photos ---------------------------------------------------------------------------------


def jpeg_image(path: Path, max_width: float, max_height: float) -> Any:
    """A JPEG file as a flowable, scaled to fit; its bytes go into the PDF unchanged.

    reportlab's Image with the *file name* of a JPEG reads only the header for the size and
    copies the file into a DCTDecode stream when drawing (no PIL decode); the same file placed
    twice is stored once.
    """
    from reportlab.platypus import Image

    if path.suffix.lower() not in (".jpg", ".jpeg"):
        raise ValueError(f"not a JPEG file name: {path}")
    return Image(str(path), width=max_width, height=max_height, kind="bound", hAlign="LEFT")


def placeholder_box(text: str, width: float, height: float, style: Any) -> Any:
    """A dashed box with a message, where a photo should be."""
    from reportlab.lib.colors import Color, black

    return table([[para(text, style)]], [width], [
        ("BOX", (0, 0), (-1, -1), 0.8, black, None, (3, 2)),
        ("BACKGROUND", (0, 0), (-1, -1), Color(0.95, 0.95, 0.95)),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
    ], row_heights=[height])


@dataclass
class PhotoEntry:
    number: int  # P1, P2, … in the order photos first appear
    row: dict[str, Any]
    uses: list[str] = field(default_factory=list)
    copy: Path | None = None  # the report-size JPEG placed, once looked up
    problem: str | None = None  # short label when it cannot be shown (原件缺失 …)
    checked: bool = False
    damage: str | None = None  # provenance.MISSING / ALTERED / UNREADABLE

    @property
    def missing(self) -> bool:
        return self.checked and self.copy is None


class PhotoPlacer:
    """Places photos (report-size derived JPEGs) and signatures, numbering photos P1, P2, … in
    the order they first appear, and keeps what the appendix and the result need."""

    def __init__(self, store: Store, styles: Styles, *, total: int = 0,
                 progress: Progress | None = None, cancelled: Cancelled | None = None,
                 hints: Callable[[dict[str, Any]], list[str]] | None = None) -> None:
        self.store = store
        self.hints = hints  # evidence hints printed under a photo (old, far, damaged)
        self.styles = styles
        self.total = total
        self.done = 0
        self.progress = progress
        self.cancelled = cancelled
        self.entries: dict[str, PhotoEntry] = {}
        self.placed = 0
        self.embedded: set[str] = set()
        self.warnings: list[str] = []
        self.damaged: list[str] = []  # the warnings about photos that could not be placed
        self._copies: dict[tuple[str, str | None], tuple[Path | None, str | None,
                                                         str | None, str | None]] = {}

    def check_cancelled(self) -> None:
        if self.cancelled is not None and self.cancelled():
            raise ReportCancelled(t("已取消生成报告", "Report cancelled"))

    def _tick(self) -> None:
        self.check_cancelled()
        self.done += 1
        if self.progress is not None:
            self.progress(min(self.done, self.total), max(self.total, self.done))

    def entry(self, row: dict[str, Any], use: str) -> PhotoEntry:
        sha = str(row["id"])
        found = self.entries.get(sha)
        if found is None:
            found = PhotoEntry(len(self.entries) + 1, row)
            self.entries[sha] = found
        if use and use not in found.uses:
            found.uses.append(use)
        return found

    def report_copy(self, row: dict[str, Any]) -> tuple[Path | None, str | None, str | None]:
        """The report-size JPEG of a photo, proven made from its intact original (made if
        needed); else None, a short label for the placeholder and a warning naming the
        file. Checked once per photo and annotations."""
        key = (str(row["id"]), row.get("annotations"))
        if key not in self._copies:
            self._copies[key] = self._check(row)
        copy, label, warning, _damage = self._copies[key]
        return copy, label, warning

    def _check(self, row: dict[str, Any]
               ) -> tuple[Path | None, str | None, str | None, str | None]:
        sha, ext = str(row["id"]), str(row["ext"])
        name = row.get("original_name") or sha[:12]
        try:
            copy = provenance.checked_copy(self.store.data_dir, sha, ext, str(name),
                                           row.get("annotations"))
        except provenance.EvidenceProblem as problem:
            return None, problem.label, str(problem), problem.kind
        return copy, None, None, None

    def check(self, rows: Sequence[dict[str, Any]]) -> dict[str, str]:
        """Check every photo before anything is placed (their state is part of the facts a
        report states); returns SHA-256 → problem (missing, altered, unreadable)."""
        found: dict[str, str] = {}
        for index, row in enumerate(rows):
            self.check_cancelled()
            key = (str(row["id"]), row.get("annotations"))
            if key not in self._copies:
                self._copies[key] = self._check(row)
            damage = self._copies[key][3]
            if damage:
                found[str(row["id"])] = damage
            if self.progress is not None:  # a first pass: proving copies may mean making them
                self.progress(index + 1, len(rows))
        return found

    def caption(self, entry: PhotoEntry, place: str | None, label: str | None = None) -> str:
        row = entry.row
        parts = [label or f"P{entry.number}"]
        kind = row.get("kind")
        if kind == "after":
            parts.append(t("整改后", "after"))
        taken = time_text(row.get("taken_at"))
        parts.append(t("拍摄 {w}", "taken {w}", w=taken) if taken
                     else t("拍摄时间不详", "time taken unknown"))
        lines = ["　".join(parts) if language() != "en" else " · ".join(parts)]
        where = [p for p in (place, coordinates_text(row.get("latitude"),
                                                     row.get("longitude"))) if p]
        if where:
            lines.append(t("位置 {w}", "at {w}", w="；".join(where) if language() != "en"
                           else "; ".join(where)))
        if row.get("caption"):
            lines.append(str(row["caption"]))
        lines += [f"※ {hint}" for hint in (self.hints(row) if self.hints else [])]
        return "<br/>".join(esc(line) for line in lines)

    def photo(self, row: dict[str, Any], use: str, *, place: str | None = None,
              width: float, height: float, label: str | None = None) -> list[Any]:
        """Flowables for one photo: the image (or a placeholder) and its caption (numbered
        ``label``, else P1, P2 … in the order photos first appear)."""
        self._tick()
        entry = self.entry(row, use)
        if not entry.checked:
            entry.copy, entry.problem, warning = self.report_copy(row)
            entry.checked = True
            if warning:
                self.warnings.append(warning)
                self.damaged.append(warning)
        caption = para(self.caption(entry, place, label), self.styles.caption)
        if entry.copy is None:
            text = "<br/>".join([
                esc(entry.problem or ""),
                esc(f"{label or f'P{entry.number}'} · {row.get('original_name') or ''}"),
                f"<font name='{MONO}' size='7'>SHA-256 {esc(str(row['id'])[:16])}…</font>",
            ])
            return [placeholder_box(text, width, height, self.styles.placeholder), caption]
        self.placed += 1
        self.embedded.add(str(entry.copy))
        return [jpeg_image(entry.copy, width, height), caption]

    def grid(self, cells: Sequence[Sequence[Any]], width: float, *, columns: int = 2,
             headers: Sequence[str] | None = None) -> Any:
        """Photo cells (lists of flowables) in a grid ``columns`` wide."""
        from reportlab.lib.colors import black

        rows: list[list[Any]] = []
        if headers:
            rows.append([para(esc(h), self.styles.cell_center, bold=True) for h in headers])
        for start in range(0, len(cells), columns):
            chunk: list[Any] = [list(c) or "" for c in cells[start:start + columns]]
            chunk += ["" for _ in range(columns - len(chunk))]
            rows.append(chunk)
        commands: list[tuple[Any, ...]] = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("ALIGN", (0, 0), (-1, -1), "LEFT"),  # the caption lines up with its photo
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ("TOPPADDING", (0, 0), (-1, -1), 4),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
        ]
        if headers:
            commands += [("LINEBELOW", (0, 0), (-1, 0), 0.5, black),
                         ("ALIGN", (0, 0), (-1, 0), "CENTER")]
        made = table(rows, [width / columns] * columns, commands,
                     repeat_rows=1 if headers else 0)
        made.spaceBefore = 2 * MM  # not a Spacer: a heading's keepWithNext must reach the grid
        return made

    def signature(self, path: Path | None, width: float, height: float,
                  missing_text: str) -> Any:
        """A drawn signature (PNG), or a blank line for one to be signed by hand."""
        from reportlab.platypus import Image, Spacer

        if path is None:
            return Spacer(width, height)
        if not path.exists():
            warning = t("签名图片缺失：{p}", "Signature image missing: {p}", p=path)
            if warning not in self.warnings:
                self.warnings.append(warning)
            return placeholder_box(esc(missing_text), width, height, self.styles.placeholder)
        self.embedded.add(str(path))
        return Image(str(path), width=width, height=height, kind="bound", mask="auto")


def ruled_space(width: float, height: float, gap: float = 8 * MM) -> Any:
    """An empty area with horizontal rules every ``gap``, for handwriting."""
    from reportlab.lib.colors import Color
    from reportlab.platypus import Flowable

    class RuledSpace(Flowable):  # type: ignore[misc]
        def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
            return width, height

        def draw(self) -> None:
            canvas = self.canv
            canvas.saveState()
            canvas.setStrokeColor(Color(0.45, 0.45, 0.45))
            canvas.setLineWidth(0.4)
            # At least one line (the one to sign on), even when the gap is the whole height.
            y = min(height - gap, height - 1)
            while y >= 0.5:
                canvas.line(0, y, width, y)
                y -= gap
            canvas.restoreState()

    return RuledSpace()


# -- the page frame -------------------------------------------------------------------------


@dataclass(frozen=True)
class PageSetup:
    top: float
    bottom: float
    left: float
    right: float
    header: str | None = None  # running header on pages after the first
    watermark: str | None = None  # e.g. 草稿 for an inspection not yet submitted

    @property
    def frame_width(self) -> float:
        return A4[0] - self.left - self.right


REPORT_PAGE = PageSetup(top=22 * MM, bottom=33 * MM, left=20 * MM, right=20 * MM)
# GB/T 9704: top 37 mm, left 28 mm, text block 156 × 225 mm.
OFFICIAL_PAGE = PageSetup(top=37 * MM, bottom=35 * MM, left=28 * MM, right=26 * MM)


@dataclass(frozen=True)
class Stamp:
    """What every page carries."""

    inspection_id: str
    short_id: str
    sha256: str
    generated: datetime  # for an issued document: the moment of issue
    label: str | None = None  # the footer's second line (default: 检查编号：<short id>)
    document: Document | None = None  # the issued document: number, signature, QR
    phone: str = ""  # the issuer's phone, for the recipient who wants it checked


def stamp_for(document: Document, inspection_id: str, short_id: str, phone: str,
              label: str | None = None) -> Stamp:
    """The page stamp of an issued document: its moment of issue, number and seal."""
    return Stamp(inspection_id, short_id, document.sha256,
                 datetime.fromisoformat(document.issued_at), label, document, phone)


QR_SIZE = 21 * MM  # with the 4-module quiet zone: about 0.4 mm a module for a phone camera
QR_Y = 9 * MM
QR_FORM = "verification_qr"


def qr_segments(payload: str) -> list[Any]:
    """The payload as QR segments: the head (prefix, number) in byte mode (UTF-8), the
    signature (base32) in the compact alphanumeric mode. Decoders read them as one text."""
    from reportlab.graphics.barcode.qrencoder import QR8bitByte, QRAlphaNum

    head, _, signature = payload.rpartition(":")
    return [QR8bitByte(head + ":"), QRAlphaNum(signature)]


def draw_qr_form(canvas: Any, payload: str) -> None:
    """The QR code as a form drawn once and placed on every page (direct rectangles: no
    font or drawing state comes with it), the quiet zone inside its square."""
    from reportlab.graphics.barcode.qr import QrCode

    code = QrCode(qr_segments(payload), width=QR_SIZE, height=QR_SIZE, qrBorder=4,
                  qrLevel="M")
    canvas.beginForm(QR_FORM, 0, 0, QR_SIZE, QR_SIZE)
    canvas.setFillColorRGB(*INK)
    code.drawOn(canvas, 0, 0)
    canvas.endForm()


def embed_facts(canvas: Any, document: Document) -> None:
    """Attach the document's register entry and facts to the PDF being built (an embedded
    file, ``documents.ATTACHMENT_NAME``), as reportlab writes the file: no second pass."""
    from reportlab.pdfbase.pdfdoc import (
        PDFArray,
        PDFDictionary,
        PDFName,
        PDFStream,
        PDFString,
    )

    doc = canvas._doc
    data = documents.attachment(document)
    stream = PDFStream(PDFDictionary({
        "Type": PDFName("EmbeddedFile"), "Subtype": PDFName("application#2Fjson"),
        "Params": PDFDictionary({"Size": len(data)})}), data)
    name = PDFString(documents.ATTACHMENT_NAME)
    spec = doc.Reference(PDFDictionary({
        "Type": PDFName("Filespec"), "F": name, "UF": name,
        "Desc": PDFString(f"{document.number} {document.kind_label}"),
        "AFRelationship": PDFName("Data"),
        "EF": PDFDictionary({"F": doc.Reference(stream)})}))
    doc.Catalog.Names = PDFDictionary({"EmbeddedFiles": PDFDictionary({
        "Names": PDFArray([name, spec])})})


def how_to_check(document: Document, phone: str) -> str:
    """The footer's instruction to a recipient."""
    if phone:
        return t("真伪核验：致电 {p}（{i}）告知编号，或将 PDF 原文件交其用“绿色社区巡查”核验",
                 "To check it: call {p} ({i}) with the number, or have the PDF file checked "
                 "with Green Community Inspector", p=phone, i=document.issuer)
    return t("真伪核验：将 PDF 原文件与编号交 {i} 用“绿色社区巡查”核验",
             "To check it: have {i} check the PDF file and its number with Green Community "
             "Inspector", i=document.issuer)


def _fit_string(canvas: Any, x: float, y: float, text: str, font: str, size: float,
                width: float) -> None:
    """One line of text, made smaller (down to 5 pt) until it fits ``width``."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    while size > 5 and stringWidth(text, font, size) > width:
        size -= 0.25
    canvas.setFont(font, size)
    canvas.drawString(x, y, text)


def draw_seal(canvas: Any, document: Document, phone: str, *, left: float, right: float,
              top: float, font: str) -> None:
    """The seal of an issued document in a page's footer: the QR code at the right, and
    under ``top`` on the left the number, how to have it checked and the signature."""
    from reportlab.lib.colors import Color, black

    grey = Color(GREY_TEXT, GREY_TEXT, GREY_TEXT)
    qr_x = right - QR_SIZE
    width = qr_x - 4 * MM - left
    canvas.saveState()
    canvas.translate(qr_x, QR_Y)
    canvas.doForm(QR_FORM)
    canvas.restoreState()
    canvas.saveState()
    canvas.setFillColor(black)
    canvas.setFont(font, 6.5)
    canvas.drawCentredString(qr_x + QR_SIZE / 2, QR_Y - 2.6 * MM, t("扫码核验", "Scan to check"))
    canvas.setFillColor(grey)
    _fit_string(canvas, left, top, how_to_check(document, phone), font, 6.5, width)
    from reportlab.pdfbase.pdfmetrics import stringWidth

    groups = document.printed_signature().split()
    half = (len(groups) + 1) // 2
    label = t("签名（Ed25519）", "Signature (Ed25519)")
    canvas.setFont(font, 5.5)
    canvas.drawString(left, top - 3.2 * MM, label)
    x = left + stringWidth(label, font, 5.5) + 1.5 * MM
    canvas.setFont(MONO, 5.5)
    canvas.drawString(x, top - 3.2 * MM, " ".join(groups[:half]))
    canvas.drawString(x, top - 5.4 * MM, " ".join(groups[half:]))
    canvas.restoreState()


@dataclass(frozen=True)
class Seal:
    """An issued document's seal for a page layout of its own (the district summary): the
    room it needs at the foot of the page, what to do once per file and on every page."""

    document: Document
    phone: str = ""
    height: float = QR_Y + QR_SIZE + 2 * MM  # from the bottom edge of the page
    width: float = QR_SIZE + 4 * MM  # the QR code's column at the right

    def doc_options(self) -> dict[str, Any]:
        """Options for reportlab's document template: keywords, invariant bytes."""
        return {"keywords": self.document.qr_payload(), "invariant": 1}

    def prepare(self, canvas: Any) -> None:
        """Once, before the pages are finished: the QR form and the creation time."""
        canvas._doc._timeStamp = _time_stamp(datetime.fromisoformat(self.document.issued_at))
        draw_qr_form(canvas, self.document.qr_payload())
        embed_facts(canvas, self.document)

    def draw(self, canvas: Any, *, left: float, right: float, font: str) -> None:
        """The seal at the foot of a page: number, how to check, signature, QR code."""
        from reportlab.lib.colors import Color

        canvas.saveState()
        canvas.setFillColor(Color(GREY_TEXT, GREY_TEXT, GREY_TEXT))
        canvas.setFont(font, 7.5)
        top = QR_Y + QR_SIZE - 3 * MM
        issued = datetime.fromisoformat(self.document.issued_at)
        canvas.drawString(left, top, t("编号：{n}　签发时间：{w}", "No. {n}   Issued: {w}",
                                       n=self.document.number, w=f"{issued:%Y-%m-%d %H:%M}"))
        canvas.restoreState()
        draw_seal(canvas, self.document, self.phone, left=left, right=right,
                  top=top - 4 * MM, font=font)


def _draw_page_furniture(canvas: Any, page: int, pages: int, setup: PageSetup, stamp: Stamp,
                         styles: Styles) -> None:
    from reportlab.lib.colors import Color, black

    width, _height = A4
    left, right = setup.left, width - setup.right
    font = styles.fonts.body.name
    grey = Color(GREY_TEXT, GREY_TEXT, GREY_TEXT)
    canvas.saveState()
    # Running header on later pages.
    if setup.header and page > 1:
        y = A4[1] - setup.top + 7 * MM
        canvas.setFont(font, 8)
        canvas.setFillColor(grey)
        canvas.drawString(left, y + 1.5 * MM, setup.header)
        canvas.drawRightString(right, y + 1.5 * MM, stamp.short_id)
        canvas.setStrokeColor(black)
        canvas.setLineWidth(0.4)
        canvas.line(left, y, right, y)
    # Footer: rule; page x of y centred; the moment of issue, the id and the number on the
    # left, then how to check the document and its signature; the QR code on the right.
    document = stamp.document
    rule_y = setup.bottom - 6 * MM
    text_right = right - (QR_SIZE + 4 * MM if document else 0)
    canvas.setStrokeColor(black)
    canvas.setLineWidth(0.4)
    canvas.line(left, rule_y, text_right, rule_y)
    text_y = rule_y - 5 * MM
    canvas.setFillColor(black)
    canvas.setFont(font, 9)
    canvas.drawCentredString((left + text_right) / 2, text_y, page_of(page, pages))
    canvas.setFillColor(grey)
    canvas.setFont(font, 7.5)
    when = f"{stamp.generated:%Y-%m-%d %H:%M}"
    canvas.drawString(left, text_y, t("签发时间：{w}", "Issued: {w}", w=when) if document
                      else t("生成时间：{w}", "Generated: {w}", w=when))
    label = stamp.label or t("检查编号：{s}", "Inspection: {s}", s=stamp.short_id)
    if document and document.number not in label:
        label += t("　编号：{n}", "   No. {n}", n=document.number)
    canvas.drawString(left, text_y - 4 * MM, label)
    if document:
        draw_seal(canvas, document, stamp.phone, left=left, right=right,
                  top=text_y - 7.5 * MM, font=font)
    canvas.restoreState()


def _time_stamp(moment: datetime) -> Any:
    """reportlab's document time stamp set to ``moment`` (the PDF's creation date)."""
    from reportlab.lib.utils import TimeStamp

    stamp = TimeStamp(invariant=1)
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    stamp.t = moment.timestamp()
    stamp.lt = moment.timetuple()
    stamp.YMDhms = tuple(moment.timetuple())[:6]
    stamp.dhh, stamp.dmm = int(minutes / 60), abs(minutes) % 60
    stamp.tzname = moment.tzname() or ""
    return stamp


def counted_pages_canvas(draw_page: Callable[[Any, int, int], None], *,
                         begin: Callable[[Any], None] | None = None,
                         finish: Callable[[Any, int], None] | None = None) -> Any:
    """A reportlab canvas class that keeps every page until ``save``, so that what
    ``draw_page(canvas, page, pages)`` draws on each (the footer) can say how many there are.
    ``begin(canvas)`` runs when the canvas is made, ``finish(canvas, pages)`` once before the
    pages are finished."""
    from reportlab.pdfgen.canvas import Canvas

    class CountedCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []
            if begin is not None:
                begin(self)

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            if finish is not None:
                finish(self, total)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                draw_page(self, number, total)
                super().showPage()
            super().save()

    return CountedCanvas


def _canvas_class(setup: PageSetup, stamp: Stamp, styles: Styles, counter: list[int]) -> Any:
    def begin(canvas: Any) -> None:
        if stamp.document is not None:  # the same document, the same bytes
            canvas._doc._timeStamp = _time_stamp(stamp.generated)

    def finish(canvas: Any, total: int) -> None:
        counter.append(total)
        if stamp.document is not None:
            draw_qr_form(canvas, stamp.document.qr_payload())
            embed_facts(canvas, stamp.document)

    def draw_page(canvas: Any, page: int, pages: int) -> None:
        _draw_page_furniture(canvas, page, pages, setup, stamp, styles)

    return counted_pages_canvas(draw_page, begin=begin, finish=finish)


_a85_lock = threading.Lock()


@contextlib.contextmanager
def _raw_streams() -> Iterator[None]:
    """Turn off reportlab's ASCII85 stream encoding while building (one build at a time), so
    an image stream is the JPEG file's bytes exactly, and the file is a quarter smaller."""
    from reportlab import rl_config

    with _a85_lock:
        saved = rl_config.useA85
        rl_config.useA85 = 0
        try:
            yield
        finally:
            rl_config.useA85 = saved


def build_pdf(target: Path, story: list[Any], *, setup: PageSetup, stamp: Stamp,
              styles: Styles, title: str, subject: str = "",
              cancelled: Cancelled | None = None,
              finish: Callable[[Path], None] | None = None) -> int:
    """Lay out ``story`` on A4 pages into ``target`` (temporary name, then rename).
    ``finish`` gets the complete temporary file before the rename (to seal and register an
    issued document).

    Returns the number of pages.
    """
    from reportlab.lib.colors import Color
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    counter: list[int] = []
    font = styles.fonts.body.name

    def on_page(canvas: Any, _doc: Any) -> None:
        if not setup.watermark:
            return
        canvas.saveState()
        canvas.setFillColor(Color(0.85, 0.85, 0.85))
        canvas.setFont(font, 90)
        canvas.translate(A4[0] / 2, A4[1] / 2)
        canvas.rotate(35)
        canvas.drawCentredString(0, -30, setup.watermark)
        canvas.restoreState()

    class _Doc(BaseDocTemplate):  # type: ignore[misc]
        def afterFlowable(self, flowable: Any) -> None:  # noqa: N802 - reportlab's name
            if cancelled is not None and cancelled():
                raise ReportCancelled(t("已取消生成报告", "Report cancelled"))

    frame = Frame(setup.left, setup.bottom, setup.frame_width,
                  A4[1] - setup.top - setup.bottom, id="body", leftPadding=0,
                  rightPadding=0, topPadding=0, bottomPadding=0)
    try:
        with atomic_file(target, map_errors=False) as temporary:
            doc = _Doc(str(temporary), pagesize=A4, leftMargin=setup.left,
                       rightMargin=setup.right, topMargin=setup.top,
                       bottomMargin=setup.bottom, title=title, initialFontName=font,
                       initialFontSize=10, author=t("绿色社区巡查", "Green Community Inspector"),
                       subject=subject,
                       creator=t("绿色社区巡查 Green Community Inspector",
                                 "Green Community Inspector"),
                       keywords=stamp.document.qr_payload() if stamp.document else "",
                       invariant=1 if stamp.document is not None else None)
            doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=on_page)])
            with _raw_streams():
                doc.build(story, canvasmaker=_canvas_class(setup, stamp, styles, counter))
            if finish is not None:
                finish(temporary)
    except OSError as exc:
        raise InspectorError(t("无法写入报告 {p}：{e}", "Cannot write the report {p}: {e}",
                               p=target, e=exc.strerror or exc)) from exc
    return counter[-1] if counter else 0


def check_target(target: Path) -> Path:
    target = Path(target)
    if target.is_dir():
        raise InspectorError(t("{p} 是文件夹；请给出 PDF 文件名", "{p} is a folder; give a PDF "
                               "file name", p=target))
    return target
