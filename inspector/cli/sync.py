"""Command-line commands for sync: folder sync, bundles, conflicts, devices."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from inspector.core.datadir import resolve_data_dir
from inspector.core.i18n import t
from inspector.core.store import Store


def _open(args: argparse.Namespace) -> Store:
    return Store.open(resolve_data_dir(args.data_dir), actor=args.user, wall=args.wall)


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def cmd_sync(args: argparse.Namespace) -> int:
    from sync import folder

    with _open(args) as store:
        chosen = Path(args.folder) if args.folder else None
        if chosen is None:
            remembered = store.get_setting("sync_folder")
            if not remembered:
                from inspector.core.errors import InspectorError

                raise InspectorError(t("请用 --folder 指定同步文件夹",
                                       "Give the sync folder with --folder"))
            chosen = Path(remembered)
        folder.remember_folder(store, chosen)
        report = folder.sync(store, chosen)
    _out(t("已写出：{p}", "written: {p}", p=report.exported or "-"))
    _out(t("读取数据包 {b} 个，应用变更 {c} 条，收到照片 {p} 张，冲突 {k} 个",
           "{b} bundles read, {c} changes applied, {p} photos received, {k} conflicts",
           b=report.bundles_read, c=report.changes_applied, p=report.photos_received,
           k=len(report.conflicts)))
    for path, reason in report.skipped:
        _out(t("跳过 {p}：{r}", "skipped {p}: {r}", p=path.name, r=reason))
    for line in report.waiting:
        _out(t("等待：{w}", "waiting: {w}", w=line))
    for line in report.quarantined:
        _out(t("已隔离（设备未受信任）：{q}", "quarantined (device not trusted): {q}", q=line))
    return 0


def cmd_bundle_export(args: argparse.Namespace) -> int:
    from sync import exchange

    with _open(args) as store:
        path = exchange.export_bundle(store, Path(args.output), since=args.since)
    _out(str(path) if path else t("没有要导出的变更", "no changes to export"))
    return 0


def cmd_bundle_import(args: argparse.Namespace) -> int:
    from sync import exchange

    with _open(args) as store:
        report = exchange.import_bundle(store, Path(args.file))
        exchange.retry_inbox(store)
    _out(f"{report.status}: {report.changes} changes, {report.photos} photos, "
         f"{len(report.conflicts)} conflicts {report.message}".strip())
    return 0


def cmd_conflicts_list(args: argparse.Namespace) -> int:
    from sync import conflicts

    with _open(args) as store:
        rows = conflicts.list_conflicts(store, include_resolved=args.all)
    if args.json:
        _out(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for row in rows:
        kind = t(*conflicts.KIND_NAMES.get(row["kind"], (row["kind"], row["kind"])))
        _out(f"{row['id'][:12]}  {kind}  {row['tbl']}/{row['row_id'][:12]}.{row['field']}: "
             f"{row['kept_value']!r} ({row['kept_actor']}) / {row['lost_value']!r} "
             f"({row['lost_actor']})  [{row['status']}]")
    return 0


def cmd_conflicts_resolve(args: argparse.Namespace) -> int:
    from sync import conflicts

    with _open(args) as store:
        conflicts.resolve(store, args.id, args.value)
    return 0


def cmd_devices_list(args: argparse.Namespace) -> int:
    from sync import roster

    with _open(args) as store:
        roster.ensure_self(store)
        rows = roster.list_devices(store)
    if getattr(args, "json", False):
        _out(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for row in rows:
        state = t("本机", "this device") if row["self"] else (
            t("受信任", "trusted") if row["trusted"] else t("未信任", "not trusted"))
        extra = t("，隔离数据包 {n} 个", ", {n} quarantined bundles", n=row["quarantined"]) \
            if row["quarantined"] else ""
        _out(f"{row['id']}  {row['name']}  {row['fingerprint']}  {state}{extra}")
    return 0


def cmd_devices_trust(args: argparse.Namespace) -> int:
    from sync import exchange, roster

    with _open(args) as store:
        roster.trust(store, args.device, args.name)
        applied = [r for r in exchange.retry_inbox(store) if r.status == exchange.APPLIED]
    _out(t("已信任；应用了 {n} 个隔离的数据包", "trusted; {n} quarantined bundles applied",
           n=len(applied)))
    return 0


def cmd_devices_revoke(args: argparse.Namespace) -> int:
    from sync import roster

    with _open(args) as store:
        roster.revoke(store, args.device)
    return 0


def register(commands: Any, command: Callable[..., Any]) -> None:
    from inspector.cli.app import _Parser

    p = command(commands, "sync", cmd_sync, "sync through a shared folder")
    p.add_argument("--folder", help="the shared folder (remembered for next time)")
    group = commands.add_parser("bundle", help="bundles of changes")
    sub = group.add_subparsers(dest="action", required=True, parser_class=_Parser)
    p = command(sub, "export", cmd_bundle_export, "write this device's changes to a file")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--since", type=int, default=0, help="only changes after this sequence")
    p = command(sub, "import", cmd_bundle_import, "apply a bundle file")
    p.add_argument("file")
    group = commands.add_parser("conflicts", help="conflicts waiting for review")
    sub = group.add_subparsers(dest="action", required=True, parser_class=_Parser)
    p = command(sub, "list", cmd_conflicts_list, "list conflicts")
    p.add_argument("--json", action="store_true")
    p.add_argument("--all", action="store_true", help="resolved ones too")
    p = command(sub, "resolve", cmd_conflicts_resolve, "choose or type the value")
    p.add_argument("id")
    p.add_argument("--value", required=True)
    group = commands.add_parser("devices", help="the team roster")
    sub = group.add_subparsers(dest="action", required=True, parser_class=_Parser)
    p = command(sub, "list", cmd_devices_list, "devices and their trust")
    p.add_argument("--json", action="store_true")
    p = command(sub, "trust", cmd_devices_trust, "trust a device (applies its bundles)")
    p.add_argument("device")
    p.add_argument("--name", help="a name for it (default: the name it gives itself)")
    p = command(sub, "revoke", cmd_devices_revoke, "stop trusting a device")
    p.add_argument("device")
