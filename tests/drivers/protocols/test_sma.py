"""SMA SCP-0499 (protocols.md §1.6): request bytes, reply fields, statuses, dashes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.base import IndicatorValue
from drivers.protocols.sma import SmaProtocol, command, encode, encode_error
from tests.drivers.protocols.streams import counters, weights

STABLE_49380 = bytes.fromhex("0A 20 31 47 20 20 20 20 20 20 20 34 39 33 38 30 6B 67 20 0D")
MOTION_49380 = bytes.fromhex("0A 20 31 47 4D 20 20 20 20 20 20 34 39 33 38 30 6B 67 20 0D")


def _reply(
    status: str = " ", rng: str = "1", mode: str = "G", motion: str = " ", weight: str = "12340"
) -> bytes:
    return f"\n{status}{rng}{mode}{motion} {weight:>10}kg \r".encode()


def test_poll_request_and_commands_are_exact() -> None:
    assert SmaProtocol().poll_request() == bytes.fromhex("0A 57 0D")
    assert command("W") == b"\nW\r"
    assert command("Z") == b"\nZ\r"
    assert SmaProtocol.command("T") == b"\nT\r"
    with pytest.raises(ValueError, match="known"):
        command("X")


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (STABLE_49380, IndicatorValue(49380, True, raw=STABLE_49380)),
        (MOTION_49380, IndicatorValue(49380, False, raw=MOTION_49380)),
    ],
    ids=["stable", "motion"],
)
def test_documented_replies_decode_to_exact_values(frame: bytes, expected: IndicatorValue) -> None:
    assert SmaProtocol().feed(frame) == [expected]


def test_the_manual_example_is_in_lb_and_rejected() -> None:
    protocol = SmaProtocol()
    assert protocol.feed(b"\n 1G       5.025lb \r") == []
    assert "unit" in protocol.stats.last_error


@pytest.mark.parametrize(
    ("status", "flags"),
    [
        (" ", (False, False, False)),
        ("Z", (False, False, True)),
        ("O", (True, False, False)),
        ("U", (False, True, False)),
    ],
)
def test_weight_statuses(status: str, flags: tuple[bool, bool, bool]) -> None:
    (value,) = SmaProtocol().feed(_reply(status))
    assert value.weight_kg == 12340
    assert (value.overload, value.underload, value.centre_of_zero) == flags


@pytest.mark.parametrize("status", ["E", "I", "T"])
def test_error_statuses_with_dashes_emit_nothing(status: str) -> None:
    protocol = SmaProtocol()
    assert protocol.feed(encode_error(status)) == []
    assert counters(protocol.stats) == (0, 0, 1, 0, 0)
    assert "error" in protocol.stats.last_error


@pytest.mark.parametrize("status", ["O", "U"])
def test_over_and_under_capacity_without_a_weight_emit_nothing(status: str) -> None:
    protocol = SmaProtocol()
    assert protocol.feed(_reply(status, weight="-" * 10)) == []
    assert "capacity" in protocol.stats.last_error


def test_net_values_carry_the_tare_from_the_tare_reply() -> None:
    protocol = SmaProtocol()
    tare = encode(IndicatorValue(15000, True), tare=True)
    net = encode(IndicatorValue(34380, True, net=True))
    assert protocol.feed(tare + net) == [IndicatorValue(34380, True, True, 15000, raw=net)]
    assert protocol.stats.frames == 2


def test_high_resolution_and_range_two_replies() -> None:
    (value,) = SmaProtocol().feed(_reply(rng="2", mode="n", weight="12340.5"))
    assert (value.weight_kg, value.net) == (12341, True)


def test_question_mark_reply_is_a_status_error() -> None:
    protocol = SmaProtocol()
    assert protocol.feed(b"\n?\r") == []
    assert "not understood" in protocol.stats.last_error


def test_about_replies_are_kept_as_last_reply() -> None:
    protocol = SmaProtocol()
    assert protocol.feed(b"\nSMA:2/1.0\r") == []
    assert protocol.last_reply == b"\nSMA:2/1.0\r"
    assert counters(protocol.stats) == (1, 0, 0, 0, 0)


@pytest.mark.parametrize(
    "frame",
    [
        _reply(status="X"),
        _reply(rng="G"),
        _reply(mode="Q"),
        _reply(motion="X"),
        _reply(weight="123A0"),
        _reply().replace(b" \r", b"\r"),
    ],
    ids=["status", "range", "mode", "motion", "digit", "short"],
)
def test_malformed_replies_are_rejected(frame: bytes) -> None:
    protocol = SmaProtocol()
    assert protocol.feed(frame) == []
    assert protocol.stats.format_errors == 1


def test_a_reply_cut_short_resyncs_on_the_next_line_feed() -> None:
    protocol = SmaProtocol()
    assert weights(protocol.feed(b"\n 1G    " + STABLE_49380)) == [49380]
    assert counters(protocol.stats) == (1, 0, 0, 1, 8)


def test_a_line_feed_with_no_carriage_return_in_reach_is_dropped() -> None:
    protocol = SmaProtocol()
    assert protocol.feed(b"\n" + b"x" * 60) == []
    assert protocol.stats.discarded_bytes == 61
    assert weights(protocol.feed(STABLE_49380)) == [49380]


def test_encoder_reproduces_the_documented_reply() -> None:
    assert encode(IndicatorValue(49380, True)) == STABLE_49380
    assert encode(IndicatorValue(49380, False)) == MOTION_49380


@settings(max_examples=300, deadline=None)
@given(
    weight=st.integers(-999_999_999, 9_999_999_999),
    stable=st.booleans(),
    net=st.booleans(),
    status=st.sampled_from(["", "overload", "underload", "centre_of_zero"]),
    tonnes=st.booleans(),
)
def test_encoder_round_trips_through_the_decoder(
    weight: int, stable: bool, net: bool, status: str, tonnes: bool
) -> None:
    flags = {status: True} if status else {}
    value = IndicatorValue(weight, stable, net=net, **flags)
    options = {"unit": "t", "decimals": 3} if tonnes else {}
    try:
        wire = encode(value, **options)
    except ValueError:
        return  # more than ten characters
    assert SmaProtocol().feed(wire) == [IndicatorValue(weight, stable, net, raw=wire, **flags)]
