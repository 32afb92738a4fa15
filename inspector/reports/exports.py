"""Data exports: inspections, answers and findings as CSV and XLSX, findings as GeoJSON, and
every user table as one JSON file.

- CSV is UTF-8 with a BOM (so Excel opens Chinese correctly); ``write_csv`` writes a folder
  with ``inspections.csv``, ``answers.csv`` and ``findings.csv``.
- XLSX is one workbook with one sheet per table, header frozen.
- Header cells are stable English column keys (the same in both languages and in the JSON
  export), so scripts reading an export do not break when the interface language changes.
- Every CSV text cell that starts with ``=``, ``+``, ``-``, ``@`` (or a tab / carriage return)
  is neutralised with a leading ``'``; in XLSX every text is stored as a string cell, which a
  spreadsheet never runs as a formula, so it needs no ``'`` (CSV/formula injection).
- Deleted (tombstoned) findings are left out.
- GeoJSON is RFC 7946: WGS-84, ``[longitude, latitude]``; a finding's coordinates are its own,
  else the GPS of the first of its photos that has one.
- Every file is written under a temporary name in the target folder, flushed and renamed.
"""

from __future__ import annotations

import contextlib
import csv
import json
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import IO, Any

from inspector.core.durable import atomic_file, files_together
from inspector.core.errors import InspectorError
from inspector.core.i18n import t
from inspector.core.store import Store
from inspector.domain import findings, places, scoring, templates
from inspector.domain.templates import Template

FORMATS = ("csv", "xlsx", "geojson", "json")
DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
CSV_ENCODING = "utf-8-sig"  # UTF-8 with a BOM
JSON_FORMAT = "green-community-inspector-export"
JSON_VERSION = 1
# The user tables of the full JSON export, in an order that keeps references pointing back.
JSON_TABLES = ("communities", "templates", "inspections", "responses", "findings", "photos",
               "photo_links", "followups", "recognitions")
TEMPLATE_COLUMNS = "id, code, version, title, sha256, installed_at"  # not the body

INSPECTION_COLUMNS = (
    "id", "short_id", "district", "street", "community", "community_id", "template_id",
    "status", "started_at", "finished_at", "inspectors", "departments", "signed_by",
    "representative", "score", "meets_standard", "reopen_reason", "created_by",
)
ANSWER_COLUMNS = (
    "inspection_id", "inspection_short_id", "district", "street", "community", "item_code",
    "item_text", "answer", "value", "detail", "note", "answered_at", "answered_by",
)
FINDING_COLUMNS = (
    "id", "short_id", "inspection_id", "inspection_short_id", "district", "street",
    "community", "item_code", "category", "category_name", "description", "location",
    "latitude", "longitude", "position_source", "severity", "severity_name", "department",
    "deadline", "status", "overdue", "created_at", "created_by",
)
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "inspections": INSPECTION_COLUMNS,
    "answers": ANSWER_COLUMNS,
    "findings": FINDING_COLUMNS,
}


# -- safety helpers -------------------------------------------------------------------------


