"""Plate colour tables: every camera vocabulary in, one internal enum, upload codes out.

domain.md §6.3 lists several incompatible plate-colour enumerations. The station keeps one,
`PlateColour`, and translates at the edges through the explicit tables below. A value that
no table knows maps to `PlateColour.UNKNOWN` and is reported as unrecognised; it is never
matched by similarity, because a wrong colour on an evidence record is worse than none.

Sources and confidence (the tags of the reference docs):

* Hikvision ISAPI `<plateColor>` strings: the ISAPI ANPR alarm schema lists black, blue,
  golden, orange, red, yellow, white, unknown, other, newEnergyYellowGreen,
  civilAviationBlack, civilAviationGreen, green, mixedColor, newEnergyGreen, brown
  [source: public copies of the ISAPI EventNotificationAlert/ANPR schema]. Firmware differs in
  case (`white` and `White` are both seen), so keys are compared case-insensitively.
* Hikvision SDK numeric plate colour (NET_ITS_PLATE_RESULT and friends): 0 blue, 1 yellow,
  2 white, 3 black, 4 green, 5 civil-aviation black, 0xff other [source S39, vendor
  attribution unverified].
* Hikvision plate-text prefix: Chinese firmware writes the colour before the plate
  ("蓝苏A8HK52") [source: ISAPI schema note and captured alerts]; only 蓝 is seen in captures,
  the other prefixes are [unverified].
* Dahua plate colour strings: Blue, Yellow, White, Black, Red, Green, ShadowGreen (渐变绿),
  YellowGreen (黄绿双拼), YellowbottomBlackText, BluebottomWhiteText, BlackBottomWhiteText,
  Other, Unknown [source: Dahua NetSDK/HTTP API headers]. That the ITSAPI TollgateInfo push
  uses the same strings is [unverified].

Decisions worth knowing:

* The internal enum has one GREEN (documented as the small new-energy gradient green). Solid
  green plates (toll code 11) cannot be told apart from it, so every green maps to GREEN and
  GREEN uploads as 4 (gradient green); upload code 11 is never produced.
* Civil-aviation plates map by their background colour (black → BLACK, green → GREEN).
* "Blue bottom, white text" is the ordinary blue plate (BLUE), not the blue-white gradient
  plate of toll code 6 (BLUE_WHITE), which no camera table here reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from station.domain.readings import PlateColour
from station.domain.records import UPLOAD_PLATE_COLOR, PlateColor

_C = PlateColour

HIKVISION_ISAPI: Mapping[str, PlateColour] = MappingProxyType(
    {
        "blue": _C.BLUE,
        "yellow": _C.YELLOW,
        "white": _C.WHITE,
        "black": _C.BLACK,
        "green": _C.GREEN,
        "newenergygreen": _C.GREEN,
        "newenergyyellowgreen": _C.YELLOW_GREEN,
        "red": _C.RED,
        "civilaviationblack": _C.BLACK,
        "civilaviationgreen": _C.GREEN,
        # Known values with no toll/upload equivalent: recognised, but UNKNOWN.
        "golden": _C.UNKNOWN,
        "orange": _C.UNKNOWN,
        "brown": _C.UNKNOWN,
        "mixedcolor": _C.UNKNOWN,
        "other": _C.UNKNOWN,
        "unknown": _C.UNKNOWN,
        "0xff": _C.UNKNOWN,
    }
)
"""Hikvision ISAPI `plateColor` (lower-cased) → internal colour."""

HIKVISION_SDK: Mapping[int, PlateColour] = MappingProxyType(
    {
        0: _C.BLUE,
        1: _C.YELLOW,
        2: _C.WHITE,
        3: _C.BLACK,
        4: _C.GREEN,
        5: _C.BLACK,  # civil-aviation black
        0xFF: _C.UNKNOWN,
    }
)
"""Hikvision SDK numeric plate colour → internal colour."""

HIKVISION_PLATE_PREFIX: Mapping[str, PlateColour] = MappingProxyType(
    {
        "黄绿": _C.YELLOW_GREEN,
        "渐变绿": _C.GREEN,
        "蓝": _C.BLUE,
        "黄": _C.YELLOW,
        "白": _C.WHITE,
        "黑": _C.BLACK,
        "绿": _C.GREEN,
        "红": _C.RED,
    }
)
"""Colour word a Chinese Hikvision firmware puts in front of the plate text."""

DAHUA: Mapping[str, PlateColour] = MappingProxyType(
    {
        "blue": _C.BLUE,
        "yellow": _C.YELLOW,
        "white": _C.WHITE,
        "black": _C.BLACK,
        "red": _C.RED,
        "green": _C.GREEN,
        "shadowgreen": _C.GREEN,
        "yellowgreen": _C.YELLOW_GREEN,
        "yellowbottomblacktext": _C.YELLOW,
        "bluebottomwhitetext": _C.BLUE,
        "blackbottomwhitetext": _C.BLACK,
        "other": _C.UNKNOWN,
        "unknown": _C.UNKNOWN,
    }
)
"""Dahua `PlateColor` (lower-cased) → internal colour."""

UPLOAD_CODES: Mapping[PlateColour, PlateColor] = UPLOAD_PLATE_COLOR
"""Internal colour → province upload code (the toll/ETC convention of records.PlateColor)."""


@dataclass(frozen=True, slots=True)
class ColourLookup:
    """A source value translated: the colour, and whether any table knew the value."""

    colour: PlateColour
    raw: str
    recognised: bool


def _key(raw: str) -> str:
    return raw.strip().lower()


def hikvision_colour(raw: str | int | None) -> ColourLookup:
    """Translate a Hikvision plate colour: an ISAPI string, or the SDK number."""
    if raw is None or str(raw).strip() == "":
        return ColourLookup(_C.UNKNOWN, "", recognised=False)
    text = str(raw).strip()
    if isinstance(raw, int) or text.isdecimal():
        # Some firmware writes the SDK enum into ISAPI fields; the numbers are Hikvision's own.
        number = int(text)
        colour = HIKVISION_SDK.get(number)
        return ColourLookup(colour or _C.UNKNOWN, text, recognised=colour is not None)
    colour = HIKVISION_ISAPI.get(_key(text))
    return ColourLookup(colour or _C.UNKNOWN, text, recognised=colour is not None)


def dahua_colour(raw: str | None) -> ColourLookup:
    """Translate a Dahua `PlateColor` string."""
    text = (raw or "").strip()
    colour = DAHUA.get(_key(text)) if text else None
    return ColourLookup(colour or _C.UNKNOWN, text, recognised=colour is not None)


def split_hikvision_prefix(text: str) -> tuple[str, PlateColour | None]:
    """Split a leading colour word off a Hikvision plate ("蓝苏A8HK52" → "苏A8HK52", BLUE).

    A prefix is only taken when a Chinese character still follows it: 黑 is also the
    Heilongjiang abbreviation, so "黑A12345" is a plate of its own and stays whole.
    """
    for prefix in sorted(HIKVISION_PLATE_PREFIX, key=len, reverse=True):
        rest = text[len(prefix) :]
        if text.startswith(prefix) and rest and _is_cjk(rest[0]):
            return rest, HIKVISION_PLATE_PREFIX[prefix]
    return text, None


def _is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def upload_code(colour: PlateColour) -> PlateColor:
    """The province upload code of an internal colour."""
    return UPLOAD_CODES[colour]
