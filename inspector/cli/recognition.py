"""``inspector recognition set|revoke|list``: recorded decisions on a community's standing.

- ``set COMMUNITY --level district|city --decision pass|fail --date D [--by WHO]
  [--document 文号] [--note …]``: district 初评 or city 认定.
- ``revoke ID --date D --reason …``: from that day on the decision no longer counts.
- ``list [COMMUNITY] [--json]``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from inspector.core.i18n import t


def cmd_set(args: argparse.Namespace) -> int:
    from inspector.cli.app import EXIT_OK, _open
    from inspector.cli.output import out
    from inspector.domain import standing

    with _open(args) as store:
        recognition_id = standing.recognise(
            store, args.community, level=args.level, decision=args.decision,
            decided_on=args.date, decided_by=args.by, document=args.document, note=args.note)
    out(recognition_id)
    return EXIT_OK


def cmd_revoke(args: argparse.Namespace) -> int:
    from inspector.cli.app import EXIT_OK, _open
    from inspector.domain import standing

    with _open(args) as store:
        standing.revoke(store, standing.get_recognition(store, args.id)["id"],
                        revoked_on=args.date, reason=args.reason)
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    from inspector.cli.app import EXIT_OK, _open
    from inspector.cli.output import out, out_json
    from inspector.domain import standing

    with _open(args, readonly=True) as store:
        rows = standing.list_recognitions(store, args.community)
    if args.json:
        out_json(rows)
        return EXIT_OK
    levels = {"district": t("区县初评", "district"), "city": t("市级认定", "city")}
    decisions = {"pass": t("通过", "pass"), "fail": t("不通过", "fail")}
    for row in rows:
        revoked = t("（{d} 撤销：{r}）", " (revoked {d}: {r})", d=row["revoked_on"],
                    r=row["revoke_reason"]) if row["revoked_on"] else ""
        out(f"{row['id'][:12]}  {row['decided_on']}  {row['district']} {row['street']} "
            f"{row['community']}  {levels.get(row['level'], row['level'])} "
            f"{decisions.get(row['decision'], row['decision'])}  {row['decided_by']}"
            f"{'  ' + row['document'] if row['document'] else ''}{revoked}")
    return EXIT_OK


def register(commands: Any, command: Callable[..., Any], parser_class: type) -> None:
    group = commands.add_parser("recognition",
                                help="recognition decisions (district 初评, city 认定)")
    sub = group.add_subparsers(dest="action", required=True, parser_class=parser_class)
    p = command(sub, "set", cmd_set, "record a decision on a community")
    p.add_argument("community", help="the community's name or id")
    p.add_argument("--level", required=True, help="district (区县初评) or city (市级认定)")
    p.add_argument("--decision", required=True, help="pass or fail")
    p.add_argument("--date", required=True, help="the decision's date, YYYY-MM-DD")
    p.add_argument("--by", help="who decided (default: --user)")
    p.add_argument("--document", help="the decision's document number (文号)")
    p.add_argument("--note")
    p = command(sub, "revoke", cmd_revoke, "revoke a decision from a date on (it stays on "
                "record)")
    p.add_argument("id", help="the decision's id or its first characters")
    p.add_argument("--date", required=True, help="from when it no longer counts, YYYY-MM-DD")
    p.add_argument("--reason", required=True)
    p = command(sub, "list", cmd_list, "the decisions, oldest first")
    p.add_argument("community", nargs="?")
    p.add_argument("--json", action="store_true")
