"""Yaohua XK3190 formats (protocols.md §1.3): tF=0, "=", A12E "W", tF=1 and the A22 variant."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.base import FrameError, IndicatorValue
from drivers.protocols.yaohua import (
    Tf1Reply,
    YaohuaEqProtocol,
    YaohuaTf0Protocol,
    YaohuaTf1Protocol,
    YaohuaWProtocol,
    checksum_chars,
    decode_request,
    decode_w,
    encode_eq,
    encode_tf0,
    encode_tf1,
    encode_w,
    handshake_reply,
    request,
)
from tests.drivers.protocols.streams import chunkings, counters, feed_all, weights

# ---- (a) tF=0 -----------------------------------------------------------------------------------

TF0_FRAMES = [
    # captured on a real weighbridge (app_tools_zxw), then other public code, then synthesized
    (bytes.fromhex("02 2B 30 30 30 30 30 30 30 31 42 03"), "kg", 0),
    (bytes.fromhex("02 2B 30 30 31 35 36 30 30 31 39 03"), "kg", 1560),
    (bytes.fromhex("02 2B 30 30 31 36 35 30 30 31 39 03"), "kg", 1650),
    (b"\x02+00326001C\x03", "kg", 3260),
    (b"\x02+003290013\x03", "kg", 3290),
    (bytes.fromhex("02 2B 30 34 39 33 38 30 30 31 44 03"), "kg", 49380),
    (b"\x02-00002001F\x03", "kg", -20),
    (b"\x02+00123421D\x03", "t", 12340),
]


@pytest.mark.parametrize(("frame", "unit", "weight"), TF0_FRAMES)
def test_tf0_documented_frames_decode_to_exact_values(frame: bytes, unit: str, weight: int) -> None:
    protocol = YaohuaTf0Protocol(unit=unit)
    assert protocol.feed(frame) == [IndicatorValue(weight, stable=False, raw=frame)]
    assert checksum_chars(frame[1:9]) == frame[9:11]


@pytest.mark.parametrize(
    ("frame", "kind"),
    [
        (b"\x02+00000001C\x03", "checksum"),
        (b"\x02+00000001b\x03", "checksum"),  # lower-case hex is not what the indicator sends
        (b"\x02*000000" + b"0" + checksum_chars(b"*0000000") + b"\x03", "format"),
        (b"\x02+0000A0" + b"0" + checksum_chars(b"+0000A00") + b"\x03", "format"),
        (b"\x02+000000" + b"5" + checksum_chars(b"+0000005") + b"\x03", "format"),
    ],
    ids=["checksum", "lower-case", "sign", "digit", "decimals"],
)
def test_tf0_invalid_frames_are_rejected_and_counted(frame: bytes, kind: str) -> None:
    protocol = YaohuaTf0Protocol()
    assert protocol.feed(frame + TF0_FRAMES[1][0]) == [
        IndicatorValue(1560, False, raw=TF0_FRAMES[1][0])
    ]
    errors = (1, 0) if kind == "checksum" else (0, 1)
    assert counters(protocol.stats) == (1, *errors, 0, 0)


def test_tf0_truncated_frame_is_skipped_and_the_next_decodes() -> None:
    protocol = YaohuaTf0Protocol()
    stream = b"\x02+0015600\x03" + b"\x02+001650019\x03"
    assert weights(protocol.feed(stream)) == [1650]
    assert protocol.stats.resyncs == 1


def test_tf0_nibble_encodings_differ_above_nine() -> None:
    value = IndicatorValue(0, False)
    assert encode_tf0(value) == b"\x02+00000001B\x03"
    a22 = encode_tf0(value, nibbles="a22")
    assert a22 == b"\x02+00000001;\x03"  # 0x1B: high 1, low 11 + 0x30 = ';'
    assert YaohuaTf0Protocol(nibbles="a22").feed(a22)[0].weight_kg == 0
    assert YaohuaTf0Protocol().feed(a22) == []


# ---- (b) tF=1 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cmd", "wire"),
    [
        ("A", bytes.fromhex("02 41 41 30 30 03")),
        ("B", bytes.fromhex("02 41 42 30 33 03")),
        ("C", bytes.fromhex("02 41 43 30 32 03")),
        ("D", bytes.fromhex("02 41 44 30 35 03")),
        ("E", bytes.fromhex("02 41 45 30 34 03")),
        ("F", bytes.fromhex("02 41 46 30 37 03")),
    ],
)
def test_tf1_host_frames_match_the_manual(cmd: str, wire: bytes) -> None:
    assert request(cmd, "A") == wire
    assert decode_request(wire) == ("A", cmd)


def test_tf1_poll_request_and_commands() -> None:
    assert YaohuaTf1Protocol().poll_request() == b"\x02AB03\x03"
    assert YaohuaTf1Protocol(poll="D", address="B").poll_request() == request("D", "B")
    assert YaohuaTf1Protocol(address="C").command("A") == request("A", "C")
    with pytest.raises(ValueError, match="address"):
        YaohuaTf1Protocol(address="a")
    with pytest.raises(ValueError, match="poll"):
        YaohuaTf1Protocol(poll="Z")


def test_tf1_documented_reply_decodes() -> None:
    frame = bytes.fromhex("02 41 42 2B 30 34 39 33 38 30 30 31 45 03")
    protocol = YaohuaTf1Protocol()
    assert protocol.feed(frame) == [IndicatorValue(49380, False, raw=frame)]
    assert protocol.last_reply == Tf1Reply("A", "B", 49380, frame)


def test_tf1_handshake_is_acknowledged_not_emitted() -> None:
    protocol = YaohuaTf1Protocol()
    assert handshake_reply() == bytes.fromhex("02 41 41 30 30 03")
    assert protocol.feed(handshake_reply()) == []
    assert protocol.last_reply == Tf1Reply("A", "A", None, handshake_reply())
    assert protocol.stats.frames == 1


def test_tf1_tare_then_net_reply() -> None:
    protocol = YaohuaTf1Protocol(poll="D")
    tare = encode_tf1(IndicatorValue(15000, False), command="C")
    net = encode_tf1(IndicatorValue(34380, False), command="D")
    assert protocol.feed(tare + net) == [IndicatorValue(34380, False, True, 15000, raw=net)]
    assert protocol.stats.frames == 2


def test_tf1_other_addresses_and_request_echoes_are_skipped() -> None:
    protocol = YaohuaTf1Protocol(address="A")
    stream = (
        request("B", "A")  # our own request echoed on a half-duplex line
        + encode_tf1(IndicatorValue(1, False), address="B")
        + encode_tf1(IndicatorValue(2, False), address="A")
    )
    assert weights(protocol.feed(stream)) == [2]
    assert counters(protocol.stats) == (1, 0, 0, 0, 0)


def test_tf1_checksum_failure_is_rejected() -> None:
    frame = bytearray(encode_tf1(IndicatorValue(49380, False)))
    frame[5] ^= 0x01  # one digit changed
    protocol = YaohuaTf1Protocol()
    assert protocol.feed(bytes(frame)) == []
    assert protocol.stats.checksum_errors == 1


def test_a22_zero_command_matches_the_manual() -> None:
    assert request("0", "A", nibbles="a22") == bytes.fromhex("02 41 30 37 31 03")


def test_a22_nibbles_add_0x30_even_above_nine() -> None:
    # 'K' ^ '0' = 0x7B: standard hex "7B", the A22 sends '7' and 0x30 + 11 = ';'
    assert request("0", "K") == b"\x02K07B\x03"
    assert request("0", "K", nibbles="a22") == b"\x02K07;\x03"
    assert decode_request(b"\x02K07;\x03", nibbles="a22") == ("K", "0")
    with pytest.raises(FrameError):
        decode_request(b"\x02K07;\x03")


# ---- (c) "=" formats ----------------------------------------------------------------------------

EQ_FRAMES = [
    ("reversed", "t", b"=000.3000", 3000),  # manual: 3.000
    ("reversed", "t", b"=00.1000-", -1000),  # manual: -1.00
    ("reversed", "kg", bytes.fromhex("3D 30 38 33 39 34 30 30 30"), 49380),
    ("normal", "t", b"=0003.000", 3000),  # manual, format 2
    ("normal", "t", b"=-0001.00", -1000),
    ("reversed-nosign", "t", b"543.210=", 12345),  # weighbridge-simulator: 012.345
    ("reversed-nosign", "kg", b"0839400=", 49380),
]


@pytest.mark.parametrize(("layout", "unit", "frame", "weight"), EQ_FRAMES)
def test_eq_documented_frames_decode_to_exact_values(
    layout: str, unit: str, frame: bytes, weight: int
) -> None:
    protocol = YaohuaEqProtocol(layout=layout, unit=unit)
    assert protocol.feed(frame) == [IndicatorValue(weight, stable=False, raw=frame)]


def test_eq_a22_replies_use_1_as_the_negative_sign() -> None:
    protocol = YaohuaEqProtocol(negative_sign="1", poll_command="R")
    assert protocol.feed(b"=02000001") == [IndicatorValue(-20, False, raw=b"=02000001")]
    assert protocol.poll_request() == request("R", "A", nibbles="a22")
    assert YaohuaEqProtocol().poll_request() is None


@pytest.mark.parametrize(
    "frame",
    [b"=0000000+", b"=00.1.00-", b"=abcdefg0", b"=.......0"],
    ids=["sign", "two points", "letters", "no digit"],
)
def test_eq_bad_frames_are_rejected(frame: bytes) -> None:
    protocol = YaohuaEqProtocol()
    assert protocol.feed(frame) == []
    assert counters(protocol.stats) == (0, 0, 1, 0, 0)


def test_eq_truncated_frame_resyncs_on_the_next_equals_sign() -> None:
    protocol = YaohuaEqProtocol()
    stream = b"=0839" + b"=08394000"
    for how, chunks in chunkings(stream):
        protocol = YaohuaEqProtocol()
        assert weights(feed_all(protocol, chunks)) == [49380], how
        assert counters(protocol.stats) == (1, 0, 0, 1, 5), how


def test_eq_nosign_chunk_of_ambiguous_length_is_rejected_not_misread() -> None:
    # A format-1 stream read as the no-sign variant: every chunk is 8 value characters.
    stream = b"=08394000=08394000=08394000="
    for how, chunks in chunkings(stream):
        protocol = YaohuaEqProtocol(layout="reversed-nosign")
        assert feed_all(protocol, chunks) == [], how
        assert counters(protocol.stats) == (0, 0, 3, 1, 1), how


def test_eq_nosign_keeps_the_field_after_non_value_bytes() -> None:
    protocol = YaohuaEqProtocol(layout="reversed-nosign", unit="t")
    assert weights(protocol.feed(b"\x00\xff543.210=")) == [12345]
    assert counters(protocol.stats) == (1, 0, 0, 1, 2)


def test_eq_option_validation() -> None:
    with pytest.raises(ValueError, match="layout"):
        YaohuaEqProtocol(layout="sideways")
    with pytest.raises(ValueError, match="negative_sign"):
        YaohuaEqProtocol(negative_sign="0")
    with pytest.raises(ValueError, match="unit"):
        YaohuaEqProtocol(unit="lb")


def test_eq_encoder_reproduces_the_documented_frames() -> None:
    assert encode_eq(IndicatorValue(3000, False), decimals=3, unit="t") == b"=000.3000"
    assert encode_eq(IndicatorValue(-1000, False), decimals=2, unit="t") == b"=00.1000-"
    assert encode_eq(IndicatorValue(49380, False)) == b"=08394000"
    normal = encode_eq(IndicatorValue(-1000, False), layout="normal", decimals=2, unit="t")
    assert normal == b"=-0001.00"
    nosign = encode_eq(IndicatorValue(12345, False), layout="reversed-nosign", decimals=3, unit="t")
    assert nosign == b"543.210="


# ---- (d) A12E "W" -------------------------------------------------------------------------------

W_FRAMES = [
    (bytes.fromhex("57 47 30 30 34 2E 31 33 39 6B 67 33 44 0D 0A"), 4, False),  # manual: 4.139 kg
    (b"WG012340 kg38\r\n", 12340, False),
    (b"WN-12.345kg27\r\n", -12, True),
]


@pytest.mark.parametrize(("frame", "weight", "net"), W_FRAMES)
def test_w_documented_frames_decode_to_exact_values(frame: bytes, weight: int, net: bool) -> None:
    assert YaohuaWProtocol().feed(frame) == [IndicatorValue(weight, False, net=net, raw=frame)]


@pytest.mark.parametrize(
    ("frame", "message"),
    [(b"         OL23\r\n", "overload"), (b"         LO23\r\n", "underload")],
)
def test_w_overload_and_underload_carry_no_weight(frame: bytes, message: str) -> None:
    protocol = YaohuaWProtocol()
    assert protocol.feed(frame) == []
    assert counters(protocol.stats) == (0, 0, 1, 0, 0)
    assert message in protocol.stats.last_error


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b"WG004.139kg3E", "checksum"),
        (b"WG004.139lb", "unit"),
        (b"WX004.139kg", "format"),
        (b"WG00A.139kg", "format"),
        (b"         XX", "format"),
    ],
    ids=["checksum", "lb", "kind", "digit", "blank frame"],
)
def test_w_invalid_frames_are_rejected(body: bytes, kind: str) -> None:
    frame = body if len(body) == 13 else body + checksum_chars(body)
    with pytest.raises(FrameError) as caught:
        decode_w(frame + b"\r\n")
    assert caught.value.kind == kind


def test_w_tonne_frames_are_converted() -> None:
    frame = encode_w(IndicatorValue(12340, False), decimals=2, unit="t")
    assert frame == b"WG0012.34t " + checksum_chars(b"WG0012.34t ") + b"\r\n"
    assert YaohuaWProtocol().feed(frame)[0].weight_kg == 12340


def test_w_encoder_reproduces_the_documented_frames() -> None:
    assert encode_w(IndicatorValue(12340, False)) == b"WG012340 kg38\r\n"
    assert encode_w(IndicatorValue(0, False, overload=True)) == b"         OL23\r\n"
    assert encode_w(IndicatorValue(0, False, underload=True)) == b"         LO23\r\n"


# ---- round trips --------------------------------------------------------------------------------

SCALES = st.sampled_from([("kg", 0, 1), ("t", 2, 10), ("t", 3, 1)])  # unit, decimals, kg step


@settings(max_examples=200, deadline=None)
@given(
    scale=SCALES,
    digits=st.integers(-999_999, 999_999),
    nibbles=st.sampled_from(["standard", "a22"]),
)
def test_tf0_round_trip(scale: tuple, digits: int, nibbles: str) -> None:
    unit, decimals, step = scale
    value = IndicatorValue(digits * step, False)
    wire = encode_tf0(value, decimals=decimals, unit=unit, nibbles=nibbles)
    assert YaohuaTf0Protocol(unit=unit, nibbles=nibbles).feed(wire) == [
        IndicatorValue(value.weight_kg, False, raw=wire)
    ]


@settings(max_examples=200, deadline=None)
@given(
    scale=SCALES,
    digits=st.integers(-999_999, 999_999),
    command=st.sampled_from("BD"),
    address=st.sampled_from("AKZ"),
    nibbles=st.sampled_from(["standard", "a22"]),
)
def test_tf1_round_trip(
    scale: tuple, digits: int, command: str, address: str, nibbles: str
) -> None:
    unit, decimals, step = scale
    value = IndicatorValue(digits * step, False)
    wire = encode_tf1(
        value, command=command, address=address, decimals=decimals, unit=unit, nibbles=nibbles
    )
    protocol = YaohuaTf1Protocol(address=address, unit=unit, nibbles=nibbles)
    expected = IndicatorValue(value.weight_kg, False, net=command == "D", raw=wire)
    assert protocol.feed(wire) == [expected]


@settings(max_examples=300, deadline=None)
@given(
    scale=SCALES,
    digits=st.integers(-99_999, 999_999),
    layout=st.sampled_from(["reversed", "normal", "reversed-nosign"]),
    negative_sign=st.sampled_from("-1"),
)
def test_eq_round_trip(scale: tuple, digits: int, layout: str, negative_sign: str) -> None:
    unit, decimals, step = scale
    value = IndicatorValue(digits * step, False)
    options = {"layout": layout, "unit": unit}
    if layout != "reversed-nosign":
        options["negative_sign"] = negative_sign
    try:
        wire = encode_eq(value, decimals=decimals, **options)
    except ValueError:
        return  # the value does not fit in seven characters with this many decimals
    assert YaohuaEqProtocol(**options).feed(wire) == [
        IndicatorValue(value.weight_kg, False, raw=wire)
    ]


@settings(max_examples=300, deadline=None)
@given(
    scale=SCALES,
    digits=st.integers(-99_999, 999_999),
    net=st.booleans(),
    nibbles=st.sampled_from(["standard", "a22"]),
)
def test_w_round_trip(scale: tuple, digits: int, net: bool, nibbles: str) -> None:
    unit, decimals, step = scale
    value = IndicatorValue(digits * step, False, net=net)
    try:
        wire = encode_w(value, decimals=decimals, unit=unit, nibbles=nibbles)
    except ValueError:
        return  # does not fit in the seven-character field
    expected = IndicatorValue(value.weight_kg, False, net=net, raw=wire)
    assert YaohuaWProtocol(nibbles=nibbles).feed(wire) == [expected]
