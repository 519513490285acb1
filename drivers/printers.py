"""Printing a finished PDF through CUPS with the `lp` command line tools.

The station renders every document as PDF (reports/) and keeps the file; this module only
hands that file to a CUPS queue (`lp -d NAME FILE`) and lists the queues. CUPS converts PDF
for the printer itself, so there is no Qt, no driver code and no rasterising here.
Windows printing is not implemented: the error says so, and the PDF is still written.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

TIMEOUT_S = 15.0
_REQUEST_ID = re.compile(r"request id is (\S+)")
_PRINTER_LINE = re.compile(r"^printer (\S+) ", re.MULTILINE)


class PrinterError(Exception):
    """A document could not be handed to a printer; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class CupsPrinters:
    """The CUPS queues of this computer, through `lp` and `lpstat`."""

    timeout_s: float = TIMEOUT_S

    def names(self) -> list[str]:
        """The queues CUPS knows, in its order."""
        done = self._run(["lpstat", "-p"], what="list the printers")
        if done.returncode != 0 and "No destinations" not in done.stderr:
            raise PrinterError(_cups_problem(done.stderr, "cannot list the printers"))
        return _PRINTER_LINE.findall(done.stdout)

    def check(self, name: str) -> None:
        """Raise PrinterError unless `name` is a queue of a running CUPS."""
        if not name.strip() or name.startswith("-"):
            raise PrinterError(f"printer name {name!r} is not valid")
        done = self._run(["lpstat", "-p", name], what=f"look up printer {name!r}")
        if done.returncode != 0:
            raise PrinterError(_cups_problem(done.stderr, f"printer {name!r} is unknown to CUPS"))

    def send(self, name: str, path: Path, *, title: str = "", options: Sequence[str] = ()) -> str:
        """Queue the PDF at `path` on printer `name`; return CUPS's job id ("PDF-12")."""
        self.check(name)
        if not Path(path).is_file():
            raise PrinterError(f"no file to print at {path}")
        command = ["lp", "-d", name]
        if title:
            command += ["-t", title]
        for option in options:
            command += ["-o", option]
        done = self._run([*command, "--", str(path)], what=f"print on {name!r}")
        if done.returncode != 0:
            raise PrinterError(_cups_problem(done.stderr, f"printer {name!r} refused the job"))
        found = _REQUEST_ID.search(done.stdout)
        return found.group(1) if found else ""

    def _run(self, command: list[str], *, what: str) -> subprocess.CompletedProcess[str]:
        _require_cups_tools(command[0])
        try:
            return subprocess.run(
                command, capture_output=True, text=True, timeout=self.timeout_s, check=False
            )
        except subprocess.TimeoutExpired:
            raise PrinterError(
                f"cannot {what}: CUPS did not answer within {self.timeout_s:g} s"
            ) from None
        except OSError as exc:
            raise PrinterError(f"cannot {what}: {exc}") from None


def _require_cups_tools(program: str) -> None:
    if sys.platform == "win32":
        raise PrinterError(
            "printing to a printer is not supported on Windows yet; the PDF was written, "
            "print it from a PDF viewer"
        )
    if shutil.which(program) is None:
        raise PrinterError(
            f"the CUPS command {program!r} is not installed (Debian: apt-get install cups-client)"
        )


def _cups_problem(stderr: str, fallback: str) -> str:
    """CUPS's own words, with the two common causes named plainly."""
    text = " ".join(stderr.split())
    if "Scheduler is not running" in text or "Connection refused" in text:
        return f"CUPS is not running (start cupsd): {text}"
    if "Invalid destination" in text or "does not exist" in text or "Unknown destination" in text:
        return f"{fallback} (lpstat -p lists the printers)"
    return f"{fallback}: {text}" if text else fallback
