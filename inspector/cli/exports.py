"""Command-line commands for this area; ``register`` adds them to the ``inspector`` parser.

- ``inspector summary --year YYYY [--as-of DATE] [--district D] [--year-target PCT]
  --format xlsx|csv|pdf -o FILE [--targets FILE.json] [--columns a,b,…] [--unit U]
  [--person P] [--font FILE]``: the district summary (附件2) and its 名单.
- ``inspector roll --as-of DATE [--district D] --format xlsx|csv -o FILE``: the 名单 alone.
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
ROLL_FORMATS = ("xlsx", "csv")


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


def _percent(text: str) -> float:
    try:
        value = float(text.strip().rstrip("%"))
    except ValueError:
        value = float("nan")
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(t("“{v}”不是 0–100 之间的百分数",
                                           "{v!r} is not a percentage between 0 and 100",
                                           v=text))
    return value


def _compute(args: argparse.Namespace, store: Any) -> Any:
    from inspector.domain import standing
    from inspector.reports import summary

    targets = summary.load_targets(Path(args.targets)) if getattr(args, "targets", None) \
        else None
    return standing.compute(
        store, getattr(args, "year", None), as_of=args.as_of, district=args.district,
        year_target=getattr(args, "year_target", None), file_targets=targets,
        columns=getattr(args, "columns", None), unit=args.unit, person=args.person)


def cmd_summary(args: argparse.Namespace) -> int:
    from inspector.cli.app import EXIT_OK, _open
    from inspector.cli.output import out
    from inspector.reports import summary

    if args.year is not None:
        summary.check_year(args.year)
    kind = _format_of(args, SUMMARY_FORMATS)
    output = Path(args.output)
    with _open(args, readonly=kind != "pdf") as store:  # a PDF is issued: registered
        result = _compute(args, store)
        if kind == "pdf":
            from inspector.reports import summary_issue

            font, document = summary_issue.write_pdf(store, result, output,
                                                     font_path=args.font)
            out(t("编号 {n}", "Number {n}", n=document.number))
            notice = font.notice()
            if notice:
                sys.stderr.write(notice + "\n")
    if kind == "xlsx":
        summary.to_xlsx(result, output)
    elif kind == "csv":
        summary.to_csv(result, output)
    total = result.total
    ratio = "—" if total.ratio is None else f"{total.ratio * 100:.1f}%"
    target = "—" if total.target_percent is None else f"{total.target_percent:g}%"
    out(t("{s}，截至 {d}：社区 {n} 个，参与创建 {p}，已检查或认定 {i}，达标 {m}（{r}，目标 {tg}，"
          "尚需 {need}）→ {f}",
          "{s}, as of {d}: {n} communities, {p} taking part, {i} inspected or decided, {m} "
          "meet the standard ({r}, target {tg}, {need} still needed) → {f}",
          s=result.scope(), d=result.as_of.isoformat(), n=total.registered,
          p=total.participating, i=total.inspected, m=total.met, r=ratio, tg=target,
          need="—" if total.needed is None else total.needed, f=output))
    return EXIT_OK


def cmd_roll(args: argparse.Namespace) -> int:
    from inspector.cli.app import EXIT_OK, _open
    from inspector.cli.output import out
    from inspector.reports import summary

    kind = _format_of(args, ROLL_FORMATS)
    output = Path(args.output)
    with _open(args, readonly=True) as store:
        result = _compute(args, store)
    if kind == "xlsx":
        summary.roll_to_xlsx(result, output)
    else:
        summary.roll_to_csv(result, output)
    out(t("{s}，截至 {d}：达标社区 {n} 个 → {f}", "{s}, as of {d}: {n} communities meet the "
          "standard → {f}", s=result.scope(), d=result.as_of.isoformat(), n=len(result.roll),
          f=output))
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from inspector.cli.app import EXIT_OK, _open
    from inspector.cli.output import out
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


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--district", help="one district (default: every district)")
    p.add_argument("--unit", help="填报单位 (default: team setting report.unit, else "
                   "issuer.name)")
    p.add_argument("--person", help="填报人 (default: team setting report.person, else --user)")


def register(commands: Any, command: Callable[..., Any]) -> None:
    """Add this module's sub-commands (``command(group, name, handler, help)`` makes one)."""
    from inspector.reports import exports, summary

    p = command(commands, "summary", cmd_summary,
                "the district summary (附件2 汇总表) and its 名单 as XLSX, CSV or PDF")
    p.add_argument("--year", type=_year, default=None,
                   help="the year of the targets (default: that of --as-of, else this year)")
    p.add_argument("--as-of", help="the date the standings are taken on, YYYY-MM-DD "
                   "(default: 31 August of the year, the districts' 初评, or today before "
                   "then); a community counts by its latest submitted inspection or "
                   "recognition decision on or before it, whatever the year")
    _common(p)
    p.add_argument("--year-target", type=_percent, default=None,
                   help="the target (percent) for every district this time, over the team "
                   "settings targets.<district>.<year>")
    p.add_argument("--format", choices=SUMMARY_FORMATS,
                   help="xlsx, csv or pdf (default: from the file name)")
    p.add_argument("-o", "--output", required=True, help="the file to write")
    p.add_argument("--targets", help='JSON file of year → percent for every district, e.g. '
                   '{"2023": 70}')
    p.add_argument("--columns", help="comma-separated column keys (default: "
                   + ",".join(summary.DEFAULT_COLUMNS) + "; also: "
                   + ",".join(k for k in summary.COLUMNS if k not in summary.DEFAULT_COLUMNS)
                   + ")")
    p.add_argument("--font", help="a TrueType CJK font file for the PDF")

    p = command(commands, "roll", cmd_roll,
                "the 名单: communities meeting the standard on a date, as XLSX or CSV")
    p.add_argument("--as-of", required=True, help="the date, YYYY-MM-DD")
    _common(p)
    p.add_argument("--format", choices=ROLL_FORMATS,
                   help="xlsx or csv (default: from the file name)")
    p.add_argument("-o", "--output", required=True, help="the file to write")

    p = command(commands, "export", cmd_export,
                "export data: csv (a folder with inspections.csv, answers.csv, findings.csv), "
                "xlsx (one sheet each), geojson (located findings) or json (every table)")
    p.add_argument("--format", choices=exports.FORMATS,
                   help="csv, xlsx, geojson or json (default: from the file name)")
    p.add_argument("-o", "--output", required=True,
                   help="for csv a folder (made if missing; inspections.csv, answers.csv and "
                   "findings.csv are written into it), otherwise the file to write")
