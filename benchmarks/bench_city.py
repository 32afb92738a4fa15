"""A city-year without a stall: the GUI thread's longest event-loop gap on the synthetic city.

Builds the city-year once (``inspector demo --scale city``: 1,600 communities, 3,200
inspections, 8,000 findings, 8,000 photos) into a cache folder, copies it to a scratch
folder, starts the main window offscreen and runs a 2 ms QTimer probe on the GUI thread.
For each step it prints the longest gap between two probe ticks (how long the GUI could not
answer) while:

- the window is made and the community browser loads,
- an inspection (a new draft, started on the domain beforehand) opens,
- 20 answers are keyed into its checklist,
- a finding is added through the finding dialog,
- a search is typed into the browser,
- a sync of 10 changes runs: the sync dialog (opened from the main window) syncs with a
  folder holding a bundle of 10 changes from a second device (this device's own changes were
  exported to it beforehand, unmeasured), and the window shows what it applied,
- a photo batch of 20 finishes: 20 generated 12 MP camera-like JPEGs imported through the
  inspection's photo strip (staged, written on the writer thread, thumbnails shown, report
  copies made in the background).

Then the peak RSS of the process (``resource.getrusage``). The last line is exactly
``city-year: longest GUI stall N ms, peak RSS M MB``.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_city.py \\
        [--scale city|district] [--cache /tmp/inspector-bench-city]

``--scale district`` builds a tenth of the city (160 communities) when a quick look is enough.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia*=false")
log = logging.getLogger("bench_city")

SMALL = ("from pathlib import Path; import sys\n"
         "from inspector.core.store import Store\n"
         "from inspector.ops import city\n"
         "with Store.open(Path(sys.argv[1]), actor='演示') as store:\n"
         "    city.fill(store, city.Scale(communities=160, findings=800, photos=800))\n")


def build(cache: Path, scale: str) -> Path:
    """The cached city-year for ``scale``, built when missing (about a minute for the city)."""
    data = cache / scale / "data"
    done = cache / scale / "complete"
    if done.exists():
        log.info("reusing %s", data)
        return data
    shutil.rmtree(data, ignore_errors=True)
    data.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if scale == "city":
        command = [sys.executable, "-m", "inspector.cli", "--data-dir", str(data), "demo",
                   "--scale", "city"]
    else:
        command = [sys.executable, "-c", SMALL, str(data)]
    subprocess.run(command, check=True, cwd=ROOT, capture_output=True)
    done.touch()
    log.info("built the %s in %.0f s: %s", scale, time.perf_counter() - started, data)
    return data


class Probe:
    """A 2 ms timer on the GUI thread: the longest gap between its ticks is the worst stall."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(2)
        self.timer.timeout.connect(self.tick)
        self.last = time.perf_counter()
        self.longest = 0.0
        self.timer.start()

    def tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self.last)
        self.last = now

    def reset(self) -> None:
        self.last = time.perf_counter()
        self.longest = 0.0


VISIBLE: dict[str, float] = {}  # step → ms from its last action to its result on screen
LAST_ACTION: list[float] = [0.0]  # when ``in_turns`` ran its latest action


