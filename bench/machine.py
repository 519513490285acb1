"""What the benchmarks ran on: CPU, cores, memory, disk, Python and library versions."""

from __future__ import annotations

import os
import platform
import shutil
import sqlite3
import sys
from pathlib import Path
from typing import Any


def _cpuinfo() -> dict[str, str]:
    info: dict[str, str] = {}
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return info
    for line in text.splitlines():
        key, _, value = line.partition(":")
        info.setdefault(key.strip(), value.strip())
    return info


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def _filesystem(path: Path) -> str:
    """Type of the filesystem holding path, from the longest matching mount point."""
    best, kind = "", "unknown"
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return kind
    resolved = str(path.resolve())
    for line in mounts:
        parts = line.split()
        if len(parts) > 2 and resolved.startswith(parts[1]) and len(parts[1]) > len(best):
            best, kind = parts[1], f"{parts[2]} ({parts[0]})"
    return kind


def _versions() -> dict[str, str]:
    import numpy
    import sqlalchemy

    return {
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
        "numpy": numpy.__version__,
    }


def describe(folder: Path) -> dict[str, Any]:
    cpu = _cpuinfo()
    disk = shutil.disk_usage(folder)
    return {
        "platform": platform.platform(),
        "cpu_model": cpu.get("model name", platform.processor() or "unknown"),
        "virtual_machine": "hypervisor" in cpu.get("flags", "").split(),
        "cores": os.cpu_count(),
        "ram_gib": _memory_gib(),
        "disk_free_gib": round(disk.free / 2**30, 1),
        "disk_total_gib": round(disk.total / 2**30, 1),
        "filesystem": _filesystem(folder),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        **_versions(),
    }


def summary(machine: dict[str, Any]) -> str:
    kind = "VM, " if machine["virtual_machine"] else ""
    return (
        f"{machine['cpu_model']} ({kind}{machine['cores']} cores), {machine['ram_gib']} GiB RAM, "
        f"{machine['filesystem']} with {machine['disk_free_gib']} GiB free; "
        f"Python {machine['python']}, SQLite {machine['sqlite']}, "
        f"SQLAlchemy {machine['sqlalchemy']}; {machine['platform']}"
    )
