"""Framing rules every protocol must keep: any chunking, garbage, floods (protocols.md §4.6)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.base import MAX_BUFFER, StreamProtocol
from drivers.protocols import make
from drivers.protocols.toledo import with_even_parity
from tests.drivers.protocols.streams import chunkings, counters, feed_all, in_pieces, weights

# Printable junk ended by a byte no frame contains: every decoder can cut it off cleanly.
GARBAGE = b"\x00\xff\x13junk\x7f\x81"
FLOOD = b"\x00flood\x7f" * (10 * MAX_BUFFER // 7)  # ends with a control byte, like GARBAGE

TOLEDO = (b"\x02:0 012345000000\r\x18", b"\x02:9 002340010000\r\x14", b"\x02:2 000020000000\r#")
TOLEDO_BARE = tuple(frame[:17] for frame in TOLEDO)
RICE_LAKE_KG = {
    "start": "\x02",
    "end": "\r\n",
    "pattern": r"(?P<sign>[ -])(?P<weight>[ \d.]{7})(?P<unit>[KT])(?P<status>[GN][ IMOZ])",
    "units": {"K": "kg", "T": "t"},
    "flags": {"G": {"net": False}, "N": {"net": True}, "M": {"stable": False}},
    "stable": True,
}


@dataclass(frozen=True)
class Case:
    name: str
    factory: Callable[[], StreamProtocol]
    frames: tuple[bytes, bytes, bytes]
    weights: tuple[int, int, int]

    @property
    def stream(self) -> bytes:
        return b"".join(self.frames)


CASES = [
    Case(
        "toledo-required", lambda: make("toledo", checksum="required"), TOLEDO, (12345, 2340, -20)
    ),
    Case(
        "toledo-absent", lambda: make("toledo", checksum="absent"), TOLEDO_BARE, (12345, 2340, -20)
    ),
    Case(
        "toledo-7e1-read-as-8n1",
        lambda: make("toledo", checksum="required"),
        tuple(with_even_parity(frame) for frame in TOLEDO),  # type: ignore[arg-type]
        (12345, 2340, -20),
    ),
    Case(
        "mtsics",
        lambda: make("mtsics"),
        (b"S S     100.00 kg\r\n", b"S D    1234.56 kg\r\n", b"SI S      -20 kg\r\n"),
        (100, 1235, -20),
    ),
    Case(
        "yaohua-tf0",
        lambda: make("yaohua-tf0"),
        (b"\x02+00000001B\x03", b"\x02+001560019\x03", b"\x02-00002001F\x03"),
        (0, 1560, -20),
    ),
    Case(
        "yaohua-eq-format1",
        lambda: make("yaohua-eq", unit="t"),
        (b"=000.3000", b"=00.1000-", b"=08394000"),
        (3000, -1000, 49380000),
    ),
    Case(
        "yaohua-eq-format2",
        lambda: make("yaohua-eq", layout="normal", unit="t"),
        (b"=0003.000", b"=-0001.00", b"=00049380"),
        (3000, -1000, 49380000),
    ),
    Case(
        "yaohua-eq-nosign",
        lambda: make("yaohua-eq", layout="reversed-nosign", unit="t"),
        (b"543.210=", b"0000.00=", b"543.21-="),
        (12345, 0, -12345),
    ),
    Case(
        "yaohua-w",
        lambda: make("yaohua-w"),
        (b"WG004.139kg3D\r\n", b"WG012340 kg38\r\n", b"WN-12.345kg27\r\n"),
        (4, 12340, -12),
    ),
    Case(
        "yaohua-tf1",
        lambda: make("yaohua-tf1"),
        (b"\x02AB+04938001E\x03", b"\x02AB+000000018\x03", b"\x02AB-00002001C\x03"),
        (49380, 0, -20),
    ),
    Case(
        "sma",
        lambda: make("sma"),
        (
            bytes.fromhex("0A 20 31 47 20 20 20 20 20 20 20 34 39 33 38 30 6B 67 20 0D"),
            bytes.fromhex("0A 20 31 47 4D 20 20 20 20 20 20 34 39 33 38 30 6B 67 20 0D"),
            b"\nZ1G           0kg \r",
        ),
        (49380, 49380, 0),
    ),
    Case(
        "ascii-rice-lake-kg",
        lambda: make("ascii", **RICE_LAKE_KG),
        (b"\x02   49380KG \r\n", b"\x02-     20KNM\r\n", b"\x02   12.34TG \r\n"),
        (49380, -20, 12340),
    ),
]
IDS = [case.name for case in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_every_chunking_decodes_the_same_values_and_counts(case: Case) -> None:
    for how, chunks in chunkings(case.stream):
        protocol = case.factory()
        assert weights(feed_all(protocol, chunks)) == list(case.weights), how
        assert counters(protocol.stats) == (3, 0, 0, 0, 0), how


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_each_frame_split_at_every_position_decodes_alone(case: Case) -> None:
    for frame, weight in zip(case.frames, case.weights, strict=True):
        for how, chunks in chunkings(frame):
            assert weights(feed_all(case.factory(), chunks)) == [weight], how


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_garbage_before_and_between_frames_is_counted_and_skipped(case: Case) -> None:
    first, second, third = case.frames
    stream = GARBAGE + first + GARBAGE + second + third
    for how, chunks in chunkings(stream):
        protocol = case.factory()
        assert weights(feed_all(protocol, chunks)) == list(case.weights), how
        assert counters(protocol.stats) == (3, 0, 0, 2, 2 * len(GARBAGE)), how


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_garbage_after_frames_emits_nothing(case: Case) -> None:
    for how, chunks in chunkings(case.stream + GARBAGE):
        protocol = case.factory()
        assert weights(feed_all(protocol, chunks)) == list(case.weights), how
        assert protocol.stats.frames == 3
        assert protocol.stats.resyncs <= 1


@pytest.mark.parametrize("piece", [64, len(FLOOD)], ids=["64-byte reads", "one read"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_flood_of_garbage_stays_bounded_and_frames_after_it_decode(
    case: Case, piece: int
) -> None:
    protocol = case.factory()
    for chunk in in_pieces(FLOOD, piece):
        assert protocol.feed(chunk) == []
        assert protocol.buffered <= MAX_BUFFER  # type: ignore[attr-defined]
    assert weights(protocol.feed(case.stream)) == list(case.weights)
    assert counters(protocol.stats) == (3, 0, 0, 1, len(FLOOD))


@pytest.mark.parametrize("case", CASES, ids=IDS)
@settings(max_examples=150, deadline=None)
@given(garbage=st.binary(max_size=300))
def test_any_garbage_costs_at_most_the_first_frame_after_it(case: Case, garbage: bytes) -> None:
    protocol = case.factory()
    values = feed_all(protocol, in_pieces(garbage + case.stream, 7))
    assert weights(values)[-2:] == list(case.weights[1:])
    assert protocol.buffered <= MAX_BUFFER  # type: ignore[attr-defined]
