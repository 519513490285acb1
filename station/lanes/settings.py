"""A lane's configuration as the workflow uses it: device roles and thresholds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from station.config import LaneConfig, SignalStep, WorkflowSection
from station.domain.records import WeighMode

WEIGHING_KINDS = ("axle_scale", "scale", "wim")


@dataclass(frozen=True, slots=True)
class LaneSettings:
    number: int
    direction: int
    mode: WeighMode
    scale_id: str  # the device whose certificate the weighings carry
    scale_ids: frozenset[str]  # every weighing device (axle scale, platform, WIM)
    recogniser_ids: frozenset[str]  # WIM or axle scale devices on a STATIC lane: layout only
    camera_ids: frozenset[str]
    signals: Mapping[str, SignalStep]
    workflow: WorkflowSection

    @property
    def stable_s(self) -> float:
        return self.workflow.stable_ms / 1000

    @property
    def plate_wait_s(self) -> float:
        return self.workflow.plate_wait_ms / 1000

    @property
    def plate_before_s(self) -> float:
        return self.workflow.plate_before_ms / 1000


def _weighing_device(lane: LaneConfig, mode: WeighMode) -> str:
    wanted = {WeighMode.STATIC: "scale", WeighMode.AXLE: "axle_scale", WeighMode.WIM: "wim"}[mode]
    for device in lane.devices:
        if device.kind == wanted:
            return device.id
    raise ValueError(
        f"lanes[number={lane.number}]: mode {mode.value} needs a device of kind {wanted!r}"
    )


def lane_settings(lane: LaneConfig, workflow: WorkflowSection) -> LaneSettings:
    mode = WeighMode(lane.mode)
    scale_id = _weighing_device(lane, mode)
    kinds = {device.id: device.kind for device in lane.devices}
    recognisers = {
        device_id
        for device_id, kind in kinds.items()
        if mode is WeighMode.STATIC and kind in ("wim", "axle_scale")
    }
    return LaneSettings(
        number=lane.number,
        direction=lane.direction,
        mode=mode,
        scale_id=scale_id,
        scale_ids=frozenset(i for i, k in kinds.items() if k in WEIGHING_KINDS) - recognisers,
        recogniser_ids=frozenset(recognisers),
        camera_ids=frozenset(i for i, k in kinds.items() if k == "camera"),
        signals=lane.signals,
        workflow=workflow,
    )