def neutralise(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula gets a leading ``'``; others pass."""
    if isinstance(value, str) and value.startswith(DANGEROUS_START):
        return "'" + value
    return value


atomic_path = atomic_file  # the name the report modules use


def _iter_rows(store: Store, sql: str, params: Sequence[Any] = ()) -> Iterator[dict[str, Any]]:
    """Rows of a read query, fetched in batches (an export never loads a table whole)."""
    cursor = store.conn.execute(sql, tuple(params))
    names = [d[0] for d in cursor.description]
    while True:
        batch = cursor.fetchmany(500)
        if not batch:
            return
        for row in batch:
            yield dict(zip(names, row, strict=True))


def _names(text: str | None) -> str:
    """A JSON list of names as the text a person reads: 王建国、陈晓燕."""
    return "、".join(json.loads(text)) if text else ""


class _Templates:
    """Parsed templates by id, read once each."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._missing: set[str] = set()

    def get(self, uid: str) -> Template | None:
        if uid in self._missing:
            return None
        try:
            return templates.get(self.store, uid)
        except InspectorError:
            self._missing.add(uid)
            return None


# -- the three tables -----------------------------------------------------------------------


def inspection_rows(store: Store) -> Iterator[dict[str, Any]]:
    """One row per inspection, with its community and computed score."""
    cache = _Templates(store)
    for row in _iter_rows(store, (
            "SELECT i.*, c.district, c.street, c.name AS community FROM inspections i"
            " LEFT JOIN communities c ON c.id = i.community_id"
            " ORDER BY i.started_at, i.short_id, i.id")):
        template = cache.get(row["template_id"])
        score_text: float | None = None
        met: int | None = None
        if template is not None:
            given = store.query("SELECT item_code, answer, value FROM responses"
                                " WHERE inspection_id = ?", (row["id"],))
            result = scoring.score(template, {r["item_code"]: r["answer"] for r in given},
                                   {r["item_code"]: r["value"] for r in given})
            score_text = None if result.percent is None else round(result.percent, 1)
            met = int(result.met)
        yield {
            **{key: row.get(key) for key in INSPECTION_COLUMNS},
            "inspectors": _names(row["inspectors"]),
            "departments": _names(row["departments"]),
            "signed_by": _names(row["signed_by"]),
            "score": score_text,
            "meets_standard": met,
        }


def answer_rows(store: Store) -> Iterator[dict[str, Any]]:
    """One row per stored answer (the ``responses`` table)."""
    cache = _Templates(store)
    for row in _iter_rows(store, (
            "SELECT r.*, i.short_id AS inspection_short_id, i.template_id, c.district,"
            " c.street, c.name AS community FROM responses r"
            " LEFT JOIN inspections i ON i.id = r.inspection_id"
            " LEFT JOIN communities c ON c.id = i.community_id"
            " ORDER BY i.started_at, i.short_id, r.inspection_id, r.item_code")):
        template = cache.get(row["template_id"]) if row["template_id"] else None
        text = ""
        if template is not None:
            with contextlib.suppress(InspectorError):
                text = template.item(row["item_code"]).text
        yield {**{key: row.get(key) for key in ANSWER_COLUMNS}, "item_text": text}


def finding_rows(store: Store) -> Iterator[dict[str, Any]]:
    """One row per finding, with category and severity names and the derived overdue flag."""
    cache = _Templates(store)
    today = store.wall.today()
    for row in _iter_rows(store, (
            "SELECT f.*, i.short_id AS inspection_short_id, i.template_id, c.district,"
            " c.street, c.name AS community FROM findings f"
            " LEFT JOIN inspections i ON i.id = f.inspection_id"
            " LEFT JOIN communities c ON c.id = i.community_id WHERE f.deleted IS NULL"
            " ORDER BY f.created_at, f.short_id, f.id")):
        category_name, severity_name = _finding_names(cache, row)
        recorded = places.finding_position(store, row) if row.get("coord_latitude") is not None \
            or row.get("latitude") is not None else None  # recorded only, never a photo's
        yield {
            **{key: row.get(key) for key in FINDING_COLUMNS},
            "latitude": recorded.latitude if recorded else None,
            "longitude": recorded.longitude if recorded else None,
            "position_source": recorded.source if recorded else None,
            "category_name": category_name,
            "severity_name": severity_name,
            "overdue": int(_overdue(row, today)),
        }


def _finding_names(cache: _Templates, row: dict[str, Any]) -> tuple[str, str]:
    template = cache.get(row["template_id"]) if row.get("template_id") else None
    category = severity = ""
    if template is not None:
        with contextlib.suppress(InspectorError):
            category = template.category(row["category"]).name
        with contextlib.suppress(InspectorError):
            severity = template.severity(row["severity"]).name
    return category, severity


def _overdue(row: dict[str, Any], today: date) -> bool:
    try:
        return findings.is_overdue(row, today)
    except ValueError:  # a malformed deadline is not a reason to fail the export
        return False


ROW_SOURCES = {"inspections": inspection_rows, "answers": answer_rows, "findings": finding_rows}


# -- CSV and XLSX ---------------------------------------------------------------------------


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    return neutralise(value)


def write_csv(store: Store, folder: Path) -> dict[str, Path]:
    """``inspections.csv``, ``answers.csv`` and ``findings.csv`` in ``folder`` (made if
    missing); returns the files written."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InspectorError(t("{p} 不是文件夹：CSV 导出写入一个文件夹（三个文件）",
                               "{p} is not a folder: the CSV export writes a folder "
                               "(three files)", p=folder))
    written: dict[str, Path] = {}
    with files_together(folder) as staging:  # the three files, or none of them
        for name, columns in TABLE_COLUMNS.items():
            with open(staging / f"{name}.csv", "w", encoding=CSV_ENCODING,
                      newline="") as handle:
                _write_csv_rows(handle, columns, ROW_SOURCES[name](store))
            written[name] = folder / f"{name}.csv"
    return written


def _write_csv_rows(handle: IO[str], columns: Sequence[str],
                    rows: Iterator[dict[str, Any]]) -> None:
    writer = csv.writer(handle)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row.get(key)) for key in columns])


