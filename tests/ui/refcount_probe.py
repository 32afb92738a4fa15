"""Emit many signals and read item data; print how the counts of True and None moved."""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QObject, Signal  # noqa: E402
from PySide6.QtWidgets import QApplication, QTreeWidgetItem  # noqa: E402


class Emitter(QObject):
    with_value = Signal(object)
    bare = Signal()


def main() -> None:
    app = QApplication([])
    emitter = Emitter()
    emitter.with_value.connect(lambda _value: None)
    emitter.bare.connect(lambda: None)
    true_before, none_before = sys.getrefcount(True), sys.getrefcount(None)
    for _ in range(3000):
        emitter.with_value.emit([1])
        emitter.bare.emit()
    item = QTreeWidgetItem()
    for _ in range(3000):
        item.data(0, 256)
    sys.stdout.write(f"True delta {sys.getrefcount(True) - true_before} "
                     f"None delta {sys.getrefcount(None) - none_before}\n")
    app.quit()


if __name__ == "__main__":
    main()
