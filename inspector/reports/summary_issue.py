"""The district summary as an issued document: registered, signed and sealed.

``summary.to_pdf`` lays the table out; this module states its facts (what the table and its
notes print), issues the document (the same facts keep their number), has ``to_pdf`` draw
the seal on every page and then attaches the facts and registers the file.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from inspector.core.i18n import t
from inspector.core.store import Store
from inspector.domain import documents
from inspector.domain.documents import Document
from inspector.reports import layout, summary

FACTS_FORMAT = "summary/1"


def facts(result: summary.Summary) -> dict[str, Any]:
    """What the summary prints: its title, header, every row's cells and its notes."""
    return {"format": FACTS_FORMAT, "title": result.title(), "year": result.year,
            "header": result.header(one_line=True),
            "rows": [summary.text_cells(result, row, empty="—") for row in result.rows],
            "notes": result.notes()}


def addressee() -> str:
    """Districts report their 汇总表 to the city's housing bureau (the plan, 五(三))."""
    return t("宁波市住房和城乡建设局", "Ningbo Housing and Urban-Rural Development Bureau")


def write_pdf(store: Store, result: summary.Summary, path: Path,
              font_path: str | Path | None = None) -> tuple[Any, Document]:
    """Issue the summary and write its PDF to ``path``; returns the font used (as
    ``summary.to_pdf`` does) and the document."""
    document = documents.issue_document(
        store, kind=documents.SUMMARY, subject=result.title(),
        issuer_name=documents.issuer_name(store, store.actor),
        addressee_key="city", addressee_name=addressee(), facts=facts(result),
        file_stem=str(result.year))
    # The time printed is the moment of issue: the same document, the same pages.
    printed = dataclasses.replace(result, generated_at=document.issued_at)
    seal = layout.Seal(document, documents.issuer_phone(store))
    font = summary.to_pdf(printed, path, font_path=font_path, seal=seal)
    documents.seal_file(store, document, Path(path))
    return font, document
