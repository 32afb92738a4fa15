"""Kill -9 a writer at random moments: every acknowledged write survives, the file is sound."""

from __future__ import annotations

import os
import random
import select
import signal
import subprocess
import sys
from pathlib import Path

from inspector.core.store import Store

WRITER = Path(__file__).with_name("crash_writer.py")
ROUNDS = 20


def _read_acks(process: subprocess.Popen[bytes], wanted: int) -> list[int]:
    """Read acknowledgements until ``wanted`` more arrived (the kill comes at a random one)."""
    assert process.stdout is not None
    acked: list[int] = []
    buffer = b""
    while len(acked) < wanted:
        ready, _, _ = select.select([process.stdout], [], [], 30)
        assert ready, "writer stopped answering"
        chunk = os.read(process.stdout.fileno(), 4096)
        if not chunk:
            break
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        acked += [int(line.split()[1]) for line in lines if line.startswith(b"ack ")]
    return acked


def test_acknowledged_writes_survive_sigkill(data_dir: Path) -> None:
    rng = random.Random(7)
    Store.open(data_dir).close()
    acknowledged: list[int] = []
    next_number = 0
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    for _ in range(ROUNDS):
        with subprocess.Popen([sys.executable, str(WRITER), str(data_dir), str(next_number)],
                              stdout=subprocess.PIPE, env=env) as process:
            acks = _read_acks(process, rng.randint(1, 60))
            process.send_signal(signal.SIGKILL)
            # whatever was in the pipe when it died was acknowledged too
            assert process.stdout is not None
            rest = process.stdout.read()
            acks += [int(line.split()[1]) for line in rest.split(b"\n")
                     if line.startswith(b"ack ")]
            process.wait()
        acknowledged += acks
        next_number = (max(acks) + 2) if acks else next_number + 1

    with Store.open(data_dir) as store:  # the killed writers' locks never block
        assert store.db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {row["households"] for row in store.query("SELECT households FROM communities")}
        logged = store.query_one("SELECT COUNT(*) AS n FROM changes WHERE reg = 'place'")
    missing = sorted(set(acknowledged) - stored)
    assert not missing, f"acknowledged but lost: {missing[:10]}"
    assert len(acknowledged) >= ROUNDS
    # every stored row has its change-log entry: row and log commit together
    assert logged is not None and logged["n"] == len(stored)
