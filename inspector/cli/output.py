"""What the command line prints: a line, JSON, a warning, or rows (JSON with ``--json``)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

EXIT_OK = 0


def out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def out_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def err(text: str) -> None:
    sys.stderr.write(text + "\n")


def out_rows(args: argparse.Namespace, rows: Sequence[dict[str, Any]],
             line: Callable[[dict[str, Any]], str]) -> int:
    """A listing: the rows as JSON with ``--json``, else ``line(row)`` for each; exit 0."""
    if args.json:
        out_json(rows)
        return EXIT_OK
    for row in rows:
        out(line(row))
    return EXIT_OK
