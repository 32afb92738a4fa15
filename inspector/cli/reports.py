"""Command-line commands for reports: ``inspector report`` and ``inspector notices``.

Every PDF written is an issued document (registered and sealed). A photo whose original is
missing or altered is printed as a placeholder; the command then ends with exit status 1
unless ``--allow-damaged`` says that is known and accepted.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from inspector.cli.output import err, out
from inspector.core.errors import InspectorError
from inspector.core.i18n import t
from inspector.reports.layout import ReportResult

EXIT_OK, EXIT_DAMAGED = 0, 1


def _check_font(font: str | None) -> None:
    if font and not Path(font).is_file():
        raise InspectorError(t("字体文件 {f} 不存在", "The font file {f} does not exist", f=font))


def _tell(results: list[ReportResult]) -> None:
    notices: set[str] = set()
    for result in results:
        out(str(result.path))
        if result.kept:
            out(t("  已发出，内容未变：保留原文号和文件", "  issued before, unchanged: number "
                   "and file kept"))
            continue
        out(t("  {p} 页，照片 {n} 张，编号 {num}", "  {p} pages, {n} photos, number {num}",
               p=result.pages, n=result.photos_placed, num=result.number))
        for warning in result.warnings:
            err(t("警告：{w}", "Warning: {w}", w=warning))
        if result.font_notice:
            notices.add(result.font_notice)
    for notice in sorted(notices):
        err(notice)


def damaged_exit(results: list[ReportResult], allow: bool) -> int:
    """Exit status 1 when a photo could not be placed, unless the user accepted that."""
    damaged = sum(len(r.damaged) for r in results)
    if not damaged:
        return EXIT_OK
    if allow:
        err(t("已按 --allow-damaged 生成：{n} 张照片以占位框代替。",
               "Written as --allow-damaged asks: {n} photo(s) replaced by a placeholder.",
               n=damaged))
        return EXIT_OK
    err(t("{n} 张照片的原件缺失或已被改动，文件中以占位框代替（见上方警告）。请用 inspector "
           "verify 检查照片原件；确认无误仍要使用此文件，请加 --allow-damaged。",
           "{n} photo original(s) are missing or altered and were replaced by a placeholder "
           "(see the warnings above). Check the originals with inspector verify; to accept "
           "the file as it is, add --allow-damaged.", n=damaged))
    return EXIT_DAMAGED


def cmd_report(args: argparse.Namespace) -> int:
    from inspector.cli.app import _open
    from inspector.reports import findings_report

    _check_font(args.font)
    with _open(args) as store:  # issuing registers the report and its number
        result = findings_report.build(store, args.inspection, Path(args.output),
                                       font_path=args.font)
    _tell([result])
    return damaged_exit([result], args.allow_damaged)


def cmd_notices(args: argparse.Namespace) -> int:
    from inspector.cli.app import _open
    from inspector.reports import notices

    _check_font(args.font)
    with _open(args) as store:  # issuing registers each document and its number
        results = notices.build_all(store, args.inspection, Path(args.output),
                                    font_path=args.font)
    if not results:
        out(t("没有需要整改的问题，未生成通知书。",
               "No finding needs rectification; no notice was written."))
    _tell(results)
    return damaged_exit(results, args.allow_damaged)


def register(commands: Any, command: Callable[..., Any]) -> None:
    """Add this module's sub-commands (``command(group, name, handler, help)`` makes one)."""
    p = command(commands, "report", cmd_report,
                "write the findings report (PDF) of an inspection")
    p.add_argument("inspection", help="inspection id, short id or id prefix")
    p.add_argument("-o", "--output", required=True, metavar="FILE.pdf")
    p.add_argument("--font", metavar="FILE", help="a TrueType CJK font to embed")
    add_allow_damaged(p)
    p = command(commands, "notices", cmd_notices,
                "issue the 整改通知书 (one per responsible party) and 交办单 (one per "
                "department) into DIR/<short id>/")
    p.add_argument("inspection", help="inspection id, short id or id prefix")
    p.add_argument("-o", "--output", required=True, metavar="DIR")
    p.add_argument("--font", metavar="FILE", help="a TrueType CJK font to embed")
    add_allow_damaged(p)


def add_allow_damaged(parser: Any) -> None:
    parser.add_argument("--allow-damaged", action="store_true",
                        help="exit 0 even when a photo original is missing or altered (it is "
                        "printed as a placeholder either way)")
