"""GUI tests run offscreen with their own settings file and data directory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from inspector.core.clock import SetClock  # noqa: E402
from inspector.core.store import Store  # noqa: E402
from inspector.ops import demo  # noqa: E402
from tests.conftest import fixed_clock  # noqa: E402
from ui import errors  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("INSPECTOR_SETTINGS", str(tmp_path / "settings.ini"))
    errors.shown_messages.clear()
    yield
    from PySide6.QtCore import QCoreApplication, QEvent

    from ui import ops

    assert ops.stop_all(), "a background job did not stop"
    # Delete the windows a test closed before the next test switches languages.
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)


@pytest.fixture(scope="session")
def demo_template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Demo data made once per session; tests copy it."""
    folder = tmp_path_factory.mktemp("demo-template")
    with Store.open(folder, actor="演示", wall=fixed_clock()) as store:
        demo.fill(store, with_photos=False)
    return folder


@pytest.fixture
def demo_dir(demo_template_dir: Path, tmp_path: Path) -> Path:
    import shutil

    target = tmp_path / "demo-data"
    shutil.copytree(demo_template_dir, target, ignore=shutil.ignore_patterns("inspector.lock"))
    return target


@pytest.fixture
def demo_store(demo_dir: Path, wall: SetClock) -> Iterator[Store]:
    with Store.open(demo_dir, actor="王建国", wall=wall) as store:
        yield store


def type_text(widget: object, text: str) -> None:
    """Type text as an input method commits it (QTest.keyClicks only knows ASCII keys)."""
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    for character in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier,
                              character)
            QApplication.sendEvent(widget, event)  # type: ignore[arg-type]
