"""Photo work off the GUI thread: batch imports and derived copies, told back on the GUI thread.

An import is split where the threads split (``photos.stage_all`` + ``photos.import_all``):

1. a ``QueryOp`` stages every file (copy, hash, one decode, the thumbnail, EXIF; each copy
   flushed in the background while the next is read) — plain file work, cancellable;
2. a ``CollectionOp`` on the one writer thread moves the staged files into place, flushes
   their folders once, and writes all their rows in one transaction, on its own connection
   (``Store.open_worker``) — never on the GUI thread;
3. a background ``QueryOp`` then makes the report copies the import left out
   (``provenance.prepare_report_copies``); a report makes whatever is still missing itself.

The owner refreshes from the ``Changes`` the import returns (``BatchResult.changes``). A
cancelled or failed batch stores nothing and leaves no staged file behind.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import QProgressDialog, QWidget

from inspector.core.store import Store
from inspector.domain import photos, provenance
from inspector.domain.photos import BatchResult, ImportedPhoto, StagedPhoto, Target
from ui import ops
from ui.i18n import tr

ProgressFn = Callable[[int, int], None]
Staged = list[tuple[int, StagedPhoto]]


@dataclass(frozen=True)
class ImportItem:
    source: Path
    target: Target
    kind: str | None = None
    origin: str | None = None  # photos.CARD for a camera-card import (re-runs move links)


def prepare_copies(data_dir: Path, imported: list[ImportedPhoto]
                   ) -> ops.QueryOp[dict[str, str]] | None:
    """Make the report copies of just-imported photos in the background (no owner: closing
    the widget that imported them does not stop it; the app's exit does)."""
    wanted = list(dict.fromkeys((one.sha256, one.path.suffix.lstrip(".").lower())
                                for one in imported))
    if not wanted:
        return None

    def work(token: ops.CancelToken, _progress: ProgressFn) -> dict[str, str]:
        return provenance.prepare_report_copies(data_dir, wanted, cancelled=token)

    return ops.QueryOp(None, work, on_failure=lambda _exc: None).run()


class PhotoImport:
    """Import files for their targets: staged in a QueryOp, stored by a CollectionOp.

    ``on_done`` gets the ``BatchResult`` (files in the order given; a bad file is listed with
    its reason and the others are kept; ``changes`` names the rows written). ``cleanup``
    files (temporary copies made for the import, e.g. a pasted image) are deleted when the
    import has ended either way. Not a QObject: the ops carry the threads' signals, so
    nothing here needs deleting with care.
    """

    def __init__(self, store: Store, items: list[ImportItem], parent: QWidget, *,
                 cleanup: list[Path] | None = None,
                 on_done: Callable[[BatchResult], object] | None = None) -> None:
        self.store = store
        self.items = list(items)
        self.cleanup = list(cleanup or [])
        self._widget = parent
        self._on_done = on_done
        self._staged: Staged = []  # filled by the staging thread, emptied by whoever ends
        self._failures: dict[int, str] = {}
        self.result: BatchResult | None = None
        self.op: ops.QueryOp[dict[int, str]] | None = None
        self.write_op: ops.CollectionOp[list[ImportedPhoto | str]] | None = None
        self.copies_op: ops.QueryOp[dict[str, str]] | None = None

    @property
    def progress_dialog(self) -> QProgressDialog | None:
        return self.op.dialog if self.op is not None else None

    def start(self) -> ops.QueryOp[dict[int, str]]:
        data_dir = self.store.data_dir
        sources = [item.source for item in self.items]
        staged = self._staged

        def work(token: ops.CancelToken, progress: ProgressFn) -> dict[int, str]:
            done, failed = photos.stage_all(data_dir, sources, progress=progress,
                                            cancelled=token)
            staged.extend(done)  # before the check: a cancelled batch discards them
            token.check()
            progress(len(sources), len(sources))
            return failed

        title = tr("正在导入 {n} 张照片…", "Importing {n} photos…", n=len(sources))
        self.op = ops.QueryOp(self._widget, work, on_success=self._write,
                              on_failure=ops.told(self._failed), on_cancelled=self._cancelled)
        return self.op.with_progress(title).run()

    def store_staged(self, staged: list[StagedPhoto]) -> None:
        """Write files staged earlier (a new finding's draft photos, one per item, in order):
        the writer's part only."""
        assert len(staged) == len(self.items)
        self._staged = list(enumerate(staged))
        self._write({})

    def cancel(self) -> None:
        """Stop the batch while it is being read: nothing is stored."""
        if self.op is not None:
            self.op.cancel()

    def _discard_staged(self) -> None:
        photos.discard(one for _index, one in self._staged)
        self._staged.clear()

    def _end(self, result: BatchResult) -> None:
        for path in self.cleanup:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        self.result = result
        if self._on_done is not None:
            self._on_done(result)

    def _write(self, failures: dict[int, str]) -> None:
        """The files are staged: write them on the writer thread, with its own connection."""
        self._failures = dict(failures)
        staged, self._staged = list(self._staged), []
        if not staged:
            self._stored([])
            return
        self._staged = staged  # until the writer has them (a cancel before it starts)
        pending = [photos.Pending(one, self.items[index].target, self.items[index].kind,
                                  origin=self.items[index].origin) for index, one in staged]
        store = self.store
        stage_token = self.op.token if self.op is not None else ops.CancelToken()

        def work(_token: ops.CancelToken, _progress: ProgressFn) -> list[ImportedPhoto | str]:
            # Once it starts the batch is written whole: only a cancel before that counts.
            if stage_token.cancelled:
                photos.discard(item.staged for item in pending)
                raise ops.Cancelled
            worker = store.open_worker()
            try:
                return photos.import_all(worker, pending)
            finally:
                worker.close()

        self.write_op = ops.CollectionOp(self._widget, work, on_success=self._stored,
                                         on_failure=ops.told(self._failed),
                                         on_cancelled=self._cancelled)
        self.write_op.run()

    def _stored(self, outcomes: list[ImportedPhoto | str]) -> None:
        staged, self._staged = self._staged, []
        by_index = dict(zip((index for index, _one in staged), outcomes, strict=True))
        result = BatchResult()
        for index, item in enumerate(self.items):
            outcome = by_index.get(index)
            if isinstance(outcome, ImportedPhoto):
                result.imported.append(outcome)
            elif outcome is not None:
                result.failed.append((item.source, outcome))
            elif index in self._failures:
                result.failed.append((item.source, self._failures[index]))
        self.copies_op = prepare_copies(self.store.data_dir, result.imported)
        self._end(result)

    def _failed(self, message: str) -> None:
        """The job itself broke: every file is reported with that reason (by the owner)."""
        self._discard_staged()
        self._end(BatchResult(failed=[(item.source, message) for item in self.items]))

    def _cancelled(self) -> None:
        self._discard_staged()
        self._end(BatchResult())


def failure_message(result: BatchResult) -> str:
    """One message naming every file that could not be imported, and why."""
    lines = [tr("已导入 {n} 张照片，{f} 个文件未能导入：",
                "{n} photos imported; {f} files could not be imported:",
                n=len(result.imported), f=len(result.failed))]
    lines += [tr("• {name}：{reason}", "• {name}: {reason}", name=path.name, reason=reason)
              for path, reason in result.failed]
    return "\n".join(lines)
