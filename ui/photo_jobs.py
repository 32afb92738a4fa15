"""Photo work off the GUI thread: staged imports and derived copies, told back on the GUI thread.

An import is split where the threads split: a ``QueryOp`` stages every file (copy, hash,
decode, EXIF: ``photos.stage``, plain file work); back on the GUI thread
``photos.import_staged`` moves each staged file into place and writes its rows with the GUI
thread's Store. A cancelled or failed batch stores nothing and leaves no staged file behind.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import QProgressDialog, QWidget

from inspector.core.errors import InspectorError
from inspector.core.store import Store
from inspector.domain import photos
from inspector.domain.photos import BatchResult, StagedPhoto, Target
from ui import ops
from ui.i18n import tr

ProgressFn = Callable[[int, int], None]


@dataclass(frozen=True)
class ImportItem:
    source: Path
    target: Target
    kind: str | None = None
    origin: str | None = None  # photos.CARD for a camera-card import (re-runs move links)


class PhotoImport:
    """Import files for their targets: staged in a QueryOp, stored on the GUI thread.

    ``on_done`` gets the ``BatchResult`` (files in the order given; a bad file is listed with
    its reason and the others are kept). ``cleanup`` files (temporary copies made for the
    import, e.g. a pasted image) are deleted when the import has ended either way. Not a
    QObject: the op carries the thread's signals, so nothing here needs deleting with care.
    """

    def __init__(self, store: Store, items: list[ImportItem], parent: QWidget, *,
                 cleanup: list[Path] | None = None,
                 on_done: Callable[[BatchResult], object] | None = None) -> None:
        self.store = store
        self.items = list(items)
        self.cleanup = list(cleanup or [])
        self._widget = parent
        self._on_done = on_done
        self._staged: list[tuple[int, StagedPhoto]] = []  # filled by the op's thread
        self.result: BatchResult | None = None
        self.op: ops.QueryOp[list[tuple[int, str]]] | None = None

    @property
    def progress_dialog(self) -> QProgressDialog | None:
        return self.op.dialog if self.op is not None else None

    def start(self) -> ops.QueryOp[list[tuple[int, str]]]:
        data_dir = self.store.data_dir
        sources = [item.source for item in self.items]
        staged = self._staged

        def work(token: ops.CancelToken, progress: ProgressFn) -> list[tuple[int, str]]:
            failures: list[tuple[int, str]] = []
            for index, source in enumerate(sources):
                token.check()
                progress(index, len(sources))
                try:
                    staged.append((index, photos.stage(data_dir, source)))
                except photos.PhotoError as exc:
                    failures.append((index, exc.reason))
                except OSError as exc:
                    failures.append((index, str(exc.strerror or exc)))
            progress(len(sources), len(sources))
            return failures

        title = tr("正在导入 {n} 张照片…", "Importing {n} photos…", n=len(sources))
        self.op = ops.QueryOp(self._widget, work, on_success=self._store_all,
                              on_failure=ops.told(self._failed), on_cancelled=self._cancelled)
        return self.op.with_progress(title).run()

    def _discard_staged(self) -> None:
        for _index, staged in self._staged:
            staged.temporary.unlink(missing_ok=True)
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

    def _store_all(self, failures: list[tuple[int, str]]) -> None:
        reasons = dict(failures)
        staged = dict(self._staged)
        self._staged.clear()
        result = BatchResult()
        for index, item in enumerate(self.items):
            if index in reasons:
                result.failed.append((item.source, reasons[index]))
                continue
            one = staged.get(index)
            if one is None:
                continue
            try:
                result.imported.append(photos.import_staged(self.store, one, item.target,
                                                            kind=item.kind,
                                                            origin=item.origin))
            except photos.PhotoError as exc:
                result.failed.append((item.source, exc.reason))
            except InspectorError as exc:  # e.g. the inspection was submitted meanwhile
                result.failed.append((item.source, str(exc)))
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
