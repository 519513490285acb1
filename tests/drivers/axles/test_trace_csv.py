"""The `axles` command's contract: a `t,kg` CSV in, one JSON object or one-line error out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drivers.axle_scale import (
    MIN_TRACE_SAMPLES,
    TraceFormatError,
    axles_command,
    read_trace_csv,
    segment,
)
from drivers.sim.crossing import simulate


def write_trace(path: Path, samples: list[tuple[float, int]], header: str = "t,kg") -> Path:
    lines = [header, *(f"{t},{kg}" for t, kg in samples)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def run():
    return simulate(21, speed_kmh=4.0)


def test_a_valid_trace_gives_exactly_the_json_object(tmp_path: Path, run) -> None:
    code, text = axles_command(str(write_trace(tmp_path / "trace.csv", run.samples)))
    assert code == 0
    out = json.loads(text)
    assert list(out) == ["axles", "sumWeight", "flags"]
    assert len(out["axles"]) == len(run.truck.loads_kg)
    for axle in out["axles"]:
        assert list(axle) == ["weight", "t"]
        assert type(axle["weight"]) is int and type(axle["t"]) is float
    assert type(out["sumWeight"]) is int
    assert out["sumWeight"] == sum(axle["weight"] for axle in out["axles"])
    assert out["flags"] == []
    assert "\n" not in text


def test_the_command_matches_segment_with_the_default_platform(tmp_path: Path, run) -> None:
    _, text = axles_command(str(write_trace(tmp_path / "trace.csv", run.samples)))
    expected = segment(run.samples, platform_length_m=0.8).as_json()
    assert json.loads(text) == json.loads(json.dumps(expected))


def test_flags_come_out_as_strings(tmp_path: Path) -> None:
    stop = simulate(10002, cheat="stop")
    _, text = axles_command(str(write_trace(tmp_path / "trace.csv", stop.samples)))
    assert "STOPPED" in json.loads(text)["flags"]


def test_crlf_a_byte_order_mark_and_decimal_kg_are_accepted(tmp_path: Path) -> None:
    rows = "".join(f"{i / 100},{0.5 if i == 3 else 0}\r\n" for i in range(12))
    path = tmp_path / "trace.csv"
    path.write_bytes(b"\xef\xbb\xbf" + ("t,kg\r\n" + rows).encode())
    samples = read_trace_csv(path)
    assert len(samples) == 12 and samples[3] == (0.03, 1)  # 0.5 kg rounds half up


def bad(tmp_path: Path, text: str | bytes) -> tuple[int, str]:
    path = tmp_path / "bad.csv"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return axles_command(str(path))


def rows(n: int = MIN_TRACE_SAMPLES) -> str:
    return "".join(f"{i / 100},0\n" for i in range(n))


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("time,kg\n" + rows(), 1, "header"),
        ("t,kg,extra\n" + rows(), 1, "header"),
        ("t, kg\n" + rows(), 1, "header"),
        ("", 1, "empty"),
        ("t,kg\n0.00,0\n0.01,abc\n" + rows(), 3, "not a number"),
        ("t,kg\n0.00,0\nx,0\n" + rows(), 3, "not a number"),
        ("t,kg\n0.00,0\n0.01,nan\n" + rows(), 3, "finite"),
        ("t,kg\n" + rows() + "0.05,0\n", MIN_TRACE_SAMPLES + 2, "before"),
        ("t,kg\n0.00,0\n0.01\n" + rows(), 3, "2 fields"),
        ("t,kg\n0.00,0\n\n" + rows(), 3, "fields"),
        ("t,kg\n" + rows(3), 4, "at least"),
        ("t,kg\n", 1, "at least"),
    ],
)
def test_a_malformed_trace_exits_2_naming_the_line(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    code, message = bad(tmp_path, text)
    assert code == 2
    assert f"line {line}:" in message
    assert words in message
    assert "\n" not in message


def test_a_file_that_is_not_text_names_the_line(tmp_path: Path) -> None:
    code, message = bad(tmp_path, b"t,kg\n0,0\n\xff\xfe,0\n")
    assert code == 2 and "line 3:" in message and "UTF-8" in message


def test_a_missing_file_exits_2_naming_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.csv"
    code, message = axles_command(str(missing))
    assert code == 2
    assert str(missing) in message and "cannot read" in message
    assert "\n" not in message


def test_read_errors_are_value_errors_with_the_line() -> None:
    assert issubclass(TraceFormatError, ValueError)
    error = TraceFormatError(7, "something")
    assert error.line == 7 and str(error) == "line 7: something"


def test_a_folder_is_not_a_trace(tmp_path: Path) -> None:
    code, message = axles_command(str(tmp_path))
    assert code == 2 and "cannot read" in message
