"""Community browser: district → street → community, a search box, and a badge per community.

The data is read off the GUI thread (its own read-only connection) and put into the model in
small batches, so a thousand communities never freeze the window. The domain's overview (and
what it imports, ~70 ms) is imported by that worker, not for the first window.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QHeaderView, QLabel, QLineEdit, QTreeView, QVBoxLayout, QWidget

from inspector.core.changes import Changes
from inspector.core.store import Store
from ui import ops
from ui.i18n import language, tr

if TYPE_CHECKING:
    from inspector.domain.overview import CommunityStatus

log = logging.getLogger(__name__)

ID_ROLE = Qt.ItemDataRole.UserRole + 1
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 2
STATE_ROLE = Qt.ItemDataRole.UserRole + 3
BATCH = 150
NARROW_MAX = 50  # more communities changed than this (a sync): read them all, off the GUI
# overview.NEVER, MET, NOT_MET, IN_PROGRESS (tests/ui/test_workbench.py checks they agree)
NEVER, MET, NOT_MET, IN_PROGRESS = "never", "met", "not_met", "in_progress"
STATE_COLOURS = {
    MET: QColor("#1b7f3b"),
    NOT_MET: QColor("#c62828"),
    IN_PROGRESS: QColor("#b26a00"),
    NEVER: QColor("#757575"),
}


def state_text(status: CommunityStatus) -> str:
    if status.state == NEVER:
        text = tr("未检查", "Never inspected")
    elif status.state == IN_PROGRESS:
        text = tr("检查中", "In progress")
    elif status.state == MET:
        text = tr("达标", "Meets standard")
    else:
        text = tr("未达标", "Below standard")
    if status.open_findings:
        text += tr(" · {n} 个问题", " · {n} open", n=status.open_findings)
    return text


def load_statuses(open_store: Callable[[], Store]) -> Callable[
        [ops.CancelToken, ops.Progress], list[tuple[CommunityStatus, str]]]:
    """Work for a QueryOp: read every community's badge with its own connection
    (``open_store``, called on the worker)."""

    def work(token: ops.CancelToken,
             progress: ops.Progress) -> list[tuple[CommunityStatus, str]]:
        from inspector.domain import overview  # on the worker: kept out of the start

        with open_store() as store, store.interrupted_by(token):
            statuses = overview.community_statuses(store, progress, token)
        token.check()
        # The pinyin keys follow (``pinyin_keys``): the first pinyin read of a process costs
        # ≈ 0.5 s, which the tree does not wait for.
        return [(s, overview.search_text(s.name, s.street, s.district, s.address,
                                         with_pinyin=False)) for s in statuses]

    return work


def pinyin_keys(statuses: list[CommunityStatus]) -> Callable[[ops.CancelToken, ops.Progress],
                                                             list[tuple[str, str]]]:
    """Work for a QueryOp: each community's full search text, pinyin included."""

    def work(token: ops.CancelToken, progress: ops.Progress) -> list[tuple[str, str]]:
        from inspector.domain import overview

        keys = []
        for status in statuses:
            token.check()
            keys.append((status.id, overview.search_text(status.name, status.street,
                                                         status.district, status.address)))
        return keys

    return work


