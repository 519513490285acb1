"""The protocol registry: names, options checked up front, encoders that match decoders."""

from __future__ import annotations

import pytest

from drivers.base import DecoderStats, IndicatorValue
from drivers.protocols import ENCODERS, PROTOCOLS, encoder, make
from drivers.protocols.ascii_profile import ProfileError

NAMES = ["toledo", "mtsics", "yaohua-tf0", "yaohua-eq", "yaohua-w", "yaohua-tf1", "sma", "ascii"]
ASCII = {"end": "\r", "pattern": r"(?P<sign>[ -])(?P<weight>\d{6})"}


def test_the_registry_has_exactly_the_documented_names() -> None:
    assert list(PROTOCOLS) == NAMES
    assert list(ENCODERS) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_every_protocol_is_a_fresh_stream_protocol(name: str) -> None:
    options = ASCII if name == "ascii" else {}
    first, second = make(name, **options), make(name, **options)
    assert first is not second
    assert isinstance(first.stats, DecoderStats)
    assert first.feed(b"") == []
    assert first.poll_request() is None or isinstance(first.poll_request(), bytes)


@pytest.mark.parametrize(
    ("name", "poll"),
    [
        ("mtsics", b"SI\r\n"),
        ("sma", b"\nW\r"),
        ("yaohua-tf1", b"\x02AB03\x03"),
        ("toledo", None),
        ("yaohua-tf0", None),
        ("yaohua-eq", None),
        ("yaohua-w", None),
    ],
)
def test_poll_requests(name: str, poll: bytes | None) -> None:
    assert make(name).poll_request() == poll


def test_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="toledo, mtsics, yaohua-tf0") as caught:
        make("mettler")
    assert "mettler" in str(caught.value)
    with pytest.raises(ValueError, match="known"):
        encoder("mettler")


def test_unknown_or_bad_options_fail_naming_the_option() -> None:
    with pytest.raises(ValueError, match="checksun") as caught:
        make("toledo", checksun="required")
    assert "checksum" in str(caught.value)  # the known options are listed
    with pytest.raises(ValueError, match="layout"):
        make("yaohua-eq", layout="upside-down")
    with pytest.raises(ProfileError, match="colour"):
        make("ascii", **ASCII, colour="red")
    with pytest.raises(ValueError, match="decimalz"):
        encoder("toledo", decimalz=1)


@pytest.mark.parametrize(
    ("name", "decoder_options", "encoder_options"),
    [
        ("toledo", {"checksum": "required"}, {}),
        ("toledo", {"checksum": "absent"}, {"checksum": False, "unit": "t", "decimals": 3}),
        ("mtsics", {}, {"command": "SI"}),
        ("yaohua-tf0", {"unit": "t"}, {"unit": "t", "decimals": 3}),
        ("yaohua-eq", {"layout": "normal"}, {"layout": "normal"}),
        ("yaohua-w", {}, {}),
        ("yaohua-tf1", {"address": "C"}, {"address": "C"}),
        ("sma", {}, {}),
        ("ascii", ASCII, {"template": "{sign}{weight}\r"}),
    ],
)
def test_registry_encoders_round_trip_through_registry_decoders(
    name: str, decoder_options: dict, encoder_options: dict
) -> None:
    encode = encoder(name, **encoder_options)
    for weight in (0, 1, 20, 49_380, -20):
        value = IndicatorValue(weight, stable=False)
        wire = encode(value)
        (decoded,) = make(name, **decoder_options).feed(wire)
        assert (decoded.weight_kg, decoded.raw) == (weight, wire), name
