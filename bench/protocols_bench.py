"""Indicator protocol decoders: frames decoded per second on one core, against a serial line.

    .venv/bin/python bench/protocols_bench.py              # the table, about 10 seconds
    .venv/bin/python bench/protocols_bench.py --chunk 16   # smaller reads, more feed() calls

Each protocol decodes a recorded-like stream: a truck drives on (weights climb with
noise), settles (a few kg of wobble, motion flags where the format has them) and drives
off, with a burst of line noise now and then. The stream is fed in `chunk`-byte reads, as
a serial worker receives it. The ratio compares the decoding rate with the frame rate of a
115200-baud 8N1 line (11 520 bytes/s divided by the frame length): it says how many such
lines one core could keep up with. `run()` returns the figures for bench/run.py.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from drivers.base import IndicatorValue
from drivers.protocols import encoder, make

LINE_BYTES_PER_S = 115_200 / 10  # 8N1: start bit, 8 data bits, stop bit
TARGET_RATIO = 100
NOISE = b"\x00\xff\x13noise\x7f\x81"
NOISE_EVERY = 200  # frames between bursts of line noise


@dataclass(frozen=True)
class Setup:
    name: str
    decoder: dict[str, Any]
    encoder: dict[str, Any]


CARDINAL = {
    "end": "\r",
    "length": 13,  # lets noise glued to a frame be cut off
    "pattern": r"(?P<sign>[ -])(?P<weight>\d{6})(?P<unit>kg)(?P<status>[GN].{2})",
    "flags": {"G": {}, "N": {"net": True}, "MO": {"stable": False}, "OC": {"overload": True}},
    "stable": True,
}
CARDINAL_CODES = {"none": "G  ", "net": "N  ", "overload": "GOC", "motion": "GMO"}

SETUPS = [
    Setup("toledo", {"checksum": "required"}, {"increment": 1}),
    Setup("mtsics", {}, {"command": "S"}),
    Setup("yaohua-tf0", {}, {}),
    Setup("yaohua-eq", {}, {}),
    Setup("yaohua-w", {}, {}),
    Setup("yaohua-tf1", {}, {}),
    Setup("sma", {}, {}),
    Setup(
        "ascii",
        CARDINAL,
        {"template": "{sign}{weight}{unit}{status}\r", "status": CARDINAL_CODES},
    ),
]


def truck_weights(frames: int, seed: int) -> list[IndicatorValue]:
    """A truck drives on, settles and drives off; repeated until `frames` values exist."""
    rng = random.Random(seed)
    values: list[IndicatorValue] = []
    while len(values) < frames:
        gross = rng.randrange(8_000, 55_000, 20)
        values += [IndicatorValue(gross * i // 60 + rng.randint(-40, 40), False) for i in range(60)]
        values += [IndicatorValue(gross + rng.choice((-20, 0, 0, 20)), True) for _ in range(200)]
        values += [IndicatorValue(gross * (40 - i) // 40, False) for i in range(40)]
        values += [IndicatorValue(rng.choice((-20, 0, 20)), True) for _ in range(40)]
    return values[:frames]


def stream_of(setup: Setup, values: list[IndicatorValue]) -> tuple[bytes, int]:
    """The wire bytes and the bytes per frame (noise excluded)."""
    encode = encoder(setup.name, **setup.encoder)
    frames = [encode(value) for value in values]
    wire = bytearray()
    for index, frame in enumerate(frames):
        if index and index % NOISE_EVERY == 0:
            wire += NOISE
        wire += frame
    return bytes(wire), round(sum(map(len, frames)) / len(frames))


def _best_seconds(feed_stream: Callable[[], int], expected: int, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        decoded = feed_stream()
        best = min(best, time.perf_counter() - started)
        if decoded != expected:
            raise AssertionError(f"decoded {decoded} frames, expected {expected}")
    return best


def measure(setup: Setup, frames: int, chunk: int, repeats: int, seed: int) -> dict[str, Any]:
    values = truck_weights(frames, seed)
    wire, frame_bytes = stream_of(setup, values)
    reads = [wire[i : i + chunk] for i in range(0, len(wire), chunk)]

    def feed_stream() -> int:
        protocol = make(setup.name, **setup.decoder)
        return sum(len(protocol.feed(read)) for read in reads)

    seconds = _best_seconds(feed_stream, frames, repeats)
    per_s = frames / seconds
    line_per_s = LINE_BYTES_PER_S / frame_bytes
    return {
        "frame_bytes": frame_bytes,
        "frames": frames,
        "frames_per_s": round(per_s),
        "us_per_frame": round(seconds / frames * 1e6, 2),
        "line_frames_per_s": round(line_per_s, 1),
        "ratio": round(per_s / line_per_s, 1),
        "met": per_s / line_per_s >= TARGET_RATIO,
    }


def run(frames: int = 20_000, chunk: int = 64, repeats: int = 5, seed: int = 2026) -> dict:
    """Figures per protocol; the best of `repeats` runs (the others met more interference)."""
    protocols = {setup.name: measure(setup, frames, chunk, repeats, seed) for setup in SETUPS}
    return {
        "chunk_bytes": chunk,
        "line": "115200 baud 8N1",
        "line_bytes_per_s": LINE_BYTES_PER_S,
        "target_ratio": TARGET_RATIO,
        "protocols": protocols,
        "all_met": all(figures["met"] for figures in protocols.values()),
    }


def print_table(results: dict) -> None:
    print(
        f"decoding in {results['chunk_bytes']}-byte reads vs a {results['line']} line "
        f"(target >= {results['target_ratio']}x)"
    )
    print(f"{'protocol':<12}{'bytes':>6}{'line/s':>9}{'decoded/s':>12}{'us/frame':>10}{'ratio':>9}")
    for name, figures in results["protocols"].items():
        mark = "" if figures["met"] else "  below target"
        print(
            f"{name:<12}{figures['frame_bytes']:>6}{figures['line_frames_per_s']:>9,.0f}"
            f"{figures['frames_per_s']:>12,}{figures['us_per_frame']:>10.2f}"
            f"{figures['ratio']:>8,.0f}x{mark}"
        )


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=20_000, help="frames per protocol")
    parser.add_argument("--chunk", type=int, default=64, help="bytes per feed() call")
    parser.add_argument("--repeats", type=int, default=5, help="runs; the fastest counts")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    results = run(args.frames, args.chunk, args.repeats, args.seed)
    print_table(results)
    return results


if __name__ == "__main__":
    main()
