"""Rules that live once in the domain: the GUI shows what the domain decides.

- a new finding's defaults (department, severity, deadline) from its hazard category;
- what a valid submission is: the GUI's submit dialog and the CLI accept and refuse alike.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QComboBox, QDateEdit, QLineEdit, QPushButton
from pytestqt.qtbot import QtBot

from inspector.cli import app as cli
from inspector.core.clock import SetClock
from inspector.core.store import Store
from inspector.domain import communities, findings, inspections, templates
from inspector.domain.communities import CommunityData
from tests.conftest import given_for
from ui.finding_dialog import FindingDialog
from ui.i18n import language
from ui.signature_pad import SignaturePad
from ui.submit_dialog import SubmitDialog


@pytest.fixture(autouse=True)
def _chinese() -> Iterator[None]:
    language.set("zh")
    yield
    language.set("zh")


def _draft(store: Store) -> str:
    row = store.query_one("SELECT id FROM inspections WHERE status='draft' ORDER BY short_id")
    assert row is not None, "the demo data has a draft inspection"
    return str(row["id"])


def _combo(widget: FindingDialog, name: str) -> QComboBox:
    found = widget.findChild(QComboBox, name)
    assert found is not None, name
    return found


def _deadline(dialog: FindingDialog) -> str:
    edit = dialog.findChild(QDateEdit, "deadline")
    assert edit is not None
    value = edit.date()
    return date(value.year(), value.month(), value.day()).isoformat()


@pytest.mark.parametrize("item_code", [None, "H02"])
def test_the_dialog_proposes_the_domains_defaults_for_every_category(
        qtbot: QtBot, demo_store: Store, item_code: str | None) -> None:
    inspection_id = _draft(demo_store)
    template = inspections.view(demo_store, inspection_id).template
    dialog = FindingDialog(demo_store, inspection_id, item_code=item_code)
    qtbot.addWidget(dialog)
    category = _combo(dialog, "category")
    assert category.count() == len(template.hazard_categories)
    for index, hazard in enumerate(template.hazard_categories):
        category.setCurrentIndex(index)
        expected = findings.defaults(template, hazard.code, item_code,
                                     demo_store.wall.today())
        shown = (_combo(dialog, "department").currentData(),
                 _combo(dialog, "severity").currentData(), _deadline(dialog))
        assert shown == (expected.department, expected.severity, expected.deadline), \
            hazard.code
    # and ``add`` with nothing given records the same defaults
    for hazard in template.hazard_categories:
        made = findings.get(demo_store, findings.add(
            demo_store, inspection_id, category=hazard.code, description="x",
            item_code=item_code))
        expected = findings.defaults(template, hazard.code, item_code,
                                     demo_store.wall.today())
        assert (made["department"], made["severity"], made["deadline"]) == (
            expected.department, expected.severity, expected.deadline), hazard.code


# -- submission: one rule for the GUI and the CLI ---------------------------------------------

# (answered every item, inspectors' names, representative's name, representative drew)
CASES = [
    (True, "王建国", "刘芳", True),
    (True, "王建国", "", False),
    (True, "王建国", "", True),  # a drawing without a name
    (True, "", "刘芳", True),  # nobody signs by name
    (False, "王建国", "刘芳", True),  # an item unanswered
    (False, "", "", True),
]


def _wave() -> list[QPointF]:
    return [QPointF(30.0 + i * 3.0, 70.0 + 20.0 * math.sin(i / 4.0)) for i in range(60)]


def _prepare(store: Store, inspection_id: str, answered: bool) -> None:
    view = inspections.view(store, inspection_id)
    items = view.template.items if answered else view.template.items[1:]
    for item in items:
        inspections.answer(store, inspection_id, item.code, given_for(item))


def _gui_accepts(qtbot: QtBot, store: Store, case: tuple[bool, str, str, bool]) -> bool:
    answered, names, representative, drew = case
    inspection_id = inspections.start(store, "柳西社区", ["王建国"])
    _prepare(store, inspection_id, answered)
    dialog = SubmitDialog(store, inspection_id)
    qtbot.addWidget(dialog)
    for name, text in (("inspectorNames", names), ("representativeName", representative)):
        edit = dialog.findChild(QLineEdit, name)
        assert edit is not None
        edit.setText(text)
    pad = dialog.findChild(SignaturePad, "representativePad")
    assert pad is not None
    if drew:
        pad.add_stroke(_wave())
    button = dialog.findChild(QPushButton, "submitButton")
    assert button is not None
    # the dialog's reasons are the domain's, word for word
    assert dialog.blockers() == inspections.submission_problems(
        inspections.view(store, inspection_id), [names], representative=representative,
        representative_signed=drew)
    return button.isEnabled()


def _cli_accepts(tmp_path: Path, case: tuple[bool, str, str, bool], n: int,
                 wall: SetClock) -> bool:
    answered, names, representative, drew = case
    data_dir = tmp_path / f"cli{n}"
    with Store.open(data_dir, actor="王建国", wall=wall) as store:
        templates.ensure_builtin(store)
        communities.create(store, CommunityData("海曙区", "南门街道", "柳西社区"))
        inspection_id = inspections.start(store, "柳西社区", ["王建国"])
        _prepare(store, inspection_id, answered)
        if drew:
            pad = SignaturePad()
            pad.add_stroke(_wave())
            (tmp_path / f"rep{n}.png").write_bytes(pad.to_png())
            pad.deleteLater()
    args = ["--data-dir", str(data_dir), "--user", "王建国", "inspections", "submit",
            inspection_id, "--signed-by", names, "--representative", representative]
    if drew:
        args += ["--representative-signature", str(tmp_path / f"rep{n}.png")]
    code = cli.main(args)
    assert code in (0, 2), code
    with Store.open(data_dir, readonly=True) as store:
        submitted = inspections.get(store, inspection_id)["status"] == inspections.SUBMITTED
    assert submitted == (code == 0)
    return code == 0


def test_the_gui_and_the_cli_accept_and_refuse_the_same_submissions(
        qtbot: QtBot, ready_store: Store, tmp_path: Path, wall: SetClock) -> None:
    gui = [_gui_accepts(qtbot, ready_store, case) for case in CASES]
    cli_results = [_cli_accepts(tmp_path, case, n, wall) for n, case in enumerate(CASES)]
    assert gui == cli_results
    assert gui == [True, True, False, False, False, False]
