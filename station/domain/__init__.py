"""The legal core: vehicles, limits, verdicts and penalties. Pure: no I/O, no frameworks."""

from station.domain.limits import (
    LimitBook,
    LimitTable,
    LimitTableError,
    NoLimitRule,
    Verdict,
    judge,
)
from station.domain.penalty import (
    BandEnd,
    FineRounding,
    PenaltyAction,
    PenaltyBook,
    PenaltyEstimate,
    PenaltyPolicy,
    PenaltyTable,
    estimate,
)
from station.domain.rates import over_rate
from station.domain.vehicle import Axle, Configuration, Dimensions, SpecialType, Tyres, Vehicle

__all__ = [
    "Axle",
    "BandEnd",
    "Configuration",
    "Dimensions",
    "FineRounding",
    "LimitBook",
    "LimitTable",
    "LimitTableError",
    "NoLimitRule",
    "PenaltyAction",
    "PenaltyBook",
    "PenaltyEstimate",
    "PenaltyPolicy",
    "PenaltyTable",
    "SpecialType",
    "Tyres",
    "Vehicle",
    "Verdict",
    "estimate",
    "judge",
    "over_rate",
]
