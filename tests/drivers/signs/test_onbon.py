"""Onbon BX-5/BX-6 packets: golden frames, CRC, escaping, text, the stream reader."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from drivers.signs import onbon
from drivers.signs.onbon import (
    CLEAR,
    PING,
    Frame,
    FrameError,
    FrameReader,
    SignColour,
    TextArea,
    command_data,
    crc16_arc,
    decode,
    dynamic_text_data,
    encode,
    encode_text,
    escape,
    markup,
    parse_dynamic_text,
    split_colours,
    unescape,
)


def hex_bytes(text: str) -> bytes:
    return bytes.fromhex(text)


PREAMBLE = "A5 A5 A5 A5 A5 A5 A5 A5 "
HEADER = "01 00 00 80 00 00 00 00 00 00 FE 02 "

# protocols.md §3.4 [verified]: the two literal frames of the public LED driver.
PING_FRAME = hex_bytes(PREAMBLE + HEADER + "05 00 A2 00 01 00 00 68 F8 5A")
CLEAR_FRAME = hex_bytes(PREAMBLE + HEADER + "05 00 A3 10 01 00 00 51 F8 5A")

# A dynamic-text packet from a public C driver's comments: 192x32 px area, text moving in
# from the left (effect 3), speed 4, hold 5; its CRC (A8 7D) is the driver's, not ours.
TEXT_FRAME = hex_bytes(
    PREAMBLE + HEADER + "32 00 A3 06 01 2D 00 00 01 29 00 00 00 00 00 00 18 00 20 00 00 00 00 "
    "02 00 00 00 00 02 02 03 00 04 05 0E 00 00 00 30 31 32 33 34 35 51 52 53 54 54 56 27 42 "
    "A8 7D 5A"
)

# The sample in the Onbon protocol tool's CRC window (data only, no CRC): "仰邦" static in a
# 32x16 px area.
TOOL_SAMPLE_BODY = hex_bytes(
    HEADER + "28 00 A3 06 01 23 00 00 01 1F 00 00 00 00 00 00 04 00 10 00 00 00 00 02 00 00 00 "
    "00 02 02 01 00 00 0A 04 00 00 00 D1 F6 B0 EE"
)


def test_ping_golden_frame() -> None:
    assert encode(Frame(command_data(PING))) == PING_FRAME


def test_clear_golden_frame() -> None:
    assert encode(Frame(command_data(CLEAR))) == CLEAR_FRAME


def test_dynamic_text_golden_frame() -> None:
    area = TextArea(width=192, height=32, effect=3, speed=4, hold=5)
    assert encode(Frame(dynamic_text_data([(b"012345QRSTTV'B", area)]))) == TEXT_FRAME


def test_dynamic_text_matches_the_onbon_tool_sample() -> None:
    area = TextArea(width=32, height=16, effect=1, speed=0, hold=10)
    frame = encode(Frame(dynamic_text_data([(encode_text("仰邦"), area)])))
    body = TOOL_SAMPLE_BODY
    assert frame == PREAMBLE_BYTES + escape(body + crc16_arc(body).to_bytes(2, "little")) + b"\x5a"


PREAMBLE_BYTES = b"\xa5" * 8


@pytest.mark.parametrize(
    ("data", "crc"),
    [
        (b"123456789", 0xBB3D),  # the CRC-16/ARC check value
        (b"", 0x0000),
        (hex_bytes(HEADER + "05 00 A2 00 01 00 00"), 0xF868),
        (hex_bytes(HEADER + "05 00 A3 10 01 00 00"), 0xF851),
    ],
)
def test_crc16_arc(data: bytes, crc: int) -> None:
    assert crc16_arc(data) == crc


def test_golden_frames_decode_back() -> None:
    ping = decode(PING_FRAME)
    assert (ping.command, ping.flag, ping.dst, ping.src) == (PING, onbon.REPLY, 1, 0x8000)
    assert (ping.device_type, ping.protocol_version, ping.payload) == (0xFE, 2, b"")
    [area] = parse_dynamic_text(decode(TEXT_FRAME).payload)
    assert area.text == "012345QRSTTV'B"
    assert (area.area.width, area.area.height, area.area.effect) == (192, 32, 3)
    assert (area.area.speed, area.area.hold, area.area.timeout_s) == (4, 5, 2)


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        (b"\xa5", b"\xa6\x02"),
        (b"\xa6", b"\xa6\x01"),
        (b"\x5a", b"\x5b\x02"),
        (b"\x5b", b"\x5b\x01"),
        (b"\x01\xa5\xa6\x5a\x5b\x02", b"\x01\xa6\x02\xa6\x01\x5b\x02\x5b\x01\x02"),
        (b"plain", b"plain"),
    ],
)
def test_escaping_rules(raw: bytes, escaped: bytes) -> None:
    assert escape(raw) == escaped
    assert unescape(escaped) == raw


def test_escaping_round_trip_of_every_byte() -> None:
    raw = bytes(range(256)) * 2
    escaped = escape(raw)
    assert not {0xA5, 0x5A} & set(escaped)
    assert unescape(escaped) == raw


@pytest.mark.parametrize("bad", [b"\xa6\x03", b"\x5b\x00", b"\xa6", b"ab\xa5", b"\x5a"])
def test_bad_escapes_are_frame_errors(bad: bytes) -> None:
    with pytest.raises(FrameError):
        unescape(bad)


def test_text_with_bytes_that_need_escaping_round_trips() -> None:
    # 违 is CE A5 and 力 is C1 A6 in GB2312; Z and [ are 5A and 5B.
    text = markup([(SignColour.RED, "违法超限"), (None, " Z["), (SignColour.YELLOW, "力")])
    raw = encode_text(text)
    assert {0xA5, 0xA6, 0x5A, 0x5B} <= set(raw)
    packet = encode(Frame(dynamic_text_data([(raw, TextArea(area_id=2))])))
    assert packet.count(b"\xa5") == 8 and packet.count(b"\x5a") == 1
    [area] = parse_dynamic_text(decode(packet).payload)
    assert area.raw == raw
    assert area.text == "\\C1违法超限 Z[\\C3力"
    # A segment without a colour keeps the colour in force, as on the sign.
    assert area.segments == [(SignColour.RED, "违法超限 Z["), (SignColour.YELLOW, "力")]


def test_gb2312_text_encoding() -> None:
    assert encode_text("超限请靠边") == "超限请靠边".encode("gb2312")
    assert encode_text("川A12345 49.0t") == b"\xb4\xa8A12345 49.0t"


def test_text_outside_gb2312_is_refused() -> None:
    with pytest.raises(ValueError, match="GB2312"):
        encode_text("超限😀")
    with pytest.raises(ValueError, match="GB2312"):
        encode_text("镕")  # GBK-only character


def test_colour_markup() -> None:
    segments = [(SignColour.RED, "超限"), (SignColour.GREEN, "通行"), (SignColour.YELLOW, "慢")]
    assert markup(segments) == "\\C1超限\\C2通行\\C3慢"
    assert split_colours(markup(segments)) == segments
    assert markup("plain") == "plain"
    assert split_colours("plain") == [(None, "plain")]
    with pytest.raises(ValueError, match="colour escape"):
        markup("sneaky \\C1 red")


@pytest.mark.parametrize(
    ("x", "width", "x_bytes", "width_bytes"),
    [
        (0, 64, b"\x00\x00", b"\x08\x00"),  # 8-pixel units, as every literal frame has them
        (16, 96, b"\x02\x00", b"\x0c\x00"),
        (3, 100, b"\x03\x80", b"\x64\x80"),  # pixels, flagged by the high bit
    ],
)
def test_area_x_and_width_units(x: int, width: int, x_bytes: bytes, width_bytes: bytes) -> None:
    block = onbon.area_block(b"A", TextArea(x=x, width=width, y=5, height=24))
    assert block[3:5] == x_bytes and block[7:9] == width_bytes
    [area] = parse_dynamic_text(bytes((0, 1)) + block)
    assert (area.area.x, area.area.width, area.area.y, area.area.height) == (x, width, 5, 24)


def test_area_options_round_trip() -> None:
    area = TextArea(
        x=8,
        y=16,
        width=128,
        height=16,
        area_id=3,
        line_spacing=1,
        run_mode=2,
        timeout_s=30,
        align=1,
        single_line=True,
        auto_wrap=False,
        effect=5,
        exit_effect=2,
        speed=3,
        hold=20,
    )
    data = dynamic_text_data([(b"ok", area)], delete=(1, 2))
    assert data[:3] == bytes((0xA3, 0x06, onbon.REPLY))
    assert int.from_bytes(data[3:5], "little") == len(data) - 5
    assert data[5:8] == b"\x02\x01\x02"
    [parsed] = parse_dynamic_text(data[5:])
    assert parsed.area == area and parsed.text == "ok"


def test_truncated_dynamic_text_payload_is_a_frame_error() -> None:
    payload = decode(TEXT_FRAME).payload
    with pytest.raises(FrameError):
        parse_dynamic_text(payload[:-3])
    with pytest.raises(FrameError):
        parse_dynamic_text(payload[:1])


def test_ack_and_nack_frames() -> None:
    ack = decode(encode(Frame(onbon.ack_data(), dst=0x8000, src=1)))
    nack = decode(encode(Frame(onbon.ack_data(error=7), dst=0x8000, src=1)))
    assert ack.is_ack and not ack.is_nack
    assert nack.is_nack and nack.flag == 7


def test_barcode_header_is_understood() -> None:
    frame = Frame(command_data(PING), barcode=b"BX-6E1-0123456789"[:16])
    decoded = decode(encode(frame))
    assert decoded == frame
    with pytest.raises(ValueError, match="barcode"):
        encode(Frame(command_data(PING), barcode=b"short"))


@pytest.mark.parametrize(
    "damage",
    [
        lambda f: f[:-3] + bytes((f[-3] ^ 1,)) + f[-2:],  # CRC byte
        lambda f: f[:24] + bytes((f[24] ^ 1,)) + f[25:],  # a data byte
        lambda f: f[:20] + b"\x06" + f[21:],  # data length
        lambda f: f[:-1],  # no end byte
        lambda f: f[8:],  # no preamble
        lambda f: PREAMBLE_BYTES + b"\x01\x00\x5a",  # too short
    ],
)
def test_damaged_packets_are_frame_errors(damage: Callable[[bytes], bytes]) -> None:
    with pytest.raises(FrameError):
        decode(damage(PING_FRAME))


def test_reader_finds_packets_across_reads_and_skips_garbage() -> None:
    reader = FrameReader()
    stream = b"\x00noise\x5a" + PING_FRAME + CLEAR_FRAME[:11]
    assert [f.command for f in reader.feed(stream)] == [PING]
    assert [f.command for f in reader.feed(CLEAR_FRAME[11:] + TEXT_FRAME)] == [
        CLEAR,
        onbon.DYNAMIC_TEXT,
    ]
    assert (reader.frames, reader.bad_frames) == (3, 0)
    assert reader.discarded_bytes == len(b"\x00noise\x5a")


def test_reader_resyncs_after_a_cut_packet_and_a_bad_crc() -> None:
    reader = FrameReader()
    bad_crc = PING_FRAME[:-2] + b"\x00\x5a"
    frames = reader.feed(PING_FRAME[:15] + CLEAR_FRAME + bad_crc + PING_FRAME)
    assert [f.command for f in frames] == [CLEAR, PING]
    assert reader.bad_frames == 2
    assert "CRC" in reader.last_error


def test_reader_drops_a_runaway_packet() -> None:
    reader = FrameReader()
    assert reader.feed(PREAMBLE_BYTES + b"\x01" * (2 * onbon.MAX_PACKET + 1)) == []
    assert reader.bad_frames == 1
    assert reader.feed(PING_FRAME)[0].command == PING
