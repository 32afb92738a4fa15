"""A day in the field in the GUI: a wrong photo taken off (and put back), hints on photos, a
finding with photos before it is saved, its place typed, from a photo or pinned on the plan."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from inspector.core.store import Store
from inspector.domain import findings, inspections, photos, places
from tests.photo_helpers import jpeg, real
from tests.ui.test_photos_gui import a_submitted
from tests.ui.test_workbench import a_draft, make_window
from ui import errors
from ui.finding_dialog import FindingDialog
from ui.inspection_editor import InspectionEditor
from ui.photo_viewer import PhotoViewer
from ui.site_plan import SitePlanDialog


def _editor_on(qtbot: QtBot, store: Store, code: str) -> tuple[InspectionEditor, str]:
    window = make_window(qtbot, store)
    inspection_id = a_draft(store)
    window.open_inspection(inspection_id)
    window.editor.select_item(code)
    return window.editor, inspection_id


def _loaded(qtbot: QtBot, strip: object) -> None:
    qtbot.waitUntil(lambda: not strip.busy() and strip.thumbnails_loaded(),  # type: ignore[attr-defined]
                    timeout=20_000)


def test_a_wrong_photo_is_removed_by_delete_and_undo_brings_it_back(qtbot: QtBot,
                                                                    demo_store: Store) -> None:
    editor, inspection_id = _editor_on(qtbot, demo_store, "B05")
    target = photos.target_for_response(demo_store, inspection_id, "B05")
    right = photos.import_photo(demo_store, real("Canon_40D.jpg"), target)
    wrong = photos.import_photo(demo_store, real("gps_DSCN0010.jpg"), target)
    strip = editor.photo_strip
    strip.refresh()
    _loaded(qtbot, strip)
    assert strip.photo_ids() == [right.sha256, wrong.sha256]
    strip.list.setCurrentRow(1)
    strip.list.setFocus()
    qtbot.keyClick(strip.list, Qt.Key.Key_Delete)
    assert strip.photo_ids() == [right.sha256]
    assert editor.undo_stack.undoText() == "移除照片 gps_DSCN0010.jpg"
    # the removal is in the change log, and the original stays
    assert wrong.path.exists()
    editor.select_item("B06")  # elsewhere when undoing: undo shows the item again
    editor.undo_stack.undo()
    assert editor.current_code() == "B05"
    assert editor.photo_strip.photo_ids() == [right.sha256, wrong.sha256]
    editor.undo_stack.redo()
    assert editor.photo_strip.photo_ids() == [right.sha256]


def test_the_context_menu_and_the_viewer_remove_too(qtbot: QtBot, demo_store: Store) -> None:
    editor, inspection_id = _editor_on(qtbot, demo_store, "C04")
    target = photos.target_for_response(demo_store, inspection_id, "C04")
    one = photos.import_photo(demo_store, real("Canon_40D.jpg"), target)
    two = photos.import_photo(demo_store, real("gps_DSCN0021.jpg"), target)
    strip = editor.photo_strip
    strip.refresh()
    _loaded(qtbot, strip)
    menu = strip.context_menu(one.sha256)
    actions = {a.text(): a for a in menu.actions()}
    assert set(actions) == {"查看…", "移除照片"}
    actions["移除照片"].trigger()
    assert strip.photo_ids() == [two.sha256]
    viewer = strip.open_viewer(two.sha256)
    assert isinstance(viewer, PhotoViewer)
    qtbot.waitUntil(viewer.loaded, timeout=20_000)
    assert viewer.remove_button.isVisible()
    viewer.remove_button.click()
    assert strip.photo_ids() == [] and not viewer.isVisible()
    assert [c for c in (editor.undo_stack.text(i) for i in range(editor.undo_stack.count()))
            if c.startswith("移除照片")] == ["移除照片 Canon_40D.jpg",
                                             "移除照片 gps_DSCN0021.jpg"]


def test_a_submitted_answer_s_photos_stay(qtbot: QtBot, demo_store: Store) -> None:
    submitted = a_submitted(demo_store)
    code = "C01"
    inspections.reopen(demo_store, submitted, "补一张照片")
    photos.import_photo(demo_store, real("Canon_40D.jpg"),
                        photos.target_for_response(demo_store, submitted, code))
    inspections.submit(demo_store, submitted, ["王建国"])
    window = make_window(qtbot, demo_store)
    window.open_inspection(submitted)
    window.editor.select_item(code)
    strip = window.editor.photo_strip
    _loaded(qtbot, strip)
    assert strip.rows and not strip.can_remove()
    menu = strip.context_menu(strip.photo_ids()[0])
    assert not [a for a in menu.actions() if a.text() == "移除照片"][0].isEnabled()
    assert not strip.remove_photo(strip.photo_ids()[0])
    assert window.editor.finding_button.isEnabled() is False
    assert not window.finding_action.isEnabled()


def test_old_far_and_damaged_photos_are_marked(qtbot: QtBot, demo_store: Store) -> None:
    editor, inspection_id = _editor_on(qtbot, demo_store, "B05")
    target = photos.target_for_response(demo_store, inspection_id, "B05")
    photos.import_photo(demo_store, real("gps_DSCN0010.jpg"), target)  # 2008, in Tuscany
    photos.import_photo(demo_store, real("corrupted.jpg"), target)
    strip = editor.photo_strip
    strip.refresh()
    _loaded(qtbot, strip)
    tips = [strip.list.item(i).toolTip() for i in range(strip.list.count())]
    assert "拍摄于检查前" in tips[0] and "拍摄地点距社区" in tips[0]
    assert "JPEG 数据损坏" in tips[1]
    viewer = strip.open_viewer(strip.photo_ids()[0])
    assert viewer is not None and "拍摄于检查前" in viewer.values["hints"].text()
    viewer.reject()


def test_a_new_finding_starts_from_the_item_and_takes_photos(qtbot: QtBot, demo_store: Store,
                                                            tmp_path: Path) -> None:
    editor, inspection_id = _editor_on(qtbot, demo_store, "B05")
    inspections.answer(demo_store, inspection_id, "B05", "fail", value=2,
                       note="西侧垃圾堆放三袋")
    item_photo = photos.import_photo(demo_store, real("gps_DSCN0010.jpg"),
                                     photos.target_for_response(demo_store, inspection_id,
                                                                "B05"))
    editor.reload("B05")
    dialog = editor.findings.add_finding("B05")
    assert isinstance(dialog, FindingDialog)
    assert dialog.description.toPlainText() == "西侧垃圾堆放三袋"
    strip = dialog.photo_strip
    assert strip.draft and strip.photo_ids() == [item_photo.sha256]
    new = jpeg(tmp_path / "IMG_2001.JPG", seed=21)
    strip.import_files([new])
    qtbot.waitUntil(lambda: not strip.staging() and len(strip.rows) == 2, timeout=20_000)
    assert not list((demo_store.data_dir / "photos").rglob(f"{new.stem}*"))  # staged only
    assert dialog.coordinates_from_photo()
    assert dialog.coordinates.text() == "43.467448, 11.885127"
    assert "GCJ-02" not in dialog.coordinates_note.text()  # Tuscany: no Chinese datum
    with qtbot.waitSignal(dialog.photos_changed, timeout=20_000):
        dialog.save()  # the staged photo is stored on the writer thread
    finding = next(f for f in findings.list_findings(demo_store, inspection_id=inspection_id)
                   if f["description"] == "西侧垃圾堆放三袋")
    stored = photos.photos_of(demo_store, photos.target_for_finding(demo_store,
                                                                    finding["id"]))
    assert [p["original_name"] for p in stored] == ["gps_DSCN0010.jpg", "IMG_2001.JPG"]
    assert finding["coord_source"] == f"photo:{item_photo.sha256}"
    assert list((demo_store.data_dir / "photos" / ".incoming").iterdir()) == []


def test_a_cancelled_new_finding_leaves_no_staged_file(qtbot: QtBot, demo_store: Store,
                                                      tmp_path: Path) -> None:
    editor, inspection_id = _editor_on(qtbot, demo_store, "C04")
    dialog = editor.findings.add_finding("C04")
    assert dialog is not None
    dialog.photo_strip.import_files([jpeg(tmp_path / "a.jpg", seed=1)])
    qtbot.waitUntil(lambda: not dialog.photo_strip.staging(), timeout=20_000)
    assert list((demo_store.data_dir / "photos" / ".incoming").iterdir())
    dialog.reject()
    assert list((demo_store.data_dir / "photos" / ".incoming").iterdir()) == []
    assert demo_store.query("SELECT id FROM photos WHERE original_name = 'a.jpg'") == []


def test_typed_coordinates_and_bad_ones(qtbot: QtBot, demo_store: Store) -> None:
    editor, inspection_id = _editor_on(qtbot, demo_store, "E01")
    dialog = editor.findings.add_finding("E01")
    assert dialog is not None
    dialog.description.setPlainText("路面坑洼")
    dialog.coordinates.setText("29.9, 200")
    dialog._coordinates_typed("")  # noqa: SLF001 - what typing does
    assert "经度 200.0 超出范围" in dialog.coordinates_note.text()
    count = len(findings.list_findings(demo_store, inspection_id=inspection_id))
    dialog.save()
    assert "超出范围" in errors.shown_messages[-1] and dialog.isVisible()
    assert len(findings.list_findings(demo_store, inspection_id=inspection_id)) == count
    dialog.coordinates.setText("29.8683, 121.544")
    dialog._coordinates_typed("")  # noqa: SLF001
    assert "GCJ-02" in dialog.coordinates_note.text()
    dialog.save()
    made = next(f for f in findings.list_findings(demo_store, inspection_id=inspection_id)
                if f["description"] == "路面坑洼")
    assert (made["coord_latitude"], made["coord_longitude"], made["coord_source"]) == (
        29.8683, 121.544, "typed")


def test_a_pin_on_the_site_plan(qtbot: QtBot, demo_store: Store, tmp_path: Path) -> None:
    editor, inspection_id = _editor_on(qtbot, demo_store, "C01")
    community_id = inspections.get(demo_store, inspection_id)["community_id"]
    finding_id = findings.add(demo_store, inspection_id, category="fire_lane_blocked",
                              description="消防车道堵塞", item_code="C01")
    editor.findings.refresh()
    dialog = editor.findings.edit_finding(finding_id)
    assert dialog is not None and "还没有总平面图" in dialog.pin_label.text()
    plan_dialog = dialog.open_site_plan()
    assert isinstance(plan_dialog, SitePlanDialog)
    Image.new("RGB", (900, 600), (236, 240, 228)).save(tmp_path / "plan.png")
    assert plan_dialog.load_plan(tmp_path / "plan.png")
    qtbot.waitUntil(plan_dialog.loaded, timeout=20_000)
    view = plan_dialog.view
    assert view.placing and view.has_plan()
    # a click on the plan, then the arrow key nudges it
    scene_point = QPointF(0.3 * 899, 0.5 * 599)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.mapFromScene(scene_point))
    assert plan_dialog.chosen is not None
    assert abs(plan_dialog.chosen[0] - 0.3) < 0.02 and abs(plan_dialog.chosen[1] - 0.5) < 0.02
    plan_dialog.place(0.42, 0.61)
    qtbot.keyClick(plan_dialog, Qt.Key.Key_Right)
    assert plan_dialog.chosen == (0.43, 0.61)
    plan_dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    assert dialog.pin == (0.43, 0.61) and "x=0.43" in dialog.pin_label.text()
    dialog.save()
    row = findings.get(demo_store, finding_id)
    plan = places.site_plan_of(demo_store, community_id)
    assert plan is not None and (row["pin_plan"], row["pin_x"], row["pin_y"]) == (
        plan["id"], 0.43, 0.61)
    # the community page shows it among the community's pins
    window = editor.window()
    window.back_to_community()  # type: ignore[attr-defined]
    shown = window.community_page.open_site_plan()  # type: ignore[attr-defined]
    qtbot.waitUntil(shown.loaded, timeout=20_000)
    assert [m.finding_id for m in shown.pins] == [finding_id] and len(shown.view.marks) == 1
    shown.reject()


def test_the_subtitle_stays_one_line(qtbot: QtBot, demo_store: Store) -> None:
    editor, inspection_id = _editor_on(qtbot, demo_store, "B05")
    height = editor.subtitle.height()
    for code, answer in (("A01", "fail"), ("A01", "pass"), ("B01", "fail")):
        editor.select_item(code)
        editor.answer_current(answer)
        assert editor.subtitle.height() == height
    assert "检查人员" in editor.subtitle.full_text()
    assert editor.subtitle.toolTip() == editor.subtitle.full_text()


def test_the_camera_folder_dialog_leaves_other_days_out_and_moves_on_a_rerun(
        qtbot: QtBot, demo_store: Store, tmp_path: Path) -> None:
    from datetime import datetime, timedelta

    from ui.folder_import_dialog import COL_TARGET, FolderImportDialog

    inspection_id = a_draft(demo_store)
    inspections.answer(demo_store, inspection_id, "C04", "fail")
    at = datetime.fromisoformat(inspections.answers_of(demo_store, inspection_id)["C04"][
        "answered_at"]).astimezone(demo_store.wall.tz).replace(tzinfo=None)
    card = tmp_path / "DCIM"
    card.mkdir()
    jpeg(card / "IMG_0001.JPG", taken=at + timedelta(seconds=30), seed=1)
    jpeg(card / "IMG_0002.JPG", taken=datetime(2001, 1, 1, 12, 0), seed=2)

    def scanned(offset: float = 0) -> FolderImportDialog:
        dialog = FolderImportDialog(demo_store, inspection_id, card)
        qtbot.addWidget(dialog)
        qtbot.waitUntil(lambda: not dialog.busy(), timeout=20_000)
        if offset:
            dialog.offset_spin.setValue(offset)
        return dialog

    dialog = scanned()
    assert [p.excluded for p in dialog.reviewed()] == [None, "other_day"]
    assert dialog.model.item(1, COL_TARGET).text().startswith("其他日期，不导入")
    assert "其他日期 1 张" in dialog.summary_label.text()
    dialog.any_day.setChecked(True)
    assert [p.excluded for p in dialog.reviewed()] == [None, None]
    dialog.any_day.setChecked(False)
    first_target = dialog.reviewed()[0].target  # what was recorded at that moment
    assert first_target.kind in ("response", "finding")
    dialog.import_reviewed()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=20_000)
    assert len(photos.photos_of(demo_store, first_target)) == 1

    # the same card again with the clock 20 minutes on: the photo moves, never doubles
    again = scanned(offset=20)
    assert again.reviewed()[0].target.kind == "inspection"
    assert "将移过来" in again.summary_label.text()
    again.import_reviewed()
    qtbot.waitUntil(lambda: again.result is not None, timeout=20_000)
    assert photos.photos_of(demo_store, first_target) == []
    general = photos.target_for_inspection(demo_store, inspection_id)
    assert [p["original_name"] for p in photos.photos_of(demo_store, general)] == [
        "IMG_0001.JPG"]
    assert again.summary_box is not None and "移动 1" in again.summary_box.text()
    again.summary_box.close()
