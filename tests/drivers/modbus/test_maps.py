"""Register-map files: every shipped map loads; bad files are rejected naming file and key."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from drivers.modbus import MapError, load_io_map, load_map, load_weight_map, shipped_maps
from drivers.modbus.maps import IoMap, WeightMap, WimMap, parse_map, shipped_map
from tests.drivers.modbus.conftest import IO_MAPS, WEIGHT_MAPS, WIM_MAPS

GOOD_WEIGHT = """
format = 1
kind = "weight"
model = "test"

[value]
function = "holding"
type = "int32"
word_order = "big"
scale = "0.01"
unit = "t"

[fields]
weight = 0
tare = 2

[status]
address = 4

[status.bits]
stable = 0
overload = 1

[commands.zero]
kind = "register"
address = 5
value = 1
"""


def write(tmp_path: Path, text: str, name: str = "map.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_expected_maps_are_shipped() -> None:
    assert set(shipped_maps()) == {
        "laumas-tlb4",
        "flintec-ft112",
        "pt-global-pt113",
        "eagle-ei4000-kg",
        "id551pn-scale1",
        "float32-cdab",
        "int32-cdab-t",
        "mt-weigh-module",
        "adam-4050",
        "adam-6050",
        "waveshare-relay-8ch",
        "lctech-relay-8ch",
        "station-wim-v1",
    }


@pytest.mark.parametrize("name", WEIGHT_MAPS + IO_MAPS + WIM_MAPS)
def test_every_shipped_map_loads(name: str) -> None:
    loaded = shipped_map(name)
    assert isinstance(loaded, WeightMap | IoMap | WimMap)
    assert loaded.model


def test_shipped_maps_have_the_documented_addresses() -> None:
    laumas = load_weight_map(shipped_maps()["laumas-tlb4"])
    assert (laumas.fields["gross"].address, laumas.fields["net"].address) == (7, 9)
    assert laumas.status is not None and laumas.status.address == 6
    assert {c.address for c in laumas.commands.values()} == {5}
    assert laumas.max_registers == 32 and laumas.write == "multiple"
    flintec = load_weight_map(shipped_maps()["flintec-ft112"])
    assert flintec.fields["weight"].address == 0 and flintec.fields["gross"].address == 4
    assert flintec.commands["zero"].address == 24 and flintec.commands["clear_tare"].value == 3
    eagle = load_weight_map(shipped_maps()["eagle-ei4000-kg"])
    assert eagle.fields["gross"].address == 0x2000 and eagle.fields["gross"].type == "float32"
    adam = load_io_map(shipped_maps()["adam-4050"])
    assert adam.inputs == adam.inputs.__class__("discrete", 0, 7)
    assert adam.outputs is not None and (adam.outputs.address, adam.outputs.count) == (16, 8)
    lctech = load_io_map(shipped_maps()["lctech-relay-8ch"])
    assert lctech.unit_id == 255


def test_laumas_map_marks_unconfirmed_bits_and_commands_unverified() -> None:
    text = shipped_maps()["laumas-tlb4"].read_text(encoding="utf-8")
    lines = text.splitlines()
    for marker in ("overload = 2", "stable = 10", "value = 8", "value = 130"):
        line = next(line for line in lines if line.startswith(marker))
        assert "unverified" in line


def test_a_good_map_parses_with_exact_scale(tmp_path: Path) -> None:
    loaded = load_weight_map(write(tmp_path, GOOD_WEIGHT))
    assert loaded.fields["weight"].scale == Decimal("0.01")
    assert loaded.unit == "t"
    assert dict(loaded.status.bits) == {"stable": 0, "overload": 1}  # type: ignore[union-attr]


def test_json_maps_are_accepted(tmp_path: Path) -> None:
    data = {
        "format": 1,
        "kind": "io",
        "model": "json board",
        "outputs": {"function": "coils", "address": 0, "count": 4},
    }
    loaded = load_map(write(tmp_path, json.dumps(data), "board.json"))
    assert isinstance(loaded, IoMap) and loaded.outputs is not None


def replace(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


BAD = [
    ("format = 1", "format = 2", "format", "out of range"),
    ('kind = "weight"', 'kind = "scale"', "kind", "allowed: weight, io, wim"),
    ('function = "holding"', 'function = "coil"', "value.function", "allowed: holding, input"),
    ('type = "int32"', 'type = "int64"', "value.type", "allowed: int16, uint16"),
    ('word_order = "big"', 'word_order = "cdab"', "value.word_order", "allowed: big, little"),
    ('scale = "0.01"', "scale = 0.01", "value.scale", "write it as a string"),
    ('scale = "0.01"', 'scale = "abc"', "value.scale", "not a decimal number"),
    ('scale = "0.01"', 'scale = "-1"', "value.scale", "positive"),
    ('unit = "t"', 'unit = "lb"', "value.unit", "allowed: kg, t"),
    ("weight = 0\n", "weight = -1\n", "fields.weight", "allowed: 0 to 65535"),
    ("weight = 0\n", 'weight = "0"\n', "fields.weight", "must be an integer"),
    ("weight = 0\n", "weight = true\n", "fields.weight", "must be an integer"),
    ("weight = 0\n", "weigth = 0\n", "fields.weigth", "unknown key"),
    ("tare = 2", "tare = 1", "fields.tare", "overlaps fields.weight"),
    ("address = 4", "address = 3", "status", "overlaps fields.tare"),
    ("stable = 0", "stable = 16", "status.bits.stable", "allowed: 0 to 15"),
    ("stable = 0", "steady = 0", "status.bits.steady", "unknown status bit"),
    ("stable = 0", "stable = 0\nmotion = 2", "status.bits.motion", "not both"),
    ("overload = 1", "overload = 0", "status.bits.overload", "one name per bit"),
    (
        '[commands.zero]\nkind = "register"',
        '[commands.zero]\nkind = "toggle"',
        "commands.zero.kind",
        "allowed: coil, register, pulse_bit",
    ),
    ("[commands.zero]", "[commands.reset]", "commands.reset", "allowed: zero, tare, clear_tare"),
    ("value = 1\n", "value = 70000\n", "commands.zero.value", "allowed: 0 to 65535"),
    ("value = 1\n", "", "commands.zero.value", "is required"),
    ('model = "test"', 'model = "test"\nextra = 1', "extra", "unknown key"),
    ('model = "test"\n', "", "model", "is required"),
]


@pytest.mark.parametrize(("old", "new", "key", "problem"), BAD, ids=[case[2] for case in BAD])
def test_bad_weight_maps_name_file_key_and_what_is_allowed(
    tmp_path: Path, old: str, new: str, key: str, problem: str
) -> None:
    path = write(tmp_path, replace(GOOD_WEIGHT, old, new))
    with pytest.raises(MapError) as caught:
        load_map(path)
    assert caught.value.key == key
    assert str(caught.value).startswith(f"{path}: {key}: ")
    assert problem in str(caught.value)


def test_a_weight_map_needs_a_weight_or_gross_field(tmp_path: Path) -> None:
    text = replace(GOOD_WEIGHT, "weight = 0\n", "net = 0\n")
    with pytest.raises(MapError, match="fields: needs 'weight'"):
        load_map(write(tmp_path, text))


def test_a_pulse_bit_command_needs_a_bit(tmp_path: Path) -> None:
    text = replace(
        GOOD_WEIGHT, 'kind = "register"\naddress = 5\nvalue = 1', 'kind = "pulse_bit"\naddress = 5'
    )
    with pytest.raises(MapError, match=r"commands\.zero\.bit: is required"):
        load_map(write(tmp_path, text))


def test_unreadable_and_malformed_files_are_reported(tmp_path: Path) -> None:
    with pytest.raises(MapError, match="cannot read the file"):
        load_map(tmp_path / "missing.toml")
    with pytest.raises(MapError, match="not valid TOML"):
        load_map(write(tmp_path, "format = = 1"))
    with pytest.raises(MapError, match=r"must end in \.toml or \.json"):
        load_map(write(tmp_path, "", "map.yaml"))
    with pytest.raises(MapError, match="top"):
        load_map(write(tmp_path, "[1, 2]", "list.json"))


def test_a_map_of_the_wrong_kind_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MapError, match="kind: is 'weight'; a 'io' map is needed"):
        load_io_map(write(tmp_path, GOOD_WEIGHT))


def test_io_maps_are_validated(tmp_path: Path) -> None:
    base = 'format = 1\nkind = "io"\nmodel = "x"\n'
    with pytest.raises(MapError, match="needs \\[inputs\\], \\[outputs\\] or both"):
        load_map(write(tmp_path, base))
    bad_function = base + '[outputs]\nfunction = "discrete"\naddress = 0\ncount = 4\n'
    with pytest.raises(
        MapError, match=r"outputs\.function: 'discrete' is not allowed; allowed: coils"
    ):
        load_map(write(tmp_path, bad_function))
    bad_count = base + '[inputs]\nfunction = "discrete"\naddress = 0\ncount = 0\n'
    with pytest.raises(MapError, match=r"inputs\.count"):
        load_map(write(tmp_path, bad_count))


def wim_text() -> str:
    return shipped_maps()["station-wim-v1"].read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("counter_check = 52", "counter_check = 50", "fields.counter_check: overlaps"),
        ("counter_check = 52", "counter_check = 200", "fields: the record spans"),
        ("record_ready = 0\n", "", "status_bits.record_ready: is required"),
        ("complete = 0\n", "finished = 0\n", "flag_bits.finished: unknown bit name"),
        ("reverse = 1", "reverse = 0", "flag_bits: two names share one bit"),
        ('function = "input"', 'function = "holding"', "ack.address: the acknowledge pair"),
        ("magic = 0x5357", "magic = 0x15357", "identity.magic"),
    ],
)
def test_bad_wim_maps_are_rejected(tmp_path: Path, old: str, new: str, message: str) -> None:
    with pytest.raises(MapError, match=message):
        load_map(write(tmp_path, replace(wim_text(), old, new)))


def test_parse_map_works_on_plain_data() -> None:
    loaded = parse_map(
        {
            "format": 1,
            "kind": "io",
            "model": "m",
            "inputs": {"function": "coils", "address": 3, "count": 2},
        },
        "inline",
    )
    assert isinstance(loaded, IoMap) and loaded.source == "inline"
