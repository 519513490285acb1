"""`python main.py print-record`: a separate process on a real SQLite station with a first
weighing over the limit, its case, and a re-weighing after unloading."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from station.storage.database import open_database
from station.storage.files import PictureStore
from tests.reports.conftest import poppler  # noqa: F401 (fixture)
from tests.storage.test_cases import MOMENT, OVER, WITHIN, first_within, open_over, reweigh
from tests.support.cli import run_main, user_env
from tests.support.cups import CupsPdf
from tests.support.factory import Station

# The PDFs are read back with poppler (skips without it unless STATION_REQUIRE_POPPLER).
pytestmark = pytest.mark.usefixtures("poppler")

CONFIG = """
[station]
site_code = "410102210001"
name = "测试站"
[storage]
data_dir = {data}
[printing]
sheet_printer = {printer}
"""


@dataclass(frozen=True)
class Made:
    config: Path
    db: Path
    first: str
    reweighed: str
    open_first: str  # over the limit, not re-weighed yet
    ordinary: str  # within the limit, no case


@pytest.fixture
def made(tmp_path: Path) -> Made:
    data = tmp_path / "data"
    data.mkdir()
    database, _ = open_database(f"sqlite:///{data / 'station.sqlite3'}")
    station = Station(database, PictureStore(data / "pictures"), data)
    case = open_over(station)
    weighed, _ = reweigh(station, case, WITHIN, moment=MOMENT + timedelta(hours=2))
    other = open_over(station, moment=MOMENT + timedelta(minutes=5), plate="豫B54321")
    within = first_within(station, moment=MOMENT + timedelta(minutes=9))
    database.dispose()
    config = tmp_path / "station.toml"
    text = CONFIG.format(data=json.dumps(str(data)), printer=json.dumps("PDF"))
    config.write_text(text, encoding="utf-8")
    return Made(config, data / "station.sqlite3", case.check_no, weighed.check_no,
                other.check_no, within.check_no)  # fmt: skip


def print_record(tmp_path: Path, made: Made, *args: str) -> subprocess.CompletedProcess[str]:
    return run_main(user_env(tmp_path), "print-record", *args, "--config", str(made.config))


def text_of(path: Path) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def audited(made: Made) -> list[dict]:
    db = sqlite3.connect(made.db)
    try:
        bodies = [row[0] for row in db.execute(
            "SELECT body FROM audit_event WHERE action = 'DOCUMENT_PRINTED' ORDER BY seq"
        )]  # fmt: skip
    finally:
        db.close()
    return [json.loads(body)["detail"] for body in bodies]


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("ticket", "车辆超限检测单"), ("unload", "超限运输车辆卸载通知书"), ("sheet", "称重和卸载单")],
)
def test_each_kind_is_saved_then_reprinted_as_a_copy(
    tmp_path: Path, made: Made, kind: str, expected: str
) -> None:
    out = tmp_path / f"{kind}.pdf"
    first = print_record(tmp_path, made, made.first, "--kind", kind, "--out", str(out))
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == str(out) and first.stderr == ""
    text = "".join(text_of(out).split())
    assert expected in text and made.first in text and "副本" not in text

    again = tmp_path / f"{kind}-again.pdf"
    second = print_record(tmp_path, made, made.first, "--kind", kind, "--out", str(again))
    assert second.returncode == 0, second.stderr
    assert "副本 COPY 1" in second.stdout
    assert "副本" in text_of(again)
    assert [(d["kind"], d["copyNo"], d["printer"]) for d in audited(made)] == [
        (kind, 0, str(out)),
        (kind, 1, str(again)),
    ]


def test_sheet_has_the_reweigh_even_when_asked_by_its_number(tmp_path: Path, made: Made) -> None:
    out = tmp_path / "sheet.pdf"
    done = print_record(tmp_path, made, made.reweighed, "--kind", "sheet", "--out", str(out))
    assert done.returncode == 0, done.stderr
    text = text_of(out)
    assert made.first in text and made.reweighed in text
    unloaded = sum(OVER) - sum(WITHIN)
    assert f"{unloaded} kg" in text and "是（未超限）" in text
    assert [d["checkNo"] for d in audited(made)] == [made.first]  # counted under the first

    open_out = tmp_path / "open.pdf"
    done = print_record(tmp_path, made, made.open_first, "--kind", "sheet", "--out", str(open_out))
    assert done.returncode == 0, done.stderr
    assert "未复检" in text_of(open_out)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("410102210001209901010001", "--kind", "ticket"), "there is no weighing 4101022100012"),
        (("FIRST", "--kind", "receipt"), "kind: 'receipt' is not one of ticket, unload, sheet"),
        (("ORDINARY", "--kind", "unload"), "has no case with a notice number"),
        (("ORDINARY", "--kind", "sheet"), "within the limit"),
        (("FIRST", "--kind", "ticket", "--printer", "NoSuchPrinter"), "NoSuchPrinter"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path: Path, made: Made, args, message) -> None:
    named = {"FIRST": made.first, "ORDINARY": made.ordinary}
    args = tuple(named.get(arg, arg) for arg in args)
    out = tmp_path / "x.pdf"
    done = print_record(tmp_path, made, *args, "--out", str(out))
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith("print-record: ") and message in done.stderr
    assert done.stderr.count("\n") == 1
    assert not out.exists() and audited(made) == []


def test_default_printer_needs_one_configured(tmp_path: Path, made: Made) -> None:
    out = tmp_path / "t.pdf"
    done = print_record(
        tmp_path, made, made.first, "--kind", "ticket", "--out", str(out), "--printer", "default"
    )
    assert done.returncode == 2
    assert "no default printer for ticket ([printing] ticket_printer)" in done.stderr


def test_printer_option_prints_on_cups_pdf(cups_pdf: CupsPdf, tmp_path: Path, made: Made) -> None:
    before = cups_pdf.files()
    out = tmp_path / "sheet.pdf"
    done = print_record(
        tmp_path, made, made.first, "--kind", "sheet", "--out", str(out), "--printer", "default"
    )
    assert done.returncode == 0, done.stderr
    assert f"printed on {cups_pdf.queue} (job {cups_pdf.queue}-" in done.stdout
    printed = cups_pdf.wait_for_new(before)
    assert out.is_file() and printed.stat().st_size > 1000
    [detail] = audited(made)
    assert detail["printer"].startswith(f"{cups_pdf.queue} {cups_pdf.queue}-")

    before = cups_pdf.files()
    again = print_record(tmp_path, made, made.first, "--kind", "sheet", "--out", str(out),
                         "--printer", cups_pdf.queue)  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert "副本 COPY 1" in again.stdout
    cups_pdf.wait_for_new(before)
    assert "副本" in text_of(out)
