"""``inspector verify-document FILE.pdf`` and ``inspector documents list``.

verify-document exits 0 for a genuine and unaltered document, 1 for an altered file, a file
that is not a document of this team or one that cannot be confirmed yet, and 2 when the file
cannot be read at all (missing, a folder, unreadable).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from inspector.core.i18n import t

EXIT_OK = 0


def cmd_verify_document(args: argparse.Namespace) -> int:
    from inspector.cli.app import _open
    from inspector.cli.output import out, out_json
    from inspector.domain import verification

    with _open(args, readonly=True) as store:
        verdict = verification.verify(store, Path(args.file))
    if args.json:
        out_json(verdict.as_dict())
    else:
        out(verdict.message())
    return verdict.exit_code


def cmd_documents_list(args: argparse.Namespace) -> int:
    from inspector.cli.app import _open
    from inspector.cli.output import out, out_json
    from inspector.domain import documents, inspections

    with _open(args, readonly=True) as store:
        inspection = inspections.resolve(store, args.inspection)["id"] if args.inspection \
            else None
        rows = documents.list_documents(store, inspection)
    if args.json:
        out_json(rows)
        return EXIT_OK
    for row in rows:
        zh, en = documents.KINDS.get(row["kind"], (row["kind"], row["kind"]))
        replaced = t("已被 {n} 取代", "superseded by {n}", n=row["superseded_by"]) \
            if row["superseded_by"] else ""
        out("\t".join([row["number"], t(zh, en), (row["issued_at"] or "")[:16],
                       row["issuer"] or "", row["addressee_name"] or "",
                       t("文件 {n} 个", "{n} file(s)", n=len(row["files"])), replaced]))
    if not rows:
        sys.stderr.write(t("（尚未发出文件）", "(no documents issued yet)") + "\n")
    return EXIT_OK


def register(commands: Any, command: Callable[..., Any]) -> None:
    from inspector.cli.app import _Parser

    p = command(commands, "verify-document", cmd_verify_document,
                "check that a PDF is a document this team issued, unaltered (exit 0), or "
                "altered / not ours (exit 1)")
    p.add_argument("file", metavar="FILE.pdf")
    p.add_argument("--json", action="store_true")
    group = commands.add_parser("documents", help="the register of issued documents")
    sub = group.add_subparsers(dest="action", required=True, parser_class=_Parser)
    p = command(sub, "list", cmd_documents_list, "issued documents, newest first")
    p.add_argument("--inspection", help="only this inspection's (id, short id or prefix)")
    p.add_argument("--json", action="store_true")
