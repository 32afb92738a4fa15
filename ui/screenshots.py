"""Render the main window in a chosen state to a PNG (for docs/ and for looking at it)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import QApplication

from inspector.domain import inspections
from ui.i18n import tr
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


def _settle(condition: Callable[[], bool] | None = None) -> None:
    from ui.app import wait_for

    app = QApplication.instance()
    if condition is not None:
        wait_for(condition, 60)
    if app is not None:
        for _ in range(5):
            app.processEvents()


def _draft_with_item_photos(window: MainWindow) -> tuple[str, str] | None:
    """A draft inspection and a failed item of it that has photos (read, never changed)."""
    for row in window.store.query(
            "SELECT l.target_id FROM photo_links l JOIN inspections i"
            " ON l.target_id LIKE i.id || ':%' WHERE l.target_kind = 'response'"
            " AND l.deleted IS NULL AND i.status != 'submitted' ORDER BY i.short_id"):
        inspection_id, code = str(row["target_id"]).split(":", 1)
        return inspection_id, code
    return None


def _liuxi(window: MainWindow) -> dict[str, str] | None:
    return window.store.query_one(
        "SELECT i.id AS inspection, c.id AS community FROM inspections i JOIN communities c"
        " ON c.id = i.community_id WHERE c.site_plan IS NOT NULL ORDER BY i.short_id LIMIT 1")


def _field_view(window: MainWindow, view: str) -> tuple[QPixmap | None, QPixmap | None,
                                                        QPoint | None]:
    """The views of a day in the field: (dialog, popup, where the popup goes)."""
    from inspector.core.datadir import DEFAULT, DataDirChoice
    from inspector.domain import findings

    if view == "first-run":
        from ui.first_run import FirstRunWizard

        wizard = FirstRunWizard(window.settings, DataDirChoice(window.store.data_dir, DEFAULT),
                                empty=True, parent=window)
        wizard.person.name.setText("王建国")
        wizard.person.unit.setText(tr("海曙区住房和城乡建设局", "Haishu housing bureau"))
        wizard.person.district.setCurrentIndex(wizard.person.district.findData("海曙区"))
        wizard.show()
        _settle()
        first = wizard.grab()
        wizard.next()
        wizard.next()
        _settle()
        last = wizard.grab()
        wizard.close()
        both = QPixmap(first.width() + last.width() + 24, max(first.height(), last.height()))
        both.fill(QColor(0, 0, 0, 0))
        painter = QPainter(both)
        painter.drawPixmap(0, 0, first)
        painter.drawPixmap(first.width() + 24, 0, last)
        painter.end()
        return both, None, None
    if view == "import":
        import tempfile

        rows = [tr("区县(市),街道,社区,地址,户数,物业管理,纬度,经度",
                   "district,street,name,address,households,property_management,latitude,"
                   "longitude"),
                "海曙区,南门街道,柳西社区,柳汀街120号,821,专业物业,29.8683,121.5440",
                "海曙区,南门街道,新芝社区,新芝路18号,1630,准物业,29.8652,121.5398",
                "海曙区,西门街道,中山社区,中山西路88号,2214,自治,,",
                "海曙区,西门街道,望春社区,望春路7号,很多,专业物业,,",
                "海曙区,,翠柏社区,翠柏路5号,980,无,,",
                "鄞州区,中河街道,长丰社区,长丰路1号,1500,专业物业,29.8461,121.5642"]
        folder = Path(tempfile.mkdtemp(prefix="inspector-shot-"))
        path = folder / "海曙区社区名单.csv"
        path.write_bytes(("\n".join(rows) + "\n").encode("gbk"))
        dialog = window.import_communities(path)
        dialog.resize(980, 560)
        _settle(lambda: not dialog.busy())
        pixmap = dialog.grab()
        dialog.reject()
        path.unlink()
        folder.rmdir()
        return pixmap, None, None
    if view == "remove-photo":
        found = _draft_with_item_photos(window)
        if found is None:
            return None, None, None
        inspection_id, code = found
        window.open_inspection(inspection_id)
        editor = window.editor
        editor.select_item(code)
        strip = editor.photo_strip
        _settle(lambda: strip.thumbnails_loaded())
        strip.list.setCurrentRow(0)
        _settle(strip.thumbnails_loaded)
        menu = strip.context_menu(strip.photo_ids()[0])
        menu.setActiveAction(menu.actions()[1])
        menu.adjustSize()
        corner = strip.list.mapTo(window, strip.list.visualItemRect(strip.list.item(0))
                                  .center())
        return None, menu.grab(), corner
    if view == "site-plan":
        liuxi = _liuxi(window)
        if liuxi is None:
            return None, None, None
        window.browser.select_community(liuxi["community"])
        window.open_community(liuxi["community"])
        from ui.site_plan import SitePlanDialog

        plan_dialog = window.community_page.open_site_plan()
        if not isinstance(plan_dialog, SitePlanDialog):
            return None, None, None
        plan_dialog.resize(980, 740)
        _settle(plan_dialog.loaded)
        pixmap = plan_dialog.grab()
        plan_dialog.reject()
        return pixmap, None, None
    if view == "finding-photos":
        found = _draft_with_item_photos(window)
        if found is None:
            return None, None, None
        inspection_id, code = found
        window.open_inspection(inspection_id)
        window.editor.select_item(code)
        finding = next(r for r in findings.list_findings(window.store,
                                                         inspection_id=inspection_id)
                       if r["item_code"] == code)
        finding_dialog = window.editor.findings.edit_finding(str(finding["id"]))
        if finding_dialog is None:
            return None, None, None
        _settle(lambda: finding_dialog.photo_strip.thumbnails_loaded())
        pixmap = finding_dialog.grab()
        finding_dialog.reject()
        return pixmap, None, None
    return None, None, None


FIELD_VIEWS = ("first-run", "import", "remove-photo", "site-plan", "finding-photos")


def render(window: MainWindow, view: str, target: Path) -> None:
    app = QApplication.instance()
    window.resize(1440, 900)
    _wait_loaded(window)
    dialog_pixmap: QPixmap | None = None
    if view == "dashboard":
        _render_dashboard(window, target)
        return
    popup: QPixmap | None = None
    popup_at: QPoint | None = None
    if view in FIELD_VIEWS:
        dialog_pixmap, popup, popup_at = _field_view(window, view)
    elif view != "main":
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
            _settle(editor.photo_strip.thumbnails_loaded)  # the thumbnails, not "…"
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
    if popup is not None and popup_at is not None:
        painter = QPainter(pixmap)
        painter.drawPixmap(popup_at, popup)
        painter.end()
    if dialog_pixmap is not None:
        painter = QPainter(pixmap)
        painter.fillRect(pixmap.rect(), QColor(0, 0, 0, 90))  # dim the window behind
        corner = QPoint((pixmap.width() - dialog_pixmap.width()) // 2,
                        (pixmap.height() - dialog_pixmap.height()) // 2)
        painter.drawPixmap(corner, dialog_pixmap)
        painter.end()
    target.parent.mkdir(parents=True, exist_ok=True)
    pixmap.save(str(target))


def _render_dashboard(window: MainWindow, target: Path, district: str = "海曙区") -> None:
    """The dashboard of one district on the demo's day, on its own."""
    from PySide6.QtCore import QDate

    from ui.app import wait_for

    app = QApplication.instance()
    dashboard = window.open_dashboard()
    dashboard.resize(1440, 900)
    # The day of the latest inspection, not the machine's today: the same picture every run.
    last = window.store.query_one("SELECT MAX(substr(started_at, 1, 10)) AS day"
                                  " FROM inspections")
    if last is not None and last["day"]:
        dashboard.date.setDate(QDate.fromString(last["day"], "yyyy-MM-dd"))
    index = dashboard.district.findData(district)
    if index >= 0:
        dashboard.district.setCurrentIndex(index)
    wait_for(lambda: dashboard.data is not None and dashboard.data.district == (
        district if index >= 0 else None) and dashboard.data.as_of.isoformat()
        == dashboard.as_of(), timeout_s=30)
    if app is not None:
        for _ in range(5):
            app.processEvents()
    target.parent.mkdir(parents=True, exist_ok=True)
    dashboard.grab().save(str(target))