def xlsx_cell(sheet: Any, value: Any) -> Any:
    """A write-only cell: text stored as a string (never a formula), illegal characters
    removed."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        # Stored as a string cell, a text is never run as a formula, so no protective "'"
        # (which a spreadsheet would show literally in an XLSX cell).
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type = "s"
        return cell
    return WriteOnlyCell(sheet, value=value)


WIDTHS = {"id": 34, "description": 40, "item_text": 40, "note": 24, "community": 14,
          "street": 12, "inspection_id": 34, "community_id": 34, "template_id": 28}


def write_xlsx(store: Store, path: Path) -> dict[str, int]:
    """One workbook, one sheet per table; returns the rows written per sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    counts: dict[str, int] = {}
    bold = Font(bold=True)
    with discarded_on_failure(workbook):
        for name, columns in TABLE_COLUMNS.items():
            sheet = workbook.create_sheet(title=name)
            sheet.freeze_panes = "A2"
            for index, key in enumerate(columns, start=1):
                sheet.column_dimensions[get_column_letter(index)].width = WIDTHS.get(key, 14)
            header = []
            for key in columns:
                cell = xlsx_cell(sheet, key)
                cell.font = bold
                header.append(cell)
            sheet.append(header)
            count = 0
            for row in ROW_SOURCES[name](store):
                sheet.append([xlsx_cell(sheet, row.get(key)) for key in columns])
                count += 1
            counts[name] = count
        with atomic_path(path) as temporary:
            workbook.save(temporary)
    return counts


@contextlib.contextmanager
def discarded_on_failure(workbook: Any) -> Iterator[None]:
    """If writing a write-only workbook fails (a full disk), close its sheets' streams now:
    left to the garbage collector they fail again there, and print tracebacks."""
    try:
        yield
    except BaseException:
        for sheet in getattr(workbook, "_sheets", []):
            for stream in (getattr(sheet, "_rows", None),
                           getattr(getattr(sheet, "_writer", None), "xf", None)):
                with contextlib.suppress(Exception):
                    if stream is not None:
                        stream.close()  # its own error is the one already raised
        raise


# -- GeoJSON --------------------------------------------------------------------------------


def finding_features(store: Store) -> list[dict[str, Any]]:
    """GeoJSON features of the findings that have a position (their own, else their first
    GPS-tagged before-photo's: ``places.finding_position``)."""
    features: list[dict[str, Any]] = []
    for row in finding_rows(store):
        raw = store.query_one("SELECT * FROM findings WHERE id = ?", (row["id"],))
        position = places.finding_position(store, raw) if raw else None
        if position is None:
            continue
        latitude, longitude = position.latitude, position.longitude
        source = "finding" if position.stored else "photo"
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            continue
        features.append({
            "type": "Feature",
            "id": row["id"],
            "geometry": {"type": "Point", "coordinates": [longitude, latitude]},
            "properties": {
                "short_id": row["short_id"],
                "category": row["category"],
                "category_name": row["category_name"],
                "description": row["description"],
                "department": row["department"],
                "severity": row["severity"],
                "severity_name": row["severity_name"],
                "deadline": row["deadline"],
                "status": "overdue" if row["overdue"] else row["status"],
                "community": row["community"],
                "district": row["district"],
                "street": row["street"],
                "location": row["location"],
                "inspection": row["inspection_short_id"],
                "position_from": source,
            },
        })
    return features


def write_geojson(store: Store, path: Path) -> int:
    """A FeatureCollection of the located findings; returns how many were written."""
    features = finding_features(store)
    collection = {"type": "FeatureCollection", "features": features}
    with atomic_path(path) as temporary:
        temporary.write_text(json.dumps(collection, ensure_ascii=False, indent=1),
                             encoding="utf-8")
    return len(features)


# -- the full JSON export -------------------------------------------------------------------


def _table_exists(store: Store, name: str) -> bool:
    return store.query_one("SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = ?",
                           (name,)) is not None


def write_json(store: Store, path: Path) -> dict[str, int]:
    """Every user table (templates by id and version, without their bodies) as one JSON
    object ``{"format", "version", "exported_at", "device", "tables": {...}, "counts"}``;
    rows are streamed, not held in memory. Returns the row count per table."""
    counts: dict[str, int] = {}
    head = {"format": JSON_FORMAT, "version": JSON_VERSION, "exported_at": store.wall.iso(),
            "device": store.device_id}
    with atomic_path(path) as temporary, open(temporary, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "tables": {')
        for index, table in enumerate(JSON_TABLES):
            handle.write(("," if index else "") + f'\n "{table}": [')
            count = 0
            if _table_exists(store, table):
                columns = TEMPLATE_COLUMNS if table == "templates" else "*"
                for row in _iter_rows(store, f"SELECT {columns} FROM {table} ORDER BY id"):
                    handle.write(("," if count else "") + "\n  "
                                 + json.dumps(row, ensure_ascii=False))
                    count += 1
            handle.write("]")
            counts[table] = count
        handle.write("\n}, \"counts\": " + json.dumps(counts) + "}\n")
    return counts
