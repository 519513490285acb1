"""Helpers shared by the protocol tests: ways to chunk a byte stream, and feeding."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from drivers.base import DecoderStats, IndicatorValue, StreamProtocol


def chunkings(data: bytes) -> Iterator[tuple[str, list[bytes]]]:
    """The stream whole, split in two at every position, and one byte at a time."""
    yield "whole", [data]
    for cut in range(1, len(data)):
        yield f"split@{cut}", [data[:cut], data[cut:]]
    yield "byte-by-byte", [data[i : i + 1] for i in range(len(data))]


def feed_all(protocol: StreamProtocol, chunks: Iterable[bytes]) -> list[IndicatorValue]:
    values: list[IndicatorValue] = []
    for chunk in chunks:
        values.extend(protocol.feed(chunk))
    return values


def in_pieces(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def counters(stats: DecoderStats) -> tuple[int, int, int, int, int]:
    """The counters, without the message text."""
    return (
        stats.frames,
        stats.checksum_errors,
        stats.format_errors,
        stats.resyncs,
        stats.discarded_bytes,
    )


def weights(values: Iterable[IndicatorValue]) -> list[int]:
    return [value.weight_kg for value in values]
