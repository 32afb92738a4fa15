"""Undoable edits. Each command applies its change through the domain functions, so undo and
redo change the stored values (and the change log records them), not just the widgets."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from inspector.core.errors import InspectorError
from inspector.core.store import Store
from inspector.domain import inspections, photos
from inspector.domain.photos import Target
from ui.errors import show_error
from ui.i18n import tr

# What was given for an item (replayed through the domain), or None: unanswered.
AnswerState = inspections.Given | None


class _Applied(QUndoCommand):
    """A command whose first redo already happened (the edit was saved before it was pushed)."""

    def __init__(self, text: str, on_change: Callable[[str], None]) -> None:
        super().__init__(text)
        self._applied_once = False
        self._on_change = on_change

    def redo(self) -> None:
        if not self._applied_once:
            self._applied_once = True
            return
        self._run(self._redo)

    def undo(self) -> None:
        self._run(self._undo)

    def _run(self, action: Callable[[], str]) -> None:
        try:
            code = action()
        except InspectorError as exc:
            self.setObsolete(True)
            show_error(None, str(exc))
            return
        self._on_change(code)

    def _redo(self) -> str:
        raise NotImplementedError

    def _undo(self) -> str:
        raise NotImplementedError


def apply_answer(store: Store, inspection_id: str, code: str, state: AnswerState) -> None:
    if state is None or state.answer is None:
        inspections.clear_answer(store, inspection_id, code)
    else:
        inspections.answer(store, inspection_id, code, state)


class AnswerCommand(_Applied):
    def __init__(self, store: Store, inspection_id: str, code: str, before: AnswerState,
                 after: AnswerState, on_change: Callable[[str], None]) -> None:
        super().__init__(tr("回答 {c}", "Answer {c}", c=code), on_change)
        self.store, self.inspection_id, self.code = store, inspection_id, code
        self.before, self.after = before, after

    def _redo(self) -> str:
        apply_answer(self.store, self.inspection_id, self.code, self.after)
        return self.code

    def _undo(self) -> str:
        apply_answer(self.store, self.inspection_id, self.code, self.before)
        return self.code


class NoteCommand(_Applied):
    def __init__(self, store: Store, inspection_id: str, code: str, before: str, after: str,
                 on_change: Callable[[str], None]) -> None:
        super().__init__(tr("备注 {c}", "Note {c}", c=code), on_change)
        self.store, self.inspection_id, self.code = store, inspection_id, code
        self.before, self.after = before, after

    def _redo(self) -> str:
        inspections.set_note(self.store, self.inspection_id, self.code, self.after)
        return self.code

    def _undo(self) -> str:
        inspections.set_note(self.store, self.inspection_id, self.code, self.before)
        return self.code


class RemovePhotoCommand(_Applied):
    """A photo taken off an answer or finding (its links tombstoned); undo brings it back."""

    def __init__(self, store: Store, target: Target, sha256: str, link_ids: list[str],
                 name: str, on_change: Callable[[str], None]) -> None:
        super().__init__(tr("移除照片 {n}", "Remove photo {n}", n=name), on_change)
        self.store, self.target, self.sha256 = store, target, sha256
        self.link_ids = list(link_ids)

    def _redo(self) -> str:
        photos.remove(self.store, self.target, self.sha256)
        return self.target.id

    def _undo(self) -> str:
        photos.restore_links(self.store, self.link_ids)
        return self.target.id
