"""HEIC import: one full decode for the checks and both derived copies vs. two decodes.

HEVC has no scaled decoding (JPEG's draft mode), so a phone's HEIC is decoded whole. Before,
the import decoded it to prove it whole and the thumbnail/report copies decoded it again;
now the import's decode makes the copies too (``photos.stage`` → ``derived.from_decoded``).

- two decodes: ``inspect_file`` without the hand-over, then ``derived.ensure_all``;
- one decode:  ``photos.stage`` (which makes the copies), then ``derived.ensure_all`` (finds
               them made).

    .venv/bin/python benchmarks/bench_heic.py [--runs 7] [--file tests/data/photos/….HEIC]
"""

from __future__ import annotations

import argparse
import logging
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
log = logging.getLogger("bench_heic")


def timed(runs: int, work: Callable[[Path], None]) -> float:
    results = []
    for _ in range(runs):
        folder = Path(tempfile.mkdtemp(prefix="bench-heic-"))
        try:
            start = time.perf_counter()
            work(folder)
            results.append(time.perf_counter() - start)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return statistics.median(results)


def main() -> None:
    from inspector.domain import derived, photos

    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--file", type=Path,
                        default=ROOT / "tests" / "data" / "photos" / "heic_IMG_5195.HEIC")
    args = parser.parse_args()
    source: Path = args.file

    def two_decodes(folder: Path) -> None:
        staged_copy = folder / "photo.heic"
        shutil.copyfile(source, staged_copy)
        photos.inspect_file(staged_copy)  # the check, its decode thrown away
        sha = "0" * 64
        original = photos.original_path(folder, sha, "heic")
        original.parent.mkdir(parents=True)
        shutil.copyfile(source, original)
        derived.ensure_all(folder, sha, "heic")  # decoded again for the copies

    def one_decode(folder: Path) -> None:
        staged = photos.stage(folder, source)
        photos.place(folder, staged)
        derived.ensure_all(folder, staged.sha256, "heic")

    before = timed(args.runs, two_decodes)
    after = timed(args.runs, one_decode)
    log.info("%s: import + thumbnail + report copy, median of %d runs", source.name, args.runs)
    log.info("  two decodes: %.3f s", before)
    log.info("  one decode:  %.3f s  (%.2fx as fast)", after, before / after)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    main()
