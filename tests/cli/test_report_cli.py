"""`python main.py report`: a period's report as PDF, from a separate process."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_print_record_cli import Made, text_of
from tests.cli.test_print_record_cli import made as made  # noqa: PLC0414 (the fixture)
from tests.reports.conftest import poppler  # noqa: F401 (fixture)
from tests.support.cli import run_main, user_env

pytestmark = pytest.mark.usefixtures("poppler")


@pytest.mark.parametrize(
    ("kind", "title"),
    [("daily", "日报"), ("weekly", "周报"), ("dekad", "旬报"), ("monthly", "月报")],
)
def test_each_report_kind_covers_the_weighings_of_its_period(
    made: Made, tmp_path: Path, kind: str, title: str
) -> None:
    out = tmp_path / f"{kind}.pdf"
    done = run_main(user_env(tmp_path), "report", kind, "--date", "2026-11-25", "--out",
                    str(out), "--config", str(made.config))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out)
    text = text_of(out)
    assert title in text
    # Three first weighings that day, two over the limit; one re-weighing.
    summary = " ".join(text.split())
    assert "检测车辆（初检） 3 超限车辆 2" in summary
    assert "超限率 66.67% 复检车次 1" in summary


def test_a_period_without_weighings_still_gives_a_report(made: Made, tmp_path: Path) -> None:
    out = tmp_path / "empty.pdf"
    done = run_main(user_env(tmp_path), "report", "daily", "--date", "2026-01-02", "--out",
                    str(out), "--config", str(made.config))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "日报" in text_of(out)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["daily", "--date", "2026-13-01"], "--date: '2026-13-01' is not a date"),
        (["daily", "--date", "yesterday"], "--date: 'yesterday' is not a date"),
    ],
)
def test_bad_input_is_refused_with_the_field_named(
    made: Made, tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "x.pdf"
    done = run_main(user_env(tmp_path), "report", *args, "--out", str(out), "--config",
                    str(made.config))  # fmt: skip
    assert done.returncode == 2
    assert message in done.stderr and not out.exists()


def test_an_unknown_kind_is_refused_by_the_parser(made: Made, tmp_path: Path) -> None:
    done = run_main(user_env(tmp_path), "report", "yearly", "--date", "2026-11-25", "--out",
                    str(tmp_path / "y.pdf"), "--config", str(made.config))  # fmt: skip
    assert done.returncode == 2 and "invalid choice" in done.stderr
