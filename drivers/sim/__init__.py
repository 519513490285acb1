"""Device simulators: the far end of a port, for tests, demonstrations and benchmarks."""

from drivers.sim.stream import StreamSimulator

__all__ = ["StreamSimulator"]
