"""The headless commands behind main.py. Each returns the process exit code."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from station.config import ConfigError, StationConfig, load_config, write_demo_config

if TYPE_CHECKING:
    from station.services.documents import DocumentSettings, Printers, Render

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


def _fail(message: str, code: int = EXIT_BAD_INPUT) -> int:
    print(message.replace("\n", " "), file=sys.stderr)
    return code


def _config(args: argparse.Namespace) -> StationConfig:
    return load_config(getattr(args, "config", None))


# ---- judge ------------------------------------------------------------------------------


def run_judge(args: argparse.Namespace) -> int:
    from station.judge import JudgeInputError, judge_request, parse_request_text
    from station.tables import load_limit_book, load_penalty_book

    try:
        config = _config(args)
        limits = load_limit_book(config.extra_limit_tables)
        penalties = load_penalty_book(config.extra_penalty_tables)
        request = parse_request_text(sys.stdin.read())
        result = judge_request(request, limits, penalties, config.policy)
    except (ConfigError, JudgeInputError) as exc:
        return _fail(str(exc))
    except ValueError as exc:  # a malformed extra limit table
        return _fail(f"limit tables: {exc}")
    print(json.dumps(result, ensure_ascii=False))
    return EXIT_OK


# ---- config -----------------------------------------------------------------------------


def run_config(args: argparse.Namespace) -> int:
    try:
        write_demo_config(args.write_demo, overwrite=args.force)
    except (ConfigError, FileExistsError, OSError) as exc:
        return _fail(f"config: {exc}")
    print(f"wrote demo configuration to {args.write_demo}")
    return EXIT_OK


# ---- database: init and verify ------------------------------------------------------------


def pictures_root(config: StationConfig) -> Path:
    return config.data_dir / "pictures"


def _sqlite_file_missing(url: str) -> Path | None:
    if not url.startswith("sqlite:///"):
        return None
    path = Path(url.removeprefix("sqlite:///"))
    return None if path.is_file() else path


def run_init(args: argparse.Namespace) -> int:
    from station.storage.accounts import ensure_admin
    from station.storage.database import StorageError, open_database

    try:
        config = _config(args)
        database, report = open_database(config.database.url, config.database.backup_dir)
    except (ConfigError, StorageError) as exc:
        return _fail(str(exc))
    if report.from_revision != report.to_revision:
        print(f"database schema: {report.from_revision or 'empty'} -> {report.to_revision}")
    if report.backup:
        print(f"backup of the previous database: {report.backup}")
    password = ensure_admin(database)
    if password:
        print("first run: created login 'admin' with the one-time password below;")
        print("it must be changed at the first login and is not shown again:")
        print(f"    {password}")
    database.dispose()
    return EXIT_OK


def run_verify(args: argparse.Namespace) -> int:
    from station.storage.database import Database, StorageError
    from station.storage.verify import verify_database

    try:
        config = _config(args)
    except ConfigError as exc:
        return _fail(str(exc))
    missing = _sqlite_file_missing(config.database.url)
    if missing is not None:
        return _fail(f"verify: no database at {missing}")
    try:
        database = Database(config.database.url)
        report = verify_database(database, pictures_root(config))
    except StorageError as exc:
        return _fail(f"verify: {exc}")
    database.dispose()
    return _print_verify(report)


def _print_verify(report: object) -> int:
    from station.storage.verify import VerifyReport

    assert isinstance(report, VerifyReport)
    print(
        f"records: {report.records}  weighings cross-checked: {report.weighings}  "
        f"audit events: {report.audit_events}  pictures: {report.pictures}"
    )
    if report.ok:
        print(f"verify: OK, chain intact from seq 1 to {report.records}, head {report.head_hash}")
        return EXIT_OK
    for problem in report.problems:
        print(f"problem: {problem}")
    for fault in report.faults[:50]:
        print(f"record {fault}")
    for fault in report.audit_faults[:50]:
        print(f"audit event {fault}")
    print(f"verify: FAILED, {_failure_summary(report)}")
    return EXIT_FAILED


def _failure_summary(report: object) -> str:
    from station.storage.verify import VerifyReport

    assert isinstance(report, VerifyReport)
    if report.first_bad_seq is not None:
        return f"first bad seq {report.first_bad_seq}"
    if report.audit_faults:
        return f"the audit log is broken from audit event {report.audit_faults[0].seq}"
    return "the database itself is damaged or incomplete"


# ---- print-record -----------------------------------------------------------------------


def run_print_record(
    args: argparse.Namespace,
    *,
    render: Render,
    printers: Printers,
    printer_errors: tuple[type[BaseException], ...],
) -> int:
    """`print-record CHECKNO --kind K --out F [--printer NAME|default]`: save, print, audit.

    The renderer and printers come from the composition root (main.py): station imports
    neither reports/ nor drivers/.
    """
    from station.services import documents
    from station.storage.database import Database, StorageError

    try:
        config = _config(args)
        missing = _sqlite_file_missing(config.database.url)
        if missing is not None:
            return _fail(f"print-record: no database at {missing}")
        configured = config.printing.printer_for(args.kind)
        printer = documents.resolve_printer(args.printer, configured, args.kind)
        database = Database(config.database.url)
        request = documents.DocumentRequest(args.check_no, args.kind, args.actor, args.out, printer)
        done = documents.produce_document(
            database, document_settings(config), request, render=render, printers=printers
        )
    except (ConfigError, StorageError, ValueError, OSError, *printer_errors) as exc:
        return _fail(f"print-record: {exc}")
    database.dispose()
    copy = f" (副本 COPY {done.copy_no})" if done.copy_no else ""
    printed = f", printed on {done.printer} (job {done.job or '?'})" if done.printer else ""
    print(f"{done.path}{copy}{printed}")
    return EXIT_OK


def run_upload(args: argparse.Namespace) -> int:
    """`upload`: one pass; 0 all delivered and COMPLETE, 3 something left, 2 configuration."""
    from station.storage.database import StorageError, open_database
    from station.upload.console import ConsoleProgress, summary
    from station.upload.passes import run_pass
    from station.upload.status import device_states

    try:
        config = _config(args)
        if not config.province.upload_enabled:
            return _fail("upload: switched off: [province] url is empty in the configuration")
        database, _ = open_database(config.database.url, config.database.backup_dir)
    except (ConfigError, StorageError) as exc:
        return _fail(f"upload: {exc}")
    progress = ConsoleProgress(sys.stderr)
    try:
        outcome = run_pass(
            config, database, trigger="CLI", actor=args.actor, progress=progress,
            devices=lambda: device_states(database, config),
        )  # fmt: skip
    finally:
        progress.finish()
        database.dispose()
    stream = sys.stdout if outcome.exit_code == EXIT_OK else sys.stderr
    for line in summary(outcome):
        print(line, file=stream)
    return outcome.exit_code


def run_report(args: argparse.Namespace, *, render: Callable[..., bytes]) -> int:
    """`report daily|weekly|dekad|monthly --date D --out F`: the period containing D as PDF.

    `render` (reports.periodic.render_period_report) comes from the composition root.
    """
    from station.services.period_report import build_period_report
    from station.storage.database import Database, StorageError
    from station.timeutil import beijing_now

    try:
        day = _report_date(args.date)
        config = _config(args)
        missing = _sqlite_file_missing(config.database.url)
        if missing is not None:
            return _fail(f"report: no database at {missing}")
        database = Database(config.database.url)
        try:
            report = build_period_report(config, database, args.kind, day, beijing_now())
        finally:
            database.dispose()
        pdf = render(report, language=args.lang or config.station.language)
        _write_atomically(args.out, pdf)
    except (ConfigError, StorageError, ValueError, OSError) as exc:
        return _fail(f"report: {exc}")
    print(args.out)
    return EXIT_OK


def _report_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--date: {text!r} is not a date yyyy-MM-dd") from None


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    temporary.replace(path)


def document_settings(config: StationConfig) -> DocumentSettings:
    """The configuration of documents, shared by the command line and the desktop."""
    from station.services.documents import DocumentSettings

    return DocumentSettings(
        pictures_root=pictures_root(config),
        site_name=config.station.name,
        deadline_hours=config.workflow.unload_deadline_hours,
        language=config.station.language,
        offsets=dict(config.printing.offsets),
    )


# ---- demo and gui -----------------------------------------------------------------------


def run_demo(args: argparse.Namespace) -> int:
    from station.services.demo_cli import demo_main

    folder = args.dir or Path(tempfile.mkdtemp(prefix="station-demo-"))
    return demo_main(folder, args.vehicles, args.seed, getattr(args, "lang", None))
