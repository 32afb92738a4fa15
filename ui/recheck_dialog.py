"""复查 mode: walk a re-check's findings one by one, the before photo beside the after photo.

Keys: 1 fixed (已整改), 2 not fixed (未整改), ↑↓ move. Each result is saved at once through
``inspector.domain.rechecks``; "Sign" applies the re-check (销号 for fixed findings).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QDate, QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QPixmap
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from inspector.core.errors import InspectorError
from inspector.core.store import Store
from inspector.domain import derived, photos, rechecks, responsibility
from ui import errors
from ui.i18n import tr

PHOTO_SIZE = 300


def _thumbnail(store: Store, row: dict[str, object] | None) -> QPixmap | None:
    if row is None:
        return None
    try:
        path = derived.ensure(store.data_dir, str(row["id"]), str(row["ext"]), derived.REPORT,
                              row.get("annotations"))  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - a photo that cannot be shown is left blank
        return None
    pixmap = QPixmap(str(path))
    return None if pixmap.isNull() else pixmap.scaled(
        PHOTO_SIZE, PHOTO_SIZE, Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation)


class RecheckDialog(QDialog):
    def __init__(self, store: Store, recheck_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recheckDialog")
        self.store = store
        self.recheck_id = recheck_id
        self.resize(980, 600)
        self.list = QListWidget(self)
        self.list.setMaximumWidth(300)
        self.list.currentRowChanged.connect(self._show)
        self.list.installEventFilter(self)  # 1 / 2 answer even while the list has the focus
        self.title = QLabel(self)
        self.title.setWordWrap(True)
        self.before = QLabel(self)
        self.after = QLabel(self)
        for label in (self.before, self.after):
            label.setFixedSize(PHOTO_SIZE, PHOTO_SIZE)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setStyleSheet("border: 1px solid #999; background: #f4f4f4;")
        self.note = QLineEdit(self)
        self.deadline = QDateEdit(self)
        self.deadline.setCalendarPopup(True)
        self.deadline.setDisplayFormat("yyyy-MM-dd")
        self.fixed_button = QPushButton(self)
        self.fixed_button.clicked.connect(lambda: self.mark(rechecks.FIXED))
        self.not_fixed_button = QPushButton(self)
        self.not_fixed_button.clicked.connect(lambda: self.mark(rechecks.NOT_FIXED))
        self.photo_button = QPushButton(self)
        self.photo_button.clicked.connect(self.add_photo)
        self.sign_button = QPushButton(self)
        self.sign_button.clicked.connect(self.sign)
        self.status = QLabel(self)

        photos_row = QHBoxLayout()
        self.before_caption, self.after_caption = QLabel(self), QLabel(self)
        for caption, picture in ((self.before_caption, self.before),
                                 (self.after_caption, self.after)):
            column = QVBoxLayout()
            column.addWidget(caption)
            column.addWidget(picture)
            photos_row.addLayout(column)
        buttons = QHBoxLayout()
        for widget in (self.fixed_button, self.not_fixed_button, self.photo_button):
            buttons.addWidget(widget)
        self.note_label, self.deadline_label = QLabel(self), QLabel(self)
        fields = QHBoxLayout()
        fields.addWidget(self.note_label)
        fields.addWidget(self.note, 1)
        fields.addWidget(self.deadline_label)
        fields.addWidget(self.deadline)
        right = QVBoxLayout()
        right.addWidget(self.title)
        right.addLayout(photos_row)
        right.addLayout(fields)
        right.addLayout(buttons)
        right.addStretch(1)
        right.addWidget(self.status)
        right.addWidget(self.sign_button)
        main = QHBoxLayout(self)
        main.addWidget(self.list)
        main.addLayout(right, 1)
        self.retranslate()
        self.reload()
        self.list.setFocus()

    def retranslate(self) -> None:
        recheck = rechecks.get(self.store, self.recheck_id)
        self.setWindowTitle(tr("复查 {s}", "Re-check {s}", s=recheck["short_id"]))
        self.fixed_button.setText(tr("1 已整改", "1 Fixed"))
        self.not_fixed_button.setText(tr("2 未整改", "2 Not fixed"))
        self.photo_button.setText(tr("添加整改后照片…", "Add after-photo…"))
        self.sign_button.setText(tr("签字提交（已整改的销号）…", "Sign (close fixed findings)…"))
        self.before_caption.setText(tr("整改前", "Before"))
        self.after_caption.setText(tr("复查时", "At re-check"))
        self.note_label.setText(tr("说明", "Note"))
        self.deadline_label.setText(tr("新期限", "New deadline"))

    def reload(self) -> None:
        row = max(self.list.currentRow(), 0)
        self.entries = rechecks.entries(self.store, self.recheck_id)
        self.list.blockSignals(True)
        self.list.clear()
        marks = {rechecks.FIXED: "✔", rechecks.NOT_FIXED: "✘", None: "·"}
        for entry in self.entries:
            item = QListWidgetItem(f"{marks[entry.result]}  {entry.finding['short_id'][-3:]}  "
                                   f"{entry.finding['description']}")
            self.list.addItem(item)
        self.list.blockSignals(False)
        self.list.setCurrentRow(min(row, len(self.entries) - 1))
        self._show(self.list.currentRow())
        done = sum(1 for e in self.entries if e.result)
        self.status.setText(tr("已复查 {a} / {n} 项", "{a} of {n} checked", a=done,
                               n=len(self.entries)))
        draft = rechecks.get(self.store, self.recheck_id)["status"] == rechecks.DRAFT
        for widget in (self.fixed_button, self.not_fixed_button, self.photo_button,
                       self.sign_button):
            widget.setEnabled(draft)

    def current(self) -> rechecks.Entry | None:
        index = self.list.currentRow()
        return self.entries[index] if 0 <= index < len(self.entries) else None

    def _show(self, index: int) -> None:
        entry = self.current()
        if entry is None:
            return
        row = entry.finding
        party = responsibility.party_of(self.store, row).name
        self.title.setText(f"<b>{row['short_id']}</b>　{row['description']}<br/>"
                           + tr("位置：{l}　责任方：{p}　期限：{d}", "Location: {l}  Party: {p}"
                                "  Deadline: {d}", l=row.get("location") or "—", p=party,
                                d=row.get("deadline") or "—"))
        before = [p for p in photos.photos_of(self.store, photos.target_for_finding(
            self.store, row["id"])) if p.get("kind") != "after"]
        after = photos.photos_of(self.store, photos.target_for_followup(
            self.store, entry.answer["id"])) if entry.answer else []
        for label, rows in ((self.before, before), (self.after, after)):
            pixmap = _thumbnail(self.store, rows[0] if rows else None)
            if pixmap is None:
                label.setPixmap(QPixmap())
                label.setText(tr("无照片", "No photo"))
            else:
                label.setPixmap(pixmap)
        self.note.setText((entry.answer or {}).get("note") or "")
        day = rechecks.day_of(rechecks.get(self.store, self.recheck_id))
        chosen = (entry.answer or {}).get("new_deadline")
        self.deadline.setDate(QDate.fromString(chosen, "yyyy-MM-dd") if chosen
                              else QDate(day.year, day.month, day.day).addDays(15))

    def mark(self, result: str) -> None:
        entry = self.current()
        if entry is None:
            return
        deadline = self.deadline.date().toString("yyyy-MM-dd") \
            if result == rechecks.NOT_FIXED else None
        try:
            rechecks.answer(self.store, self.recheck_id, entry.finding["id"], result,
                            note=self.note.text(), new_deadline=deadline)
        except InspectorError as exc:
            errors.show_error(self, str(exc))
            return
        self.list.setCurrentRow(min(self.list.currentRow() + 1, len(self.entries) - 1))
        self.reload()

    def add_photo(self, path: Path | None = None) -> None:
        entry = self.current()
        if entry is None:
            return
        if entry.answer is None:
            errors.show_error(self, tr("请先标记已整改或未整改",
                                       "Mark it fixed or not fixed first"))
            return
        if path is None:
            chosen, _filter = QFileDialog.getOpenFileName(
                self, tr("整改后照片", "After-photo"), "", "Images (*.jpg *.jpeg *.png *.heic)")
            if not chosen:
                return
            path = Path(chosen)
        try:
            photos.import_photo(self.store, path, photos.target_for_followup(
                self.store, entry.answer["id"]), kind="after")
        except InspectorError as exc:
            errors.show_error(self, str(exc))
            return
        self.reload()

    def sign(self, signer: str | None = None) -> None:
        if signer is None:
            signer, ok = QInputDialog.getText(self, tr("签字", "Sign"),
                                              tr("复查人员签字：", "Signed by:"))
            if not ok:
                return
        try:
            counts = rechecks.submit(self.store, self.recheck_id, [signer])
        except InspectorError as exc:
            errors.show_error(self, str(exc))
            return
        self.status.setText(tr("已签字：销号 {a} 项，仍需整改 {b} 项",
                               "Signed: {a} closed, {b} still open", a=counts.closed,
                               b=counts.open))
        self.reload()

    def _answer_key(self, event: QKeyEvent) -> bool:
        results = {Qt.Key.Key_1: rechecks.FIXED, Qt.Key.Key_2: rechecks.NOT_FIXED}
        result = results.get(Qt.Key(event.key()))
        if result is None or self.note.hasFocus():
            return False
        self.mark(result)
        return True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) \
                and self._answer_key(event):
            return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if not self._answer_key(event):
            super().keyPressEvent(event)
