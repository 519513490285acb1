"""Free loopback ports for simulated devices (demo stations, tests): never fixed numbers."""

from __future__ import annotations

import re
import socket

LOOPBACK_PORT = re.compile(r"127\.0\.0\.1:(\d+)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def with_free_ports(text: str) -> str:
    """`text` (a configuration) with each distinct loopback port replaced by a free one."""
    mapping: dict[str, str] = {}
    for port in LOOPBACK_PORT.findall(text):
        mapping.setdefault(port, str(free_port()))
    return LOOPBACK_PORT.sub(lambda m: f"127.0.0.1:{mapping[m.group(1)]}", text)
