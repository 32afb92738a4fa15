"""Commands of the rectification loop: directory, estates, recheck, ledger."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from inspector.cli.output import out, out_rows
from inspector.core.errors import InspectorError
from inspector.core.i18n import t

EXIT_OK = 0


def cmd_directory_import(args: argparse.Namespace) -> int:
    from inspector.cli.app import _open
    from inspector.domain import directory

    with _open(args) as store:
        changed, unchanged = directory.import_csv(store, Path(args.file))
    out(t("单位名录导入完成：新增或更新 {a}，未变 {n}", "Directory imported: {a} added or "
           "updated, {n} unchanged", a=changed, n=unchanged))
    return EXIT_OK


def cmd_directory_list(args: argparse.Namespace) -> int:
    from inspector.cli.app import _open
    from inspector.domain import directory

    with _open(args, readonly=True) as store:
        rows = directory.list_units(store, args.district)
    return out_rows(args, rows, lambda row: "\t".join([
        row["district"], row["code"],
        row["name"] + (t("（示例）", " (sample)") if row.get("sample") else ""),
        row.get("contact") or "", row.get("phone") or ""]))


def cmd_estates_add(args: argparse.Namespace) -> int:
    from inspector.cli.app import _open
    from inspector.domain import estates

    with _open(args) as store:
        made = estates.put(store, args.community, args.name,
                           property_company=args.property_company,
                           property_type=args.property_type, contact=args.contact,
                           phone=args.phone)
    out(made)
    return EXIT_OK


def cmd_estates_list(args: argparse.Namespace) -> int:
    from inspector.cli.app import _open
    from inspector.domain import communities, estates

    with _open(args, readonly=True) as store:
        community = communities.resolve(store, args.community)["id"] if args.community \
            else None
        rows = estates.list_estates(store, community)
    return out_rows(args, rows, lambda row: "\t".join([
        row["community"] or "", row["name"], row.get("property_company") or "",
        row.get("property_type") or "", row.get("contact") or "", row.get("phone") or ""]))


def cmd_recheck_new(args: argparse.Namespace) -> int:
    from inspector.cli.app import _open
    from inspector.domain import rechecks

    if bool(args.inspection) == bool(args.community):
        raise InspectorError(t("请给出检查编号或 --community（二选一）",
                               "Give an inspection or --community, not both"))
    with _open(args) as store:
        made = rechecks.start(store, inspection=args.inspection, community=args.community,
                              inspectors=args.inspector or [store.actor])
        row = rechecks.get(store, made)
        count = len(rechecks.entries(store, made))
    out(made)
    sys.stderr.write(t("复查 {s}：{n} 项待复查\n", "Re-check {s}: {n} findings to visit\n",
                       s=row["short_id"], n=count))
    return EXIT_OK


def cmd_recheck_answer(args: argparse.Namespace) -> int:
    from inspector.cli.app import _open
    from inspector.domain import photos, rechecks

    files = [Path(p) for p in args.photo or []]
    missing = [str(p) for p in files if not p.is_file()]
    if missing:
        raise InspectorError(t("照片文件不存在：{f}", "No such photo file: {f}",
                               f=", ".join(missing)))
    with _open(args) as store:
        recheck = rechecks.resolve(store, args.recheck)
        made = rechecks.answer(store, recheck["id"], args.finding, args.result,
                               note=args.note or "", new_deadline=args.new_deadline).id
        target = photos.target_for_followup(store, made)
        result = photos.import_photos(store, files, target, kind="after") if files else None
    if result is not None:
        out(result.summary())
        if result.failed:
            return 2
    return EXIT_OK


def cmd_recheck_submit(args: argparse.Namespace) -> int:
    from inspector.cli.app import _open
    from inspector.domain import rechecks

    with _open(args) as store:
        recheck = rechecks.resolve(store, args.recheck)
        counts = rechecks.submit(store, recheck["id"], args.signed_by)
    out(t("已签字：销号 {a} 项，仍需整改 {b} 项", "Signed: {a} closed, {b} still open",
           a=counts.closed, b=counts.open))
    return EXIT_OK


def cmd_recheck_list(args: argparse.Namespace) -> int:
    from inspector.cli.app import _open
    from inspector.domain import communities, rechecks

    with _open(args, readonly=True) as store:
        community = communities.resolve(store, args.community)["id"] if args.community \
            else None
        rows = rechecks.list_rechecks(store, community)
    return out_rows(args, rows, lambda row: "\t".join([
        row["id"][:8], row["short_id"], row.get("community") or "", row["status"],
        row["started_at"][:10]]))


def cmd_recheck_report(args: argparse.Namespace) -> int:
    from inspector.cli.app import _open
    from inspector.cli.reports import _check_font, _tell, damaged_exit
    from inspector.reports import recheck_report

    _check_font(args.font)
    with _open(args) as store:  # issuing registers the report and its number
        result = recheck_report.build(store, args.recheck, Path(args.output),
                                      font_path=args.font)
    _tell([result])
    return damaged_exit([result], args.allow_damaged)


def cmd_ledger(args: argparse.Namespace) -> int:
    from inspector.cli.app import _open
    from inspector.reports import ledger

    with _open(args, readonly=True) as store:
        count = ledger.write(store, Path(args.output), args.format, district=args.district,
                             status=args.status)
    out(t("整改台账 {n} 行已写入 {f}", "Ledger of {n} rows written to {f}", n=count,
           f=args.output))
    return EXIT_OK


def cmd_pending(args: argparse.Namespace) -> int:
    from inspector.cli.app import _open
    from inspector.domain import ledger

    with _open(args, readonly=True) as store:
        view = ledger.pending(store, district=args.district)
    out(t("逾期 {n} 项", "{n} overdue", n=len(view.overdue)))
    for name, count in view.by_department:
        out(f"  {name}\t{count}")
    out(t("按责任方：", "By responsible party:"))
    for name, count in view.by_party:
        out(f"  {name}\t{count}")
    out(t("本周待复查 {n} 项", "{n} re-checks due this week", n=len(view.due_this_week)))
    for row in view.due_this_week:
        out(f"  {row['short_id']}\t{row['community']}\t{row['deadline'] or ''}\t"
             f"{row['description']}")
    return EXIT_OK


def register(commands: Any, command: Callable[..., Any]) -> None:
    from inspector.cli.app import _Parser

    group = commands.add_parser("directory", help="units that supervise and receive 交办单")
    sub = group.add_subparsers(dest="action", required=True, parser_class=_Parser)
    p = command(sub, "import", cmd_directory_import, "import a directory CSV (all or nothing)")
    p.add_argument("file")
    p = command(sub, "list", cmd_directory_list, "list the units")
    p.add_argument("--district")
    p.add_argument("--json", action="store_true")

    group = commands.add_parser("estates", help="estates (小区) and their property companies")
    sub = group.add_subparsers(dest="action", required=True, parser_class=_Parser)
    p = command(sub, "add", cmd_estates_add, "add an estate (or update its company); prints "
                "its id")
    p.add_argument("--community", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--property-company")
    p.add_argument("--property-type", help="专业物业 / 准物业 / 自治 / 无")
    p.add_argument("--contact")
    p.add_argument("--phone")
    p = command(sub, "list", cmd_estates_list, "list estates")
    p.add_argument("--community")
    p.add_argument("--json", action="store_true")

    group = commands.add_parser("recheck", help="复查: re-check open findings, sign, 销号")
    sub = group.add_subparsers(dest="action", required=True, parser_class=_Parser)
    p = command(sub, "new", cmd_recheck_new, "start a re-check; prints its id")
    p.add_argument("inspection", nargs="?", help="inspection id, short id or prefix")
    p.add_argument("--community", help="re-check every open finding of a community")
    p.add_argument("--inspector", action="append", help="repeat for several")
    p = command(sub, "answer", cmd_recheck_answer, "record a finding's result")
    p.add_argument("recheck")
    p.add_argument("finding")
    p.add_argument("result", help="fixed or not-fixed")
    p.add_argument("--note")
    p.add_argument("--photo", nargs="+", metavar="P", help="after-photos")
    p.add_argument("--new-deadline", metavar="YYYY-MM-DD")
    p = command(sub, "submit", cmd_recheck_submit, "sign: close fixed findings, keep others")
    p.add_argument("recheck")
    p.add_argument("--signed-by", required=True, action="append")
    p = command(sub, "list", cmd_recheck_list, "list re-checks")
    p.add_argument("--community")
    p.add_argument("--json", action="store_true")
    p = command(sub, "report", cmd_recheck_report, "write the re-check report (PDF)")
    p.add_argument("recheck")
    p.add_argument("-o", "--output", required=True, metavar="FILE.pdf")
    p.add_argument("--font", metavar="FILE")
    from inspector.cli.reports import add_allow_damaged

    add_allow_damaged(p)

    p = command(commands, "ledger", cmd_ledger, "write the rectification ledger (整改台账)")
    p.add_argument("--district")
    p.add_argument("--status", choices=("open", "overdue", "closed"))
    p.add_argument("--format", required=True, choices=("xlsx", "csv"))
    p.add_argument("-o", "--output", required=True, metavar="FILE")
    p = command(commands, "pending", cmd_pending,
                "overdue findings by department and party, re-checks due this week")
    p.add_argument("--district")
