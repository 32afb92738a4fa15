"""Command-line commands for this area; ``register`` adds them to the ``inspector`` parser.

- ``inspector summary --year YYYY --format xlsx|csv|pdf -o FILE [--targets FILE.json]
  [--columns a,b,…] [--font FILE]``: the district summary (附件2) of a year.
- ``inspector export --format csv|xlsx|geojson|json -o PATH``: data exports; for csv, PATH
  is a folder that receives inspections.csv, answers.csv and findings.csv.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from inspector.core.errors import InspectorError
from inspector.core.i18n import t

SUMMARY_FORMATS = ("xlsx", "csv", "pdf")


def _format_of(args: argparse.Namespace, choices: tuple[str, ...]) -> str:
    if args.format:
        return str(args.format)
    suffix = Path(args.output).suffix.lower().lstrip(".")
    if suffix in choices:
        return suffix
    raise InspectorError(t("请用 --format 指明格式（{all}）",
                           "Say which format with --format ({all})", all=", ".join(choices)))


def _year(text: str) -> int:
    """A year as argparse reads it; a bad one is a one-line message and exit status 2."""
    try:
        year = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(t("“{v}”不是年份，应为四位数字，例如 2026",
                                           "{v!r} is not a year; give four digits, e.g. 2026",
                                           v=text)) from None
    return year


def cmd_summary(args: argparse.Namespace) -> int:
    from inspector.cli.app import EXIT_OK, _open, out
    from inspector.reports import summary

    if args.year is not None:
        summary.check_year(args.year)
    kind = _format_of(args, SUMMARY_FORMATS)
    targets = summary.load_targets(Path(args.targets)) if args.targets else None
    columns = summary.parse_columns(args.columns)
    output = Path(args.output)
    with _open(args, readonly=True) as store:
        year = args.year if args.year is not None else store.wall.today().year
        result = summary.compute(store, year, targets, columns)
    if kind == "xlsx":
        summary.to_xlsx(result, output)
    elif kind == "csv":
        summary.to_csv(result, output)
    else:
        font = summary.to_pdf(result, output, font_path=args.font)
        notice = font.notice()
        if notice:
            sys.stderr.write(notice + "\n")
    total = result.total
    ratio = "—" if total.ratio is None else f"{total.ratio * 100:.1f}%"
    target = "—" if result.target_percent is None else f"{result.target_percent:g}%"
    out(t("{y}年：社区 {n} 个，已检查 {i}，达标 {m}（{r}，目标 {tg}）→ {f}",
          "{y}: {n} communities, {i} inspected, {m} meet the standard ({r}, target {tg}) → {f}",
          y=year, n=total.registered, i=total.inspected, m=total.met, r=ratio, tg=target,
          f=output))
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from inspector.cli.app import EXIT_OK, _open, out
    from inspector.reports import exports

    kind = _format_of(args, exports.FORMATS)
    output = Path(args.output)
    with _open(args, readonly=True) as store:
        if kind == "csv":
            written = exports.write_csv(store, output)
            for path in written.values():
                out(str(path))
        elif kind == "xlsx":
            counts = exports.write_xlsx(store, output)
            out(t("{f}：{c}", "{f}: {c}", f=output,
                  c=", ".join(f"{k} {v}" for k, v in counts.items())))
        elif kind == "geojson":
            count = exports.write_geojson(store, output)
            out(t("{f}：{n} 个有位置的问题", "{f}: {n} located findings", f=output, n=count))
        else:
            counts = exports.write_json(store, output)
            out(t("{f}：{c}", "{f}: {c}", f=output,
                  c=", ".join(f"{k} {v}" for k, v in counts.items())))
    return EXIT_OK


def register(commands: Any, command: Callable[..., Any]) -> None:
    """Add this module's sub-commands (``command(group, name, handler, help)`` makes one)."""
    from inspector.reports import exports, summary

    p = command(commands, "summary", cmd_summary,
                "the district summary of a year (附件2 汇总表) as XLSX, CSV or PDF")
    p.add_argument("--year", type=_year, default=None,
                   help="the year (default: this year); a community counts by its latest "
                   "submitted inspection started in that year")
    p.add_argument("--format", choices=SUMMARY_FORMATS,
                   help="xlsx, csv or pdf (default: from the file name)")
    p.add_argument("-o", "--output", required=True, help="the file to write")
    p.add_argument("--targets", help='JSON file of year → percent, e.g. {"2023": 70}; '
                   "overrides the plan's 40 %% (2021) and 60 %% (2022 on)")
    p.add_argument("--columns", help="comma-separated column keys (default: "
                   + ",".join(summary.DEFAULT_COLUMNS) + "; also: "
                   + ",".join(k for k in summary.COLUMNS if k not in summary.DEFAULT_COLUMNS)
                   + ")")
    p.add_argument("--font", help="a TrueType CJK font file for the PDF")

    p = command(commands, "export", cmd_export,
                "export data: csv (a folder with inspections.csv, answers.csv, findings.csv), "
                "xlsx (one sheet each), geojson (located findings) or json (every table)")
    p.add_argument("--format", choices=exports.FORMATS,
                   help="csv, xlsx, geojson or json (default: from the file name)")
    p.add_argument("-o", "--output", required=True,
                   help="for csv a folder (made if missing; inspections.csv, answers.csv and "
                   "findings.csv are written into it), otherwise the file to write")
