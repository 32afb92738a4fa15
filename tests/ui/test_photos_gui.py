"""Photos in the workbench: the strip, the viewer and the camera-folder import (pytest-qt)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QImage
from PySide6.QtWidgets import QApplication, QComboBox, QMessageBox
from pytestqt.qtbot import QtBot

from inspector.core.clock import SetClock
from inspector.core.store import Store
from inspector.domain import annotations, derived, findings, inspections, photos
from tests.photo_helpers import jpeg, real
from tests.ui.test_workbench import a_draft, make_window
from ui import camera as camera_module
from ui import errors
from ui.annotation_editor import AnnotationEditor
from ui.checklist_tree import COL_PHOTO
from ui.folder_import_dialog import COL_TARGET, FolderImportDialog
from ui.i18n import language
from ui.photo_strip import PhotoStrip
from ui.photo_viewer import PhotoViewer

ARROW = ('{"version": 1, "items": [{"type": "arrow", "x1": 0.1, "y1": 0.1, "x2": 0.6,'
         ' "y2": 0.6, "color": "#d32f2f", "width": 0.01}]}')


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def a_submitted(store: Store) -> str:
    rows = store.query("SELECT id FROM inspections WHERE status = 'submitted' ORDER BY short_id")
    assert rows, "the demo data has a submitted inspection"
    return str(rows[0]["id"])


def a_photo_required_item(store: Store, inspection_id: str) -> str:
    view = inspections.view(store, inspection_id)
    return next(s.item.code for s in view.items if s.item.photo_on_fail == "required"
                and s.item.answer_type != "number" and not view.photo_counts.get(s.item.code))


def strip_for(qtbot: QtBot, store: Store, target: photos.Target | None, **options: object
              ) -> PhotoStrip:
    strip = PhotoStrip(store)
    qtbot.addWidget(strip)
    strip.resize(700, 130)
    strip.set_target(target, **options)  # type: ignore[arg-type]
    strip.show()
    return strip


def drop_files(widget: PhotoStrip, paths: list[Path]) -> QDropEvent:
    """What the file manager does: a drag enters with file URLs, then drops them."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    where = QPointF(widget.width() / 2, widget.height() / 2)
    enter = QDragEnterEvent(where.toPoint(), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted(), "the strip refused the drag"
    drop = QDropEvent(where, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, drop)
    return drop


def test_dropped_files_become_the_answers_photos_and_the_mark_goes(
        qtbot: QtBot, demo_store: Store, tmp_path: Path) -> None:
    window = make_window(qtbot, demo_store)
    inspection_id = a_draft(demo_store)
    code = a_photo_required_item(demo_store, inspection_id)
    inspections.answer(demo_store, inspection_id, code, "fail")
    window.open_inspection(inspection_id)
    editor = window.editor
    editor.select_item(code)
    assert editor._rows[code].text(COL_PHOTO) == "缺照片"
    strip = editor.photo_strip
    assert strip.target == photos.target_for_response(demo_store, inspection_id, code)
    assert not strip.read_only and strip.add_button.isVisibleTo(editor)
    files = [jpeg(tmp_path / "IMG_0001.JPG", seed=1), jpeg(tmp_path / "IMG_0002.JPG", seed=2)]

    with qtbot.waitSignal(editor.changed, timeout=10_000):
        drop = drop_files(strip, files)
    assert drop.isAccepted()
    target = photos.target_for_response(demo_store, inspection_id, code)
    assert {p["id"] for p in photos.photos_of(demo_store, target)} == {sha(f) for f in files}
    assert {p["original_name"] for p in photos.photos_of(demo_store, target)} == {
        "IMG_0001.JPG", "IMG_0002.JPG"}
    assert editor._rows[code].text(COL_PHOTO) == ""
    assert code not in inspections.view(demo_store, inspection_id).photo_missing()
    assert strip.list.count() == 2 and strip.count_label.text() == "照片 2 张"
    qtbot.waitUntil(strip.thumbnails_loaded, timeout=10_000)
    assert not strip.list.item(0).icon().isNull()
    assert errors.shown_messages == []
    # nothing staged is left behind
    assert list((demo_store.data_dir / "photos" / ".incoming").iterdir()) == []


def test_a_bad_file_in_a_batch_is_named_and_the_good_one_kept(
        qtbot: QtBot, demo_store: Store, tmp_path: Path) -> None:
    inspection_id = a_draft(demo_store)
    target = photos.target_for_inspection(demo_store, inspection_id)
    strip = strip_for(qtbot, demo_store, target)
    good = jpeg(tmp_path / "good.jpg", seed=5)
    bad = tmp_path / "broken.jpg"
    bad.write_text("这不是照片", encoding="utf-8")
    dialog = strip.choose_files()  # "添加照片…" opens the file dialog …
    assert dialog is not None
    with qtbot.waitSignal(strip.changed, timeout=10_000):
        dialog.filesSelected.emit([str(good), str(bad)])  # … and the user picks two files
    dialog.reject()
    assert [p["id"] for p in photos.photos_of(demo_store, target)] == [sha(good)]
    assert len(errors.shown_messages) == 1
    message = errors.shown_messages[0]
    assert "broken.jpg" in message and "不是照片" in message and "good.jpg" not in message
    assert strip.last_result is not None and len(strip.last_result.failed) == 1


def test_pasting_an_image_imports_one_png(qtbot: QtBot, demo_store: Store) -> None:
    inspection_id = a_draft(demo_store)
    target = photos.target_for_inspection(demo_store, inspection_id)
    strip = strip_for(qtbot, demo_store, target)
    image = QImage(64, 48, QImage.Format.Format_RGB32)
    image.fill(QColor("#3a7bd5"))
    QApplication.clipboard().setImage(image)
    with qtbot.waitSignal(strip.changed, timeout=10_000):
        batch = strip.paste()
    assert batch is not None
    stored = photos.photos_of(demo_store, target)
    assert len(stored) == 1
    assert stored[0]["format"] == "PNG" and stored[0]["original_name"].endswith(".png")
    assert (stored[0]["width"], stored[0]["height"]) == (64, 48)
    assert all(not path.exists() for path in batch.cleanup)  # the temporary PNG is gone


def test_the_viewer_shows_exif_and_saves_annotations(qtbot: QtBot, demo_store: Store) -> None:
    inspection_id = a_draft(demo_store)
    target = photos.target_for_inspection(demo_store, inspection_id)
    imported = photos.import_photo(demo_store, real("gps_DSCN0010.jpg"), target)
    strip = strip_for(qtbot, demo_store, target)
    qtbot.waitUntil(strip.thumbnails_loaded, timeout=10_000)
    rect = strip.list.visualItemRect(strip.list.item(0))
    # as a mouse does it: the first click presses the item, the second one is the double-click
    qtbot.mouseClick(strip.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(strip.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    viewer = strip.viewer
    assert isinstance(viewer, PhotoViewer) and viewer.isVisible()
    qtbot.waitUntil(viewer.loaded, timeout=10_000)
    assert viewer.view.has_picture()
    assert "43.467" in viewer.values["latitude"].text()
    assert "11.885" in viewer.values["longitude"].text()
    assert "COOLPIX P6000" in viewer.values["camera"].text()
    assert viewer.values["name"].text() == "gps_DSCN0010.jpg"
    assert viewer.values["pixels"].text().startswith("640 × 480")
    assert viewer.values["taken"].text() == "2008-10-22 16:28:39"
    assert viewer.values["sha256"].toolTip() == imported.sha256
    # zoom and fit
    fitted = viewer.view.zoom()
    viewer.zoom_in()
    assert viewer.view.zoom() == pytest.approx(fitted * 1.25)
    viewer.view.fit()
    assert viewer.view.zoom() == pytest.approx(fitted)

    editor = viewer.open_annotation_editor()
    assert isinstance(editor, AnnotationEditor) and editor.isVisible()
    plain = derived.derived_path(demo_store.data_dir, imported.sha256, derived.REPORT, None)
    assert editor.image_path == plain  # the un-annotated report-size copy
    with qtbot.waitSignal(strip.changed, timeout=10_000):
        editor.saved.emit(ARROW)  # what the editor's Save does
    stored = photos.get(demo_store, imported.sha256)["annotations"]
    assert annotations.parse(stored) == annotations.parse(ARROW)
    qtbot.waitUntil(viewer.loaded, timeout=10_000)
    assert viewer.report_path == derived.derived_path(demo_store.data_dir, imported.sha256,
                                                      derived.REPORT, stored)
    assert viewer.report_path != plain and viewer.values["annotations"].text() == "1 处"
    editor.close()
    viewer.close()


def test_the_folder_dialog_reviews_calibrates_and_imports_what_it_shows(
        qtbot: QtBot, demo_store: Store, tmp_path: Path, wall: SetClock) -> None:
    store = demo_store
    inspection_id = a_draft(store)
    base = datetime(2024, 5, 20, 9, 30)  # the camera's and the laptop's wall time

    def at(moment: datetime) -> None:
        wall.moment = moment.replace(tzinfo=store.wall.tz)

    at(base)
    inspections.answer(store, inspection_id, "C04", "fail")
    at(base + timedelta(minutes=10))
    inspections.answer(store, inspection_id, "B05", "value", value=2)
    at(base + timedelta(minutes=20))
    finding_id = findings.add(store, inspection_id, category="corridor_clutter",
                              description="楼道堆放纸箱", item_code="C04")
    slow = timedelta(minutes=-47)  # the camera's clock is 47 minutes behind
    card = tmp_path / "DCIM"
    card.mkdir()
    files = [
        jpeg(card / "IMG_0001.JPG", taken=base + slow + timedelta(seconds=20), seed=1),
        jpeg(card / "IMG_0002.JPG", taken=base + slow + timedelta(minutes=10, seconds=-30),
             seed=2),
        jpeg(card / "IMG_0003.JPG", taken=base + slow + timedelta(minutes=20, seconds=5),
             seed=3),
        jpeg(card / "IMG_0004.JPG", taken=base + timedelta(hours=3), seed=4),
    ]
    (card / "notes.txt").write_text("x", encoding="utf-8")
    photos_before = store.query("SELECT COUNT(*) AS n FROM photos")[0]["n"]

    dialog = FolderImportDialog(store, inspection_id, card)
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitUntil(lambda: not dialog.scanning() and dialog.thumbnails_loaded(),
                    timeout=20_000)
    c04 = photos.target_for_response(store, inspection_id, "C04")
    b05 = photos.target_for_response(store, inspection_id, "B05")
    finding = photos.target_for_finding(store, finding_id)
    general = photos.target_for_inspection(store, inspection_id)
    assert [p.source.name for p in dialog.reviewed()] == [f.name for f in files]
    assert [p.target for p in dialog.reviewed()] == [general] * 4  # 47 minutes off
    assert dialog.model.rowCount() == 4
    assert not dialog.model.item(0, 0).icon().isNull()
    assert [dialog.skipped_list.item(i).text() for i in range(dialog.skipped_list.count())] \
        == ["notes.txt：不是照片文件"]

    # the reviewer moves the last photo to the finding (the combo under the table) …
    dialog.select_rows([3])
    dialog.target_combo.setCurrentIndex(dialog.choices.index(finding))
    dialog.target_combo.activated.emit(dialog.choices.index(finding))
    # … and tells the first photo's target in its row (the table's own combo)
    dialog.select_rows([0])
    dialog.table.edit(dialog.model.index(0, COL_TARGET))
    combo = dialog.table.findChild(QComboBox, "rowTargetCombo")
    assert combo is not None
    combo.setCurrentIndex(dialog.choices.index(c04))
    qtbot.keyClick(combo, Qt.Key.Key_Return)  # the delegate commits on the next turn
    qtbot.waitUntil(lambda: dialog.reviewed()[0].target == c04, timeout=2000)
    assert dialog.model.item(0, COL_TARGET).text().startswith("C04")

    # the clock is set from that photo and everything is matched again
    offset = dialog.calibrate()
    assert offset == pytest.approx(47 - 20 / 60, abs=0.01)
    assert dialog.offset_spin.value() == pytest.approx(offset)
    reviewed = dialog.reviewed()
    assert [p.target for p in reviewed] == [c04, b05, finding, finding]
    assert reviewed[1].gap_seconds == pytest.approx(50, abs=1)
    assert dialog.model.item(3, 3).text() == "手动"
    assert store.query("SELECT COUNT(*) AS n FROM photos")[0]["n"] == photos_before

    dialog.import_button.click()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=20_000)
    assert dialog.result is not None and not dialog.result.failed
    expected = {(sha(p.source), p.target.kind, p.target.id) for p in reviewed}
    shas = tuple(sha(f) for f in files)
    links = store.query(f"SELECT photo_id, target_kind, target_id FROM photo_links WHERE"
                        f" photo_id IN ({','.join('?' * len(shas))})", shas)
    assert {(r["photo_id"], r["target_kind"], r["target_id"]) for r in links} == expected
    assert len(links) == len(files)
    assert isinstance(dialog.summary_box, QMessageBox)
    assert "4" in dialog.summary_box.text()
    dialog.summary_box.close()


def test_calibrating_from_a_general_photo_is_refused(
        qtbot: QtBot, demo_store: Store, tmp_path: Path) -> None:
    inspection_id = a_draft(demo_store)
    jpeg(tmp_path / "IMG_0009.JPG", taken=datetime(2001, 1, 1, 12, 0), seed=9)
    dialog = FolderImportDialog(demo_store, inspection_id, tmp_path)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: not dialog.busy(), timeout=20_000)
    dialog.select_rows([0])
    assert dialog.calibrate() is None
    assert "不能用来校准" in errors.shown_messages[-1]
    assert dialog.offset_spin.value() == 0


def test_the_camera_is_looked_for_when_the_button_is_first_pressed(
        qtbot: QtBot, demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(camera_module, "_camera", None)  # not asked yet this session
    target = photos.target_for_inspection(demo_store, a_draft(demo_store))
    strip = strip_for(qtbot, demo_store, target)
    # Showing a strip does not load Qt Multimedia (~130 ms on the GUI thread): the button
    # is offered until a press finds no camera.
    assert camera_module.camera_known() is None
    assert not strip.camera_button.isHidden()
    read_only = strip_for(qtbot, demo_store, target, read_only=True)
    assert read_only.camera_button.isHidden() and read_only.add_button.isHidden()
    assert strip.open_camera() is None  # offscreen: no camera
    assert camera_module.camera_known() is False
    assert strip.camera_button.isHidden()
    assert "没有找到相机" in errors.shown_messages[-1]
    assert strip_for(qtbot, demo_store, target).camera_button.isHidden()  # known from now on
    monkeypatch.setattr(camera_module, "_camera", True)
    assert not strip_for(qtbot, demo_store, target).camera_button.isHidden()


def test_a_camera_picture_is_imported_like_any_other(
        qtbot: QtBot, demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(camera_module, "camera_available", lambda: True)
    target = photos.target_for_inspection(demo_store, a_draft(demo_store))
    strip = strip_for(qtbot, demo_store, target)
    dialog = strip.open_camera()
    assert isinstance(dialog, camera_module.CameraDialog)
    shot = jpeg(dialog.folder / "camera-1.jpg", seed=8)
    expected = sha(shot)
    with qtbot.waitSignal(strip.changed, timeout=10_000):
        dialog.capture.imageSaved.emit(1, str(shot))  # what QImageCapture says when saved
    assert [p["id"] for p in photos.photos_of(demo_store, target)] == [expected]
    assert not shot.exists()  # the camera's file was a temporary copy
    dialog.reject()
    assert not dialog.folder.exists()


def test_a_submitted_inspection_takes_only_after_photos_of_findings(
        qtbot: QtBot, demo_store: Store, tmp_path: Path) -> None:
    window = make_window(qtbot, demo_store)
    inspection_id = a_submitted(demo_store)
    window.open_inspection(inspection_id)
    editor = window.editor
    assert editor.photo_strip.read_only and editor.photo_strip.add_button.isHidden()
    assert not editor.card_button.isEnabled()
    assert editor.photo_strip.paste() is None  # nothing can be added to the answers
    finding_id = str(findings.list_findings(demo_store, inspection_id=inspection_id)[0]["id"])
    dialog = editor.findings.edit_finding(finding_id)
    assert dialog is not None and dialog.photo_strip is not None
    strip = dialog.photo_strip
    assert strip.kind == "after" and not strip.read_only
    with qtbot.waitSignal(editor.findings.changed, timeout=10_000):
        strip.import_files([jpeg(tmp_path / "fixed.jpg", seed=7)])
    target = photos.target_for_finding(demo_store, finding_id)
    assert [p["kind"] for p in photos.photos_of(demo_store, target)] == ["after"]
    model = editor.findings.model
    column = model.COLUMNS.index("photos")
    assert model.index(model.row_of(finding_id), column).data() == "1"
    dialog.reject()


def test_switching_language_updates_the_photo_widgets(
        qtbot: QtBot, demo_store: Store, tmp_path: Path) -> None:
    window = make_window(qtbot, demo_store)
    inspection_id = a_draft(demo_store)
    window.open_inspection(inspection_id)
    editor = window.editor
    strip = editor.photo_strip
    target = photos.target_for_inspection(demo_store, inspection_id)
    imported = photos.import_photo(demo_store, real("gps_DSCN0021.jpg"), target)
    viewer = PhotoViewer(demo_store, imported.sha256)
    qtbot.addWidget(viewer)
    jpeg(tmp_path / "IMG_0001.JPG", seed=3, taken=datetime(2001, 1, 1, 12, 0))
    folder = FolderImportDialog(demo_store, inspection_id, tmp_path)
    qtbot.addWidget(folder)
    qtbot.waitUntil(lambda: not folder.busy() and viewer.loaded(), timeout=20_000)
    assert strip.add_button.text() == "添加照片…"
    assert editor.card_button.text() == "从相机文件夹导入…"
    assert viewer.annotate_button.text() == "标注…"
    assert folder.import_button.text() == "导入"
    try:
        language.set("en")
        assert strip.add_button.text() == "Add photos…"
        assert strip.empty_label.text().startswith("No photos yet")
        assert editor.card_button.text() == "Import camera folder…"
        assert viewer.annotate_button.text() == "Annotate…"
        assert viewer.names["latitude"].text() == "Latitude:"
        assert viewer.values["latitude"].text().endswith("N")
        assert folder.import_button.text() == "Import"
        assert folder.calibrate_button.text() == "Set the clock from this photo"
        assert folder.model.horizontalHeaderItem(COL_TARGET).text() == "Goes to"
        # a photo of 2001 is of another day than the inspection's: left out, said why
        assert folder.model.item(0, COL_TARGET).text().startswith("Another day, left out")
        assert folder.windowTitle().startswith("Import from a camera folder")
    finally:
        language.set("zh")
    assert strip.add_button.text() == "添加照片…"
    assert folder.model.item(0, COL_TARGET).text().startswith("其他日期，不导入")
    assert viewer.names["latitude"].text() == "纬度："
