"""The configurable ASCII profile: framing modes, groups, flags, validation naming the key."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.base import IndicatorValue
from drivers.protocols.ascii_profile import AsciiProfileProtocol, ProfileError, encode
from drivers.protocols.toledo import with_even_parity
from tests.drivers.protocols.streams import chunkings, counters, feed_all, weights

# Cardinal SB-400 / scoreboard (protocols.md §1.7): sign, 6 digits, unit, G/N, 2-char status.
CARDINAL: dict[str, Any] = {
    "end": "\r",
    "pattern": (
        r"(?P<sign>[ -])(?P<weight>[\d.]{6,7})(?P<unit>kg|tn|t |lb|oz|g )(?P<status>[GN].{2})"
    ),
    "units": {"tn": "t"},
    "flags": {
        "G": {"net": False},
        "N": {"net": True},
        "MO": {"stable": False},
        "OC": {"overload": True},
        "CZ": {"centre_of_zero": True},
    },
    "stable": True,
    "poll": "\u0005",
}

# Rice Lake "Consolidated Controls" (protocols.md §1.8), STX-framed.
RICE_LAKE: dict[str, Any] = {
    "start": "\u0002",
    "end": "\r\n",
    "pattern": r"(?P<sign>[ -])(?P<weight>[ \d.]{7})(?P<unit>[LKT])(?P<status>[GN][ IMOZ])",
    "units": {"K": "kg", "T": "t"},
    "flags": {"G": {}, "N": {"net": True}, "M": {"stable": False}, "O": {"overload": True}},
    "stable": True,
}


def _profile(**changes: Any) -> AsciiProfileProtocol:
    return AsciiProfileProtocol.from_dict({**CARDINAL, **changes})


def test_cardinal_documented_example() -> None:
    protocol = _profile()
    frame = b" 049380kgG  \r"
    assert protocol.feed(frame) == [IndicatorValue(49380, True, raw=frame)]
    assert protocol.poll_request() == b"\x05"


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (b"-000020kgNMO\r", IndicatorValue(-20, False, net=True)),
        (b" 049380kgGOC\r", IndicatorValue(49380, True, overload=True)),
        (b" 000000kgGCZ\r", IndicatorValue(0, True, centre_of_zero=True)),
        (b" 012.34tnG  \r", IndicatorValue(12340, True)),
        (b" 012.34t G  \r", IndicatorValue(12340, True)),
    ],
)
def test_status_flags_and_units(frame: bytes, expected: IndicatorValue) -> None:
    (value,) = _profile().feed(frame)
    assert value == IndicatorValue(**{**_fields(expected), "raw": frame})


def _fields(value: IndicatorValue) -> dict[str, Any]:
    return {name: getattr(value, name) for name in value.__slots__}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("frame", "kind"),
    [
        (b" 049380kgGEE\r", "status"),  # weight not displayed: not in the flags
        (b" 049380lbG  \r", "unit"),
        (b" 049380ozG  \r", "unit"),
        (b" 04938xkgG  \r", "format"),
        (b"+049380kgG  \r", "format"),
    ],
)
def test_frames_that_do_not_decode_cleanly_are_rejected(frame: bytes, kind: str) -> None:
    protocol = _profile()
    assert protocol.feed(frame) == []
    assert protocol.stats.format_errors == 1
    assert kind in protocol.stats.last_error or kind == "format"


def test_rice_lake_example_is_lb_and_rejected_but_kg_frames_decode() -> None:
    protocol = AsciiProfileProtocol.from_dict(RICE_LAKE)
    documented = bytes.fromhex("02 20 20 20 34 39 33 38 30 4C 47 20 0D 0A")
    assert protocol.feed(documented) == []
    assert "unit" in protocol.stats.last_error
    assert weights(protocol.feed(documented.replace(b"L", b"K"))) == [49380]


def test_fixed_length_frames_with_a_start_byte() -> None:
    config = {
        "start": "\u0002",
        "length": 12,
        "pattern": r"(?P<sign>[+-])(?P<weight>\d{6})(?P<decimals>[0-4])..\u0003",
        "unit": "t",
    }
    stream = b"\x02+00123421D\x03" + b"\x02-00002001F\x03"
    for how, chunks in chunkings(stream):
        protocol = AsciiProfileProtocol.from_dict(config)
        assert weights(feed_all(protocol, chunks)) == [12340, -20000], how


def test_end_delimited_fixed_length_keeps_the_last_frame_of_a_long_chunk() -> None:
    config = {**CARDINAL, "length": 13}
    protocol = AsciiProfileProtocol.from_dict(config)
    assert weights(protocol.feed(b"\x00\xffjunk 049380kgG  \r")) == [49380]
    assert counters(protocol.stats) == (1, 0, 0, 1, 6)
    assert protocol.feed(b"short\r") == []
    assert protocol.stats.discarded_bytes == 6 + 6


def test_start_and_end_with_a_length_check() -> None:
    config = {**RICE_LAKE, "length": 14}
    protocol = AsciiProfileProtocol.from_dict(config)
    assert protocol.feed(b"\x02  49380KG \r\n") == []  # 13 bytes: not a frame
    assert weights(protocol.feed(b"\x02   49380KG \r\n")) == [49380]


def test_multi_byte_start_split_across_reads() -> None:
    config = {**RICE_LAKE, "start": "\u0002\u0002"}
    frame = b"\x02\x02   49380KG \r\n"
    for how, chunks in chunkings(b"xx" + frame):
        assert weights(feed_all(AsciiProfileProtocol.from_dict(config), chunks)) == [49380], how


def test_reversed_digits_and_decimals_group() -> None:
    config = {"end": "=", "pattern": r"(?P<weight>\d{7})(?P<decimals>\d)", "reverse_digits": True}
    protocol = AsciiProfileProtocol.from_dict(config)
    assert weights(protocol.feed(b"08394000=")) == [49380]
    assert protocol.feed(b"08394009=") == []  # 9 decimals do not fit 7 digits


def test_parity_masking_option() -> None:
    frame = b" 049380kgG  \r"
    assert weights(_profile(mask_parity=True).feed(with_even_parity(frame))) == [49380]
    assert _profile().feed(with_even_parity(frame)) == []


def test_negative_signs_option() -> None:
    config = {"end": "\n", "pattern": r"(?P<sign>[01])(?P<weight>\d+)", "negative_signs": "1"}
    assert weights(AsciiProfileProtocol.from_dict(config).feed(b"120\n020\n")) == [-20, 20]


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"colour": "red"}, "colour"),
        ({"pattern": None}, "pattern"),
        ({"pattern": "(?P<weight>"}, "pattern"),
        ({"pattern": r"\d+"}, "pattern"),
        ({"pattern": r"(?P<weight>\d+)(?P<speed>\d)"}, "pattern"),
        ({"end": 13}, "end"),
        ({"end": "€"}, "end"),
        ({"end": ""}, "end"),
        ({"length": 0}, "length"),
        ({"length": "12"}, "length"),
        ({"length": 1, "start": "\u0002"}, "length"),
        ({"unit": "lb"}, "unit"),
        ({"units": {"L": "lb"}}, "units.L"),
        ({"units": "kg"}, "units"),
        ({"flags": []}, "flags"),
        ({"flags": {"M": {"moving": True}}}, "flags.M.moving"),
        ({"flags": {"M": {"stable": "no"}}}, "flags.M.stable"),
        ({"flags": {"M": True}}, "flags.M"),
        ({"flags": {"M O": {"stable": False}}}, "flags.M O"),
        ({"stable": "yes"}, "stable"),
        ({"negative_signs": ""}, "negative_signs"),
        ({"poll": 5}, "poll"),
    ],
)
def test_validation_errors_name_the_bad_key(changes: dict[str, Any], key: str) -> None:
    config = {**CARDINAL, **changes}
    with pytest.raises(ProfileError) as caught:
        AsciiProfileProtocol.from_dict(config)
    assert caught.value.key == key
    assert str(caught.value).startswith(f"{key}:")


def test_missing_pattern_and_unframed_profiles_are_refused() -> None:
    with pytest.raises(ProfileError, match="pattern"):
        AsciiProfileProtocol.from_dict({"end": "\r"})
    with pytest.raises(ProfileError) as caught:
        AsciiProfileProtocol.from_dict({"length": 10, "pattern": "(?P<weight>.*)"})
    assert caught.value.key == "start"


CARDINAL_CODES = {
    "none": "G  ",
    "net": "N  ",
    "overload": "GOC",
    "centre_of_zero": "GCZ",
    "motion": "GMO",
}
# One status field says one thing: (fields of the value, as the profile reads them back)
CARDINAL_STATES = [
    {},
    {"net": True},
    {"overload": True},
    {"centre_of_zero": True},
    {"stable": False},
]


@settings(max_examples=300, deadline=None)
@given(weight=st.integers(-999_999, 999_999), state=st.sampled_from(CARDINAL_STATES))
def test_encoder_round_trips_through_the_profile(weight: int, state: dict[str, bool]) -> None:
    value = IndicatorValue(weight_kg=weight, **{"stable": True, **state})
    wire = encode(value, template="{sign}{weight}{unit}{status}\r", status=CARDINAL_CODES)
    assert _profile().feed(wire) == [
        IndicatorValue(weight_kg=weight, raw=wire, **{"stable": True, **state})
    ]