def run_step(probe: Probe, action: Callable[[], object], done: Callable[[], bool],
             settle_s: float = 0.3, timeout_s: float = 300, *, name: str = "",
             visible: Callable[[], bool] | None = None) -> float:
    """Run ``action`` from the event loop, then keep the loop running until ``done()`` and
    ``settle_s`` more (work the step left for later counts too); the longest gap, in ms.
    Notes in ``VISIBLE[name]`` when ``visible()`` (else ``done()``) first held, in ms from
    the step's last action (a key typed by ``in_turns``, else the action itself)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    state = {"done_at": None}  # type: dict[str, float | None]
    started = LAST_ACTION[0] = time.perf_counter()
    shown = visible or done

    def check() -> None:
        now = time.perf_counter()
        if name not in VISIBLE and shown():
            VISIBLE[name] = (now - LAST_ACTION[0]) * 1000
        if state["done_at"] is None and done():
            state["done_at"] = now
        done_at = state["done_at"]
        if (done_at is not None and now - done_at >= settle_s) or now - started > timeout_s:
            loop.quit()

    poll = QTimer()
    poll.setInterval(1)
    poll.timeout.connect(check)
    probe.reset()
    QTimer.singleShot(0, action)
    poll.start()
    loop.exec()
    poll.stop()
    if state["done_at"] is None:
        raise RuntimeError("the step did not finish in time")
    return probe.longest * 1000


def in_turns(actions: list[Callable[[], object]], interval_ms: int = 40) -> Callable[[], None]:
    """One action per event-loop turn, ``interval_ms`` apart: keys as a person types them, so
    a gap is the handling of one key, not of a whole burst."""
    from PySide6.QtCore import QTimer

    def run(index: int = 0) -> None:
        LAST_ACTION[0] = time.perf_counter()
        actions[index]()
        if index + 1 < len(actions):
            QTimer.singleShot(interval_ms, lambda: run(index + 1))

    return run


def answer_keys(editor: object, count: int, keyed: list[str]) -> list[Callable[[], object]]:
    """Answer ``count`` yes/no items by keyboard, as an inspector would: select, press 1."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    tree = editor.tree  # type: ignore[attr-defined]
    codes = [code for code, item in tree.items.items()
             if item.answer_type != "choice" and not item.numeric][:count]

    def answer(code: str) -> None:
        editor.select_item(code)  # type: ignore[attr-defined]
        QTest.keyClick(tree, Qt.Key.Key_1)
        keyed.append(code)

    return [lambda code=code: answer(code) for code in codes]


def type_keys(widget: Callable[[], object], text: str) -> list[Callable[[], object]]:
    """One action per character, sent as an input method commits it."""
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    def press(character: str) -> None:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier,
                              character)
            QApplication.sendEvent(widget(), event)  # type: ignore[arg-type]

    return [lambda c=character: press(c) for character in text]


