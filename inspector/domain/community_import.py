"""Importing the community list a street office keeps in Excel and saves as CSV.

All or nothing: a file with any bad line imports nothing and every bad line is listed with
its line number, column and reason. Importing the same file again adds nothing. ``preview``
reads a file without writing anything: the encoding found, the first rows, every problem, and
what an import would add and update (what the GUI shows before "导入").
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inspector.core.errors import ImportFileError, InspectorError
from inspector.core.i18n import t
from inspector.core.store import Store
from inspector.domain import communities, geo
from inspector.domain.communities import CommunityData

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_CELL_CHARS = 500
FORMULA_PREFIXES = ("=", "+", "-", "@")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # tab and line breaks are fine

# Column -> accepted headers, compared after normalising (lower case, no spaces, ASCII parens).
HEADERS: dict[str, tuple[str, ...]] = {
    "district": ("区县(市)", "区县", "区(县、市)", "区/县(市)", "district"),
    "street": ("街道", "街道(镇)", "street"),
    "name": ("社区", "社区名称", "name", "community"),
    "address": ("地址", "address"),
    "households": ("户数", "households"),
    "property_management": ("物业管理", "物业管理方式", "property_management",
                            "propertymanagement"),
    "tags": ("标签", "tags"),
    "latitude": ("纬度", "latitude", "lat"),
    "longitude": ("经度", "longitude", "lon", "lng"),
}
REQUIRED = ("district", "street", "name")
COLUMN_LABELS = {"district": "区县(市)", "street": "街道", "name": "社区", "address": "地址",
                 "households": "户数", "property_management": "物业管理", "tags": "标签",
                 "latitude": "纬度", "longitude": "经度"}
PREVIEW_ROWS = 8  # the first rows the GUI shows before importing


@dataclass
class ImportResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    ids: list[str] = field(default_factory=list)


def _normalise_header(text: str) -> str:
    text = text.strip().lstrip("\ufeff").replace("（", "(").replace("）", ")")
    return re.sub(r"\s+", "", text).lower()


_HEADER_LOOKUP = {_normalise_header(h): column for column, names in HEADERS.items()
                  for h in names}


def _looks_utf16(raw: bytes) -> bool:
    """A BOM, or the NUL in every other byte that UTF-16 makes of plain text."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    head = raw[:4096]
    return len(head) >= 8 and (head[1::2].count(0) > len(head) // 4
                               or head[0::2].count(0) > len(head) // 4)


def decode(raw: bytes, source: Path) -> str:
    """UTF-8 (with or without BOM), else GBK/GB18030; anything else is refused by name."""
    return decode_named(raw, source)[0]


def decode_named(raw: bytes, source: Path) -> tuple[str, str]:
    """The text and the name of the encoding it was read in."""
    if _looks_utf16(raw):
        raise ImportFileError(t(
            "{file}：文件是 UTF-16 编码，请在 Excel 中另存为“CSV UTF-8”或“CSV（逗号分隔）”。",
            "{file}: the file is UTF-16; save it from Excel as \"CSV UTF-8\" or "
            "\"CSV (comma delimited)\".", file=source))
    try:
        return raw.decode("utf-8-sig"), ("UTF-8（带 BOM）" if raw.startswith(b"\xef\xbb\xbf")
                                         else "UTF-8")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        return raw.decode("gb18030"), "GBK/GB18030"
    except UnicodeDecodeError as exc:
        # Name the line where the likelier encoding (the one that read further) broke.
        line = raw[: max(exc.start, utf8_error.start)].count(b"\n") + 1
        raise ImportFileError(t(
            "{file}：第 {line} 行既不是 UTF-8 也不是 GBK/GB18030 编码，无法读取；"
            "请另存为“CSV UTF-8”。",
            "{file}: line {line} is neither UTF-8 nor GBK/GB18030 text; save the file as "
            "\"CSV UTF-8\".", file=source, line=line)) from exc


def _read_text(path: Path) -> tuple[str, str]:
    """The file's text and encoding; file-level problems raise ImportFileError."""
    try:
        if path.is_dir():
            raise ImportFileError(t("{file} 是文件夹，不是 CSV 文件", "{file} is a folder, not a "
                                    "CSV file", file=path))
        if not stat.S_ISREG(path.stat().st_mode):
            # a FIFO would hang the import, /dev/zero would fill the memory
            raise ImportFileError(t("{file} 不是普通文件（设备、管道或套接字），不能导入",
                                    "{file} is not a regular file (a device, pipe or socket) "
                                    "and cannot be imported", file=path))
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImportFileError(t("{file} 太大（{mb} MB），社区名单不应超过 50 MB",
                                    "{file} is too large ({mb} MB); a community list is "
                                    "under 50 MB", file=path, mb=size // (1024 * 1024)))
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)  # bounded, even if the file grows
        if len(raw) > MAX_FILE_BYTES:
            raise ImportFileError(t("{file} 太大，社区名单不应超过 50 MB",
                                    "{file} is too large; a community list is under 50 MB",
                                    file=path))
    except OSError as exc:
        raise ImportFileError(t("无法读取 {file}：{e}", "Cannot read {file}: {e}", file=path,
                                e=exc.strerror or exc)) from exc
    text, encoding = decode_named(raw, path)
    if not text.strip():
        raise ImportFileError(t("{file} 是空文件，没有可导入的社区", "{file} is empty: there is "
                                "no community to import", file=path))
    return text, encoding


def read_file(path: Path) -> list[tuple[int, CommunityData]]:
    """Parse and check the whole file; raise ImportFileError listing every bad line."""
    text, _encoding = _read_text(path)
    return parse(text, path)


@dataclass
class Preview:
    """A community list read but not imported."""

    path: Path
    encoding: str = ""
    header: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)  # the known columns found, in order
    rows: list[tuple[int, CommunityData]] = field(default_factory=list)  # every good row
    problems: list[str] = field(default_factory=list)  # file- or line-level, each named
    added: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)

    @property
    def first_rows(self) -> list[tuple[int, CommunityData]]:
        return self.rows[:PREVIEW_ROWS]


