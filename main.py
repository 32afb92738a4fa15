"""Start 绿色社区巡查 (Green Community Inspector).

Until the workbench GUI lands, this opens the data directory (filling an empty one with the
demo data) and prints what is there, using the same domain functions the GUI will call.
"""

from __future__ import annotations

import sys

from inspector import cli


def main(argv: list[str]) -> int:
    data_dir_args: list[str] = []
    if "--data-dir" in argv:
        index = argv.index("--data-dir")
        data_dir_args = argv[index:index + 2]
    from inspector.datadir import resolve_data_dir
    from inspector.store import DB_NAME, Store

    directory = resolve_data_dir(data_dir_args[1] if data_dir_args else None)
    empty = not (directory / DB_NAME).exists()
    if not empty:
        with Store.open(directory, readonly=True) as store:
            empty = store.query_one("SELECT id FROM communities LIMIT 1") is None
    if empty:
        status = cli.main([*data_dir_args, "demo"])
        if status:
            return status
    return cli.main([*data_dir_args, "inspections", "list"])


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
