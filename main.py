"""Start 绿色社区巡查 (Green Community Inspector).

    python main.py [--data-dir DIR] [--lang zh|en] [--screenshot FILE.png [--view VIEW]]
"""

from __future__ import annotations

import sys


def main() -> int:
    from ui.app import run

    return run(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
