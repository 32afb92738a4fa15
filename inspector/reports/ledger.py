"""The rectification ledger (整改台账) as CSV or XLSX."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from inspector.core.errors import InspectorError
from inspector.core.i18n import t
from inspector.core.store import Store
from inspector.domain import ledger
from inspector.reports.exports import (
    CSV_ENCODING,
    atomic_path,
    discarded_on_failure,
    neutralise,
    xlsx_cell,
)

FORMATS = ("csv", "xlsx")
WIDTHS = {"short_id": 26, "description": 36, "location": 18, "party": 24, "department": 26,
          "notice": 22, "measures": 28}


def write(store: Store, path: Path, fmt: str, *, district: str | None = None,
          status: str | None = None) -> int:
    """Write the ledger; returns the number of rows."""
    if fmt not in FORMATS:
        raise InspectorError(t("台账格式应为 csv 或 xlsx", "The ledger format is csv or xlsx"))
    rows = ledger.rows(store, district=district, status=status)
    keys = [key for key, _zh, _en in ledger.COLUMNS]
    with atomic_path(Path(path)) as temporary:
        if fmt == "csv":
            with open(temporary, "w", encoding=CSV_ENCODING, newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(ledger.headers())
                for row in rows:
                    writer.writerow([_csv(row.get(key)) for key in keys])
        else:
            _xlsx(temporary, rows, keys)
    return len(rows)


def _csv(value: Any) -> Any:
    return "" if value is None else neutralise(value)


def _xlsx(path: Path, rows: list[dict[str, Any]], keys: list[str]) -> None:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    with discarded_on_failure(book):
        sheet = book.create_sheet(t("整改台账", "Ledger"))
        for index, key in enumerate(keys, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = WIDTHS.get(key, 12)
        sheet.freeze_panes = "B2"
        sheet.append([xlsx_cell(sheet, h) for h in ledger.headers()])
        for row in rows:
            sheet.append([xlsx_cell(sheet, row.get(key)) for key in keys])
        book.save(path)
