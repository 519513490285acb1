"""Set up the project's virtual environment and run the demo or the test suite.

    python3 scripts/dev.py demo [options]         install, then open the desktop demo
                                                  (main.py --demo: simulators, a window)
    python3 scripts/dev.py test [pytest options]  install with test tools, then run every test

Only the standard library is used here, so this works on a fresh clone with nothing but
Python 3.11+ and access to the package index. Installation is skipped when the
environment already matches pyproject.toml.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv"
MINIMUM = (3, 11)


def _python() -> Path:
    folder = "Scripts" if os.name == "nt" else "bin"
    return VENV / folder / ("python.exe" if os.name == "nt" else "python")


def _stamp(extra: str) -> str:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    digest.update(extra.encode())
    return digest.hexdigest()


def _install(extra: str) -> None:
    if sys.version_info < MINIMUM:
        sys.exit(
            f"Python {MINIMUM[0]}.{MINIMUM[1]} or newer is needed; this is {sys.version.split()[0]}"
        )
    if not _python().exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp_file = VENV / f".installed-{extra or 'app'}"
    wanted = _stamp(extra)
    if stamp_file.exists() and stamp_file.read_text() == wanted:
        return
    target = f".[{extra}]" if extra else "."
    print(f"installing {target} into {VENV}", flush=True)
    subprocess.run(
        [str(_python()), "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", target],
        cwd=ROOT,
        check=True,
    )
    stamp_file.write_text(wanted)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "demo":
        _install("")
        return subprocess.run(
            [str(_python()), "main.py", "--demo", *rest], cwd=ROOT, check=False
        ).returncode
    _install("test")
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    return subprocess.run(
        [str(_python()), "-m", "pytest", *_parallel(rest), *rest], cwd=ROOT, env=env, check=False
    ).returncode


def _parallel(rest: list[str]) -> list[str]:
    """One pytest worker per core (pytest-xdist); each test file stays on one worker
    (tests/conftest.py groups them). `-n 0` or `-p no:xdist` runs everything in one process."""
    if any(arg.startswith("-n") or arg == "no:xdist" for arg in rest):
        return []
    return ["-n", "auto", "--dist", "loadgroup"]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
