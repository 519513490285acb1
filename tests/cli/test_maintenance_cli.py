"""`python main.py cert | scale-check | calibration`: separate processes on a real SQLite
station with registered scales, as the maintenance technician runs them."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import subprocess
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import pytest

from station.security import Role
from station.storage import calibration as cal
from station.storage.database import Database, open_database
from station.storage.scales import register_scale
from station.storage.verify import verify_database
from tests.reports.conftest import poppler  # noqa: F401 (fixture)
from tests.reports.test_calibration import sample_record
from tests.support.cli import run_main, user_env

CONFIG = """
[station]
site_code = "410102210001"
name = "测试站"
[storage]
data_dir = {data}
"""
SCALE = "lane1-axle"
PNG = b"\x89PNG\r\n\x1a\n" + b"certificate scan" * 40
T0 = datetime(2026, 11, 25, 8, 0, 0)


@dataclass(frozen=True)
class Made:
    config: Path
    data: Path

    @property
    def db(self) -> Path:
        return self.data / "station.sqlite3"


@pytest.fixture
def made(tmp_path: Path) -> Made:
    data = tmp_path / "data"
    data.mkdir()
    database, _ = open_database(f"sqlite:///{data / 'station.sqlite3'}")
    register_scale(database, "tester", SCALE, max_kg=60_000, division_kg=10)
    database.dispose()
    config = tmp_path / "station.toml"
    config.write_text(CONFIG.format(data=json.dumps(str(data))), encoding="utf-8")
    return Made(config, data)


def run(tmp_path: Path, made: Made, *args: str) -> subprocess.CompletedProcess[str]:
    return run_main(user_env(tmp_path), *args, "--config", str(made.config))


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout


def refused(done: subprocess.CompletedProcess[str], code: int = 2) -> str:
    assert done.returncode == code, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def audit_actions(made: Made) -> list[str]:
    db = sqlite3.connect(made.db)
    try:
        return [row[0] for row in db.execute("SELECT action FROM audit_event ORDER BY seq")]
    finally:
        db.close()


def verified(made: Made) -> None:
    database = Database(f"sqlite:///{made.db}")
    try:
        report = verify_database(database, made.data / "pictures")
    finally:
        database.dispose()
    assert report.ok, report.problems


def add_cert(tmp_path: Path, made: Made, *extra: str, **changed: str):
    options = {
        "--scale": SCALE, "--number": "JD-2026-017", "--institute": "郑州市计量测试所",
        "--issued": "2026-07-01", "--valid-until": "2027-06-30",
    }  # fmt: skip
    options |= {f"--{name.replace('_', '-')}": value for name, value in changed.items()}
    flat = [part for pair in options.items() for part in pair]
    return run(tmp_path, made, "cert", "add", *flat, *extra)


# ---- cert ---------------------------------------------------------------------------------


def test_a_certificate_with_its_scan_is_recorded_and_listed(tmp_path: Path, made: Made) -> None:
    scan = tmp_path / "scan.png"
    scan.write_bytes(PNG)
    sha = hashlib.sha256(PNG).hexdigest()

    out = ok(add_cert(tmp_path, made, "--scan", str(scan), "--actor", "tech1"))

    assert "JD-2026-017" in out and sha in out
    stored = made.data / "pictures" / sha[:2] / sha[2:4] / f"{sha}.png"
    assert stored.read_bytes() == PNG
    assert audit_actions(made)[-1] == "CERTIFICATE_RECORDED"
    verified(made)

    listed = ok(run(tmp_path, made, "cert", "list", "--today", "2027-01-01"))
    assert listed.splitlines() == [
        f"{SCALE}  JD-2026-017  郑州市计量测试所  issued 2026-07-01  valid until 2027-06-30  "
        "scan  180 days left"
    ]


def test_a_pdf_scan_is_kept_as_pdf(tmp_path: Path, made: Made) -> None:
    from reportlab.pdfgen.canvas import Canvas

    scan = tmp_path / "certificate.pdf"
    page = Canvas(str(scan))
    page.drawString(72, 720, "Verification certificate JD-2026-017")
    page.save()
    data = scan.read_bytes()
    sha = hashlib.sha256(data).hexdigest()

    ok(add_cert(tmp_path, made, "--scan", str(scan), "--actor", "tech1"))

    stored = made.data / "pictures" / sha[:2] / sha[2:4] / f"{sha}.pdf"
    assert stored.read_bytes() == data
    verified(made)
    stored.write_bytes(data + b"% appended after the scan was recorded\n")
    check = run(tmp_path, made, "verify")
    assert check.returncode == 1 and f"{sha}.pdf" in check.stdout + check.stderr


@pytest.mark.parametrize(
    ("today", "status", "reminder"),
    [
        ("2027-06-01", "29 days left", "expires in 29 days (2027-06-30)"),
        ("2027-05-31", "30 days left", "expires in 30 days (2027-06-30)"),
        ("2027-06-30", "0 days left", "expires in 0 days (2027-06-30)"),
        ("2027-07-02", "EXPIRED 2 days ago", "EXPIRED on 2027-06-30"),
    ],
)
def test_the_list_reminds_within_30_days_and_marks_expired(
    tmp_path: Path, made: Made, today: str, status: str, reminder: str
) -> None:
    ok(add_cert(tmp_path, made))

    lines = ok(run(tmp_path, made, "cert", "list", "--today", today)).splitlines()

    assert len(lines) == 2 and lines[0].endswith(f"  {status}")
    assert lines[1].startswith("reminder: ") and reminder in lines[1] and SCALE in lines[1]


def test_the_list_of_one_scale_shows_its_history(tmp_path: Path, made: Made) -> None:
    ok(add_cert(tmp_path, made))
    renewal = {"number": "JD-2027-003", "issued": "2027-06-20", "valid_until": "2028-06-19"}
    ok(add_cert(tmp_path, made, **renewal))
    database = Database(f"sqlite:///{made.db}")
    register_scale(database, "tester", "spare", max_kg=30_000, division_kg=10)
    database.dispose()

    every = ok(run(tmp_path, made, "cert", "list", "--today", "2027-07-01")).splitlines()
    assert every[0].startswith(f"{SCALE}  JD-2027-003") and every[0].endswith("354 days left")
    assert every[1] == "spare  NO CERTIFICATE"
    assert every[2].startswith("reminder: scale spare has no certificate")
    assert len(every) == 3

    one = ok(run(tmp_path, made, "cert", "list", "--scale", SCALE, "--today", "2027-07-01"))
    first, earlier = one.splitlines()
    assert "JD-2027-003" in first and "JD-2026-017" in earlier and "(earlier, recorded" in earlier


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--issued", "2026-13-01"), "cert add: --issued: '2026-13-01' is not a date yyyy-MM-dd"),
        (("--valid-until", "2026-01-01"), "cert add: --valid-until: 2026-01-01 is before"),
        (("--scale", "nope"), "cert add: --scale: unknown scale 'nope'"),
        (("--number", " "), "cert add: --number: the certificate number is 1 to 64 characters"),
        (("--scan", "NOT_AN_IMAGE"), "cert add: --scan: "),  # then: not a JPEG, PNG or PDF
        (("--scan", "MISSING"), "cert add: --scan: cannot read"),
    ],
)
def test_bad_certificate_input_exits_2_naming_the_option(
    tmp_path: Path, made: Made, args: tuple[str, ...], message: str
) -> None:
    (tmp_path / "NOT_AN_IMAGE").write_bytes(b"GIF89a a scan saved as GIF")
    named = {"NOT_AN_IMAGE": str(tmp_path / "NOT_AN_IMAGE"), "MISSING": str(tmp_path / "gone")}
    option, value = args[0].removeprefix("--").replace("-", "_"), named.get(args[1], args[1])

    line = refused(add_cert(tmp_path, made, **{option: value}))

    assert line.startswith(message), line
    assert "CERTIFICATE_RECORDED" not in audit_actions(made)


def test_without_a_database_the_command_says_to_run_init(tmp_path: Path) -> None:
    config = tmp_path / "station.toml"
    config.write_text(CONFIG.format(data=json.dumps(str(tmp_path / "empty"))), encoding="utf-8")
    done = run_main(user_env(tmp_path), "cert", "list", "--config", str(config))
    assert "--config: no database at" in refused(done) and "main.py init" in done.stderr


# ---- scale-check --------------------------------------------------------------------------


def test_the_daily_check_uses_the_in_service_mpe(tmp_path: Path, made: Made) -> None:
    # Max 60 t, e = 10 kg; 10 t is 1000 e: in service the MPE is 2 e = 20 kg (domain.md §5.2).
    passed = ok(
        run(tmp_path, made, "scale-check", "--scale", SCALE, "--reference", "10000",
            "--reading", "10020", "--actor", "tech1")
    )  # fmt: skip
    assert "error +20 kg, tolerance ±20 kg (in-service MPE, 500e-2000e): PASSED" in passed

    failed = run(
        tmp_path, made, "scale-check", "--scale", SCALE, "--reference", "10000", "--reading", "9970"
    )
    assert failed.returncode == 1, failed.stderr
    assert "error -30 kg, tolerance ±20 kg" in failed.stdout and "FAILED" in failed.stdout

    db = sqlite3.connect(made.db)
    try:
        rows = db.execute(
            "SELECT reference_kg, reading_kg, passed, checked_by FROM scale_check ORDER BY id"
        ).fetchall()
    finally:
        db.close()
    assert rows == [(10000, 10020, 1, "tech1"), (10000, 9970, 0, "cli")]
    assert audit_actions(made)[-2:] == ["SCALE_CHECKED", "SCALE_CHECKED"]


def test_a_zero_check_is_held_to_the_mpe_at_no_load(tmp_path: Path, made: Made) -> None:
    # e = 10 kg: at 0 kg the in-service MPE is 2 x 0.5 e = 10 kg.
    passed = ok(run(tmp_path, made, "scale-check", "--scale", SCALE, "--reference", "0",
                    "--reading", "10"))  # fmt: skip
    assert "error +10 kg, tolerance ±10 kg (in-service MPE, 0-500e): PASSED" in passed
    failed = run(tmp_path, made, "scale-check", "--scale", SCALE, "--reference", "0",
                 "--reading", "20")  # fmt: skip
    assert failed.returncode == 1 and "FAILED" in failed.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--reference", "ten"), "scale-check: --reference: 'ten' is not a whole number"),
        (("--reading", "10.5"), "scale-check: --reading: '10.5' is not a whole number"),
        (("--reference", "-5"), "scale-check: --reference: must be 0 (zero check) or a positive"),
        (("--reference", "70000"), "scale-check: --reference: 70000 kg is above the scale's Max"),
        (("--scale", "nope"), "scale-check: --scale: unknown scale 'nope'"),
    ],
)
def test_bad_check_input_exits_2_naming_the_option(
    tmp_path: Path, made: Made, args: tuple[str, ...], message: str
) -> None:
    options = {"--scale": SCALE, "--reference": "10000", "--reading": "10000"} | dict([args])
    flat = [part for pair in options.items() for part in pair]
    assert refused(run(tmp_path, made, "scale-check", *flat)).startswith(message)
    assert "SCALE_CHECKED" not in audit_actions(made)


# ---- calibration --------------------------------------------------------------------------


def calibrated(made: Made) -> int:
    """Seal opened, one coefficient change, seal closed, the run recorded: session id."""
    database = Database(f"sqlite:///{made.db}")
    try:
        cal.open_seal(database, SCALE, "王建国", "annual calibration", T0)
        cal.change_coefficients(
            database, SCALE, {"zero_counts": 1234, "span": "0.0123"}, actor="王建国",
            actor_role=Role.TECHNICIAN, reason="span adjusted", moment=T0.replace(hour=9),
        )  # fmt: skip
        cal.close_seal(database, SCALE, "王建国", "seal no. 0457", T0.replace(hour=10))
        record = replace(
            sample_record(), scale_id=SCALE, started_at=T0, finished_at=T0.replace(hour=10),
            counter_before=0, counter_after=1,
        )  # fmt: skip
        return cal.save_session(database, record, moment=T0.replace(hour=11))
    finally:
        database.dispose()


def test_the_history_lists_events_newest_first(tmp_path: Path, made: Made) -> None:
    session_id = calibrated(made)

    lines = ok(run(tmp_path, made, "calibration", "history", "--scale", SCALE)).splitlines()

    assert lines[0] == f"scale {SCALE}: counter 1, seal closed"
    assert lines[1] == 'coefficients {"span": "0.0123", "zero_counts": 1234}'
    kinds = [line.split("  ")[1] for line in lines[2:]]
    assert kinds == ["CALIBRATED", "SEAL_CLOSED", "COEFFICIENTS_CHANGED", "SEAL_OPENED"]
    assert f"session {session_id} in_service PASSED counter 0->1" in lines[2]
    assert '{} -> {"span": "0.0123", "zero_counts": 1234}' in lines[4]
    assert lines[5].startswith("2026-11-25 08:00:00  SEAL_OPENED  counter 0  by 王建国")
    assert lines[5].endswith("reason: annual calibration")


def test_a_scale_without_events_has_an_empty_history(tmp_path: Path, made: Made) -> None:
    lines = ok(run(tmp_path, made, "calibration", "history", "--scale", SCALE)).splitlines()
    assert lines == [f"scale {SCALE}: counter —, seal closed", "no calibration events recorded"]
    message = refused(run(tmp_path, made, "calibration", "history", "--scale", "nope"))
    assert message == "calibration history: --scale: unknown scale 'nope'"


@pytest.mark.usefixtures("poppler")
def test_the_record_is_rendered_as_pdf(tmp_path: Path, made: Made) -> None:
    session_id = calibrated(made)
    out = tmp_path / "records" / "cal.pdf"

    done = ok(run(tmp_path, made, "calibration", "record", str(session_id), "--out", str(out)))

    assert done.strip() == str(out)
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert SCALE in text and re.search(r"0\s*→\s*1", text) and "王建国" in text
    again = tmp_path / "copy.pdf"
    ok(run(tmp_path, made, "calibration", "record", str(session_id), "--out", str(again), "--copy"))
    assert (
        "副本"
        in subprocess.run(
            ["pdftotext", str(again), "-"], capture_output=True, text=True, check=True
        ).stdout
    )


@pytest.mark.parametrize(
    ("session", "message"),
    [
        ("7", "calibration record: SESSION_ID: no calibration session 7"),
        ("x", "calibration record: SESSION_ID: 'x' is not a session number"),
    ],
)
def test_an_unknown_session_exits_2(tmp_path: Path, made: Made, session: str, message) -> None:
    out = tmp_path / "cal.pdf"
    done = run(tmp_path, made, "calibration", "record", session, "--out", str(out))
    assert refused(done) == message and not out.exists()
