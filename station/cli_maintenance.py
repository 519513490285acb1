"""The maintenance technician's headless commands: certificates, daily scale checks, and the
calibration history and record of a scale.

    main.py cert add --scale ID --number N --institute TEXT --issued yyyy-MM-dd
                     --valid-until yyyy-MM-dd [--scan FILE] [--actor LOGIN] [--config F]
    main.py cert list [--scale ID] [--today yyyy-MM-dd] [--config F]
    main.py scale-check --scale ID --reference KG --reading KG [--actor LOGIN] [--config F]
    main.py calibration history --scale ID [--config F]
    main.py calibration record SESSION_ID --out FILE.pdf [--copy] [--lang L] [--config F]
    main.py calibration dynamic RUN_ID --out FILE.pdf [--copy] [--lang L] [--config F]

Exit codes: 0 done, 1 the scale check failed (it is recorded), 2 bad input or
configuration, with a one-line message naming the option. `calibration record` (a static
run) and `calibration dynamic` (a dynamic axle scale's reference-vehicle check) get their
renderers from the composition root (main.py): station never imports reports/.
Only argparse and the standard library are imported at module level, so building the
parser stays fast; the storage is imported inside each command.
"""

# Commands import the storage lazily so building main.py's parser (and `judge`) stays fast;
# pyproject.toml exempts station/cli.py the same way.
# ruff: noqa: PLC0415

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from station.config import StationConfig
    from station.storage.database import Database
    from station.storage.scales import CertificateStatus

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2

RenderCalibration = Callable[..., bytes]


class _BadInput(ValueError):
    """A message that already names the option."""


def _fail(message: str) -> int:
    print(message.replace("\n", " "), file=sys.stderr)
    return EXIT_BAD_INPUT


def _option_message(command: str, exc: BaseException, options: dict[str, str]) -> str:
    """`command: --option: problem`, translating the storage's field names into options."""
    text = str(exc)
    for field, option in options.items():
        if text.startswith(f"{field}:"):
            text = option + text[len(field) :]
            break
    return f"{command}: {text}"


# ---- parsers -----------------------------------------------------------------------------


def _add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", type=Path, default=None, help="station configuration (TOML); default: per-user"
    )


def _add_actor_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--actor", default="cli", metavar="LOGIN", help="who did it, for the log")


def add_parsers(commands: argparse._SubParsersAction) -> None:
    """Add `cert`, `scale-check` and `calibration` to main.py's subcommands."""
    cert = commands.add_parser("cert", help="scale verification certificates (检定证书)")
    cert_commands = cert.add_subparsers(dest="cert_command", required=True)
    add = cert_commands.add_parser("add", help="record a certificate (a renewal or a correction)")
    add.add_argument("--scale", required=True, metavar="ID")
    add.add_argument("--number", required=True, metavar="N", help="certificate number")
    add.add_argument("--institute", required=True, metavar="TEXT", help="issuing institute")
    add.add_argument("--issued", required=True, metavar="yyyy-MM-dd")
    add.add_argument("--valid-until", required=True, metavar="yyyy-MM-dd", help="last valid day")
    add.add_argument(
        "--scan", type=Path, default=None, metavar="FILE", help="JPEG, PNG or PDF scan"
    )
    _add_actor_option(add)
    _add_config_option(add)
    listing = cert_commands.add_parser("list", help="current certificates, days left, reminders")
    listing.add_argument("--scale", default=None, metavar="ID", help="this scale's history")
    listing.add_argument("--today", default=None, metavar="yyyy-MM-dd", help="default: today")
    _add_config_option(listing)

    check = commands.add_parser("scale-check", help="record the daily check with a reference")
    check.add_argument("--scale", required=True, metavar="ID")
    check.add_argument("--reference", required=True, metavar="KG", help="reference load, kg")
    check.add_argument("--reading", required=True, metavar="KG", help="what the scale showed")
    _add_actor_option(check)
    _add_config_option(check)

    calibration = commands.add_parser("calibration", help="a scale's calibration history, records")
    cal_commands = calibration.add_subparsers(dest="calibration_command", required=True)
    hist = cal_commands.add_parser("history", help="seal, coefficient and calibration events")
    hist.add_argument("--scale", required=True, metavar="ID")
    _add_config_option(hist)
    record = cal_commands.add_parser("record", help="save a calibration record as PDF")
    record.add_argument("session_id", metavar="SESSION_ID")
    record.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")
    record.add_argument("--copy", action="store_true", help="mark it a re-print 副本")
    record.add_argument("--lang", choices=["zh_CN", "en"], default=None, help="record language")
    _add_config_option(record)
    dynamic = cal_commands.add_parser(
        "dynamic", help="save a dynamic axle scale's reference-vehicle check as PDF"
    )
    dynamic.add_argument("run_id", metavar="RUN_ID", help="the run id the history lists")
    dynamic.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")
    dynamic.add_argument("--copy", action="store_true", help="mark it a re-print 副本")
    dynamic.add_argument("--lang", choices=["zh_CN", "en"], default=None, help="record language")
    _add_config_option(dynamic)


