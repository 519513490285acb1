"""Simulated traffic for a headless station: a seeded plan of truck visits, and a rig that
plays each visit through simulators of the lanes' devices speaking their real protocols.

    visits = plan_traffic(seed=7, vehicles=60, lanes=config.lanes)
    with TrafficRig(config.lanes, speedup=10) as rig:
        for visit in visits:
            rig.drive(visit)

`plan` decides the truth (plates, loads, cheats, the flags and case results the station
must end with); `passages` turns one visit into what a device shows; `devices` holds the
per-device simulators; `rig` runs them.
"""

from drivers.sim.traffic.devices import TrafficRigError
from drivers.sim.traffic.plan import (
    CHEAT_FLAGS,
    KINDS,
    RESULTS,
    TruckKind,
    Visit,
    expected_summary,
    plan_traffic,
    watchlist_plates,
)
from drivers.sim.traffic.rig import TrafficRig

__all__ = [
    "CHEAT_FLAGS",
    "KINDS",
    "RESULTS",
    "TrafficRig",
    "TrafficRigError",
    "TruckKind",
    "Visit",
    "expected_summary",
    "plan_traffic",
    "watchlist_plates",
]
