"""`python main.py judge`: one JSON object on stdin, one JSON object on stdout.

Exit 0 on success; exit 2 with a one-line message on stderr that starts with the bad field.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import run_main, user_env

ROOT = Path(__file__).resolve().parents[2]
OUTPUT_KEYS = {
    "sumWeight",
    "limitWeight",
    "overWeight",
    "overRate",
    "isOver",
    "vehicleClass",
    "adjustments",
    "dimensionsOver",
    "penalty",
}


def axle(weight: int, tyres: str = "dual", drive: bool = False, **extra: Any) -> dict[str, Any]:
    return {"weight": weight, "tyres": tyres, "drive": drive, "airSuspension": False, **extra}


SIX_AXLE = {
    "configuration": "articulated",
    "axles": [
        axle(7120, "single"),
        axle(11890, drive=True),
        axle(12040, drive=True, spacing=1350),
        axle(11330, spacing=1310),
        axle(11500, spacing=1310),
        axle(11500),
    ],
    "date": "2026-06-01",
}


@pytest.fixture
def run(tmp_path: Path) -> Any:
    """Run the judge command with an empty per-user config and data folder."""
    if not (ROOT / "main.py").exists():
        pytest.fail("main.py does not exist yet")
    env = user_env(tmp_path, config="config", data="data")

    def _run(stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
        return run_main(env, "judge", *args, stdin=stdin, timeout=60)

    return _run


def single_json_object(text: str) -> dict[str, Any]:
    decoder = json.JSONDecoder()
    stripped = text.strip()
    value, end = decoder.raw_decode(stripped)
    assert stripped[end:].strip() == "", f"more than one JSON value on stdout: {text!r}"
    assert isinstance(value, dict)
    return value


def test_six_axle_worked_example(run: Any) -> None:
    done = run(json.dumps(SIX_AXLE))
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    out = single_json_object(done.stdout)
    assert set(out) == OUTPUT_KEYS
    assert out == {
        "sumWeight": 65380,
        "limitWeight": 49000,
        "overWeight": 16380,
        "overRate": "33.43",
        "isOver": True,
        "vehicleClass": "GB1589-2016:6axle-combination",
        "adjustments": [],
        "dimensionsOver": [],
        "penalty": {"action": "FINE", "fineYuan": 8000},
    }


def test_single_drive_six_axle_with_dimensions(run: Any) -> None:
    payload = {
        "configuration": "articulated",
        "tractorDriveAxles": 1,
        "axles": [axle(7000, "single"), axle(11000, drive=True)] + [axle(7000)] * 4,
        "date": "2026-06-01",
        "dimensions": {"length": 18100, "width": 2550, "height": 4300},
    }
    done = run(json.dumps(payload))
    assert done.returncode == 0, done.stderr
    out = single_json_object(done.stdout)
    assert out["sumWeight"] == 46000
    assert out["limitWeight"] == 46000
    assert out["isOver"] is False
    assert out["overRate"] == "0.00"
    assert out["vehicleClass"] == "GB1589-2016:6axle-combination-single-drive"
    assert out["dimensionsOver"] == ["height"]
    assert out["penalty"] == {"action": "FINE", "fineYuan": 1000}


def test_legal_two_axle_truck_without_date(run: Any) -> None:
    payload = {"configuration": "truck", "axles": [axle(6000, "single"), axle(12000, drive=True)]}
    done = run(json.dumps(payload))
    assert done.returncode == 0, done.stderr
    out = single_json_object(done.stdout)
    assert (out["limitWeight"], out["overWeight"], out["isOver"]) == (18000, 0, False)
    assert out["penalty"] == {"action": "NONE", "fineYuan": 0}


def test_adjustments_reach_the_output(run: Any) -> None:
    payload = {
        "configuration": "truck",
        "date": "2026-06-01",
        "axles": [
            axle(7000, "single"),
            {**axle(10000, drive=True), "airSuspension": True},
            axle(8000, "single"),
        ],
    }
    done = run(json.dumps(payload))
    assert done.returncode == 0, done.stderr
    out = single_json_object(done.stdout)
    assert out["limitWeight"] == 23000  # 25000 + 1000 (dual+air drive) - 3000 (single-tyre axle 3)
    assert len(out["adjustments"]) == 2
    assert all(isinstance(item, str) for item in out["adjustments"])


def test_chinese_is_accepted_on_stdin_as_utf8(run: Any) -> None:
    text = json.dumps(SIX_AXLE, ensure_ascii=False, indent=2) + "\n"
    done = run(text)
    assert done.returncode == 0, done.stderr


def test_policy_comes_from_the_config_file(run: Any, tmp_path: Path) -> None:
    config = tmp_path / "station.toml"
    config.write_text(
        '[station]\nsite_code = "410102210001"\nname = "测试站"\n\n'
        '[policy]\nfine_rounding = "per_started_1000kg"\n',
        encoding="utf-8",
    )
    payload = dict(SIX_AXLE)
    payload["axles"] = [
        axle(8835, "single"),
        axle(8834, drive=True),
        axle(8833, drive=True),
        axle(8833),
        axle(8833),
        axle(8833),
    ]  # 53001 kg: 4001 over
    done = run(json.dumps(payload), "--config", str(config))
    assert done.returncode == 0, done.stderr
    out = single_json_object(done.stdout)
    assert out["overWeight"] == 4001
    assert out["penalty"] == {"action": "FINE", "fineYuan": 2500}  # 5 started units of 1000 kg
    default = single_json_object(run(json.dumps(payload)).stdout)
    assert default["penalty"] == {"action": "FINE", "fineYuan": 2000}  # 4 full units


def _bad(path: tuple[Any, ...], value: Any) -> str:
    data = json.loads(json.dumps(SIX_AXLE))
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return json.dumps(data)


@pytest.mark.parametrize(
    ("stdin", "field"),
    [
        pytest.param("this is not json", "$", id="not JSON"),
        pytest.param("", "$", id="empty stdin"),
        pytest.param("[1, 2]", "$", id="not an object"),
        pytest.param(
            json.dumps({"axles": SIX_AXLE["axles"]}), "configuration", id="missing configuration"
        ),
        pytest.param(_bad(("configuration",), "semi"), "configuration", id="bad configuration"),
        pytest.param(_bad(("axles",), [axle(1000)]), "axles", id="one axle"),
        pytest.param(_bad(("axles", 1, "weight"), 1000.0), "axles[1].weight", id="weight float"),
        pytest.param(_bad(("axles", 1, "weight"), -5), "axles[1].weight", id="weight negative"),
        pytest.param(_bad(("axles", 0, "tyres"), "twin"), "axles[0].tyres", id="tyres bad"),
        pytest.param(_bad(("colour",), "red"), "colour", id="unknown field"),
        pytest.param(_bad(("date",), "2026/01/01"), "date", id="date format"),
        pytest.param(_bad(("date",), "2026-02-30"), "date", id="impossible date"),
        pytest.param(_bad(("date",), "2016-09-20"), "date", id="no table in force"),
        pytest.param(
            json.dumps({"configuration": "truck", "axles": [axle(1000)] * 5}),
            "axles",
            id="5-axle truck",
        ),
        pytest.param(
            json.dumps(
                {"configuration": "truck", "axles": [axle(1000)] * 2, "specialType": "tractor"}
            ),
            "registeredMass",
            id="special type without registeredMass",
        ),
    ],
)
def test_bad_input_exits_2_naming_the_field(run: Any, stdin: str, field: str) -> None:
    done = run(stdin)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stdout == ""
    message = done.stderr.rstrip("\n")
    assert message, "no message on stderr"
    assert "\n" not in message, f"stderr is not one line: {done.stderr!r}"
    assert "Traceback" not in message
    assert re.match(rf"{re.escape(field)}(?![\w.\[])", message), message