def preview(store: Store, path: Path) -> Preview:
    """Read a community list and say what importing it would do; writes nothing."""
    result = Preview(Path(path))
    try:
        text, result.encoding = _read_text(Path(path))
        result.rows, result.problems, result.header = _parse(text, Path(path))
    except ImportFileError as exc:
        result.problems = [str(exc), *exc.problems]
        return result
    result.columns = [COLUMN_LABELS[c] for c in (
        _HEADER_LOOKUP.get(_normalise_header(h)) for h in result.header) if c]
    if not result.rows and not result.problems:
        result.problems.append(t("{file} 只有表头，没有社区", "{file} has a header but no "
                                 "communities", file=path))
    for _line, data in result.rows:
        existing = communities.find_by_key(store, *data.key())
        if existing is None:
            result.added += 1
        elif _would_change(existing, data):
            result.updated += 1
        else:
            result.unchanged += 1
    return result


def _would_change(existing: dict[str, Any], data: CommunityData) -> bool:
    merged = _merged(existing, data)
    current = {k: existing.get(k) for k in merged}
    current["tags"] = tuple(json.loads(existing["tags"])) if existing.get("tags") else ()
    current["address"] = existing.get("address") or ""
    return merged != current


def _merged(existing: dict[str, Any], data: CommunityData) -> dict[str, Any]:
    """What re-importing a row sets: given cells replace, empty cells keep what is there."""
    return {
        "address": data.address or existing["address"] or "",
        "households": data.households if data.households is not None
        else existing["households"],
        "property_management": data.property_management or existing["property_management"],
        "tags": data.tags if data.tags else (tuple(json.loads(existing["tags"]))
                                             if existing.get("tags") else ()),
        "latitude": data.latitude if data.latitude is not None else existing.get("latitude"),
        "longitude": data.longitude if data.longitude is not None
        else existing.get("longitude"),
    }


def parse(text: str, source: Path) -> list[tuple[int, CommunityData]]:
    rows, problems, _header = _parse(text, source)
    if problems:
        raise ImportFileError(
            t("{file} 有 {n} 处错误，未导入任何社区：", "{file} has {n} bad lines; nothing was "
              "imported:", file=source, n=len(problems)),
            problems,
        )
    if not rows:
        raise ImportFileError(t("{file} 只有表头，没有社区", "{file} has a header but no "
                                "communities", file=source))
    return rows


