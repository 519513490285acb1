"""MT-SICS (protocols.md §1.2): exact command bytes, replies, statuses, tare tracking."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.base import IndicatorValue
from drivers.protocols.mtsics import MtSicsProtocol, SicsReply, command, encode, reply
from tests.drivers.protocols.streams import counters


@pytest.mark.parametrize(
    ("name", "wire"),
    [
        ("S", bytes.fromhex("53 0D 0A")),
        ("SI", b"SI\r\n"),
        ("Z", b"Z\r\n"),
        ("T", b"T\r\n"),
        ("TAC", b"TAC\r\n"),
    ],
)
def test_command_bytes_are_exact(name: str, wire: bytes) -> None:
    assert command(name) == wire
    assert MtSicsProtocol.command(name) == wire


def test_unknown_command_is_refused() -> None:
    with pytest.raises(ValueError, match="known"):
        command("XYZ")


def test_poll_request_is_si_by_default_and_s_on_request() -> None:
    assert MtSicsProtocol().poll_request() == b"SI\r\n"
    assert MtSicsProtocol(poll="S").poll_request() == b"S\r\n"
    with pytest.raises(ValueError, match="poll"):
        MtSicsProtocol(poll="Z")


WEIGHT_REPLIES = [
    # the documented stable example, in kg (the MT manual's own example uses g)
    (bytes.fromhex("53 20 53 20 20 20 20 20 31 30 30 2E 30 30 20 6B 67 0D 0A"), 100, True),
    (b"S D    1234.56 kg\r\n", 1235, False),
    (b"SI S      49380 kg\r\n", 49380, True),
    (b"SI D        -20 kg\r\n", -20, False),
    (b"SIR D 12.34 t\r\n", 12340, False),
    (b"S   S   7   kg\r\n", 7, True),  # whitespace, not columns
]


@pytest.mark.parametrize(("line", "weight", "stable"), WEIGHT_REPLIES)
def test_weight_replies_decode_to_exact_values(line: bytes, weight: int, stable: bool) -> None:
    protocol = MtSicsProtocol()
    assert protocol.feed(line) == [IndicatorValue(weight, stable, raw=line)]
    assert protocol.last_reply is not None
    assert protocol.last_reply.value_kg == weight


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b"S +\r\n", "overload"),
        (b"S -\r\n", "underload"),
        (b"SI +\r\n", "overload"),
        (b"S I\r\n", "busy"),
        (b"Z I\r\n", "busy"),
        (b"T L\r\n", "logical"),
        (bytes.fromhex("45 53 0D 0A"), "syntax"),
        (b"ET\r\n", "transmission"),
        (b"EL\r\n", "logical"),
    ],
)
def test_statuses_emit_no_weight_and_show_in_last_error(line: bytes, message: str) -> None:
    protocol = MtSicsProtocol()
    assert protocol.feed(line) == []
    assert counters(protocol.stats) == (0, 0, 1, 0, 0)
    assert message in protocol.stats.last_error
    assert protocol.last_reply is not None
    assert protocol.last_reply.raw == line


def test_acknowledgements_are_visible_to_the_caller() -> None:
    protocol = MtSicsProtocol()
    assert protocol.feed(bytes.fromhex("5A 20 41 0D 0A")) == []
    assert protocol.last_reply == SicsReply("Z", "A", None, b"Z A\r\n")
    assert counters(protocol.stats) == (1, 0, 0, 0, 0)


def test_tare_makes_later_values_net_until_cleared() -> None:
    protocol = MtSicsProtocol()
    stream = b"S S 20000 kg\r\nT S      15000 kg\r\nS S 5000 kg\r\nTAC A\r\nS S 20000 kg\r\n"
    gross, net, cleared = protocol.feed(stream)
    assert (gross.net, gross.tare_kg) == (False, 0)
    assert (net.weight_kg, net.net, net.tare_kg) == (5000, True, 15000)
    assert (cleared.net, cleared.tare_kg) == (False, 0)
    assert protocol.last_reply == SicsReply("S", "S", 20000, b"S S 20000 kg\r\n")
    assert protocol.stats.frames == 5


@pytest.mark.parametrize(
    "line",
    [
        b"S S 100.00 g\r\n",
        b"S S 100.00 lb\r\n",
        b"S S NaN kg\r\n",
        b"S S 1e3 kg\r\n",
        b"S S 100.00\r\n",
        b"Q A\r\n",
        b"Z S 5 kg\r\n",
        b"S A\r\n",
        b"S\r\n",
    ],
)
def test_malformed_or_foreign_unit_replies_are_rejected(line: bytes) -> None:
    protocol = MtSicsProtocol()
    assert protocol.feed(line) == []
    assert protocol.stats.format_errors == 1


def test_line_noise_before_a_reply_is_discarded() -> None:
    protocol = MtSicsProtocol()
    assert protocol.feed(b"\x00\x11\xffS S 100 kg\r\n")[0].weight_kg == 100
    assert counters(protocol.stats) == (1, 0, 0, 1, 3)
    assert protocol.feed(b"\r\n\x00\x01\r\n") == []
    assert protocol.stats.discarded_bytes == 3 + 6


def test_reply_helper_formats_like_the_terminal() -> None:
    assert reply("Z", "A") == b"Z A\r\n"
    assert reply("T", "S", 15000) == b"T S      15000 kg\r\n"


def test_encoder_right_aligns_the_value_in_ten_columns() -> None:
    assert encode(IndicatorValue(100, True), decimals=2) == b"S S     100.00 kg\r\n"
    assert encode(IndicatorValue(1235, False), command="SI") == b"SI D       1235 kg\r\n"
    assert encode(IndicatorValue(0, False, overload=True)) == b"S +\r\n"


@settings(max_examples=300, deadline=None)
@given(
    weight=st.integers(-9_999_999, 9_999_999),
    stable=st.booleans(),
    cmd=st.sampled_from(["S", "SI"]),
    tonnes=st.booleans(),
)
def test_encoder_round_trips_through_the_decoder(
    weight: int, stable: bool, cmd: str, tonnes: bool
) -> None:
    value = IndicatorValue(weight, stable)
    options = {"unit": "t", "decimals": 3} if tonnes else {}
    wire = encode(value, command=cmd, **options)
    assert MtSicsProtocol().feed(wire) == [IndicatorValue(weight, stable, raw=wire)]


@given(overload=st.booleans())
def test_overload_round_trips_as_a_status(overload: bool) -> None:
    protocol = MtSicsProtocol()
    value = IndicatorValue(0, True, overload=overload, underload=not overload)
    assert protocol.feed(encode(value)) == []
    assert ("overload" if overload else "underload") in protocol.stats.last_error
