"""The headless commands behind main.py. Each returns the process exit code."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from station.config import ConfigError, StationConfig, load_config, write_demo_config

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


# ---- demo and gui -----------------------------------------------------------------------


def run_demo(args: argparse.Namespace) -> int:
    from station.services.demo_cli import demo_main

    folder = args.dir or Path(tempfile.mkdtemp(prefix="station-demo-"))
    return demo_main(folder, args.vehicles, args.seed, getattr(args, "lang", None))