# -- every picture in docs/, from the current code -----------------------------------------

DOCS = Path(__file__).resolve().parents[1] / "docs"
WINDOW_VIEWS = ("main", "editor", "findings", "submit", "dashboard", *FIELD_VIEWS)


def _pdf_page_png(pdf: Path, page: int, target: Path, dpi: int = 80) -> None:
    import subprocess

    stem = target.with_suffix("")
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-singlefile", "-f", str(page),
                    "-l", str(page), str(pdf), str(stem)], check=True)


def _first_page_with(pdf: Path, words: str) -> int:
    import subprocess

    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True,
                          capture_output=True).stdout.decode("utf-8")
    for number, page in enumerate(text.split("\f"), start=1):
        if words in "".join(page.split()):
            return number
    return 1


def _rectification_setup(store: Any) -> None:
    """The street office's settings, the sample directory and an estate for the demo."""
    from inspector.domain import config, directory, estates

    for key, value in (("name", "宁波市海曙区南门街道办事处"), ("prefix", "南街绿"),
                       ("contact", "李明"), ("phone", "0574-87001234")):
        config.set_value(store, f"issuer.{key}", value)
    directory.ensure_sample(store)
    estates.put(store, "柳西社区", "柳西新村", property_company="宁波甬城物业服务有限公司",
                contact="赵经理", phone="0574-87112233")


