"""The rig: every device of every lane simulated on its configured address, and one call that
plays a planned vehicle's visit through them, in simulated time divided by the speedup.

    with TrafficRig(config.lanes, speedup=10) as rig:
        for visit in plan_traffic(seed=1, vehicles=20, lanes=config.lanes):
            rig.drive(visit)  # returns once the vehicle has left and the scale is at zero
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from drivers.sim.indicator import CONTINUOUS, POLLED
from drivers.sim.traffic.devices import (
    PLATFORM_RATE_HZ,
    AxleTransmitterDevice,
    CameraDevice,
    IndicatorSim,
    IoDevice,
    Passage,
    SignDevice,
    TrafficRigError,
    WeightTransmitterDevice,
    WimDevice,
    check_supported,
    stop_quietly,
)
from drivers.sim.traffic.passages import (
    LEAVE_S,
    axle_passage,
    idle_passage,
    platform_passage,
    wim_passage,
)
from drivers.sim.traffic.plan import DEFAULT_AXLE_RATE_HZ, Visit, axle_scale_model
from station.config import LaneConfig

log = logging.getLogger(__name__)

IO_HOLD_REAL_S = 0.12  # an input state lasts at least this long: a 50-100 ms poll must see it
CAMERA_RETRY_S = 5.0  # a camera re-sends this long while the station's listener is not up
CAMERA_RETRY_DELAY_S = 0.2
CAMERA_TIMEOUT_S = 2.0
DONE_SLACK_S = 10.0  # real seconds a passage may run late before the rig gives up on it
_MODE_KIND = {"AXLE": "axle_scale", "STATIC": "scale", "WIM": "wim"}


@dataclass
class _Lane:
    config: LaneConfig
    weighers: list[Any] = field(default_factory=list)
    io: IoDevice | None = None
    cameras: list[CameraDevice] = field(default_factory=list)
    sign: SignDevice | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def weigher(self, mode: str) -> Any | None:
        """The device that weighs a visit in `mode` (else the lane's first weighing device)."""
        kind = _MODE_KIND.get(mode)
        return next((w for w in self.weighers if w.device.kind == kind), None) or next(
            iter(self.weighers), None
        )

    def set_loop(self, present: bool) -> None:
        if self.io is not None:
            self.io.set_loop(present)


class TrafficRig:
    """Controllable simulators for every device of `lanes`; `drive(visit)` plays one visit.

    Indicators send their zero continuously, at their rate (options.rate_hz, default 25 Hz,
    the rate the station counts an axle scale's samples by) times `speedup`. The loop
    input of the lane's I/O module (options.loop_input, default 0) is on while the vehicle
    is there; cameras post the plate as it reaches the scale; the sign and the light and
    barrier coils (options.light_output 0, barrier_output 1) show what the station wrote.
    """

    def __init__(
        self,
        lanes: Sequence[LaneConfig],
        *,
        speedup: float = 1.0,
        camera_retry_s: float = CAMERA_RETRY_S,
    ) -> None:
        if not speedup > 0:
            raise ValueError(f"speedup: must be more than 0, not {speedup!r}")
        self.speedup = float(speedup)
        self._configs = tuple(lanes)
        self._camera_retry_s = camera_retry_s
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._lanes: dict[int, _Lane] = {}
        self._running: list[Any] = []
        self._posts = 0
        self._failures: list[str] = []

    # ------------------------------------------------------------------ life cycle

    def start(self) -> TrafficRig:
        """Listen on every device's address; on any error stop what started and raise."""
        if self._lanes:
            return self
        for lane in self._configs:
            for device in lane.devices:
                check_supported(device)
        self._stopping.clear()
        try:
            for config in self._configs:
                self._lanes[config.number] = self._build(config)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop every simulator and thread; safe to call twice."""
        self._stopping.set()
        running, self._running = self._running, []
        stop_quietly(running)
        self._lanes = {}

    def __enter__(self) -> TrafficRig:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def _build(self, config: LaneConfig) -> _Lane:
        lane = _Lane(config)
        for device in config.devices:
            if device.driver in ("hikvision", "dahua"):
                lane.cameras.append(CameraDevice(device, timeout_s=CAMERA_TIMEOUT_S))
                continue
            sim = self._simulator(device)
            self._running.append(sim)
            sim.start()
            if isinstance(sim, IoDevice):
                lane.io = lane.io or sim
            elif isinstance(sim, SignDevice):
                lane.sign = lane.sign or sim
            else:
                lane.weighers.append(sim)
        return lane

    def _simulator(self, device: Any) -> Any:
        if device.driver in CONTINUOUS + POLLED:
            rate = DEFAULT_AXLE_RATE_HZ if device.kind == "axle_scale" else PLATFORM_RATE_HZ
            return IndicatorSim(device, speedup=self.speedup, default_rate_hz=rate)
        if device.driver == "modbus-weight" and device.kind == "axle_scale":
            return AxleTransmitterDevice(device)
        if device.driver == "modbus-weight":
            return WeightTransmitterDevice(device, speedup=self.speedup)
        if device.driver == "modbus-io":
            return IoDevice(device)
        if device.driver == "modbus-wim":
            return WimDevice(device, speedup=self.speedup, stopping=self._stopping)
        return SignDevice(device)

    # ------------------------------------------------------------------ what the station did

    @property
    def camera_posts(self) -> int:
        """Plate events the station's listener accepted."""
        with self._lock:
            return self._posts

    @property
    def camera_failures(self) -> list[str]:
        """One line per plate event that was never accepted (listener down, refused)."""
        with self._lock:
            return list(self._failures)

    def sign_text(self, lane: int) -> str:
        """What the lane's sign shows now: areas in order, one a line ("" without a sign)."""
        sign = self._lane(lane).sign
        return sign.text() if sign is not None else ""

    def light_green(self, lane: int) -> bool | None:
        """The light's coil (options.light_output); None without an I/O module."""
        io = self._lane(lane).io
        return io.output(io.light_output) if io is not None else None

    def barrier_open(self, lane: int) -> bool | None:
        """The barrier's coil (options.barrier_output); None without an I/O module."""
        io = self._lane(lane).io
        return io.output(io.barrier_output) if io is not None else None

    def simulator(self, device_id: str) -> Any:
        """The simulator object behind one device, for fault injection and inspection: a
        StreamSimulator, IoModuleSim, WeightTransmitterSim, WimControllerSim, SignSimulator
        or CameraSimulator."""
        for lane in self._lanes.values():
            for device in (*lane.weighers, lane.io, lane.sign, *lane.cameras):
                if device is not None and device.device.id == device_id:
                    return device.sim
        raise ValueError(f"{device_id}: no such device in the running rig")

    def _lane(self, number: int) -> _Lane:
        if not self._lanes:
            raise RuntimeError("the rig is not running: start() it first")
        try:
            return self._lanes[number]
        except KeyError:
            known = ", ".join(str(n) for n in sorted(self._lanes))
            raise ValueError(f"lane {number}: not in the rig (lanes {known})") from None

    # ------------------------------------------------------------------ one visit

    def drive(self, visit: Visit) -> None:
        """Play `visit` on its lane; return once the vehicle has left and the scale shows its
        zero again. Visits of one lane are played one after another."""
        lane = self._lane(visit.lane)
        with lane.lock:
            passage, done = self._play(lane.weigher(visit.mode), visit)
            start = time.monotonic()
            self._until(start + passage.loop_on_s / self.speedup)
            lane.set_loop(True)
            loop_on = time.monotonic()
            self._until(start + passage.lead_s / self.speedup)
            posting = self._post_plates(lane, visit)
            self._until_done(done, start + passage.duration_s / self.speedup)
            self._until(loop_on + IO_HOLD_REAL_S)
            lane.set_loop(False)
            self._until(time.monotonic() + max(LEAVE_S / self.speedup, IO_HOLD_REAL_S))
            for thread in posting:
                thread.join()

    def _play(self, weigher: Any | None, visit: Visit) -> tuple[Passage, threading.Event | None]:
        if weigher is None:
            return idle_passage(), None
        if isinstance(weigher, WimDevice):
            passage, record = wim_passage(visit)
            return passage, weigher.play(passage, record)
        if weigher.device.kind == "axle_scale":
            passage = axle_passage(visit, axle_scale_model(weigher.device))
        else:
            passage = platform_passage(visit, weigher.rate_hz)
        return passage, weigher.play(passage)

    def _until(self, deadline: float) -> None:
        self._stopping.wait(max(deadline - time.monotonic(), 0.0))

    def _until_done(self, done: threading.Event | None, expected: float) -> None:
        if done is None:
            self._until(expected)
            return
        deadline = expected + DONE_SLACK_S
        while not done.is_set() and not self._stopping.is_set():
            if time.monotonic() > deadline:
                log.warning("traffic rig: a passage did not finish in time; going on")
                return
            done.wait(0.05)

    def _post_plates(self, lane: _Lane, visit: Visit) -> list[threading.Thread]:
        if visit.cheat == "manual_plate":
            return []  # the camera misses the plate: the operator types it
        threads = [
            threading.Thread(
                target=self._post, args=(camera, visit), name="traffic-camera", daemon=True
            )
            for camera in lane.cameras
        ]
        for thread in threads:
            thread.start()
        return threads

    def _post(self, camera: CameraDevice, visit: Visit) -> None:
        deadline = time.monotonic() + self._camera_retry_s
        while True:
            result = camera.post(visit.plate, visit.plate_colour, len(visit.truck.loads_kg))
            if result.accepted:
                with self._lock:
                    self._posts += 1
                return
            if time.monotonic() >= deadline or self._stopping.is_set():
                break
            self._stopping.wait(CAMERA_RETRY_DELAY_S)
        answer = f"HTTP {result.status}" if result.status else "no connection"
        with self._lock:
            self._failures.append(
                f"visit {visit.index} {visit.plate}: {camera.device.id} -> {camera.device.port}: "
                f"{answer}"
            )


__all__ = ["TrafficRig", "TrafficRigError"]
