"""After a reconnect the worker resets the protocol: half a frame is never completed."""

from __future__ import annotations

import pytest

from drivers.base import IndicatorValue
from drivers.protocols import PROTOCOLS, encoder, make

CONTINUOUS = ["toledo", "yaohua-tf0", "yaohua-eq", "yaohua-w"]


@pytest.mark.parametrize("name", CONTINUOUS)
def test_a_partial_frame_is_forgotten_on_reset(name: str) -> None:
    assert name in PROTOCOLS
    frame = encoder(name)(IndicatorValue(weight_kg=49380, stable=True))
    protocol = make(name)
    assert protocol.feed(frame[: len(frame) // 2]) == []
    protocol.reset()
    assert protocol.feed(frame[len(frame) // 2 :]) == []
    frames_before = protocol.stats.frames
    values = protocol.feed(frame + frame)
    assert [v.weight_kg for v in values][-1] == 49380
    assert protocol.stats.frames > frames_before, "counters survive a reset"
