"""`python main.py mpe`: JSON {"mpeKg", "band"} on stdout, or exit 2 naming the bad option."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import run_main, user_env


@pytest.fixture
def mpe(tmp_path: Path) -> Any:
    """Run `main.py mpe` as a user would, from a fresh environment."""
    env = user_env(tmp_path, config="config", data="data")

    def _run(*args: str) -> subprocess.CompletedProcess[str]:
        return run_main(env, "mpe", *args, timeout=60)

    return _run


@pytest.mark.parametrize(
    ("args", "stdout"),
    [
        ("--max 100000 --e 20 --load 30000", '{"mpeKg": 20, "band": "500e-2000e"}\n'),
        (
            "--max 100000 --e 20 --load 30000 --in-service",
            '{"mpeKg": 40, "band": "500e-2000e"}\n',
        ),
        ("--max 100000 --e 20 --load 10000", '{"mpeKg": 10, "band": "0-500e"}\n'),
        ("--max 100000 --e 20 --load 10000.001", '{"mpeKg": 20, "band": "500e-2000e"}\n'),
        (
            "--max 100000 --e 20 --load 100000 --in-service",
            '{"mpeKg": 60, "band": "2000e-10000e"}\n',
        ),
        ("--max 30000 --e 5 --load 2500", '{"mpeKg": 2.5, "band": "0-500e"}\n'),
        ("--max 2000 --e 0.5 --load 0", '{"mpeKg": 0.25, "band": "0-500e"}\n'),
        ("--max 2000 --e 0.5 --load 1000.5", '{"mpeKg": 0.75, "band": "2000e-10000e"}\n'),
        ("--max 2000.000 --e 0.500 --load 250", '{"mpeKg": 0.25, "band": "0-500e"}\n'),
    ],
)
def test_good_input_prints_the_mpe_as_json(mpe: Any, args: str, stdout: str) -> None:
    result = mpe(*args.split())
    assert (result.returncode, result.stdout, result.stderr) == (0, stdout, "")


@pytest.mark.parametrize(
    ("args", "stderr"),
    [
        ("--max 100000 --e 20 --load 120000", "mpe: --load 120000 is above --max 100000"),
        ("--max 100000 --e 20", "mpe: --load KG is required"),
        ("--e 20 --load 10", "mpe: --max KG is required"),
        ("--max 100000 --e abc --load 10", "mpe: --e abc is not a number of kg (e.g. 20 or 0.5)"),
        ("--max 1e5 --e 20 --load 10", "mpe: --max 1e5 is not a number of kg (e.g. 20 or 0.5)"),
        ("--max 100000 --e 0 --load 10", "mpe: --e must be above 0, not 0"),
        ("--max 0 --e 20 --load 0", "mpe: --max must be above 0, not 0"),
        ("--max 100000 --e 20 --load -5", "mpe: --load must be 0 or more, not -5"),
        (
            "--max 100000 --e 20 --load 10.0005",
            "mpe: --load 10.0005 has more than 3 decimals (the smallest step is 1 g)",
        ),
        ("--max 100010 --e 20 --load 10", "mpe: --max 100010 is not a multiple of --e 20"),
        (
            "--max 10000 --e 20 --load 10",
            "mpe: --max 10000 / --e 20 = 500 divisions;"
            " a class III truck scale needs 2000 to 10000",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line_naming_the_option(
    mpe: Any, args: str, stderr: str
) -> None:
    result = mpe(*args.split())
    assert (result.returncode, result.stdout, result.stderr) == (2, "", stderr + "\n")
