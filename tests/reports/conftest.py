"""Read the rendered PDFs back with poppler, as a viewer or an auditor's tool would."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

POPPLER_TOOLS = ("pdftotext", "pdffonts", "pdfinfo", "pdfimages")


@pytest.fixture(scope="session")
def poppler() -> None:
    """Skip without poppler-utils, unless STATION_REQUIRE_POPPLER says it must be there (CI)."""
    missing = [tool for tool in POPPLER_TOOLS if shutil.which(tool) is None]
    if not missing:
        return
    reason = f"poppler-utils not installed (missing {', '.join(missing)})"
    if os.environ.get("STATION_REQUIRE_POPPLER"):
        pytest.fail(f"{reason}, and STATION_REQUIRE_POPPLER is set")
    pytest.skip(reason)


class Pdf:
    """One rendered document on disk, with poppler's view of it."""

    def __init__(self, data: bytes, path: Path) -> None:
        assert data.startswith(b"%PDF-"), data[:20]
        path.write_bytes(data)
        self.path = path

    def _run(self, *args: str) -> str:
        done = subprocess.run(args, capture_output=True, text=True, timeout=60, check=True)
        return done.stdout

    def text(self, page: int | None = None) -> str:
        pages = ["-f", str(page), "-l", str(page)] if page else []
        return self._run("pdftotext", "-layout", *pages, str(self.path), "-")

    def flat_text(self) -> str:
        """The text without any whitespace: paragraphs may wrap anywhere in Chinese."""
        return "".join(self.text().split())

    def pages(self) -> int:
        return int(re.search(r"^Pages:\s+(\d+)", self._run("pdfinfo", str(self.path)), re.M)[1])

    def page_size(self) -> tuple[float, float]:
        info = self._run("pdfinfo", str(self.path))
        match = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", info, re.M)
        return float(match[1]), float(match[2])

    def fonts(self) -> list[dict[str, str]]:
        """pdffonts rows as dicts (name, type, emb); the name is the first column."""
        lines = self._run("pdffonts", str(self.path)).splitlines()[2:]
        rows = []
        for line in lines:
            name, rest = line.split(None, 1)
            flags = rest.split()[-5:-2]  # emb sub uni, before the object id
            rows.append({"name": name, "emb": flags[0], "line": line})
        return rows

    def image_count(self) -> int:
        """Images drawn (not counting soft masks, which are part of an image)."""
        rows = self._run("pdfimages", "-list", str(self.path)).splitlines()[2:]
        return sum(1 for row in rows if row.split()[2] == "image")


@pytest.fixture
def pdf(poppler: None, tmp_path: Path) -> Callable[[bytes], Pdf]:
    counter = iter(range(1_000))
    return lambda data: Pdf(data, tmp_path / f"doc{next(counter)}.pdf")
