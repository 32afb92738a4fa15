"""Render the main window in a chosen state to a PNG (for docs/ and for looking at it)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import QApplication

from inspector import inspections
from ui.main_window import MainWindow


def _wait_loaded(window: MainWindow) -> None:
    from ui.app import wait_for

    wait_for(lambda: window.browser.community_count() > 0 and not window.browser.is_loading)


def _interesting_inspection(window: MainWindow, want_draft: bool) -> str | None:
    """A demo inspection worth showing: one with findings (a draft for the submit view)."""
    store = window.store
    best: str | None = None
    for status in window.browser._statuses.values():  # noqa: SLF001 - read-only peek
        if not status.inspections:
            continue
        for row in inspections.list_for_community(store, status.id):
            if want_draft and row["status"] == inspections.SUBMITTED:
                continue
            if best is None:
                best = row["id"]
            if status.open_findings >= 2:
                return str(row["id"])
    return best


def render(window: MainWindow, view: str, target: Path) -> None:
    app = QApplication.instance()
    window.resize(1440, 900)
    _wait_loaded(window)
    dialog_pixmap: QPixmap | None = None
    if view != "main":
        inspection_id = _interesting_inspection(window, want_draft=view == "submit")
        if inspection_id:
            window.open_inspection(inspection_id)
            editor = window.editor
            codes = [s.item.code for s in editor.view.items] if editor.view else []
            failing = [s.item.code for s in editor.view.items
                       if s.answer == "fail"] if editor.view else []
            if failing:
                editor.select_item(failing[0])
            elif codes:
                editor.select_item(codes[0])
            if view == "findings":
                editor.splitter.setSizes([380, 420])
            if view == "submit":
                dialog = window.submit_inspection(inspection_id)
                dialog.resize(dialog.sizeHint().expandedTo(dialog.minimumSize()))
                if app is not None:
                    app.processEvents()
                dialog_pixmap = dialog.grab()
    else:
        first = next(iter(window.browser._statuses.values()), None)  # noqa: SLF001
        with_data = [s for s in window.browser._statuses.values()  # noqa: SLF001
                     if s.inspections]
        chosen = with_data[0] if with_data else first
        if chosen is not None:
            window.browser.select_community(chosen.id)
            window.open_community(chosen.id)
            window.browser.view.expandAll()
    if app is not None:
        for _ in range(5):
            app.processEvents()
    pixmap = window.grab()
    if dialog_pixmap is not None:
        painter = QPainter(pixmap)
        painter.fillRect(pixmap.rect(), QColor(0, 0, 0, 90))  # dim the window behind
        corner = QPoint((pixmap.width() - dialog_pixmap.width()) // 2,
                        (pixmap.height() - dialog_pixmap.height()) // 2)
        painter.drawPixmap(corner, dialog_pixmap)
        painter.end()
    target.parent.mkdir(parents=True, exist_ok=True)
    pixmap.save(str(target))
