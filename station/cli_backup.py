"""`main.py backup` and `main.py restore`: one archive of the database and the pictures.

    main.py backup --out FILE [--force] [--config F]
    main.py restore FILE [--force] [--config F]

Exit codes: 0 done (restore: and the restored station passes `verify`); 1 restored, but
`verify` found a problem; 2 bad input or configuration, a refused restore, a damaged archive
or a backup that could not be written, with a one-line message on stderr.
What an archive holds and what "newer" means: docs/backup.md and station/storage/backup.py.
Only argparse and the standard library are imported at module level, so building main.py's
parser stays fast.
"""

# Commands import the storage lazily so building main.py's parser (and `judge`) stays fast.
# ruff: noqa: PLC0415

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from station.storage.backup import Manifest, RestoreResult

EXIT_OK = 0
EXIT_BAD_INPUT = 2


def _fail(message: str) -> int:
    print(" ".join(message.split()), file=sys.stderr)
    return EXIT_BAD_INPUT


def _add_common(parser: argparse.ArgumentParser, force_help: str) -> None:
    parser.add_argument(
        "--config", type=Path, default=None, help="station configuration (TOML); default: per-user"
    )
    parser.add_argument("--force", action="store_true", help=force_help)


def add_parsers(commands: argparse._SubParsersAction) -> None:
    """Add `backup` and `restore` to main.py's subcommands."""
    backup = commands.add_parser(
        "backup", help="write one archive of the database and the pictures (docs/backup.md)"
    )
    # Checked by the command, not argparse, whose errors add a usage line to the message.
    backup.add_argument("--out", type=Path, default=None, metavar="FILE", help="the archive")
    _add_common(backup, "overwrite an existing FILE")
    restore = commands.add_parser(
        "restore", help="check an archive, then restore the database and pictures from it"
    )
    restore.add_argument(
        "archive", type=Path, nargs="?", default=None, metavar="FILE", help="an archive of `backup`"
    )
    _add_common(restore, "replace a newer or different database (a safety backup is made first)")


def run_backup(args: argparse.Namespace) -> int:
    from station.cli import pictures_root
    from station.config import ConfigError, load_config
    from station.storage.backup import BackupError, create_backup

    if args.out is None:
        return _fail("backup: --out FILE is required: where to write the archive")
    try:
        config = load_config(args.config)
        done = create_backup(
            config.database.url,
            pictures_root(config),
            args.out,
            site_code=config.station.site_code,
            overwrite=args.force,
        )
    except (ConfigError, BackupError) as exc:
        return _fail(f"backup: {exc}")
    print(f"backup: {done.path}: {_contents(done.manifest)}, {done.size / 2**20:.1f} MiB")
    return EXIT_OK


def _contents(manifest: Manifest) -> str:
    province, audit = manifest.head("province"), manifest.head("audit")
    return (
        f"station {manifest.site_code}, schema {manifest.schema_revision}, "
        f"records to seq {province.seq} ({province.hash[:12]}), audit events to seq "
        f"{audit.seq}, {len(manifest.pictures)} pictures, made {manifest.created_at}"
    )


def run_restore(args: argparse.Namespace) -> int:
    from station.cli import pictures_root
    from station.config import ConfigError, load_config
    from station.storage.backup import BackupError, RestoreTarget, restore_backup

    if args.archive is None:
        return _fail("restore: give the archive to restore: main.py restore FILE")
    try:
        config = load_config(args.config)
        target = RestoreTarget(
            url=config.database.url,
            pictures_root=pictures_root(config),
            backup_dir=config.database.backup_dir,
            site_code=config.station.site_code,
        )
        done = restore_backup(args.archive, target, force=args.force)
    except (ConfigError, BackupError) as exc:
        return _fail(f"restore: {exc}")
    _print_restored(args.archive, done)
    return _verify(target.url, target.pictures_root)


def _print_restored(archive: Path, done: RestoreResult) -> None:
    if done.safety_backup is not None:
        print(f"restore: safety backup of the replaced database and pictures: {done.safety_backup}")
    print(f"restore: restored {archive}: {_contents(done.manifest)}")
    print(
        f"restore: pictures: {done.pictures_written} written, "
        f"{len(done.manifest.pictures) - done.pictures_written} already in place"
    )
    upgrade = done.upgrade
    if upgrade.from_revision != upgrade.to_revision:
        print(f"database schema: {upgrade.from_revision} -> {upgrade.to_revision}")
    if upgrade.backup is not None:
        print(f"backup of the database before the upgrade: {upgrade.backup}")


def _verify(url: str, pictures: Path) -> int:
    """The same integrity check and report as `main.py verify`."""
    # The verify command's own report, so both read the same.
    from station.cli import _print_verify
    from station.storage.database import Database, StorageError
    from station.storage.verify import verify_database

    try:
        database = Database(url)
        try:
            report = verify_database(database, pictures)
        finally:
            database.dispose()
    except StorageError as exc:
        return _fail(f"restore: verify: {exc}")
    return _print_verify(report)
