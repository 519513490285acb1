"""A virtual weighing indicator: generated trucks crossing an axle scale (or standing on a
static platform), written as the chosen protocol's frames to a serial port or TCP clients.

The frames are the real wire format, produced by the same encoders the decoder tests
round-trip, so the app under test cannot tell the simulator from an indicator.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Iterator

from drivers.base import IndicatorValue
from drivers.protocols import encoder
from drivers.sim.crossing import CHEATS, simulate
from drivers.sim.stream import StreamSimulator
from drivers.transport import PortSettings

CONTINUOUS = ("toledo", "yaohua-tf0", "yaohua-eq", "yaohua-w")
POLLED = ("mtsics", "sma")
OUTPUT_RATE_HZ = 25  # a common continuous-output rate of truck-scale indicators


class SimulatorConfigError(ValueError):
    """The simulator cannot be built as configured; the message says what is allowed."""


def _values_from_samples(
    samples: Iterable[tuple[float, int]], every: int
) -> Iterator[IndicatorValue]:
    previous: int | None = None
    for index, (_, kg) in enumerate(samples):
        if index % every:
            continue
        yield IndicatorValue(weight_kg=kg, stable=kg == previous)
        previous = kg


def _idle(seconds: float, rate_hz: int) -> list[IndicatorValue]:
    return [IndicatorValue(weight_kg=0, stable=True, centre_of_zero=True)] * int(seconds * rate_hz)


def axle_scale_values(
    seed: int, vehicles: int, cheat_share: float = 0.1, rate_hz: int = OUTPUT_RATE_HZ
) -> list[IndicatorValue]:
    """Trucks crossing an axle scale one after another, zero between them, at `rate_hz`."""
    rng = random.Random(seed)
    values: list[IndicatorValue] = []
    for index in range(vehicles):
        cheat = rng.choice(CHEATS) if rng.random() < cheat_share else None
        crossing = simulate(seed * 10_000 + index, cheat=cheat)
        every = max(1, round(len(crossing.samples) / max(1, crossing.samples[-1][0]) / rate_hz))
        values.extend(_values_from_samples(crossing.samples, every))
        values.extend(_idle(3.0, rate_hz))
    return values


def _ramp(start: int, end: int, steps: int) -> list[int]:
    return [start + (end - start) * i // steps for i in range(1, steps + 1)]


def platform_values(seed: int, vehicles: int) -> list[IndicatorValue]:
    """Trucks driving onto a whole-vehicle platform, settling, standing, and leaving."""
    rng = random.Random(seed)
    values: list[IndicatorValue] = []
    for _ in range(vehicles):
        gross = rng.randrange(8000, 70000, 10)
        moving = _ramp(0, gross, 2 * OUTPUT_RATE_HZ)
        moving += [gross + rng.randrange(-300, 301, 10) for _ in range(OUTPUT_RATE_HZ)]
        values.extend(IndicatorValue(weight_kg=kg, stable=False) for kg in moving)
        values.extend([IndicatorValue(weight_kg=gross, stable=True)] * (4 * OUTPUT_RATE_HZ))
        leaving = _ramp(gross, 0, 2 * OUTPUT_RATE_HZ)
        values.extend(IndicatorValue(weight_kg=kg, stable=False) for kg in leaving)
        values.extend(_idle(3.0, OUTPUT_RATE_HZ))
    return values


class PolledReplies:
    """Answers MT-SICS and SMA requests with the weight the simulated truck puts on the scale
    at that moment (the value sequence advances at the output rate, request or not)."""

    def __init__(
        self, protocol: str, values: list[IndicatorValue], rate_hz: int = OUTPUT_RATE_HZ
    ) -> None:
        self._protocol = protocol
        self._rate_hz = rate_hz
        self._encode = encoder(protocol)
        self._values = values
        self._started = time.monotonic()
        self._pending = b""

    def current(self) -> IndicatorValue:
        step = int((time.monotonic() - self._started) * self._rate_hz)
        return self._values[step % len(self._values)]

    def __call__(self, data: bytes) -> bytes | None:
        self._pending += data
        end = b"\r\n" if self._protocol == "mtsics" else b"\r"
        *requests, self._pending = self._pending.split(end)
        replies = b"".join(self._reply(request.strip()) for request in requests)
        return replies or None

    def _reply(self, request: bytes) -> bytes:
        if self._protocol == "mtsics":
            if request in (b"S", b"SI"):
                return self._encode(self.current())
            return b"Z A\r\n" if request == b"Z" else b"ES\r\n"
        return self._encode(self.current()) if request == b"W" else b"\n?\r"


def frames_for(protocol: str, values: Iterable[IndicatorValue]) -> list[bytes]:
    if protocol not in CONTINUOUS:
        raise SimulatorConfigError(
            f"driver: the indicator simulator speaks {', '.join(CONTINUOUS + POLLED)}; "
            f"not {protocol!r}"
        )
    encode = encoder(protocol)
    return [encode(value) for value in values]


def indicator_simulator(
    protocol: str,
    target: str,
    *,
    kind: str,
    seed: int = 1,
    vehicles: int = 20,
    rate_hz: int = OUTPUT_RATE_HZ,
) -> StreamSimulator:
    """Build (not start) a simulator for `kind` "axle_scale" or "scale" writing to `target`.

    `target` is `tcp://host:port` (a device server the app reaches as socket://host:port)
    or a serial port (the simulator's end of a pty pair or null-modem cable).
    """
    if kind == "axle_scale":
        values = axle_scale_values(seed, vehicles, rate_hz=rate_hz)
    else:
        values = platform_values(seed, vehicles)
        rate_hz = OUTPUT_RATE_HZ  # the platform's timeline is written at the output rate
    respond: PolledReplies | None = None
    if protocol in POLLED:
        frames: list[bytes] = []
        respond = PolledReplies(protocol, values, rate_hz)
    else:
        frames = frames_for(protocol, values)
    if target.startswith(("tcp://", "socket://")):
        host, _, port = target.split("://", 1)[1].rpartition(":")
        return StreamSimulator.on_tcp(
            frames, host=host or "127.0.0.1", port=int(port), rate_hz=rate_hz,
            respond=respond,
        )  # fmt: skip
    return StreamSimulator.on_port(PortSettings(target), frames, rate_hz=rate_hz, respond=respond)
