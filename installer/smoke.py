"""The bundle's smoke run (`installer/build.py --smoke`): the shipped program, run for real.

1. Linux: unpack the release archive and install it with its install.sh into a staging root
   (--destdir), so the run uses exactly what a station PC gets. Windows: dist/overload-station.
2. The desktop, offscreen: `--demo --quit-after 30` exits 0 without a traceback, and `verify`
   finds the weighings it recorded.
3. A headless station (`demo --dir`), the reference province receiver
   (tests/support/province_receiver.py) on loopback over HTTPS with a throwaway CA, the
   station's configuration and a new key pointed at it; `upload` exits 0 and the receiver holds
   every record `verify` counts, with no picture missing.
4. `report daily` and `print-record --kind ticket`: PDFs with the shipped Chinese font embedded.

Everything happens in a temporary folder with its own HOME and station folders; every child
runs in its own process group and is killed when it overruns or the run is interrupted.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import bundle_files

DESKTOP_SECONDS = 30
DESKTOP_TIMEOUT = 240  # start-up and shutdown of the demo add 10-15 s to the 30 s
COMMAND_TIMEOUT = 180
DEMO_VEHICLES = 12
BEIJING = timezone(timedelta(hours=8))
FONT_MARK = b"WenQuanYiMicroHei"
ALARMS = ("Traceback", "could not be loaded")


class SmokeFailure(RuntimeError):
    """A step of the smoke run failed; the message names the step and what was seen."""


def _kill(process: subprocess.Popen[str]) -> None:
    try:
        if os.name == "posix":
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    except ProcessLookupError:
        pass
    process.communicate()


def run_process(
    command: list[str], env: dict[str, str], timeout: float, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a child in its own process group; kill the whole group on timeout or interrupt."""
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
        env=env,
        cwd=cwd,
        start_new_session=os.name == "posix",
    )
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(process)
        raise SmokeFailure(f"{' '.join(command)} still running after {timeout:.0f} s") from None
    except BaseException:
        _kill(process)
        raise
    return subprocess.CompletedProcess(command, process.returncode, out, err)


def expect(done: subprocess.CompletedProcess[str], code: int, what: str) -> None:
    if done.returncode != code:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise SmokeFailure(f"{what}: exit code {done.returncode}, wanted {code}:\n{tail}")


@dataclass(frozen=True)
class Program:
    """The installed bundle, run with the smoke run's environment."""

    folder: Path
    env: dict[str, str]
    cwd: Path

    def path(self, *, cli: bool) -> Path:
        name = bundle_files.CLI_NAME if cli else bundle_files.NAME
        return self.folder / (f"{name}.exe" if sys.platform == "win32" else name)

    def run(
        self, *args: str, cli: bool = True, timeout: float = COMMAND_TIMEOUT
    ) -> subprocess.CompletedProcess[str]:
        return run_process([str(self.path(cli=cli)), *args], self.env, timeout, self.cwd)


def environment(home: Path) -> dict[str, str]:
    """The caller's environment without Python, Qt or station settings; home in `home`."""
    dropped = ("PYTHON", "QT_", "STATION_", "VIRTUAL_ENV", "XDG_", "LD_LIBRARY_PATH")
    env = {name: value for name, value in os.environ.items() if not name.startswith(dropped)}
    runtime = home / "runtime"
    for folder in (home, runtime, home / "tmp"):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    env.update(
        HOME=str(home),
        USERPROFILE=str(home),
        XDG_RUNTIME_DIR=str(runtime),
        TMPDIR=str(home / "tmp"),
        LANG="C.UTF-8",
        QT_QPA_PLATFORM="offscreen",
        STATION_CONFIG_DIR=str(home / "station-config"),
        STATION_DATA_DIR=str(home / "station-data"),
    )
    return env


@contextmanager
def step(label: str) -> Iterator[None]:
    print(f"smoke: {label} ...", flush=True)
    started = time.monotonic()
    yield
    print(f"smoke: {label}: ok ({time.monotonic() - started:.1f} s)", flush=True)


def install_archive(archive: Path, work: Path) -> Path:
    """Unpack the release archive, install it under work/root; return the program folder."""
    unpacked = work / "unpacked"
    with tarfile.open(archive) as tar:
        tar.extractall(unpacked, filter="data")
    top = unpacked / archive.name.removesuffix(".tar.gz")
    root = work / "root"
    done = run_process(
        ["bash", str(top / "install.sh"), "--destdir", str(root)], dict(os.environ), 300
    )
    expect(done, 0, "install.sh")
    shutil.rmtree(unpacked)  # the installed copy is what runs; half the disk space
    return root / "opt" / bundle_files.NAME


def verified(program: Program, config: Path, what: str) -> tuple[int, int]:
    """`verify` of a station: (records, pictures); it must pass."""
    done = program.run("verify", "--config", str(config))
    expect(done, 0, f"verify of {what}")
    found = re.search(r"records: (\d+) .* pictures: (\d+)", done.stdout)
    if found is None:
        raise SmokeFailure(f"verify of {what} printed no counts:\n{done.stdout}")
    return int(found.group(1)), int(found.group(2))


