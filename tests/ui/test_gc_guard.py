"""Cyclic garbage collection only on the GUI thread, with the usual thresholds."""

from __future__ import annotations

import gc
import threading
import weakref

from PySide6 import QtCore

from ui.gc_guard import GuiThreadCollector


class Node:
    def __init__(self) -> None:
        self.me = self


def test_cycles_are_collected_by_the_gui_timer_and_not_by_other_threads(qtbot) -> None:
    owner = QtCore.QObject()
    collector = GuiThreadCollector(owner)
    try:
        assert not gc.isenabled()
        cycle = Node()
        gone = weakref.ref(cycle)
        del cycle

        def allocate() -> None:  # a worker passing every threshold collects nothing
            for _ in range(50_000):
                Node()

        worker = threading.Thread(target=allocate)
        worker.start()
        worker.join()
        assert gone() is not None, "a worker thread ran the collector"
        qtbot.waitUntil(lambda: gone() is None, timeout=3000)
        assert collector.collections >= 1
    finally:
        collector.stop()
    assert gc.isenabled()


def test_nothing_is_collected_below_the_threshold(qtbot) -> None:
    owner = QtCore.QObject()
    collector = GuiThreadCollector(owner)
    try:
        gc.collect()
        assert collector.collect_due() is None
    finally:
        collector.stop()
