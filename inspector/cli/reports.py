"""Command-line commands for reports: ``inspector report`` and ``inspector notices``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from inspector.core.errors import InspectorError
from inspector.core.i18n import t
from inspector.reports.layout import ReportResult

EXIT_OK = 0


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")


def _check_font(font: str | None) -> None:
    if font and not Path(font).is_file():
        raise InspectorError(t("字体文件 {f} 不存在", "The font file {f} does not exist", f=font))


def _tell(results: list[ReportResult]) -> None:
    notices: set[str] = set()
    for result in results:
        _out(str(result.path))
        if result.kept:
            _out(t("  已发出，内容未变：保留原文号和文件", "  issued before, unchanged: number "
                   "and file kept"))
            continue
        _out(t("  {p} 页，照片 {n} 张，校验码 {v}", "  {p} pages, {n} photos, verification {v}",
               p=result.pages, n=result.photos_placed, v=result.verification[:16]))
        for warning in result.warnings:
            _err(t("警告：{w}", "Warning: {w}", w=warning))
        if result.font_notice:
            notices.add(result.font_notice)
    for notice in sorted(notices):
        _err(notice)


def cmd_report(args: argparse.Namespace) -> int:
    from inspector.cli.app import _open
    from inspector.reports import findings_report

    _check_font(args.font)
    with _open(args, readonly=True) as store:
        result = findings_report.build(store, args.inspection, Path(args.output),
                                       font_path=args.font)
    _tell([result])
    return EXIT_OK


def cmd_notices(args: argparse.Namespace) -> int:
    from inspector.cli.app import _open
    from inspector.reports import notices

    _check_font(args.font)
    with _open(args) as store:  # issuing registers each document and its number
        results = notices.build_all(store, args.inspection, Path(args.output),
                                    font_path=args.font)
    if not results:
        _out(t("没有需要整改的问题，未生成通知书。",
               "No finding needs rectification; no notice was written."))
    _tell(results)
    return EXIT_OK


def register(commands: Any, command: Callable[..., Any]) -> None:
    """Add this module's sub-commands (``command(group, name, handler, help)`` makes one)."""
    p = command(commands, "report", cmd_report,
                "write the findings report (PDF) of an inspection")
    p.add_argument("inspection", help="inspection id, short id or id prefix")
    p.add_argument("-o", "--output", required=True, metavar="FILE.pdf")
    p.add_argument("--font", metavar="FILE", help="a TrueType CJK font to embed")
    p = command(commands, "notices", cmd_notices,
                "issue the 整改通知书 (one per responsible party) and 交办单 (one per "
                "department) into DIR/<short id>/")
    p.add_argument("inspection", help="inspection id, short id or id prefix")
    p.add_argument("-o", "--output", required=True, metavar="DIR")
    p.add_argument("--font", metavar="FILE", help="a TrueType CJK font to embed")
