"""Command-line commands for sync: folder sync, bundles, conflicts, devices."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from inspector.cli.output import out
from inspector.core.datadir import resolve_data_dir
from inspector.core.i18n import t
from inspector.core.store import Store


def _open(args: argparse.Namespace) -> Store:
    return Store.open(resolve_data_dir(args.data_dir), actor=args.user, wall=args.wall)


def _mb(text: str) -> int:
    try:
        value = float(text)
    except ValueError:
        value = -1
    if not 1 <= value <= 4096:
        raise argparse.ArgumentTypeError(t("应为 1–4096 之间的兆字节数",
                                           "give megabytes between 1 and 4096"))
    return int(value * 1024 * 1024)


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
        folder.check_folder(store, chosen)
        report = folder.sync(store, chosen, max_bytes=args.max_bundle_mb)
        folder.remember_folder(store, chosen)  # only a folder that worked
        new_device = store.device_id
    if report.forked_from:
        out(t("注意：此数据目录也在别处以同一设备身份使用（复制或恢复的副本）。本机已改用新的"
               "设备身份 {new}；原身份 {old} 的记录作为收到的数据保留。请让同事信任本机。",
               "Note: this data directory was also in use elsewhere under the same device "
               "identity (a copy or a restore). It continues as a new device {new}; the "
               "history of {old} is kept as received. Ask a teammate to trust this device.",
               new=new_device[:8], old=report.forked_from[:8]))
    if report.read_only:
        out(t("同步文件夹只读：只导入，未写出", "the sync folder is read-only: imported only, "
               "nothing written"))
    out(t("已写出：{p}", "written: {p}", p=report.exported or "-"))
    out(t("读取数据包 {b} 个，应用变更 {c} 条，收到照片 {p} 张，新冲突 {k} 个",
           "{b} bundles read, {c} changes applied, {p} photos received, {k} new conflicts",
           b=report.bundles_read, c=report.changes_applied, p=report.photos_received,
           k=len(report.conflicts)))
    for path, reason in report.skipped:
        out(t("跳过 {p}：{r}", "skipped {p}: {r}", p=path.name, r=reason))
    for line in report.waiting:
        out(t("等待：{w}", "waiting: {w}", w=line))
    for line in report.quarantined:
        out(t("已隔离（设备未受信任）：{q}", "quarantined (device not trusted): {q}", q=line))
    return 0


def cmd_bundle_export(args: argparse.Namespace) -> int:
    from sync import exchange

    target = Path(args.output)
    with _open(args) as store:
        if target.is_dir():
            paths = exchange.export_bundles(store, target, since=args.since,
                                            max_bytes=args.max_bundle_mb)
        else:
            paths = [p for p in [exchange.export_bundle(store, target, since=args.since)] if p]
    for path in paths:
        out(str(path))
    if not paths:
        out(t("没有要导出的变更", "no changes to export"))
    return 0


def cmd_bundle_import(args: argparse.Namespace) -> int:
    from sync import exchange

    with _open(args) as store:
        report = exchange.import_bundle(store, Path(args.file))
        exchange.retry_inbox(store)
    out(f"{report.status}: {report.changes} changes, {report.photos} photos, "
         f"{len(report.conflicts)} new conflicts {report.message}".strip())
    return 0


def _content_text(conflict: Any, content: dict[str, Any]) -> str:
    shown = {c: content.get(c) for c in conflict.columns} if conflict.columns else content
    return json.dumps(shown, ensure_ascii=False)


def cmd_conflicts_list(args: argparse.Namespace) -> int:
    from inspector.core import conflicts

    with _open(args) as store:
        rows = conflicts.list_open(store)
    if args.json:
        out(json.dumps([c.as_dict() for c in rows], ensure_ascii=False, indent=2))
        return 0
    for conflict in rows:
        kind = t(*conflicts.KIND_NAMES.get(conflict.kind, (conflict.kind, conflict.kind)))
        out(f"{conflict.id}  {kind}  {conflict.table}/{conflict.row_id[:12]}"
             f".{conflict.register}")
        for number, version in enumerate(conflict.versions, 1):
            mark = t("（当前显示）", " (shown)") if version.shown else ""
            out(f"  {number}. {version.actor or '?'}@{version.device[:8]}{mark}: "
                 f"{_content_text(conflict, version.content)}")
    return 0


def cmd_conflicts_resolve(args: argparse.Namespace) -> int:
    from inspector.core import conflicts

    values = None
    if args.set:
        values = {}
        for item in args.set:
            column, _, value = item.partition("=")
            values[column.strip()] = value if value != "" else None
    with _open(args) as store:
        conflict = conflicts.resolve(store, args.id, take=args.take, values=values)
    out(t("已解决冲突 {c}", "resolved conflict {c}", c=conflict.id))
    return 0


def cmd_devices_list(args: argparse.Namespace) -> int:
    from sync import roster

    with _open(args) as store:
        roster.ensure_self(store)
        rows = roster.list_devices(store)
    if getattr(args, "json", False):
        out(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for row in rows:
        state = t("本机", "this device") if row["self"] else (
            t("受信任", "trusted") if row["trusted"] else (
                t("已撤销（计入到第 {n} 号）", "revoked (counted up to {n})",
                  n=row["trusted_upto"]) if row["trusted_upto"] is not None
                else t("未信任", "not trusted")))
        extra = t("，隔离数据包 {n} 个", ", {n} quarantined bundles", n=row["quarantined"]) \
            if row["quarantined"] else ""
        warning = t("  ⚠ {w}", "  ⚠ {w}", w=row["warning"]) if row["warning"] else ""
        out(f"{row['id']}  {row['code'] or '--'}  {row['name']}  {row['fingerprint']}  "
             f"{state}{extra}{warning}")
    return 0


def cmd_devices_trust(args: argparse.Namespace) -> int:
    from sync import exchange, roster

    with _open(args) as store:
        roster.trust(store, args.device, args.name, fingerprint_seen=args.fingerprint)
        applied = [r for r in exchange.retry_inbox(store) if r.status == exchange.APPLIED]
    out(t("已信任；应用了 {n} 个隔离的数据包", "trusted; {n} quarantined bundles applied",
           n=len(applied)))
    return 0


def cmd_devices_revoke(args: argparse.Namespace) -> int:
    from sync import roster

    with _open(args) as store:
        device = roster.revoke(store, args.device, args.upto)
        row = store.query_one("SELECT trusted_upto FROM devices WHERE id = ?", (device["id"],))
    out(t("已撤销：设备 {d} 第 {n} 号之后的变更不再计入", "revoked: changes of device {d} "
           "after number {n} no longer count", d=device["id"][:8],
           n=row["trusted_upto"] if row else "?"))
    return 0


def register(commands: Any, command: Callable[..., Any]) -> None:
    from inspector.cli.app import _Parser

    p = command(commands, "sync", cmd_sync, "sync through a shared folder")
    p.add_argument("--folder", help="the shared folder (remembered for next time)")
    p.add_argument("--max-bundle-mb", type=_mb, default=256 * 1024 * 1024,
                   help="split bundles above this size (default 256)")
    group = commands.add_parser("bundle", help="bundles of changes")
    sub = group.add_subparsers(dest="action", required=True, parser_class=_Parser)
    p = command(sub, "export", cmd_bundle_export,
                "write this device's changes to a file, or to bundles in a folder")
    p.add_argument("-o", "--output", required=True,
                   help="a .zip file, or an existing folder (split at receipts and by size)")
    p.add_argument("--since", type=int, default=0, help="only changes after this sequence")
    p.add_argument("--max-bundle-mb", type=_mb, default=256 * 1024 * 1024,
                   help="split bundles above this size (default 256; into a folder)")
    p = command(sub, "import", cmd_bundle_import, "apply a bundle file")
    p.add_argument("file")
    group = commands.add_parser("conflicts", help="conflicts waiting for review")
    sub = group.add_subparsers(dest="action", required=True, parser_class=_Parser)
    p = command(sub, "list", cmd_conflicts_list, "list open conflicts")
    p.add_argument("--json", action="store_true")
    p = command(sub, "resolve", cmd_conflicts_resolve,
                "keep one version (and optionally change fields of it)")
    p.add_argument("id")
    p.add_argument("--take", help="the version to keep: its number in the list (default: the "
                   "one shown); for a delete conflict: keep or delete")
    p.add_argument("--set", action="append", metavar="FIELD=VALUE",
                   help="change a field of the kept version")
    group = commands.add_parser("devices", help="the team roster")
    sub = group.add_subparsers(dest="action", required=True, parser_class=_Parser)
    p = command(sub, "list", cmd_devices_list, "devices and their trust")
    p.add_argument("--json", action="store_true")
    p = command(sub, "trust", cmd_devices_trust, "trust a device (applies its bundles)")
    p.add_argument("device")
    p.add_argument("--name", help="a name of your own for it, on this laptop only (default: "
                   "the name it gives itself)")
    p.add_argument("--fingerprint", help="the key fingerprint checked with its owner (needed "
                   "when several keys claim the device)")
    p = command(sub, "revoke", cmd_devices_revoke,
                "stop counting a device's changes after the last one this laptop has")
    p.add_argument("device")
    p.add_argument("--upto", type=int, help="the last of its changes that still counts")
