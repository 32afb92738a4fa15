"""Child process for the crash test: numbered writes through the domain, each acknowledged.

Prints ``ack N`` only after the write's transaction has committed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from inspector.core.store import Store
from inspector.domain import communities
from inspector.domain.communities import CommunityData


def main() -> None:
    data_dir, start = Path(sys.argv[1]), int(sys.argv[2])
    with Store.open(data_dir, actor="crash-test") as store:
        sys.stdout.write("ready\n")
        sys.stdout.flush()
        n = start
        while True:
            communities.create(store, CommunityData("海曙区", "南门街道", f"社区{n:06d}",
                                                    households=n))
            sys.stdout.write(f"ack {n}\n")
            sys.stdout.flush()
            n += 1


if __name__ == "__main__":
    main()
