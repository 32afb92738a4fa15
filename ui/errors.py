"""Errors reach the user as a clear message, never as a traceback.

- ``show_error`` opens a non-blocking message box (window-modal) with the domain's message.
- ``guarded`` wraps a user action: an ``InspectorError`` becomes a message box.
- ``install_excepthook`` logs any other uncaught exception to ``errors.log`` in the data
  directory and tells the user once per session.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtWidgets import QWidget

from inspector.core.errors import InspectorError
from ui.i18n import tr

if TYPE_CHECKING:  # message boxes are made when needed, not for the first window
    from PySide6.QtWidgets import QMessageBox

log = logging.getLogger(__name__)
T = TypeVar("T")

# Tests replace this to see messages without dialogs; the app keeps the last box alive.
shown_messages: list[str] = []


def show_error(parent: QWidget | None, message: str, title: str | None = None) -> QMessageBox:
    from PySide6.QtWidgets import QMessageBox

    shown_messages.append(message)
    box = QMessageBox(QMessageBox.Icon.Warning, title or tr("无法完成", "Could not do that"),
                      message, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("errorBox")
    box.open()
    return box


def guarded(parent: QWidget | None, action: Callable[[], T]) -> T | None:
    """Run a user action; show an InspectorError as a message and return None."""
    try:
        return action()
    except InspectorError as exc:
        show_error(parent, str(exc))
        return None


class CrashReporter:
    """sys.excepthook that logs a traceback to a file and shows a message once."""

    def __init__(self, log_file: Path, parent_getter: Callable[[], QWidget | None]) -> None:
        self.log_file = log_file
        self._parent_getter = parent_getter
        self._shown = False
        self._previous: Any = None

    def install(self) -> None:
        self._previous = sys.excepthook
        sys.excepthook = self.hook

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook = self._previous

    def hook(self, kind: type[BaseException], error: BaseException,
             trace: TracebackType | None) -> None:
        if isinstance(error, InspectorError):
            show_error(self._parent_getter(), str(error))
            return
        text = "".join(traceback.format_exception(kind, error, trace))
        try:
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
            with open(self.log_file, "a", encoding="utf-8") as handle:
                handle.write(text + "\n")
        except OSError:
            log.exception("cannot write %s", self.log_file)
        log.error("uncaught exception: %s", error)
        if not self._shown:
            self._shown = True
            show_error(self._parent_getter(), tr(
                "程序出现意外错误，已记录到 {f}。您的数据已保存；"
                "如问题重复出现，请把该文件发给技术支持。",
                "Something unexpected went wrong; it was recorded in {f}. Your data is saved; "
                "if it happens again, send that file to support.", f=self.log_file))
