"""Every row of the plate-colour tables, written out so a changed row fails loudly."""

from __future__ import annotations

import pytest

from drivers.cameras import colours
from station.domain.readings import PlateColour as C
from station.domain.records import PlateColor as U

HIKVISION_ISAPI_ROWS = [
    ("blue", C.BLUE),
    ("yellow", C.YELLOW),
    ("white", C.WHITE),
    ("black", C.BLACK),
    ("green", C.GREEN),
    ("newEnergyGreen", C.GREEN),
    ("newEnergyYellowGreen", C.YELLOW_GREEN),
    ("red", C.RED),
    ("civilAviationBlack", C.BLACK),
    ("civilAviationGreen", C.GREEN),
    ("golden", C.UNKNOWN),
    ("orange", C.UNKNOWN),
    ("brown", C.UNKNOWN),
    ("mixedColor", C.UNKNOWN),
    ("other", C.UNKNOWN),
    ("unknown", C.UNKNOWN),
    ("0xff", C.UNKNOWN),
]

HIKVISION_SDK_ROWS = [
    (0, C.BLUE),
    (1, C.YELLOW),
    (2, C.WHITE),
    (3, C.BLACK),
    (4, C.GREEN),
    (5, C.BLACK),
    (0xFF, C.UNKNOWN),
]

DAHUA_ROWS = [
    ("Blue", C.BLUE),
    ("Yellow", C.YELLOW),
    ("White", C.WHITE),
    ("Black", C.BLACK),
    ("Red", C.RED),
    ("Green", C.GREEN),
    ("ShadowGreen", C.GREEN),
    ("YellowGreen", C.YELLOW_GREEN),
    ("YellowbottomBlackText", C.YELLOW),
    ("BluebottomWhiteText", C.BLUE),
    ("BlackBottomWhiteText", C.BLACK),
    ("Other", C.UNKNOWN),
    ("Unknown", C.UNKNOWN),
]

PREFIX_ROWS = [
    ("蓝", C.BLUE),
    ("黄", C.YELLOW),
    ("白", C.WHITE),
    ("黑", C.BLACK),
    ("绿", C.GREEN),
    ("黄绿", C.YELLOW_GREEN),
    ("渐变绿", C.GREEN),
    ("红", C.RED),
]

UPLOAD_ROWS = [
    (C.BLUE, U.BLUE, 0),
    (C.YELLOW, U.YELLOW, 1),
    (C.BLACK, U.BLACK, 2),
    (C.WHITE, U.WHITE, 3),
    (C.GREEN, U.GRADIENT_GREEN, 4),
    (C.YELLOW_GREEN, U.YELLOW_GREEN, 5),
    (C.BLUE_WHITE, U.BLUE_WHITE, 6),
    (C.UNKNOWN, U.UNKNOWN, 9),
    (C.RED, U.RED, 12),
]


@pytest.mark.parametrize(("raw", "expected"), HIKVISION_ISAPI_ROWS)
def test_hikvision_isapi_row(raw: str, expected: C) -> None:
    for variant in (raw, raw.upper(), f" {raw.lower()} "):
        lookup = colours.hikvision_colour(variant)
        assert lookup.colour is expected
        assert lookup.recognised


@pytest.mark.parametrize(("number", "expected"), HIKVISION_SDK_ROWS)
def test_hikvision_sdk_row(number: int, expected: C) -> None:
    assert colours.hikvision_colour(number) == colours.ColourLookup(expected, str(number), True)
    assert colours.hikvision_colour(str(number)).colour is expected


@pytest.mark.parametrize(("raw", "expected"), DAHUA_ROWS)
def test_dahua_row(raw: str, expected: C) -> None:
    assert colours.dahua_colour(raw) == colours.ColourLookup(expected, raw, True)
    assert colours.dahua_colour(raw.lower()).colour is expected


@pytest.mark.parametrize(("prefix", "expected"), PREFIX_ROWS)
def test_hikvision_plate_prefix_row(prefix: str, expected: C) -> None:
    assert colours.split_hikvision_prefix(f"{prefix}苏A12345") == ("苏A12345", expected)


@pytest.mark.parametrize(("internal", "code", "number"), UPLOAD_ROWS)
def test_upload_row(internal: C, code: U, number: int) -> None:
    assert colours.upload_code(internal) is code
    assert int(code) == number


def test_tables_have_exactly_the_tested_rows() -> None:
    assert {k: v for k, v in colours.HIKVISION_ISAPI.items()} == {
        raw.lower(): colour for raw, colour in HIKVISION_ISAPI_ROWS
    }
    assert dict(colours.HIKVISION_SDK) == dict(HIKVISION_SDK_ROWS)
    assert dict(colours.DAHUA) == {raw.lower(): colour for raw, colour in DAHUA_ROWS}
    assert dict(colours.HIKVISION_PLATE_PREFIX) == dict(PREFIX_ROWS)
    assert dict(colours.UPLOAD_CODES) == {internal: code for internal, code, _ in UPLOAD_ROWS}


def test_every_internal_colour_has_an_upload_code() -> None:
    assert set(colours.UPLOAD_CODES) == set(C)


def test_solid_green_upload_code_is_never_produced() -> None:
    # The internal enum cannot tell solid green from gradient green (documented decision).
    assert U.GREEN not in colours.UPLOAD_CODES.values()


@pytest.mark.parametrize("raw", ["purple", "blu", "Blue-ish", "7", "256", "colorful"])
def test_unknown_hikvision_values_are_unknown_and_not_recognised(raw: str) -> None:
    lookup = colours.hikvision_colour(raw)
    assert lookup == colours.ColourLookup(C.UNKNOWN, raw, recognised=False)


@pytest.mark.parametrize("raw", ["Purple", "Bleu", "Shadow Green", ""])
def test_unknown_dahua_values_are_unknown_and_not_recognised(raw: str) -> None:
    lookup = colours.dahua_colour(raw)
    assert lookup.colour is C.UNKNOWN
    assert not lookup.recognised


def test_missing_colour_is_unknown_and_not_recognised() -> None:
    assert colours.hikvision_colour(None) == colours.ColourLookup(C.UNKNOWN, "", False)
    assert colours.dahua_colour(None) == colours.ColourLookup(C.UNKNOWN, "", False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("黑A12345", ("黑A12345", None)),  # Heilongjiang plate, no colour word
        ("黑黑A12345", ("黑A12345", C.BLACK)),
        ("蓝黑A12345", ("黑A12345", C.BLUE)),
        ("黄绿粤B12345D", ("粤B12345D", C.YELLOW_GREEN)),
        ("苏A12345", ("苏A12345", None)),
        ("蓝", ("蓝", None)),
        ("A12345", ("A12345", None)),
    ],
)
def test_prefix_is_only_split_when_a_plate_follows(
    text: str, expected: tuple[str, C | None]
) -> None:
    assert colours.split_hikvision_prefix(text) == expected