def _parse(text: str, source: Path) -> tuple[list[tuple[int, CommunityData]], list[str],
                                             list[str]]:
    """The good rows, a message for every bad line, and the header; file-level problems
    (no header, required columns missing) raise ImportFileError."""
    csv.field_size_limit(MAX_FILE_BYTES)  # long cells are reported per line below, not crashed on
    # strict: a quote left open is an error, not a cell that swallows the lines after it
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise ImportFileError(t("{file}：无法读取表头", "{file}: cannot read the header line",
                                file=source)) from exc
    columns: list[str | None] = [_HEADER_LOOKUP.get(_normalise_header(h)) for h in header]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise ImportFileError(t(
            "{file}：第 1 行表头缺少列 {cols}（找到的列：{found}）。需要 区县(市)、街道、社区，"
            "或 district、street、name。",
            "{file}: the header (line 1) lacks the columns {cols} (found: {found}). Needed: "
            "district, street, name (or 区县(市), 街道, 社区).",
            file=source, cols=", ".join(COLUMN_LABELS[c] for c in missing),
            found=", ".join(h.strip() for h in header) or "-"))

    problems: list[str] = []
    rows: list[tuple[int, CommunityData]] = []
    first_line: dict[tuple[str, str, str], int] = {}

    def bad(line: int, column: str, reason: str) -> None:
        problems.append(t("第 {line} 行，列“{col}”：{reason}", "line {line}, column {col}: "
                          "{reason}", line=line, col=column, reason=reason))

    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            bad(line, "-", t("CSV 格式错误：{e}", "malformed CSV: {e}", e=exc))
            break
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            extra = [c for c in cells[len(header):] if c.strip()]
            if extra:
                bad(start, "-", t("比表头多 {n} 列", "{n} more cells than the header has",
                                  n=len(cells) - len(header)))
                continue
        values: dict[str, str] = {}
        row_ok = True
        for index, column in enumerate(columns):
            if column is None:
                continue
            cell = cells[index].strip() if index < len(cells) else ""
            label = header[index].strip()
            if len(cell) > MAX_CELL_CHARS:
                bad(start, label, t("内容太长（{n} 个字符，最多 {m}）", "too long ({n} characters,"
                                    " at most {m})", n=len(cell), m=MAX_CELL_CHARS))
                row_ok = False
                continue
            control = next((c for c in cell if CONTROL.match(c)), None)
            if control is not None:
                # NUL, escape codes …: stored, they would later reach a terminal or a PDF
                bad(start, label, t("含有控制字符 U+{code:04X}", "holds the control character "
                                    "U+{code:04X}", code=ord(control)))
                row_ok = False
                continue
            # A cell a spreadsheet would run as a formula (=, +, -, @) is kept as typed: an
            # address may start with "-"; exports neutralise it on output.
            values[column] = cell
        for column in REQUIRED:
            if row_ok and not values.get(column):
                bad(start, COLUMN_LABELS[column], t("不能为空", "must not be empty"))
                row_ok = False
        households: int | None = None
        if values.get("households"):
            text_value = values["households"].replace(",", "")
            digits = re.fullmatch(r"[0-9]+", text_value) is not None  # not ² or ٣: ASCII
            if digits and len(text_value) <= 7 and \
                    int(text_value) <= communities.MAX_HOUSEHOLDS:
                households = int(text_value)
            elif digits:
                bad(start, COLUMN_LABELS["households"], t(
                    "“{v}”太大（最多 {m:,} 户）", "{v!r} is too large (at most {m:,})",
                    v=values["households"], m=communities.MAX_HOUSEHOLDS))
                row_ok = False
            else:
                bad(start, COLUMN_LABELS["households"], t("“{v}”不是整数", "{v!r} is not a whole "
                                                          "number", v=values["households"]))
                row_ok = False
        management: str | None = None
        if values.get("property_management"):
            management = communities.normalise_property_management(values["property_management"])
            if management is None:
                bad(start, COLUMN_LABELS["property_management"],
                    t("“{v}”应为 专业物业/准物业/自治/无", "{v!r} must be one of 专业物业/准物业/"
                      "自治/无 (professional/quasi/self/none)", v=values["property_management"]))
                row_ok = False
        position: tuple[float | None, float | None] = (None, None)
        if values.get("latitude") or values.get("longitude"):
            try:
                position = geo.check(_number(values.get("latitude")),
                                     _number(values.get("longitude")))
            except InspectorError as exc:
                bad(start, "纬度/经度", str(exc))
                row_ok = False
        if not row_ok:
            continue
        data = CommunityData(
            district=values["district"],
            street=values["street"],
            name=values["name"],
            address=values.get("address", ""),
            households=households,
            property_management=management,
            tags=tuple(tag.strip() for tag in re.split(r"[;；、]", values.get("tags", ""))
                       if tag.strip()),
            latitude=position[0],
            longitude=position[1],
        )
        if data.key() in first_line:
            bad(start, COLUMN_LABELS["name"], t("社区重复（与第 {n} 行相同）", "duplicate "
                                                "community (same as line {n})",
                                                n=first_line[data.key()]))
            continue
        first_line[data.key()] = start
        rows.append((start, data))

    return rows, problems, header


def _number(text: str | None) -> float | None:
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise InspectorError(t("“{v}”不是数字", "{v!r} is not a number", v=text)) from None


def import_file(store: Store, path: Path) -> ImportResult:
    rows = read_file(Path(path))
    result = ImportResult()
    with store.write():
        for _line, data in rows:
            existing = communities.find_by_key(store, *data.key())
            if existing is None:
                result.ids.append(communities.create(store, data))
                result.added += 1
                continue
            result.ids.append(existing["id"])
            changed = communities.edit(store, existing["id"], **_merged(existing, data))
            if changed:
                result.updated += 1
            else:
                result.unchanged += 1
    log.info("imported %s: %d added, %d updated, %d unchanged", path, result.added,
             result.updated, result.unchanged)
    return result
