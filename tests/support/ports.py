"""Free loopback ports for tests that run real servers (never fixed port numbers)."""

from __future__ import annotations

from drivers.sim.ports import LOOPBACK_PORT, free_port, with_free_ports

__all__ = ["LOOPBACK_PORT", "free_port", "with_free_ports"]