def make_photos(folder: Path, count: int) -> list[Path]:
    """``count`` camera-like 12 MP JPEGs (``bench_photos.make_photos``)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_photos import make_photos as camera_photos

    folder.mkdir(parents=True, exist_ok=True)
    return camera_photos(folder, count, variants=4)


def prepare_sync(store: object, scratch: Path, changes: int = 10) -> Path:
    """A sync folder holding this device's changes (exported now, so the measured sync does
    not write the whole city) and a bundle of ``changes`` changes from a second device that
    this one trusts."""
    from inspector.core.store import Store
    from inspector.domain import communities
    from inspector.domain.communities import CommunityData
    from sync import exchange, folder, roster

    assert isinstance(store, Store)
    shared = scratch / "shared"
    shared.mkdir()
    started = time.perf_counter()
    folder.sync(store, shared)
    log.info("exported this device's changes in %.0f s", time.perf_counter() - started)
    other = Store.open(scratch / "device-b", actor="陈晓燕")
    try:
        roster.ensure_self(other)
        number = 0
        while exchange.have(other, other.device_id) < changes:
            number += 1
            communities.create(other, CommunityData("海曙区", "南门街道", f"同步测试社区{number}"))
        outgoing = scratch / "device-b-out"
        outgoing.mkdir()
        folder.sync(other, outgoing)
        shutil.copytree(outgoing / folder.ROOT / other.device_id,
                        shared / folder.ROOT / other.device_id)
        with store.write():
            roster.trust_key(store, other.device_id, roster.device_key(other).public_hex())
    finally:
        other.close()
    return shared


def prepare(data_dir: Path, scratch: Path) -> None:
    """In a child process: the sync folder (``scratch/shared``) and 20 camera files
    (``scratch/camera``)."""
    from inspector.core.store import Store

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    store = Store.open(data_dir, actor="王建国")
    try:
        prepare_sync(store, scratch)
    finally:
        store.close()
    make_photos(scratch / "camera", 20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=("city", "district"), default="city")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir())
                        / "inspector-bench-city")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("inspector.domain.photos").setLevel(logging.WARNING)  # a line a photo
    cached = build(args.cache, args.scale)

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QLineEdit, QPlainTextEdit

    from inspector.core.store import Store
    from inspector.domain import inspections

    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(scratch) / "data"
        shutil.copytree(cached, data_dir, ignore=shutil.ignore_patterns("inspector.lock"))
        os.environ["INSPECTOR_SETTINGS"] = str(Path(scratch) / "settings.ini")
        app = QApplication.instance() or QApplication(sys.argv[:1])
        from PySide6.QtCore import QTimer

        from ui import ops
        from ui.main_window import MainWindow
        from ui.settings import Settings

        # The sync folder and the camera files are made in a child process, so the peak RSS
        # below is the GUI's, not that of exporting the city or painting 12 MP pictures.
        child = multiprocessing.get_context("spawn").Process(
            target=prepare, args=(data_dir, Path(scratch)))
        child.start()
        child.join()
        if child.exitcode != 0:
            raise RuntimeError("preparing the sync folder and photos failed")
        store = Store.open(data_dir, actor="王建国")
        counts = store.query_one("SELECT (SELECT COUNT(*) FROM communities) AS c, "
                                 "(SELECT COUNT(*) FROM inspections) AS i, "
                                 "(SELECT COUNT(*) FROM findings) AS f, "
                                 "(SELECT COUNT(*) FROM photos) AS p")
        assert counts is not None
        log.info("%s: %d communities, %d inspections, %d findings, %d photos", args.scale,
                 counts["c"], counts["i"], counts["f"], counts["p"])
        shared = Path(scratch) / "shared"
        photo_files = sorted((Path(scratch) / "camera").glob("IMG_*.JPG"))
        probe = Probe()
        gaps: dict[str, float] = {}
        made: dict[str, MainWindow] = {}

        def make_window() -> None:
            # As the app starts (ui/app.py): the frame is shown, then the rest is built one
            # step per event-loop turn.
            window = MainWindow(None, Settings(), data_dir=data_dir)
            window.resize(1400, 860)
            window.show()
            steps = window.build_steps(store)

            def next_step() -> None:
                steps.pop(0)()
                if steps:
                    QTimer.singleShot(0, window, next_step)
                else:
                    made["window"] = window

            QTimer.singleShot(0, window, next_step)

        def browser_loaded() -> bool:
            window = made.get("window")
            return window is not None and window.browser.community_count() > 0 \
                and not window.browser.is_loading

        gaps["window and browser load"] = run_step(probe, make_window, browser_loaded,
                                                   name="window and browser load")
        window = made["window"]

        community = store.query_one("SELECT id, name FROM communities ORDER BY name LIMIT 1 "
                                    "OFFSET ?", [min(700, counts["c"] // 2)])
        assert community is not None
        draft = inspections.start(store, str(community["id"]), ["王建国", "陈晓燕"])
        gaps["open an inspection"] = run_step(
            probe, lambda: window.open_inspection(draft),
            lambda: window._editor is not None and window.editor.isVisible(),  # noqa: SLF001
            name="open an inspection")
        editor = window.editor

        keyed: list[str] = []
        gaps["key 20 answers"] = run_step(probe, in_turns(answer_keys(editor, 20, keyed)),
                                          lambda: len(keyed) == 20, name="key 20 answers")
        answered = inspections.answers_of(store, draft)
        assert all(code in answered for code in keyed), "the answers were not stored"

        state: dict[str, bool] = {}

        def open_dialog() -> None:
            editor.select_item(keyed[0])
            window.add_finding()

        def field(kind: type, name: str) -> object:
            dialog = editor.findings.dialog
            assert dialog is not None
            found = dialog.findChild(kind, name)
            assert found is not None
            return found

        def save() -> None:
            QTest.keyClick(field(QLineEdit, "location"), Qt.Key.Key_Return)  # default: save
            state["added"] = True

        finding_actions = [
            open_dialog,
            *type_keys(lambda: field(QPlainTextEdit, "description"), "3幢楼道堆放纸箱，影响通行"),
            *type_keys(lambda: field(QLineEdit, "location"), "3幢2单元"),
            save]
        add_finding = in_turns(finding_actions)

        before = len(store.query("SELECT id FROM findings WHERE inspection_id = ?", [draft]))
        gaps["add a finding"] = run_step(
            probe, add_finding,
            lambda: state.get("added", False) and len(store.query(
                "SELECT id FROM findings WHERE inspection_id = ?", [draft])) == before + 1,
            name="add a finding")

        name = str(community["name"])
        query = name[: max(2, len(name) // 2)]

        search_actions = [window.focus_search, *type_keys(lambda: window.browser.search, query),
                          lambda: state.update(searched=True)]
        gaps["search"] = run_step(probe, in_turns(search_actions),
                                  lambda: state.get("searched", False), name="search")
        log.info("search %r shows %d rows", query, window.browser.proxy.rowCount())

        synced: dict[str, object] = {}

        def sync() -> None:
            dialog = window.open_sync()
            synced["dialog"] = dialog
            assert dialog.set_folder(shared)
            synced["op"] = dialog.sync_now()

        def sync_done() -> bool:
            dialog = synced.get("dialog")
            return dialog is not None and not dialog.running \
                and not window.browser.is_loading  # type: ignore[attr-defined]

        gaps["sync of 10 changes"] = run_step(probe, sync, sync_done, settle_s=1.0,
                                              name="sync of 10 changes")
        dialog = synced["dialog"]
        report = dialog.report  # type: ignore[attr-defined]
        assert report is not None and report.changes_applied == 10, report
        log.info("sync applied %d changes from %d bundles", report.changes_applied,
                 report.bundles_read)
        dialog.close()  # type: ignore[attr-defined]

        strip = editor.photo_strip
        batches: list[object] = []

        def photo_batch() -> None:
            batches.append(strip.import_files(photo_files))

        def batch_done() -> bool:
            batch = batches[0] if batches else None
            copies = getattr(batch, "copies_op", None)
            return batch is not None and batch.result is not None \
                and strip.thumbnails_loaded() and (copies is None or copies.finished)

        started = time.perf_counter()
        thumbnails_at: list[float] = []

        def files_shown() -> bool:  # the drop answered: the 20 files in the strip
            batch = batches[0] if batches else None
            if batch is not None and batch.result is not None and strip.thumbnails_loaded() \
                    and not thumbnails_at:
                thumbnails_at.append(time.perf_counter())
            return strip.arriving_count() >= len(photo_files) or bool(thumbnails_at)

        def all_done() -> bool:
            files_shown()
            return batch_done()

        gaps["photo batch of 20"] = run_step(probe, photo_batch, all_done, settle_s=1.0,
                                             name="photo batch of 20", visible=files_shown)
        result = batches[0].result  # type: ignore[attr-defined]
        log.info("photo batch: %d imported, %d failed, thumbnails after %.2f s, %.1f s with "
                 "report copies", len(result.imported), len(result.failed),
                 thumbnails_at[0] - started if thumbnails_at else float("nan"),
                 time.perf_counter() - started - 1.0)
        assert len(result.imported) == 20 and strip.list.count() >= 20

        window.close()
        ops.stop_all()
        store.close()
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        width = max(len(step) for step in gaps)
        for step, gap in gaps.items():
            log.info("%-*s  longest gap %6.0f ms   result shown after %6.0f ms", width, step,
                     gap, VISIBLE.get(step, float("nan")))
        del app
    sys.stdout.write(f"city-year: longest GUI stall {max(gaps.values()):.0f} ms, "
                     f"peak RSS {peak_mb:.0f} MB\n")


if __name__ == "__main__":
    main()