class _Filter(QSortFilterProxyModel):
    def __init__(self) -> None:
        super().__init__()
        self.setRecursiveFilteringEnabled(True)
        self.setFilterRole(SEARCH_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(0)


class CommunityBrowser(QWidget):
    community_selected = Signal(str)
    loaded = Signal(int)
    pinyin_ready = Signal()  # the communities can be found by pinyin and initials too
    load_failed = Signal(str)  # the registry could not be read: the message shown

    def __init__(self, open_store: Callable[[], Store], parent: QWidget | None = None) -> None:
        """``open_store``: how a load opens its connection, on the worker (the window passes
        its store's ``open_worker``, which shares the one writer: a summary left stale by an
        upgrade is then rebuilt once and kept, not computed again at every load)."""
        super().__init__(parent)
        self._open_store = open_store
        self.model = QStandardItemModel(0, 2, self)
        self.proxy = _Filter()
        self.proxy.setSourceModel(self.model)
        self._pending: list[tuple[CommunityStatus, str]] = []
        self._parents: dict[tuple[str, ...], QStandardItem] = {}
        self._rows: dict[str, QStandardItem] = {}
        self._statuses: dict[str, CommunityStatus] = {}
        self._job: ops.QueryOp[list[tuple[CommunityStatus, str]]] | None = None
        self._selected: str | None = None
        self.is_loading = False
        self._keys_job: ops.QueryOp[list[tuple[str, str]]] | None = None
        self._pending_keys: list[tuple[str, str]] = []
        self.search_complete = False  # the pinyin keys of every row are in place

        self.search = QLineEdit(self)
        self.search.setObjectName("communitySearch")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        self.search.returnPressed.connect(self.open_first_match)
        self.view = QTreeView(self)
        self.view.setObjectName("communityTree")
        self.view.setModel(self.proxy)
        self.view.setUniformRowHeights(True)
        self.view.setAlternatingRowColors(True)
        self.view.setEditTriggers(QTreeView.EditTrigger.NoEditTriggers)
        self.view.header().setStretchLastSection(False)
        self.view.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.view.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.view.selectionModel().currentChanged.connect(self._current_changed)
        self.view.activated.connect(self._activated)
        self.summary = QLabel(self)
        self.summary.setObjectName("browserSummary")
        self.summary.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.search)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.summary)
        self._batch_timer = QTimer(self)
        self._batch_timer.setInterval(0)
        self._batch_timer.timeout.connect(self._add_batch)
        self._keys_timer = QTimer(self)
        self._keys_timer.setInterval(0)
        self._keys_timer.timeout.connect(self._add_keys)
        self.retranslate()
        language.changed.connect(self.retranslate)

    # -- loading ------------------------------------------------------------------------------

    def reload(self) -> ops.QueryOp[list[tuple[CommunityStatus, str]]]:
        """Read the badges again in the background; the tree keeps its selection."""
        if self._job is not None:
            self._job.cancel()
        self.is_loading = True
        self.summary.setText(tr("正在读取社区…", "Loading communities…"))
        job: ops.QueryOp[list[tuple[CommunityStatus, str]]] = ops.QueryOp(
            self, load_statuses(self._open_store),
            on_success=lambda rows: self._received(job, rows),
            on_failure=lambda exc: self._failed(job, exc))
        self._job = job
        return job.run()

    def apply_changes(self, store: Store, changes: Changes) -> str:
        """Follow what an operation wrote: only the badges of the communities it touched are
        read again (their rows of the maintained standing, a few ms on the GUI thread's
        store); the whole registry is read again (in the background) only when the changes
        say something the badges cannot narrow — communities added, renamed or moved, rows
        gone, or more communities than a narrow read is worth. Returns what it did:
        "none", "badges" or "reload"."""
        from inspector.domain import overview

        if not changes.tables & overview.BADGE_TABLES:
            return "none"
        if self._job is not None or self._pending or not self._rows \
                or changes.touches("communities"):
            self.reload()  # a load under way may have read before this change
            return "reload"
        ids = overview.affected_communities(store, changes)
        if ids is None or len(ids) > NARROW_MAX or not ids <= set(self._rows):
            self.reload()
            return "reload"
        if not ids:
            return "none"
        for status in overview.community_statuses(store, community_ids=ids):
            if self._statuses.get(status.id) != status:
                self._set_status(status)
        self._update_counts()
        return "badges"

    def _failed(self, job: ops.QueryOp[Any], exc: BaseException) -> None:
        if job is not self._job:
            return
        self._job = None
        self.is_loading = False
        message = ops.failure_message(exc)
        self.summary.setText(message)
        self.load_failed.emit(message)

    def _received(self, job: ops.QueryOp[Any], rows: list[tuple[CommunityStatus, str]]) -> None:
        if job is not self._job:
            return  # an older load that was overtaken
        self._job = None
        known = set(self._rows)
        if known and known == {status.id for status, _ in rows}:
            for status, _search in rows:  # same communities: refresh the changed badges
                if self._statuses.get(status.id) != status:  # (each change re-filters)
                    self._set_status(status)
            self._finish()
            return
        self._stop_keys()  # the rows are made again, with their keys after them
        self.model.removeRows(0, self.model.rowCount())
        self._parents.clear()
        self._rows.clear()
        self._pending = rows
        self._batch_timer.start()

    def _add_batch(self) -> None:
        batch, self._pending = self._pending[:BATCH], self._pending[BATCH:]
        for status, search in batch:
            self._add_row(status, search)
        if not self._pending:
            self._batch_timer.stop()
            self._finish()
            self._find_keys()

    def _finish(self) -> None:
        self.is_loading = False
        self._update_counts()
        if self._selected and self._selected in self._rows:
            self.select_community(self._selected)
        self.loaded.emit(len(self._rows))

    # -- the pinyin keys, after the tree ------------------------------------------------------

    def _stop_keys(self) -> None:
        if self._keys_job is not None:
            self._keys_job.cancel()
            self._keys_job = None
        self._keys_timer.stop()
        self._pending_keys = []
        self.search_complete = False

    def _find_keys(self) -> None:
        self._stop_keys()
        job: ops.QueryOp[list[tuple[str, str]]] = ops.QueryOp(
            self, pinyin_keys(list(self._statuses.values())),
            on_success=lambda keys: self._keys_found(job, keys),
            on_failure=lambda exc: log.warning("pinyin keys not made: %s", exc))
        self._keys_job = job
        job.run()

    def _keys_found(self, job: ops.QueryOp[Any], keys: list[tuple[str, str]]) -> None:
        if job is not self._keys_job:
            return  # a reload came meanwhile: its own keys follow
        self._keys_job = None
        self._pending_keys = keys
        self._keys_timer.start()

    def _add_keys(self) -> None:
        batch, self._pending_keys = self._pending_keys[:BATCH], self._pending_keys[BATCH:]
        for community_id, search in batch:
            item = self._rows.get(community_id)
            if item is not None:
                item.setData(search, SEARCH_ROLE)  # the filter looks at the row again
        if not self._pending_keys:
            self._keys_timer.stop()
            self.search_complete = True
            self._update_counts()
            self.pinyin_ready.emit()

    def _parent(self, key: tuple[str, ...], text: str, under: QStandardItem) -> QStandardItem:
        item = self._parents.get(key)
        if item is None:
            item = QStandardItem(text)
            item.setData(text, SEARCH_ROLE)
            item.setData("", ID_ROLE)  # districts and streets are not communities
            font = QFont()
            font.setBold(len(key) == 1)
            item.setFont(font)
            under.appendRow([item, QStandardItem("")])
            self._parents[key] = item
        return item

    def _add_row(self, status: CommunityStatus, search: str) -> None:
        root = self.model.invisibleRootItem()
        district = self._parent((status.district,), status.district, root)
        street = self._parent((status.district, status.street), status.street, district)
        name = QStandardItem(status.name)
        name.setData(status.id, ID_ROLE)
        name.setData(search, SEARCH_ROLE)
        name.setToolTip(status.address)
        badge = QStandardItem()
        street.appendRow([name, badge])
        self._rows[status.id] = name
        self._set_status(status)

    def _set_status(self, status: CommunityStatus) -> None:
        name = self._rows.get(status.id)
        if name is None:
            return
        self._statuses[status.id] = status
        parent = name.parent() or self.model.invisibleRootItem()
        badge = parent.child(name.row(), 1)
        if badge is None:
            return
        badge.setText(state_text(status))
        badge.setData(status.state, STATE_ROLE)
        badge.setForeground(QBrush(STATE_COLOURS[status.state]))

    def _update_counts(self) -> None:
        if self.no_match():
            self.summary.setText(tr(
                "没有与“{q}”匹配的社区。可输入社区、街道或地址，拼音（liuxi）或首字母（lxsq）。",
                "No community matches “{q}”. Type a community, street or address, its "
                "pinyin (liuxi) or initials (lxsq).", q=self.search.text().strip()))
            self.summary.setStyleSheet("color: #b23b3b;")
            return
        self.summary.setStyleSheet("")
        total = len(self._statuses)
        met = sum(1 for s in self._statuses.values() if s.state == MET)
        inspected = sum(1 for s in self._statuses.values() if s.state in (MET, NOT_MET))
        self.summary.setText(tr("{n} 个社区 · 已检查 {i} · 达标 {m}",
                                "{n} communities · {i} inspected · {m} meet the standard",
                                n=total, i=inspected, m=met))
        counts = Counter[tuple[str, ...]]()
        for status in self._statuses.values():
            counts[(status.district,)] += 1
            counts[(status.district, status.street)] += 1
        for key, item in self._parents.items():
            item.setText(f"{key[-1]}（{counts[key]}）" if counts[key] else key[-1])

    # -- searching and selecting --------------------------------------------------------------

    def _filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip().lower())
        if text.strip():
            self.view.expandAll()
        self._update_counts()

    def no_match(self) -> bool:
        """A search is typed and nothing matches it."""
        return bool(self.search.text().strip()) and self.proxy.rowCount() == 0 \
            and not self.is_loading and self.search_complete

    def open_first_match(self) -> str | None:
        """Enter in the search box: open the first community that matches, focus the tree."""
        pending = [self.proxy.index(row, 0) for row in range(self.proxy.rowCount())]
        while pending:
            index = pending.pop(0)
            community_id = self._community_at(index)
            if community_id:
                self._selected = community_id
                self.view.setCurrentIndex(index)
                self.view.setFocus()
                self.community_selected.emit(community_id)
                return community_id
            pending[:0] = [self.proxy.index(row, 0, index)
                           for row in range(self.proxy.rowCount(index))]
        return None

    def _community_at(self, index: QModelIndex | QPersistentModelIndex) -> str | None:
        if not index.isValid():
            return None
        first = index.sibling(index.row(), 0)
        value = first.data(ID_ROLE)
        return str(value) if value else None

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        community_id = self._community_at(current)
        if community_id and community_id != self._selected:
            self._selected = community_id
            self.community_selected.emit(community_id)

    def _activated(self, index: QModelIndex) -> None:
        community_id = self._community_at(index)
        if community_id:
            self._selected = community_id
            self.community_selected.emit(community_id)

    def select_community(self, community_id: str) -> bool:
        item = self._rows.get(community_id)
        if item is None:
            return False
        index = self.proxy.mapFromSource(item.index())
        if not index.isValid():
            self.search.clear()
            index = self.proxy.mapFromSource(item.index())
        self._selected = community_id
        self.view.scrollTo(index)
        self.view.setCurrentIndex(index)
        return True

    def expand_district(self, district: str) -> bool:
        """Open the district's branch (the inspector's own, from the settings)."""
        item = self._parents.get((district,))
        if item is None:
            return False
        index = self.proxy.mapFromSource(item.index())
        self.view.expand(index)
        for row in range(self.proxy.rowCount(index)):
            self.view.expand(self.proxy.index(row, 0, index))
        self.view.scrollTo(index, QTreeView.ScrollHint.PositionAtTop)
        return True

    def status_of(self, community_id: str) -> CommunityStatus | None:
        return self._statuses.get(community_id)

    def community_count(self) -> int:
        return len(self._rows)

    def retranslate(self) -> None:
        self.search.setPlaceholderText(tr("搜索社区、街道、地址、拼音或首字母…",
                                          "Search community, street, address or pinyin…"))
        self.model.setHorizontalHeaderLabels([tr("社区", "Community"), tr("状态", "Status")])
        for status in self._statuses.values():
            self._set_status(status)
        if self._statuses:
            self._update_counts()
