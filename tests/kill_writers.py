"""Writers that a test kills with SIGKILL at random moments (run in forked processes).

Each writer opens the data directory itself, writes in a loop, and reports every write the
moment its transaction committed ("ack"); whatever was acknowledged must survive the kill.
"""

from __future__ import annotations

import itertools
from multiprocessing.connection import Connection
from pathlib import Path

from inspector.core.store import Store


def answers(data_dir: Path, acks: Connection, seed: int) -> None:
    from inspector.domain import inspections

    with Store.open(data_dir, actor="kill-answers") as store:
        draft = store.query("SELECT id FROM inspections WHERE status = 'draft'")[0]["id"]
        codes = ["A01", "A02", "A03", "B01", "B03", "C01", "E01", "E02", "I01", "E05"]
        for n in itertools.count(seed):
            code, answer = codes[n % len(codes)], ("pass", "fail")[n % 2]
            inspections.answer(store, draft, code, answer, note=f"第{n}次")
            acks.send(("answer", code, f"第{n}次"))


def photos(data_dir: Path, acks: Connection, seed: int) -> None:
    from inspector.domain import photos as photo_store
    from tests.photo_helpers import jpeg

    with Store.open(data_dir, actor="kill-photos") as store:
        draft = store.query("SELECT id FROM inspections WHERE status = 'draft'")[0]["id"]
        target = photo_store.target_for_inspection(store, draft)
        scratch = data_dir.parent / f"photos-{seed}"
        scratch.mkdir(exist_ok=True)
        for n in itertools.count(seed * 1000):
            source = jpeg(scratch / f"p{n}.jpg", seed=n, size=(200, 150))
            imported = photo_store.import_photo(store, source, target)
            acks.send(("photo", imported.sha256, ""))


def community_import(data_dir: Path, acks: Connection, seed: int) -> None:
    from inspector.domain import community_import as importer

    with Store.open(data_dir, actor="kill-import") as store:
        for n in itertools.count(seed * 1000):
            path = data_dir.parent / f"list-{n}.csv"
            path.write_text("区县(市),街道,社区,户数\n" + "".join(
                f"海曙区,杀进程街道,社区{n}-{k},{k}\n" for k in range(20)), encoding="utf-8")
            importer.import_file(store, path)
            acks.send(("community", f"社区{n}-19", ""))


def bundle_import(data_dir: Path, acks: Connection, seed: int) -> None:
    from sync import exchange

    with Store.open(data_dir, actor="kill-bundles") as store:
        stick = data_dir.parent / "stick"
        for path in sorted(stick.iterdir()):
            report = exchange.import_bundle(store, path)
            acks.send(("bundle", report.device, str(exchange.have(store, report.device))))


def folder_sync(data_dir: Path, acks: Connection, seed: int) -> None:
    from inspector.domain import findings
    from sync import exchange, folder

    with Store.open(data_dir, actor="kill-sync") as store:
        share = data_dir.parent / "share"
        finding = store.query("SELECT id FROM findings LIMIT 1")[0]["id"]
        for n in itertools.count(seed):
            findings.edit(store, finding, location=f"位置{n}")
            folder.sync(store, share)
            acks.send(("sync", store.device_id, str(exchange.have(store, store.device_id))))


WRITERS = {"answers": answers, "photos": photos, "community_import": community_import,
           "bundle_import": bundle_import, "folder_sync": folder_sync}


def run(kind: str, data_dir: str, acks: Connection, seed: int) -> None:
    WRITERS[kind](Path(data_dir), acks, seed)