def check_desktop(program: Program, work: Path) -> None:
    folder = work / "desktop-demo"
    folder.mkdir()
    done = program.run(
        "--demo", "--quit-after", str(DESKTOP_SECONDS), "--dir", str(folder),
        cli=False, timeout=DESKTOP_TIMEOUT,
    )  # fmt: skip
    expect(done, 0, "the desktop demo")
    for alarm in ALARMS:
        if alarm in done.stderr:
            raise SmokeFailure(f"the desktop demo printed {alarm!r}:\n{done.stderr[-3000:]}")
    records, _ = verified(program, folder / "station.toml", "the desktop demo's station")
    if records == 0:
        raise SmokeFailure(f"the desktop demo recorded no weighing in {DESKTOP_SECONDS} s")
    print(f"smoke: the desktop demo recorded {records} records")


def make_station(program: Program, work: Path) -> tuple[Path, str]:
    """A headless demo station: its configuration and the check number of its first weighing."""
    folder = work / "station"
    done = program.run("demo", "--dir", str(folder), "--vehicles", str(DEMO_VEHICLES))
    expect(done, 0, "demo --dir")
    first = re.search(r"^(\d{25}) ", done.stdout, re.MULTILINE)
    if first is None:
        raise SmokeFailure(f"demo --dir listed no weighing:\n{done.stdout}")
    return folder / "station.toml", first.group(1)


def point_at(config: Path, values: dict[str, str]) -> None:
    """Set keys of the [province] table of a written configuration, keeping its comments."""
    lines = config.read_text(encoding="utf-8").splitlines(keepends=True)
    table, done = "", set()
    for number, line in enumerate(lines):
        text = line.strip()
        if text.startswith("["):
            table = text
            continue
        key = text.partition("=")[0].strip()
        if table == "[province]" and key in values and key not in done:
            # JSON string escapes are valid TOML basic-string escapes (Windows backslashes).
            lines[number] = f"{key} = {json.dumps(values[key])}\n"
            done.add(key)
    if done != set(values):
        raise SmokeFailure(f"{config}: no [province] line for {sorted(set(values) - done)}")
    config.write_text("".join(lines), encoding="utf-8")


def write_key(folder: Path) -> tuple[Path, bytes]:
    key = secrets.token_bytes(32)
    path = folder / "province.key"
    path.write_text(key.hex() + "\n", encoding="ascii")
    path.chmod(0o600)
    return path, key


def check_upload(program: Program, config: Path, work: Path) -> None:
    sys.path.insert(0, str(bundle_files.ROOT))
    from tests.support.province_receiver import ProvinceReceiver
    from tests.support.tls import LoopbackPki

    site = tomllib.loads(config.read_text(encoding="utf-8"))["station"]["site_code"]
    key_file, key = write_key(config.parent)
    pki = LoopbackPki(work / "tls", client_cert=False)
    with ProvinceReceiver({site: key}, ssl_context=pki.server_context()) as receiver:
        point_at(
            config,
            {"url": receiver.base_url, "key_file": str(key_file), "ca_file": str(pki.ca_file)},
        )
        done = program.run("upload", "--config", str(config))
        expect(done, 0, "upload")
        held = sorted(receiver.held_records(site))
        missing = receiver.missing_pictures(site)
        pictures = len(receiver.pictures(site))
    records, _ = verified(program, config, "the uploaded station")
    if records == 0 or held != list(range(1, records + 1)):
        raise SmokeFailure(f"the receiver holds seqs {held}, the station has 1 to {records}")
    if missing or pictures == 0:
        raise SmokeFailure(f"the receiver holds {pictures} pictures and misses {missing}")
    print(f"smoke: the receiver holds all {records} records and {pictures} pictures")


def check_pdf(program: Program, out: Path, command: list[str]) -> None:
    done = program.run(*command, "--out", str(out))
    expect(done, 0, " ".join(command[:2]))
    data = out.read_bytes()
    if not data.startswith(b"%PDF") or FONT_MARK not in data:
        raise SmokeFailure(f"{out}: not a PDF with the {FONT_MARK.decode()} font embedded")


def check_documents(program: Program, config: Path, check_no: str, work: Path) -> None:
    """A period report and a weighing ticket (with its barcode), as the station prints them."""
    station = ["--config", str(config)]
    today = datetime.now(BEIJING).date().isoformat()
    check_pdf(program, work / "daily.pdf", ["report", "daily", "--date", today, *station])
    check_pdf(
        program, work / "ticket.pdf", ["print-record", check_no, "--kind", "ticket", *station]
    )


def run(*, archive: Path | None, bundle: Path, keep: bool = False) -> None:
    """The whole smoke run; raises SmokeFailure naming the failed step."""
    work = Path(tempfile.mkdtemp(prefix="station-smoke-"))
    started = time.monotonic()
    try:
        with step("install"):
            folder = install_archive(archive, work) if archive else bundle
        program = Program(folder, environment(work / "home"), work)
        with step(f"the desktop, offscreen, --demo --quit-after {DESKTOP_SECONDS}"):
            check_desktop(program, work)
        with step(f"a headless station of {DEMO_VEHICLES} trucks (demo --dir)"):
            config, check_no = make_station(program, work)
        with step("upload to the reference receiver, then verify"):
            check_upload(program, config, work)
        with step("documents: report daily, print-record --kind ticket"):
            check_documents(program, config, check_no, work)
    finally:
        if keep:
            print(f"smoke: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"smoke: passed in {time.monotonic() - started:.0f} s")
