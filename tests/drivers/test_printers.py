"""Printing through a real CUPS server with the cups-pdf queue (scripts/start_cups.sh)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from drivers import printers
from drivers.printers import CupsPrinters, PrinterError
from reports import render_sheet
from tests.reports import samples
from tests.support.cups import CupsPdf


def page_count(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M)[1])


def two_page_pdf(tmp_path: Path) -> Path:
    """Two real documents (Chinese text, embedded font) joined: the page count must survive."""
    first, second, both = tmp_path / "a.pdf", tmp_path / "b.pdf", tmp_path / "both.pdf"
    first.write_bytes(render_sheet(samples.over_limit(), samples.within_limit(), copy=True))
    second.write_bytes(render_sheet(samples.over_limit(), None))
    subprocess.run(["pdfunite", str(first), str(second), str(both)], check=True)
    return both


def test_a_pdf_printed_on_cups_pdf_comes_out_with_the_same_pages(
    cups_pdf: CupsPdf, tmp_path: Path
) -> None:
    source = two_page_pdf(tmp_path)
    before = cups_pdf.files()

    job = CupsPrinters().send(cups_pdf.queue, source, title="printer-test")

    assert job.startswith(f"{cups_pdf.queue}-"), job
    printed = cups_pdf.wait_for_new(before)
    assert "printer-test" in printed.name
    assert page_count(source) == 2
    assert page_count(printed) == 2


def test_the_queue_is_listed_and_checked(cups_pdf: CupsPdf) -> None:
    cups = CupsPrinters()
    assert cups_pdf.queue in cups.names()
    cups.check(cups_pdf.queue)


@pytest.mark.parametrize("name", ["NoSuchPrinter", "-d", " "])
def test_an_unknown_printer_is_a_clear_error(cups_pdf: CupsPdf, tmp_path: Path, name) -> None:
    path = tmp_path / "x.pdf"
    path.write_bytes(b"%PDF-1.4\n")
    with pytest.raises(PrinterError, match=r"unknown to CUPS|not valid"):
        CupsPrinters().send(name, path)


def test_a_missing_file_is_a_clear_error(cups_pdf: CupsPdf, tmp_path: Path) -> None:
    with pytest.raises(PrinterError, match="no file to print"):
        CupsPrinters().send(cups_pdf.queue, tmp_path / "absent.pdf")


# --- without CUPS: these run everywhere ----------------------------------------------------


def test_missing_lp_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(printers.shutil, "which", lambda _: None)
    monkeypatch.setattr(printers.sys, "platform", "linux")
    with pytest.raises(PrinterError, match="'lpstat' is not installed"):
        CupsPrinters().check("PDF")


def test_windows_says_printing_is_not_supported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(printers.sys, "platform", "win32")
    with pytest.raises(PrinterError, match="not supported on Windows"):
        CupsPrinters().names()


def test_cups_not_running_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_run(command, **_):
        return subprocess.CompletedProcess(command, 1, "", "lpstat: Scheduler is not running.\n")

    monkeypatch.setattr(printers.sys, "platform", "linux")
    monkeypatch.setattr(printers.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(printers.subprocess, "run", fake_run)
    with pytest.raises(PrinterError, match="CUPS is not running"):
        CupsPrinters().check("PDF")


def test_a_hanging_cups_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_run(command, **options):
        raise subprocess.TimeoutExpired(command, options["timeout"])

    monkeypatch.setattr(printers.sys, "platform", "linux")
    monkeypatch.setattr(printers.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(printers.subprocess, "run", fake_run)
    with pytest.raises(PrinterError, match=r"did not answer within 0\.5 s"):
        CupsPrinters(timeout_s=0.5).check("PDF")


def test_no_qt_is_imported() -> None:
    code = "import drivers.printers, sys; print('PySide6' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.stdout.strip() == "False", done.stderr
