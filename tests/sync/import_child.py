"""Child for the kill test: import every bundle in a folder into a data directory."""

from __future__ import annotations

import sys
from pathlib import Path

from inspector.core.store import Store
from sync import exchange


def main() -> None:
    data_dir, folder = Path(sys.argv[1]), Path(sys.argv[2])
    with Store.open(data_dir, actor="导入") as store:
        sys.stdout.write("ready\n")
        sys.stdout.flush()
        for path in sorted(folder.iterdir()):
            exchange.import_bundle(store, path)
        exchange.retry_inbox(store)
    sys.stdout.write("done\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
