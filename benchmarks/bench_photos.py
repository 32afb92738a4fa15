"""Photo import: ours vs. a naive pipeline vs. the floor, on 12-megapixel JPEGs.

- ours:  inspector.domain.photos.import_photos, the batch import (copy + SHA-256 in one read,
         content check with a 1/8 draft decode, EXIF, the thumbnail from the camera's EXIF
         thumbnail or that draft decode, the copies flushed together, one transaction for the
         rows). The report-size copies are not part of it: they are made in the background
         (``provenance.prepare_report_copies``), timed separately and printed apart;
- naive: the same copy and hash, then a full decode, rotate, resize and save of both copies;
- floor: read + SHA-256 + copy + one draft-mode decode, nothing else.

Each pipeline runs in its own process, so each one's peak memory (max RSS) is its own.
Photos are photo-like (smooth colour fields plus grain), 4000x3000, made once beforehand;
each file differs (a unique JPEG comment), so nothing is deduplicated.

    .venv/bin/python benchmarks/bench_photos.py [--count 100] [--rounds 2] [--no-exif-thumbnail]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
log = logging.getLogger("bench_photos")


def make_photos(folder: Path, count: int, variants: int = 8, *,
                exif_thumbnail: bool = True) -> list[Path]:
    """Camera-like JPEGs: EXIF orientation 1 and, as most cameras embed, a 160x120 EXIF
    thumbnail (unless ``exif_thumbnail`` is False)."""
    import io

    from PIL import Image

    from tests.photo_helpers import with_exif_thumbnail

    bases: list[bytes] = []
    for seed in range(min(variants, count)):
        rng = random.Random(seed)
        small = Image.new("RGB", (250, 188))
        small.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256))
                       for _ in range(250 * 188)])
        picture = small.resize((4000, 3000), Image.Resampling.BICUBIC)
        grain = Image.effect_noise((4000, 3000), 28).convert("RGB")
        path = folder / f"base{seed}.jpg"
        photo = Image.blend(picture, grain, 0.12)
        photo.save(path, "JPEG", quality=90)
        data = path.read_bytes()
        if exif_thumbnail:
            buffer = io.BytesIO()
            photo.resize((160, 120), Image.Resampling.BOX).save(buffer, "JPEG", quality=80)
            data = with_exif_thumbnail(data, buffer.getvalue(), orientation=1)
        bases.append(data)
        path.unlink()
    paths = []
    for index in range(count):
        data = bases[index % len(bases)]
        comment = f"bench photo {index}".encode()
        # a COM segment right after SOI makes every file unique without re-encoding
        unique = data[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + data[2:]
        path = folder / f"IMG_{index:04d}.JPG"
        path.write_bytes(unique)
        paths.append(path)
    return paths


def run_ours(sources: list[Path], work: Path) -> dict[str, object]:
    from collections import Counter

    from inspector.core.store import Store
    from inspector.domain import communities, inspections, photos, provenance, templates
    from inspector.domain.communities import CommunityData

    with Store.open(work / "data", actor="bench") as store:
        templates.ensure_builtin(store)
        community = communities.create(store, CommunityData("海曙区", "南门街道", "基准社区"))
        inspection = inspections.start(store, community, ["bench"])
        target = photos.target_for_inspection(store, inspection)
        started = time.perf_counter()
        result = photos.import_photos(store, sources, target)
        if len(result.imported) != len(sources):
            raise RuntimeError(result.summary())
        imported = time.perf_counter()
        # What the GUI schedules in the background once the photos are in (not in "ours").
        problems = provenance.prepare_report_copies(
            store.data_dir, [(photo.sha256, "jpg") for photo in result.imported])
        if problems:
            raise RuntimeError(f"report copies not made: {problems}")
        return {"import_seconds": imported - started,
                "background_seconds": time.perf_counter() - imported,
                "thumbnails": dict(Counter(str(p.thumbnail) for p in result.imported))}


def _copy_and_hash(source: Path, target: Path) -> str:
    digest = hashlib.sha256()
    with open(source, "rb") as reader, open(target, "wb") as writer:
        while chunk := reader.read(1024 * 1024):
            digest.update(chunk)
            writer.write(chunk)
    return digest.hexdigest()


def run_naive(sources: list[Path], work: Path) -> dict[str, object]:
    from PIL import Image, ImageOps

    out = work / "naive"
    out.mkdir()
    for source in sources:
        sha = _copy_and_hash(source, out / source.name)
        with Image.open(source) as image:
            image.load()  # full 12-megapixel decode
            upright = ImageOps.exif_transpose(image).convert("RGB")
            for size, name in ((1600, "report"), (320, "thumb")):
                copy = upright.copy()
                copy.thumbnail((size, size), Image.Resampling.LANCZOS)
                copy.save(out / f"{sha}-{name}.jpg", "JPEG", quality=85)
    return {}


def run_floor(sources: list[Path], work: Path) -> dict[str, object]:
    from PIL import Image

    out = work / "floor"
    out.mkdir()
    for source in sources:
        _copy_and_hash(source, out / source.name)
        with Image.open(source) as image:
            image.draft("RGB", (image.width // 8, image.height // 8))
            image.load()
    return {}


def peak_mib() -> float:
    """This process's peak resident memory (VmHWM starts afresh at exec, unlike ru_maxrss)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