# ---- shared ------------------------------------------------------------------------------


def _day(option: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _BadInput(f"{option}: {text!r} is not a date yyyy-MM-dd") from None


def _kg(option: str, text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise _BadInput(f"{option}: {text!r} is not a whole number of kilograms") from None


def _open(config: StationConfig) -> Database:
    """The station database, brought to the current schema as the app does at start."""
    from station.storage.database import open_database

    url = config.database.url
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if not path.is_file():
            raise _BadInput(f"--config: no database at {path}; run `main.py init` first")
    database, _ = open_database(url, config.database.backup_dir)
    return database


def _run(command: str, options: dict[str, str], body: Callable[[], int]) -> int:
    from station.config import ConfigError
    from station.storage.database import StorageError
    from station.storage.files import PictureStoreError

    try:
        return body()
    except _BadInput as exc:
        return _fail(f"{command}: {exc}")
    except ConfigError as exc:
        return _fail(f"{command}: --config: {exc}")
    except (StorageError, PictureStoreError, ValueError, OSError) as exc:
        return _fail(_option_message(command, exc, options))


def _config(args: argparse.Namespace) -> StationConfig:
    from station.config import load_config

    return load_config(args.config)


def _scale_exists(database: Database, scale_id: str) -> None:
    from station.storage.scales import scale_info

    if scale_info(database, scale_id) is None:
        raise _BadInput(f"--scale: unknown scale {scale_id!r}")


# ---- cert --------------------------------------------------------------------------------

CERT_OPTIONS = {
    "number": "--number",
    "institute": "--institute",
    "valid_until": "--valid-until",
    "scan": "--scan",
    "scale_id": "--scale",
}


def _read_scan(path: Path) -> Any:
    from station.storage.scales import scan_from_bytes

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _BadInput(f"--scan: cannot read {path}: {exc.strerror}") from None
    try:
        return scan_from_bytes(data)
    except ValueError:
        raise _BadInput(
            f"--scan: {path} is not a JPEG, PNG or PDF file (scan the certificate as one)"
        ) from None


def run_cert(args: argparse.Namespace) -> int:
    if args.cert_command == "add":
        return _run("cert add", CERT_OPTIONS, lambda: _cert_add(args))
    return _run("cert list", CERT_OPTIONS, lambda: _cert_list(args))


def _cert_add(args: argparse.Namespace) -> int:
    from station.cli import pictures_root
    from station.storage.files import PictureStore
    from station.storage.scales import Certificate, record_certificate

    issued = _day("--issued", args.issued)
    until = _day("--valid-until", args.valid_until)
    if until < issued:
        raise _BadInput(f"--valid-until: {until} is before --issued {issued}")
    scan = _read_scan(args.scan) if args.scan is not None else None
    config = _config(args)
    database = _open(config)
    try:
        _scale_exists(database, args.scale)
        cert = Certificate(args.number, args.institute, until, issued)
        store = PictureStore(pictures_root(config))
        stored = record_certificate(database, args.actor, args.scale, cert, scan=scan, store=store)
    finally:
        database.dispose()
    scanned = f", scan sha256 {stored.scan_sha256}" if stored.scan_sha256 else ""
    print(
        f"recorded certificate {stored.number} of scale {args.scale}, valid until {until}", end=""
    )
    print(scanned)
    return EXIT_OK


def _status_text(status: CertificateStatus) -> str:
    if status.days_left is None:
        return "NO CERTIFICATE"
    if status.expired:
        return f"EXPIRED {-status.days_left} days ago"
    return f"{status.days_left} days left"


def _reminder(status: CertificateStatus) -> str | None:
    from station.storage.scales import REMIND_DAYS

    cert = status.certificate
    if cert is None:
        return f"reminder: scale {status.scale_id} has no certificate: nothing is enforceable"
    if status.expired:
        return (
            f"reminder: the certificate {cert.number} of scale {status.scale_id} EXPIRED on "
            f"{cert.valid_until}: weighings are not enforceable until it is renewed"
        )
    if status.days_left is not None and status.days_left <= REMIND_DAYS:
        return (
            f"reminder: the certificate {cert.number} of scale {status.scale_id} expires in "
            f"{status.days_left} days ({cert.valid_until}): arrange the verification"
        )
    return None


def _cert_row(scale_id: str, cert: Any, tail: str) -> str:
    issued = cert.issued_on.isoformat() if cert.issued_on else "—"
    scan = "scan" if cert.scan_sha256 else "-"
    return (
        f"{scale_id}  {cert.number}  {cert.institute}  issued {issued}  "
        f"valid until {cert.valid_until}  {scan}  {tail}"
    )


def _cert_list(args: argparse.Namespace) -> int:
    from station.storage.scales import certificate_statuses, certificates
    from station.timeutil import beijing_today

    today = _day("--today", args.today) if args.today else beijing_today()
    config = _config(args)
    database = _open(config)
    try:
        if args.scale is not None:
            _scale_exists(database, args.scale)
        statuses = certificate_statuses(database, today, args.scale)
        history = certificates(database, args.scale) if args.scale is not None else []
    finally:
        database.dispose()
    for status in statuses:
        if status.certificate is None:
            print(f"{status.scale_id}  {_status_text(status)}")
        else:
            print(_cert_row(status.scale_id, status.certificate, _status_text(status)))
    for entry in history[1:]:
        recorded = f"{entry.recorded_at:%Y-%m-%d %H:%M:%S}"
        print(_cert_row(entry.scale_id, entry.certificate, f"(earlier, recorded {recorded})"))
    _print_lines(filter(None, (_reminder(status) for status in statuses)))
    return EXIT_OK


def _print_lines(lines: Iterable[str]) -> None:
    for line in lines:
        print(line)


# ---- scale-check -------------------------------------------------------------------------


CHECK_OPTIONS = {
    "reference_kg": "--reference",
    "reading_kg": "--reading",
    "scale_id": "--scale",
    "actor": "--actor",
}


def run_scale_check(args: argparse.Namespace) -> int:
    return _run("scale-check", CHECK_OPTIONS, lambda: _scale_check(args))


def _scale_check(args: argparse.Namespace) -> int:
    from station.services.scale_check import daily_check
    from station.timeutil import beijing_now

    reference = _kg("--reference", args.reference)
    reading = _kg("--reading", args.reading)
    if reference < 0:
        raise _BadInput(f"--reference: must be 0 (zero check) or a positive load, not {reference}")
    config = _config(args)
    database = _open(config)
    try:
        result = daily_check(
            database, scale_id=args.scale, reference_kg=reference, reading_kg=reading,
            actor=args.actor, moment=beijing_now(),
        )  # fmt: skip
    except ValueError as exc:
        raise _BadInput(_check_option(str(exc))) from None
    finally:
        database.dispose()
    verdict = "PASSED" if result.passed else "FAILED"
    print(
        f"scale {args.scale}: reference {reference} kg, reading {reading} kg, "
        f"error {result.error_kg:+d} kg, tolerance ±{result.tolerance_kg} kg "
        f"(in-service MPE, {result.band}): {verdict}"
    )
    return EXIT_OK if result.passed else EXIT_FAILED


def _check_option(message: str) -> str:
    """'scale_id: unknown…' -> '--scale: unknown…' (the option the person typed)."""
    field, _, rest = message.partition(": ")
    option = {**CHECK_OPTIONS, "max_kg": "--scale", "e_kg": "--scale", "load_kg": "--reference"}
    return f"{option.get(field, field)}: {rest}" if rest else message


# ---- calibration -------------------------------------------------------------------------


def run_calibration(
    args: argparse.Namespace,
    *,
    render: RenderCalibration | None = None,
    render_dynamic: RenderCalibration | None = None,
) -> int:
    if args.calibration_command == "history":
        return _run("calibration history", {"scale_id": "--scale"}, lambda: _history(args))
    if args.calibration_command == "dynamic":
        if render_dynamic is None:
            return _fail("calibration dynamic: no renderer given (run it through main.py)")
        options = {"run_id": "RUN_ID"}
        return _run("calibration dynamic", options, lambda: _dynamic(args, render_dynamic))
    if render is None:
        return _fail("calibration record: no renderer given (run it through main.py)")
    options = {"session_id": "SESSION_ID"}
    return _run("calibration record", options, lambda: _record(args, render))


def _json(values: dict[str, Any]) -> str:
    import json

    return json.dumps(values, ensure_ascii=False, sort_keys=True)


def _history(args: argparse.Namespace) -> int:
    from station.storage.calibration import (
        COEFFICIENTS_CHANGED,
        calibration_counter,
        current_coefficients,
        history,
        seal_is_open,
    )
    from station.storage.calibration_dynamic import DYNAMIC_CHECKED, dynamic_runs

    config = _config(args)
    database = _open(config)
    try:
        _scale_exists(database, args.scale)
        entries = history(database, args.scale)
        runs = {run.id: run for run in dynamic_runs(database, args.scale)}
        counter = calibration_counter(database, args.scale)
        seal = "OPEN" if seal_is_open(database, args.scale) else "closed"
        coefficients = current_coefficients(database, args.scale)
    finally:
        database.dispose()
    shown = "—" if counter is None else str(counter)
    print(f"scale {args.scale}: counter {shown}, seal {seal}")
    if coefficients is not None:
        print(f"coefficients {_json(coefficients)}")
    for e in entries:
        line = f"{e.at:%Y-%m-%d %H:%M:%S}  {e.kind}  counter {e.counter}  by {e.actor}"
        if e.kind == COEFFICIENTS_CHANGED:
            line += f"  {_json(e.before)} -> {_json(e.after)}"
        if e.session is not None:
            s = e.session
            verdict = "PASSED" if s.result_passed else "FAILED"
            line += (
                f"  session {s.id} {s.verification} {verdict} "
                f"counter {s.counter_before}->{s.counter_after} technician {s.technician}"
            )
        if e.kind == DYNAMIC_CHECKED:
            line += _dynamic_text(runs.get(e.after.get("dynamicRunId", -1)))
        if e.reason:
            line += f"  reason: {e.reason}"
        print(line)
    if not entries:
        print("no calibration events recorded")
    return EXIT_OK


def _dynamic_text(run: Any) -> str:
    """A dynamic check in the history: `main.py calibration dynamic RUN_ID` prints it."""
    if run is None:
        return ""
    verdict = "PASSED" if run.result_passed else "FAILED"
    return (
        f"  dynamic run {run.id} {run.verification} {verdict} classes "
        f"{run.vehicle_class}/{run.axle_class} passes {run.passes} failed items "
        f"{run.failed_items}/{run.items} technician {run.technician}"
    )


def _write_pdf(out: Path, pdf: bytes) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(f".{out.name}.tmp")
    temporary.write_bytes(pdf)
    temporary.replace(out)
    print(out)


def _dynamic(args: argparse.Namespace, render: RenderCalibration) -> int:
    from station.storage.calibration_dynamic import load_dynamic_run

    return _print_stored(args, render, load_dynamic_run, args.run_id, ("RUN_ID", "run"))


def _record(args: argparse.Namespace, render: RenderCalibration) -> int:
    from station.storage.calibration import load_record

    names = ("SESSION_ID", "session")
    return _print_stored(args, render, load_record, args.session_id, names)


def _print_stored(
    args: argparse.Namespace,
    render: RenderCalibration,
    load: Callable[[Database, int], Any],
    number: str,
    names: tuple[str, str],
) -> int:
    """A stored static run or dynamic check, by its number, rendered to `args.out`."""
    try:
        stored_id = int(number)
    except ValueError:
        raise _BadInput(f"{names[0]}: {number!r} is not a {names[1]} number") from None
    config = _config(args)
    database = _open(config)
    try:
        record = load(database, stored_id)
    finally:
        database.dispose()
    pdf = render(record, copy=args.copy, language=args.lang or config.station.language)
    _write_pdf(args.out, pdf)
    return EXIT_OK


COMMANDS: dict[str, Callable[..., int]] = {
    "cert": run_cert,
    "scale-check": run_scale_check,
    "calibration": run_calibration,
}
