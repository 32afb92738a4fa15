"""A findings report with 100 phone-size photos: what checking the evidence costs.

Before a photo is placed, its report copy must be proven made from its intact original
(``inspector.domain.provenance``); the report is then sealed (facts attached, file
registered). This script builds the same 100-photo report

- with the checks (proofs present: the usual case, a report made again),
- with copies made elsewhere (at import, for the screen: no proofs yet, originals hashed),
- with the checks replaced by the old lookup (``derived.ensure``, no hashing),
- and also without registering the file (page digests and SHA-256): today's pipeline,

and prints the times and the ratios. Run it against an older checkout
(``PYTHONPATH=<checkout> python benchmarks/bench_report_photos.py``) to time that version's
report the same way: it then prints the times of the one pipeline it has.

    python benchmarks/bench_report_photos.py [--photos 100] [--rounds 3]
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from PIL import Image


def phone_jpeg(width: int = 4000, height: int = 3000) -> bytes:
    """A 12-megapixel photo-like JPEG (smooth shapes plus grain), about 3-5 MB."""
    rng = random.Random(7)
    small = Image.new("RGB", (width // 16, height // 16))
    small.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256))
                   for _ in range((width // 16) * (height // 16))])
    image = small.resize((width, height), Image.Resampling.BICUBIC)
    noise = Image.effect_noise((width, height), 24).convert("RGB")
    buffer = io.BytesIO()
    Image.blend(image, noise, 0.15).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def timed(action: object, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)  # the least disturbed round: other work on the machine only adds


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    from inspector.core.clock import SetClock
    from inspector.core.store import Store
    from inspector.domain import communities, findings, inspections, photos, templates
    from inspector.domain.communities import CommunityData
    from inspector.reports import findings_report, layout

    checked = hasattr(layout.PhotoPlacer, "_check")  # this checkout proves its copies
    moment = datetime(2026, 11, 29, 9, 30, tzinfo=timezone(timedelta(hours=8)))
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        base = phone_jpeg()
        with Store.open(folder / "data", actor="bench",
                        wall=SetClock(moment, timedelta(milliseconds=1))) as store:
            templates.ensure_builtin(store)
            communities.create(store, CommunityData("海曙区", "南门街道", "柳西社区"))
            inspection = inspections.start(store, "柳西社区", ["王建国"])
            made = [findings.add(store, inspection, category="corridor_clutter",
                                 description=f"楼道堆物{n}") for n in range(args.photos // 2)]
            for index in range(args.photos):
                source = folder / f"IMG_{index:04d}.jpg"
                source.write_bytes(base + index.to_bytes(4, "big"))  # distinct bytes
                photos.import_photo(store, source, photos.target_for_finding(
                    store, made[index % len(made)]))
            size = sum(p.stat().st_size for p in (folder / "data" / "photos").rglob("*.jpg"))

            def build() -> None:
                findings_report.build(store, inspection, folder / "report.pdf")

            first = timed(build, 1)  # report copies made (with proofs where checked)
            say(f"{args.photos} photos, originals {size / 1e6:.0f} MB in all")
            say(f"first report (copies made):           {first:6.2f} s")
            if not checked:
                say(f"report again (copies cached):         {timed(build, args.rounds):6.2f} s")
                return 0

            from inspector.domain import derived, documents

            def old_lookup(self: layout.PhotoPlacer, row: dict[str, object]
                           ) -> tuple[Path | None, str | None, str | None, str | None]:
                copy = derived.ensure(self.store.data_dir, str(row["id"]), str(row["ext"]),
                                      derived.REPORT, row.get("annotations"))  # type: ignore
                return copy, None, None, None

            checking, sealing = layout.PhotoPlacer._check, documents.seal_file

            def unchecked() -> None:
                layout.PhotoPlacer._check = old_lookup  # type: ignore[method-assign]
                try:
                    build()
                finally:
                    layout.PhotoPlacer._check = checking  # type: ignore[method-assign]

            def bare() -> None:
                documents.seal_file = lambda *_args: ""  # type: ignore[assignment]
                try:
                    unchecked()
                finally:
                    documents.seal_file = sealing

            # Rounds alternate between the pipelines, so the machine's ups and downs fall
            # on all of them alike; each keeps its best round.
            best = {name: float("inf") for name in ("checked", "unchecked", "bare")}
            for _ in range(args.rounds):
                for name, action in (("checked", build), ("unchecked", unchecked),
                                     ("bare", bare)):
                    best[name] = min(best[name], timed(action, 1))
            say(f"report again (copies cached):         {best['checked']:6.2f} s")
            say(f"  ... copies not checked:             {best['unchecked']:6.2f} s")
            say(f"  ... nor the file registered:        {best['bare']:6.2f} s "
                "(today's pipeline)")
            say(f"ratio checked / not checked:          {best['checked'] / best['unchecked']:6.2f}")
            say(f"ratio checked and registered / bare:  {best['checked'] / best['bare']:6.2f}")
            for proof in (folder / "data" / "cache").rglob("*.proof.json"):
                proof.unlink()
            say(f"copies made elsewhere (no proofs):    {timed(build, 1):6.2f} s "
                "(made at import or for the screen: originals hashed, copies kept)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
