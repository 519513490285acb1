"""Axle groups (轴组) and their 1-7 type codes, as used in `axleType` ("157") and `axles[].group`.

Codes (domain.md §4.5): 1 single axle single tyres, 2 single axle dual tyres,
3 tandem single, 4 tandem single+dual, 5 tandem dual, 6 tridem single, 7 tridem dual.
Adjacent axles closer than the group spacing form one group; wide single tyres count
as single tyres. An axle-type recogniser, when fitted, supplies groups directly.
"""

from __future__ import annotations

from collections.abc import Sequence

from station.domain.vehicle import Axle, Tyres

GROUP_SPACING_MM = 1800
_MAX_GROUP = 3


def split_groups(
    axles: Sequence[Axle], spacing_limit_mm: int = GROUP_SPACING_MM
) -> list[list[int]]:
    """Return axle indexes grouped front to rear. Unknown spacing separates groups."""
    groups: list[list[int]] = []
    for index in range(len(axles)):
        previous = axles[index - 1] if index else None
        joins = (
            previous is not None
            and index > 1  # the steering axle stands alone
            and previous.spacing_mm is not None
            and previous.spacing_mm < spacing_limit_mm
            and len(groups[-1]) < _MAX_GROUP
        )
        if joins:
            groups[-1].append(index)
        else:
            groups.append([index])
    return groups


def group_code(members: Sequence[Axle]) -> int:
    duals = sum(1 for axle in members if axle.tyres is Tyres.DUAL)
    size = len(members)
    if size == 1:
        return 2 if duals else 1
    if size == 2:
        return 5 if duals == 2 else (4 if duals else 3)
    return 7 if duals else 6


def axle_group_codes(axles: Sequence[Axle]) -> tuple[list[int], str]:
    """Return the group code of every axle and the axleType string."""
    per_axle = [0] * len(axles)
    type_codes = []
    for members in split_groups(axles):
        code = group_code([axles[i] for i in members])
        type_codes.append(str(code))
        for i in members:
            per_axle[i] = code
    return per_axle, "".join(type_codes)
