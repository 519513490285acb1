"""Mettler-Toledo standard continuous output (protocols.md §1.1)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.base import FrameError, IndicatorValue
from drivers.protocols.toledo import (
    ToledoProtocol,
    checksum,
    decode_frame,
    encode,
    parse_status,
    with_even_parity,
)
from tests.drivers.protocols.streams import chunkings, counters, feed_all, weights


def _with_checksum(frame: bytes) -> bytes:
    return frame + bytes([checksum(frame)])


DOC_FRAMES = [
    # (frame, weight, stable, net, tare): the examples of protocols.md §1.1
    (bytes.fromhex("02 3A 30 20 30 31 32 33 34 35 30 30 30 30 30 30 0D"), 12345, True, False, 0),
    (b"\x02:0 012345000000\r\x18", 12345, True, False, 0),
    (
        bytes.fromhex("02 3A 39 20 30 30 32 33 34 30 30 31 30 30 30 30 0D 14"),
        2340,
        False,
        True,
        10000,
    ),
    (b"\x02:2 000020000000\r#", -20, True, False, 0),
]


@pytest.mark.parametrize(("frame", "weight", "stable", "net", "tare"), DOC_FRAMES)
def test_documented_frames_decode_to_exact_values(
    frame: bytes, weight: int, stable: bool, net: bool, tare: int
) -> None:
    mode = "required" if len(frame) == 18 else "absent"
    values = ToledoProtocol(checksum=mode).feed(frame)
    assert values == [IndicatorValue(weight, stable, net, tare, raw=frame)]


def test_documented_checksums_are_the_7_bit_twos_complement() -> None:
    assert checksum(b"\x02:0 012345000000\r") == 0x18
    assert checksum(b"\x02:9 002340010000\r") == 0x14
    assert checksum(b"\x02:2 000020000000\r") == 0x23


@pytest.mark.parametrize(
    ("code", "decimals", "dummy_zeros"),
    [(0, 0, 2), (1, 0, 1), (2, 0, 0), (3, 1, 0), (4, 2, 0), (5, 3, 0), (6, 4, 0), (7, 5, 0)],
)
def test_swa_decimal_position(code: int, decimals: int, dummy_zeros: int) -> None:
    status = parse_status(0x28 | code, 0x30, 0x20)
    assert (status.decimals, status.dummy_zeros) == (decimals, dummy_zeros)


@pytest.mark.parametrize(("bits", "increment"), [(1, 1), (2, 2), (3, 5)])
def test_swa_increment(bits: int, increment: int) -> None:
    assert parse_status(0x22 | bits << 3, 0x30, 0x20).increment == increment


@pytest.mark.parametrize(
    ("bit", "field"),
    [
        (0, "net"),
        (1, "negative"),
        (2, "out_of_range"),
        (3, "motion"),
        (6, "power_up"),
    ],
)
def test_each_swb_bit(bit: int, field: str) -> None:
    fields = ("net", "negative", "out_of_range", "motion", "power_up")
    clear, set_ = parse_status(0x3A, 0x30, 0x20), parse_status(0x3A, 0x30 | 1 << bit, 0x20)
    assert not getattr(clear, field)
    assert getattr(set_, field)
    assert all(getattr(set_, other) == getattr(clear, other) for other in fields if other != field)


@pytest.mark.parametrize(
    ("swb", "swc", "unit"),
    [
        (0x30, 0x20, "kg"),
        (0x20, 0x20, "lb"),
        (0x10, 0x20, "kg"),  # Fairbanks: SWB bit 5 always 0
        (0x30, 0x21, "g"),
        (0x30, 0x22, "t"),
        (0x20, 0x22, "t"),
        (0x30, 0x23, "oz"),
        (0x30, 0x26, "ton"),
        (0x30, 0x27, "N"),
        (0x30, 0x24, "SWC code 100"),
    ],
)
def test_units_from_swb_and_swc(swb: int, swc: int, unit: str) -> None:
    assert parse_status(0x3A, swb, swc).unit == unit


def test_swc_print_request_and_expanded_bits() -> None:
    assert parse_status(0x3A, 0x30, 0x28).print_request
    assert parse_status(0x3A, 0x30, 0x30).expanded
    assert not parse_status(0x3A, 0x30, 0x20).print_request


@pytest.mark.parametrize(
    ("swa", "swc"),
    [(0x1A, 0x20), (0x7A, 0x20), (0x22, 0x20), (0x3A, 0x00)],
    ids=["SWA bit5 clear", "SWA bit6 set", "no increment", "SWC bit5 clear"],
)
def test_impossible_status_words_are_rejected(swa: int, swc: int) -> None:
    with pytest.raises(FrameError) as caught:
        parse_status(swa, 0x30, swc)
    assert caught.value.kind == "status"


def _frame(swa: int, swb: int, swc: int, digits: bytes) -> bytes:
    return _with_checksum(bytes([0x02, swa, swb, swc]) + digits + b"\r")


@pytest.mark.parametrize(
    ("swb", "weight", "stable", "overload", "underload"),
    [
        (0x34, 1234, True, True, False),  # out of range, positive: over capacity
        (0x36, -1234, True, False, True),  # out of range, negative: under zero
        (0x38, 1234, False, False, False),  # motion
        (0x70, 1234, False, False, False),  # power-up, zero not captured
    ],
    ids=["overload", "underload", "motion", "power-up"],
)
def test_status_bits_reach_the_value(
    swb: int, weight: int, stable: bool, overload: bool, underload: bool
) -> None:
    value = decode_frame(_frame(0x2A, swb, 0x20, b"001234000000"))
    assert (value.weight_kg, value.stable) == (weight, stable)
    assert (value.overload, value.underload) == (overload, underload)


def test_tonne_frames_are_converted_to_kg() -> None:
    # SWA 0x2C: XXXX.XX, x1; SWC 0x22: t. 12.34 t is 12 340 kg.
    frame = _frame(0x2C, 0x30, 0x22, b"001234000150")
    value = decode_frame(frame)
    assert (value.weight_kg, value.tare_kg) == (12340, 1500)


def test_decimal_kg_frames_round_half_up() -> None:
    assert decode_frame(_frame(0x2B, 0x30, 0x20, b"123455000000")).weight_kg == 12346


@pytest.mark.parametrize(
    ("swb", "swc"),
    [(0x20, 0x20), (0x30, 0x21), (0x30, 0x23), (0x30, 0x26), (0x30, 0x27), (0x30, 0x25)],
    ids=["lb", "g", "oz", "ton", "N", "unknown"],
)
def test_frames_in_other_units_are_unit_errors(swb: int, swc: int) -> None:
    protocol = ToledoProtocol(checksum="required")
    assert protocol.feed(_frame(0x3A, swb, swc, b"012345000000")) == []
    assert protocol.stats.format_errors == 1
    assert "unit" in protocol.stats.last_error


def test_expanded_display_is_not_a_weight() -> None:
    protocol = ToledoProtocol(checksum="required")
    assert protocol.feed(_frame(0x3A, 0x30, 0x30, b"012345000000")) == []
    assert protocol.stats.format_errors == 1


def test_dummy_zeros_are_either_in_the_field_or_appended() -> None:
    frame = _frame(0x28, 0x30, 0x20, b"000123000001")  # SWA code 000: XXXX00
    assert decode_frame(frame).weight_kg == 123
    appended = decode_frame(frame, dummy_zeros_in_field=False)
    assert (appended.weight_kg, appended.tare_kg) == (12300, 100)


def test_checksum_failure_is_rejected_and_counted() -> None:
    good = b"\x02:0 012345000000\r\x18"
    bad = good[:-1] + b"\x19"
    protocol = ToledoProtocol(checksum="required")
    assert weights(protocol.feed(bad + good)) == [12345]
    assert counters(protocol.stats) == (1, 1, 0, 0, 0)
    assert "checksum" in protocol.stats.last_error


@pytest.mark.parametrize(
    "frame",
    [b"\x02:0 0123A5000000\r", b"\x02:0 012345 00000\r", b"\x02:0 -12345000000\r"],
    ids=["letter", "blank", "sign"],
)
def test_bad_digits_are_format_errors(frame: bytes) -> None:
    protocol = ToledoProtocol(checksum="required")
    assert protocol.feed(_with_checksum(frame)) == []
    assert counters(protocol.stats) == (0, 0, 1, 0, 0)


def test_stray_stx_without_cr_at_the_frame_end_is_garbage() -> None:
    protocol = ToledoProtocol(checksum="required")
    stream = b"\x02\x02junk" + b"\x02:0 012345000000\r\x18"
    assert weights(protocol.feed(stream)) == [12345]
    assert counters(protocol.stats) == (1, 0, 0, 1, 6)


def test_7e1_bytes_read_as_8n1_are_masked_by_default() -> None:
    frame = b"\x02:9 002340010000\r\x14"
    wire = with_even_parity(frame)
    assert wire[0] == 0x82  # STX with its parity bit, as the C# reader waits for
    assert ToledoProtocol(checksum="required").feed(wire)[0].weight_kg == 2340
    unmasked = ToledoProtocol(checksum="required", mask_parity=False)
    assert unmasked.feed(wire) == []
    assert unmasked.stats.discarded_bytes == len(wire)


def test_detect_mode_reads_streams_with_and_without_checksums() -> None:
    with_sum = b"\x02:0 012345000000\r\x18" * 3
    without = b"\x02:0 012345000000\r" * 3
    assert weights(ToledoProtocol().feed(with_sum)) == [12345] * 3
    # Without checksums a frame is known complete only when the next STX arrives.
    assert weights(ToledoProtocol().feed(without)) == [12345] * 2
    assert weights(ToledoProtocol().feed(without + b"\x02")) == [12345] * 3


def test_detect_mode_tells_a_checksum_of_0x02_from_the_next_stx() -> None:
    frame = _find_frame_with_checksum(0x02)
    stream = frame + b"\x02:0 012345000000\r\x18"
    for how, chunks in chunkings(stream):
        assert len(feed_all(ToledoProtocol(), chunks)) == 2, how
    bare = frame[:17] + b"\x02:0 012345000000\r\x18"
    assert len(ToledoProtocol().feed(bare)) == 2


def _find_frame_with_checksum(wanted: int) -> bytes:
    for tare in range(1000):
        frame = b"\x02:0 012345" + b"%06d" % tare + b"\r"
        if checksum(frame) == wanted:
            return frame + bytes([wanted])
    raise AssertionError("no such frame")


def test_required_mode_rejects_frames_without_checksum() -> None:
    protocol = ToledoProtocol(checksum="required")
    assert protocol.feed(b"\x02:0 012345000000\r" * 3) == []
    assert protocol.stats.checksum_errors >= 1


def test_unknown_checksum_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="checksum"):
        ToledoProtocol(checksum="maybe")


def test_encoder_reproduces_the_documented_frames() -> None:
    assert encode(IndicatorValue(12345, True), increment=5) == b"\x02:0 012345000000\r\x18"
    net = IndicatorValue(2340, False, net=True, tare_kg=10000)
    assert encode(net, increment=5) == b"\x02:9 002340010000\r\x14"
    assert encode(IndicatorValue(-20, True), increment=5, checksum=False) == DOC_FRAMES[3][0][:17]


def test_encoder_refuses_what_the_frame_cannot_carry() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        encode(IndicatorValue(1_000_000, True))
    with pytest.raises(ValueError, match="not representable"):
        encode(IndicatorValue(12345, True), unit="t", decimals=2)
    with pytest.raises(ValueError, match="out-of-range"):
        encode(IndicatorValue(-5, True, overload=True))


@st.composite
def toledo_values(draw: st.DrawFn) -> tuple[IndicatorValue, dict]:
    # (unit, decimals, kg per display step, largest kg in six digits)
    unit, decimals, step, limit = draw(
        st.sampled_from(
            [
                ("kg", 0, 1, 999_999),
                ("kg", 1, 1, 99_999),
                ("t", 2, 10, 9_999_990),
                ("t", 3, 1, 999_999),
            ]
        )
    )
    weight = draw(st.integers(-limit, limit)) // step * step
    tare = draw(st.integers(0, limit)) // step * step
    out_of_range = draw(st.booleans())
    value = IndicatorValue(
        weight_kg=weight,
        stable=draw(st.booleans()),
        net=draw(st.booleans()),
        tare_kg=tare,
        overload=out_of_range and weight >= 0,
        underload=out_of_range and weight < 0,
    )
    options = {"unit": unit, "decimals": decimals, "increment": draw(st.sampled_from([1, 2, 5]))}
    options["parity"] = draw(st.booleans())
    return value, options


@settings(max_examples=300, deadline=None)
@given(case=toledo_values(), checksum_mode=st.sampled_from(["required", "absent"]))
def test_encoder_round_trips_through_the_decoder(case: tuple, checksum_mode: str) -> None:
    value, options = case
    wire = encode(value, checksum=checksum_mode == "required", **options)
    (decoded,) = ToledoProtocol(checksum=checksum_mode).feed(wire)
    assert decoded == IndicatorValue(
        weight_kg=value.weight_kg,
        stable=value.stable,
        net=value.net,
        tare_kg=value.tare_kg,
        overload=value.overload,
        underload=value.underload,
        raw=wire.translate(bytes(b & 0x7F for b in range(256))),
    )
