"""A throwaway PostgreSQL cluster for the storage tests (reference/toolchain.md §8).

The cluster lives in a temporary folder, listens on loopback only, and is stopped
and removed after the session. Without PostgreSQL binaries the postgres tests are
skipped, unless STATION_REQUIRE_POSTGRES=1 (set by CI), when they fail instead.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest


def _pg_bin() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    found = shutil.which("initdb")
    if found:
        candidates.insert(0, found)
    return Path(candidates[0]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres_user(args: list[str]) -> list[str]:
    # initdb refuses to run as root; run the server as the postgres system user then.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


class Cluster:
    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="station-pg-"))
        self.port = _free_port()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")

    def _run(self, *args: str) -> None:
        subprocess.run(_as_postgres_user(list(args)), check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        data = self.root / "data"
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        self.resume()

    def resume(self) -> None:
        """Start the server on its existing data folder (after `start` and `halt`)."""
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.root / "data"),
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-o",
            options,
            "start",
        )

    def halt(self) -> None:
        """Stop the server and keep its data, as a station server restarting does."""
        self._run(
            str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "fast", "-w", "stop"
        )

    def stop(self) -> None:
        try:
            self._run(
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.root / "data"),
                "-m",
                "immediate",
                "stop",
            )
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def pg_bindir() -> Path:
    """The PostgreSQL programs, or skip (fail when STATION_REQUIRE_POSTGRES=1)."""
    bindir = _pg_bin()
    if bindir is None:
        if os.environ.get("STATION_REQUIRE_POSTGRES") == "1":
            pytest.fail(
                "PostgreSQL binaries (initdb, pg_ctl) not found but STATION_REQUIRE_POSTGRES=1"
            )
        pytest.skip("PostgreSQL binaries not found (install postgresql to run these tests)")
    return bindir


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster]:
    bindir = _pg_bin()
    if bindir is None:
        if os.environ.get("STATION_REQUIRE_POSTGRES") == "1":
            pytest.fail(
                "PostgreSQL binaries (initdb, pg_ctl) not found but STATION_REQUIRE_POSTGRES=1"
            )
        pytest.skip("PostgreSQL binaries not found (install postgresql to run these tests)")
    cluster = Cluster(bindir)
    try:
        cluster.start()
    except (subprocess.CalledProcessError, OSError) as exc:
        log = cluster.root / "server.log"
        detail = (
            log.read_text()
            if log.exists()
            else getattr(exc, "stderr", b"").decode(errors="replace")
        )
        cluster.stop()
        pytest.fail(f"could not start a throwaway PostgreSQL cluster: {exc}\n{detail}")
    yield cluster
    cluster.stop()