def _rectification_windows(store: Any, inspection_id: str, out: Path) -> list[Path]:
    """复查 mode (one finding answered) and the pending view, rendered offscreen."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from inspector.domain import rechecks
    from ui.pending_view import PendingView
    from ui.recheck_dialog import RecheckDialog

    app = QApplication.instance() or QApplication([])
    recheck = rechecks.start(store, inspection=inspection_id, inspectors=["李明"])
    dialog = RecheckDialog(store, recheck)
    dialog.mark(rechecks.FIXED)
    dialog.list.setCurrentRow(0)
    dialog.show()
    app.processEvents()
    written = []
    target = out / "recheck-zh.png"
    dialog.grab().save(str(target))
    written.append(target)
    view = PendingView(store)
    view.show()
    app.processEvents()
    target = out / "pending-zh.png"
    view.grab().save(str(target))
    written.append(target)
    dialog.close()
    view.close()
    return written


def make_all(out: Path = DOCS) -> list[Path]:
    """Demo data on a set day, every window view in both languages, and the first telling
    page of each kind of report; returns the files written."""
    import os
    import subprocess
    import sys
    import tempfile
    from datetime import datetime, timedelta, timezone

    from inspector.core.clock import SetClock
    from inspector.core.store import Store
    from inspector.ops import demo
    from inspector.reports import findings_report, notices, summary, summary_issue

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    china = timezone(timedelta(hours=8))
    moment = datetime(2026, 11, 29, 9, 30, tzinfo=china)
    with tempfile.TemporaryDirectory() as scratch:
        data = Path(scratch) / "data"
        clock = SetClock(moment, timedelta(milliseconds=1))
        with Store.open(data, actor="王建国", wall=clock) as store:
            demo.fill(store)
            liuxi = store.query_one(
                "SELECT i.id FROM inspections i JOIN communities c ON c.id = i.community_id"
                " WHERE c.name = '柳西社区'")
            assert liuxi is not None
            report = findings_report.build(store, liuxi["id"], Path(scratch) / "report.pdf")
            target = out / "report-findings.png"
            _pdf_page_png(report.path, _first_page_with(report.path, "四、问题清单"), target)
            written.append(target)
            _rectification_setup(store)
            issued = notices.build_all(store, liuxi["id"], Path(scratch) / "notices")
            for kind, name in (("整改通知书", "report-notice.png"),
                               ("交办单", "report-referral.png")):
                target = out / name
                _pdf_page_png(next(r.path for r in issued if kind in r.path.name), 1, target)
                written.append(target)
            written += _rectification_windows(store, liuxi["id"], out)
            year = summary.compute(store, as_of=store.wall.today())
            summary_issue.write_pdf(store, year, Path(scratch) / "summary.pdf")
            target = out / "report-summary.png"
            _pdf_page_png(Path(scratch) / "summary.pdf", 1, target)
            written.append(target)
        main = Path(__file__).resolve().parents[1] / "main.py"
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
               "INSPECTOR_SETTINGS": str(Path(scratch) / "settings.ini")}
        for language in ("zh", "en"):
            for view in WINDOW_VIEWS:
                target = out / f"{view}-{language}.png"
                subprocess.run([sys.executable, str(main), "--data-dir", str(data),
                                "--screenshot", str(target), "--view", view, "--lang",
                                language], check=True, env=env)
                written.append(target)
    return written


if __name__ == "__main__":
    import logging

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for path in make_all():
        logging.getLogger("screenshots").info("%s", path)
