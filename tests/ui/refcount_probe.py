"""Emit many signals and read item data; print how the counts of True and None moved.

True and None are not immortal on Python 3.11, so their counts also move with whatever else
the interpreter does: the garbage collector is turned off and every path is warmed up before
counting, and the test allows a small noise against the one-reference-per-emit loss it guards
against.
"""

from __future__ import annotations

import gc
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QObject, Signal  # noqa: E402
from PySide6.QtWidgets import QApplication, QTreeWidgetItem  # noqa: E402

ROUNDS = 3000


class Emitter(QObject):
    with_value = Signal(object)
    bare = Signal()


def exercise(emitter: Emitter, item: QTreeWidgetItem, rounds: int) -> None:
    for _ in range(rounds):
        emitter.with_value.emit([1])
        emitter.bare.emit()
        item.data(0, 256)


def main() -> None:
    app = QApplication([])
    emitter = Emitter()
    emitter.with_value.connect(lambda _value: None)
    emitter.bare.connect(lambda: None)
    item = QTreeWidgetItem()
    exercise(emitter, item, 100)  # caches and lazily made wrappers settle first
    gc.collect()
    gc.disable()
    true_before, none_before = sys.getrefcount(True), sys.getrefcount(None)
    exercise(emitter, item, ROUNDS)
    true_delta = sys.getrefcount(True) - true_before
    none_delta = sys.getrefcount(None) - none_before
    gc.enable()
    sys.stdout.write(f"rounds {ROUNDS} true_delta {true_delta} none_delta {none_delta}\n")
    app.quit()


if __name__ == "__main__":
    main()
