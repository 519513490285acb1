"""A running CUPS with a cups-pdf queue, for the printing tests (reference/toolchain.md §5).

`.ci/run` installs CUPS and starts it with scripts/start_cups.sh, and sets
STATION_REQUIRE_CUPS=1 so these tests fail instead of skipping when it is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

QUEUE = os.environ.get("STATION_CUPS_PRINTER", "PDF")
OUT_DIR = Path(os.environ.get("STATION_CUPS_PDF_DIR", "/tmp/cups-out"))


@dataclass(frozen=True)
class CupsPdf:
    """The cups-pdf queue and the folder it writes to."""

    queue: str
    out_dir: Path

    def files(self) -> set[Path]:
        return set(self.out_dir.glob("*.pdf"))

    def wait_for_new(self, before: set[Path], timeout_s: float = 30.0) -> Path:
        """The file of the next finished job: cups-pdf writes it under a mangled title."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            new = self.files() - before
            # cups-pdf writes the file in place; wait until it no longer grows.
            if new:
                path = max(new, key=lambda item: item.stat().st_mtime)
                size = path.stat().st_size
                time.sleep(0.3)
                if size and path.stat().st_size == size:
                    return path
            time.sleep(0.1)
        raise AssertionError(f"no printed file appeared in {self.out_dir} in {timeout_s} s")


def _problem() -> str:
    for tool in ("lp", "lpstat", "pdfinfo", "pdfunite"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    status = subprocess.run(
        ["lpstat", "-r"], capture_output=True, text=True, timeout=10, check=False
    )
    if "is running" not in status.stdout:
        return "cupsd is not running (scripts/start_cups.sh starts it)"
    queue = subprocess.run(
        ["lpstat", "-p", QUEUE], capture_output=True, text=True, timeout=10, check=False
    )
    if queue.returncode != 0:
        return f"no CUPS queue {QUEUE!r} (scripts/start_cups.sh creates the cups-pdf one)"
    if not OUT_DIR.is_dir():
        return f"the cups-pdf output folder {OUT_DIR} does not exist"
    return ""


@pytest.fixture(scope="session")
def cups_pdf() -> CupsPdf:
    """Skip without CUPS, unless STATION_REQUIRE_CUPS says it must be there (CI)."""
    problem = _problem()
    if problem:
        if os.environ.get("STATION_REQUIRE_CUPS") == "1":
            pytest.fail(f"{problem}, and STATION_REQUIRE_CUPS=1 is set")
        pytest.skip(problem)
    return CupsPdf(QUEUE, OUT_DIR)
