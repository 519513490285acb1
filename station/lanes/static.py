"""Static platform helpers: when a weight counts as stable, and typed axle layouts."""

from __future__ import annotations

from station.domain.readings import WeightReading

STABLE_BAND_KG = 20  # two divisions of a 10 kg platform
GROUP_SIZES = {"1": 1, "2": 1, "3": 2, "4": 2, "5": 2, "6": 3, "7": 3}
IN_GROUP_MM = 1350
BETWEEN_GROUPS_MM = 4000


class StableWeight:
    """A weight is taken once the indicator says stable and it stays within a band."""

    def __init__(self, hold_s: float, band_kg: int = STABLE_BAND_KG) -> None:
        self._hold_s = hold_s
        self._band_kg = band_kg
        self._since: float | None = None
        self._reference = 0

    def reset(self) -> None:
        self._since = None

    def feed(self, reading: WeightReading) -> int | None:
        """The stable gross once it has held long enough; None until then."""
        if not reading.stable or reading.overload or reading.underload:
            self._since = None
            return None
        if self._since is None or abs(reading.weight_kg - self._reference) > self._band_kg:
            self._since, self._reference = reading.t_mono, reading.weight_kg
            return None
        if reading.t_mono - self._since >= self._hold_s:
            return reading.weight_kg
        return None


def layout_from_code(axle_type: str) -> tuple[tuple[int | None, ...], tuple[int | None, ...]]:
    """Axles and spacings from an axle-type code such as "125" (group codes 1-7).

    The spacings are nominal: inside a group 1.35 m, between groups 4 m, enough for the
    limit rules to see the groups. Axle weights are unknown on a static platform.
    """
    code = axle_type.strip()
    if not code or any(char not in GROUP_SIZES for char in code):
        raise ValueError(f"axle_type: {axle_type!r} is not a string of axle-group codes 1-7")
    spacings: list[int | None] = []
    for index, char in enumerate(code):
        if index:
            spacings.append(BETWEEN_GROUPS_MM)
        spacings.extend([IN_GROUP_MM] * (GROUP_SIZES[char] - 1))
    count = len(spacings) + 1
    if count < 2:
        raise ValueError(f"axle_type: {axle_type!r} has fewer than 2 axles")
    return (None,) * count, tuple(spacings)
