"""Reports and exports from the GUI: made in a background job, then opened.

Each action takes the output path from the caller (the window asks with a file dialog), runs
the domain function as a ``CollectionOp`` (reports enter the issued-document register) on a
worker connection with a progress dialog and cancel,
and when it is done shows what was written (with any warnings, e.g. a missing photo or the
fallback font) and opens the file with the system viewer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QWidget

from inspector.core.store import Store
from ui import ops
from ui.errors import show_error
from ui.i18n import tr

log = logging.getLogger(__name__)
Work = Callable[[Store, Callable[[int, int], None], Callable[[], bool]], "Outcome"]

# Tests switch this off so that no viewer is started.
open_results = True


@dataclass
class Outcome:
    paths: list[Path]
    lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class ReportRun(QObject):
    """One report being made; ``done`` carries the outcome, ``failed`` the message."""

    done = Signal(object)
    failed = Signal(str)

    def __init__(self, parent: QWidget | None, store: Store, title: str, work: Work) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.title = title
        self.outcome: Outcome | None = None

        def run(token: ops.CancelToken, progress: ops.Progress) -> Outcome:
            worker = store.open_worker()
            try:
                return work(worker, progress, token)
            finally:
                worker.close()

        self.job = ops.CollectionOp(parent, run, on_success=self._finished,
                                    on_failure=self._failed).with_progress(title).run()
        self.dialog = self.job.dialog

    def _finished(self, outcome: Outcome) -> None:
        self.outcome = outcome
        self.done.emit(outcome)
        text = "\n".join([*outcome.lines, *(f"⚠ {w}" for w in outcome.warnings)])
        box = QMessageBox(QMessageBox.Icon.Information, self.title,
                          text or tr("完成", "Done"), QMessageBox.StandardButton.Ok,
                          self.parent_widget)
        box.setObjectName("reportDoneBox")
        box.open()
        if open_results and outcome.paths:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(outcome.paths[0])))

    def _failed(self, exc: BaseException) -> None:
        message = ops.failure_message(exc)
        self.failed.emit(message)
        show_error(self.parent_widget, message)


def _result_lines(result: Any) -> tuple[list[str], list[str]]:
    lines = [tr("{p}：{n} 页，照片 {k} 张，编号 {num}", "{p}: {n} pages, {k} photos, number {num}",
                p=result.path, n=result.pages, k=result.photos_placed, num=result.number)]
    warnings = list(result.warnings)
    if result.font_notice:
        warnings.append(result.font_notice)
    return lines, warnings


def findings_report(parent: QWidget | None, store: Store, inspection_id: str, target: Path,
                    font_path: str | None = None) -> ReportRun:
    def work(worker: Store, progress: Callable[[int, int], None],
             cancelled: Callable[[], bool]) -> Outcome:
        from inspector.reports import findings_report as report

        result = report.build(worker, inspection_id, target, font_path=font_path or None,
                              progress=progress, cancelled=cancelled)
        lines, warnings = _result_lines(result)
        return Outcome([result.path], lines, warnings)

    return ReportRun(parent, store, tr("检查报告", "Findings report"), work)


def notices(parent: QWidget | None, store: Store, inspection_id: str, folder: Path,
            font_path: str | None = None) -> ReportRun:
    def work(worker: Store, progress: Callable[[int, int], None],
             cancelled: Callable[[], bool]) -> Outcome:
        from inspector.reports import notices as notice_module

        results = notice_module.build_all(worker, inspection_id, folder,
                                          font_path=font_path or None, progress=progress,
                                          cancelled=cancelled)
        outcome = Outcome([folder] if results else [])
        for result in results:
            lines, warnings = _result_lines(result)
            outcome.lines += lines
            outcome.warnings += [w for w in warnings if w not in outcome.warnings]
        if not results:
            outcome.lines.append(tr("没有待整改的问题，未生成通知书。",
                                    "No findings are waiting for a fix: no notice written."))
        return outcome

    return ReportRun(parent, store, tr("整改通知书", "Rectification notices"), work)


def district_summary(parent: QWidget | None, store: Store, year: int, target: Path,
                     font_path: str | None = None) -> ReportRun:
    def work(worker: Store, progress: Callable[[int, int], None],
             cancelled: Callable[[], bool]) -> Outcome:
        from inspector.reports import summary

        progress(0, 2)
        computed = summary.compute(worker, year)
        progress(1, 2)
        suffix = target.suffix.lower()
        warnings: list[str] = []
        if suffix == ".xlsx":
            summary.to_xlsx(computed, target)
        elif suffix == ".csv":
            summary.to_csv(computed, target)
        else:
            from inspector.reports import summary_issue

            font, _document = summary_issue.write_pdf(worker, computed, target,
                                                      font_path=font_path or None)
            notice = font.notice() if hasattr(font, "notice") else None
            warnings += [notice] if notice else []
        progress(2, 2)
        return Outcome([target], [tr("{y} 年汇总表：{p}", "{y} summary: {p}", y=year,
                                     p=target)], warnings)

    return ReportRun(parent, store, tr("区县汇总表", "District summary"), work)


def write_summary(parent: QWidget | None, store: Store, computed: Any, target: Path,
                  font_path: str | None = None) -> ReportRun:
    """Write a summary already computed (the dashboard's), by the file's suffix: .xlsx, .csv
    (the table, or ``名单`` in the name for the roll) or .pdf."""
    def work(_worker: Store, progress: Callable[[int, int], None],
             cancelled: Callable[[], bool]) -> Outcome:
        from inspector.reports import summary

        progress(0, 1)
        suffix = target.suffix.lower()
        warnings: list[str] = []
        if suffix == ".xlsx":
            summary.to_xlsx(computed, target)
        elif suffix == ".csv":
            summary.to_csv(computed, target)
        else:
            font = summary.to_pdf(computed, target, font_path=font_path or None)
            notice = font.notice() if hasattr(font, "notice") else None
            warnings += [notice] if notice else []
        progress(1, 1)
        return Outcome([target], [tr("{s}，截至 {d}：{p}", "{s}, as of {d}: {p}",
                                     s=computed.scope(), d=computed.as_of, p=target)],
                       warnings)

    return ReportRun(parent, store, tr("区县汇总表", "District summary"), work)


def export_data(parent: QWidget | None, store: Store, kind: str, target: Path) -> ReportRun:
    def work(worker: Store, progress: Callable[[int, int], None],
             cancelled: Callable[[], bool]) -> Outcome:
        from inspector.reports import exports

        progress(0, 1)
        if kind == "csv":
            written = exports.write_csv(worker, target)
            paths = list(written.values())
        elif kind == "xlsx":
            exports.write_xlsx(worker, target)
            paths = [target]
        elif kind == "geojson":
            exports.write_geojson(worker, target)
            paths = [target]
        else:
            exports.write_json(worker, target)
            paths = [target]
        progress(1, 1)
        return Outcome([target] if kind == "csv" else paths,
                       [tr("已导出：{p}", "Exported: {p}", p=p) for p in paths])

    return ReportRun(parent, store, tr("导出数据", "Export data"), work)
