"""Checking a PDF from the GUI: the same ``verification.verify`` as ``inspector
verify-document``, run in a background job, its answer shown in a message box (information
for a genuine document, a warning for anything else)."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from inspector.core.store import Store
from inspector.domain import verification
from inspector.domain.verification import Verdict
from ui import ops
from ui.errors import show_error
from ui.i18n import tr

log = logging.getLogger(__name__)


class DocumentCheck(QObject):
    """One file being checked; ``done`` carries the verdict, ``failed`` the message."""

    done = Signal(object)
    failed = Signal(str)

    def __init__(self, parent: QWidget | None, store: Store, path: Path) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.path = Path(path)
        self.verdict: Verdict | None = None
        self.box: QMessageBox | None = None

        def work(_token: ops.CancelToken, _progress: ops.Progress) -> Verdict:
            worker = store.open_worker()  # made on the job's thread, used only there
            try:
                return verification.verify(worker, self.path)
            finally:
                worker.close()

        self.job = ops.QueryOp(parent, work, on_success=self._finished,
                               on_failure=self._failed).run()

    def _finished(self, verdict: Verdict) -> None:
        self.verdict = verdict
        icon = QMessageBox.Icon.Information if verdict.ok else QMessageBox.Icon.Warning
        self.box = QMessageBox(icon, tr("核验文件", "Check a document"), verdict.headline(),
                               QMessageBox.StandardButton.Ok, self.parent_widget)
        self.box.setObjectName("documentCheckBox")
        self.box.setInformativeText("\n".join(
            line for line in verdict.message().splitlines()[1:]) or str(self.path))
        self.box.setDetailedText(str(self.path))
        self.box.open()
        self.done.emit(verdict)

    def _failed(self, exc: BaseException) -> None:
        message = ops.failure_message(exc)
        self.failed.emit(message)
        show_error(self.parent_widget, message)