PIPELINES: dict[str, Callable[[list[Path], Path], dict[str, object]]] = {
    "ours": run_ours, "naive": run_naive, "floor": run_floor}


def child(name: str, folder: Path) -> None:
    sources = sorted(folder.glob("IMG_*.JPG"))
    with tempfile.TemporaryDirectory(dir=folder.parent) as work:
        started = time.perf_counter()
        extra = PIPELINES[name](sources, Path(work)) or {}
        # the background report copies are not the import's time
        elapsed = time.perf_counter() - started - float(
            extra.get("background_seconds", 0.0))  # type: ignore[arg-type]
    sys.stdout.write(json.dumps({"seconds": elapsed, "peak_mib": peak_mib(),
                                 "count": len(sources), **extra}) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--no-exif-thumbnail", action="store_true",
                        help="photos without an EXIF thumbnail (the draft-decode path)")
    parser.add_argument("--rounds", type=int, default=2,
                        help="runs of each pipeline, interleaved; the fastest of each counts")
    parser.add_argument("--child", choices=tuple(PIPELINES))
    parser.add_argument("--folder")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.child:
        child(args.child, Path(args.folder))
        return
    base = Path(tempfile.mkdtemp(prefix="bench-photos-"))
    try:
        folder = base / "card"
        folder.mkdir()
        started = time.perf_counter()
        paths = make_photos(folder, args.count, exif_thumbnail=not args.no_exif_thumbnail)
        size_mb = sum(p.stat().st_size for p in paths) / 1e6
        log.info("made %d photos (%.0f MB) in %.1f s", len(paths), size_mb,
                 time.perf_counter() - started)
        results: dict[str, dict[str, Any]] = {}
        for _round in range(args.rounds):  # interleaved, so a busy spell hits all three
            for name in ("floor", "ours", "naive"):
                done = subprocess.run([sys.executable, __file__, "--child", name, "--folder",
                                       str(folder)], capture_output=True, text=True, check=True)
                result = json.loads(done.stdout.strip().splitlines()[-1])
                log.info("%s: %.1f s", name, result["seconds"])
                if name not in results or result["seconds"] < results[name]["seconds"]:
                    results[name] = result
    finally:
        shutil.rmtree(base, ignore_errors=True)
    rate = {name: r["count"] / r["seconds"] for name, r in results.items()}
    lines = [f"\n{args.count} photos of 4000x3000 (12 MP), {size_mb / args.count:.1f} MB each"
             f" (best of {args.rounds} interleaved rounds)",
             f"{'pipeline':<8} {'photos/s':>9} {'seconds':>8} {'peak MiB':>9}"]
    for name in ("ours", "naive", "floor"):
        lines.append(f"{name:<8} {rate[name]:9.2f} {results[name]['seconds']:8.1f} "
                     f"{results[name]['peak_mib']:9.0f}")
    lines.append(f"ours / naive  {rate['ours'] / rate['naive']:6.2f}x  (higher is better)")
    lines.append(f"ours / floor  {rate['ours'] / rate['floor']:6.2f}x  (1.0 would be the limit)")
    ours = results["ours"]
    lines.append(f"ours: {ours['import_seconds']:.1f} s importing (store set up before: "
                 f"{ours['seconds'] - ours['import_seconds']:.1f} s); thumbnails from "
                 f"{ours['thumbnails']}; report copies afterwards, in the background: "
                 f"{ours['background_seconds']:.1f} s")
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
