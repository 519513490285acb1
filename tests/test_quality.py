"""Code quality gates run with the tests: ruff lint and format, and the layering contracts."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
import tomllib
from pathlib import Path

import station

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)


def test_ruff_lint_is_clean() -> None:
    result = _run(str(BIN / "ruff"), "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean() -> None:
    result = _run(str(BIN / "ruff"), "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_import_layering_contracts_hold() -> None:
    result = _run(str(BIN / "lint-imports"), "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_station_module_outside_storage_is_barred_from_sqlalchemy() -> None:
    """A new station module must be added to the sqlalchemy contract, or it could slip through."""
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    barred = next(c for c in contracts["contracts"] if c["id"] == "sqlalchemy-only-in-storage")
    modules = {
        f"station.{info.name}"
        for info in pkgutil.iter_modules(station.__path__)
        if info.name != "storage"
    }
    missing = modules - set(barred["source_modules"])
    assert not missing, f"add to the sqlalchemy-only-in-storage contract: {sorted(missing)}"
