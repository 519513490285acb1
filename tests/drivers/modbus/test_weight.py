"""Weight transmitters against the in-process simulator, for every shipped weight map."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from drivers.modbus import DriverError, ModbusBus, ModbusWeightDriver
from drivers.modbus.maps import WeightMap, parse_map, shipped_map
from drivers.modbus.sim import WeightTransmitterSim
from drivers.modbus.weight import ReadBlock, plan_reads
from tests.drivers.modbus.conftest import WEIGHT_MAPS

MakeBus = Callable[..., ModbusBus]


class Rig:
    """A simulator, a bus with a frame trace, and a driver for one map."""

    def __init__(
        self,
        wmap: WeightMap,
        make_bus: MakeBus,
        name: str = "",
        sim_class: type[WeightTransmitterSim] = WeightTransmitterSim,
    ) -> None:
        self.name = name
        self.map = wmap
        self.sim = sim_class(wmap).start_tcp()
        self.frames: list[bytes] = []
        self.bus = make_bus(self.sim.url, trace=self._trace)
        self.driver = ModbusWeightDriver(self.bus, wmap, "scale-1")

    def _trace(self, sending: bool, data: bytes) -> None:
        if sending:
            self.frames.append(data[7:])  # PDU without the MBAP header

    def pdus(self) -> list[str]:
        return [frame.hex(" ") for frame in self.frames]


@pytest.fixture
def rig(request: pytest.FixtureRequest, make_bus: MakeBus) -> Iterator[Rig]:
    made = Rig(shipped_map(request.param), make_bus, request.param)  # type: ignore[arg-type]
    yield made
    made.sim.stop()


def rig_for(wmap: WeightMap, make_bus: MakeBus) -> Rig:
    return Rig(wmap, make_bus)


every_map = pytest.mark.parametrize("rig", WEIGHT_MAPS, indirect=True)


# --------------------------------------------------------------------------- weight


@every_map
@pytest.mark.parametrize("kg", [0, 12_340, 49_380, 123_450])
def test_weight_in_integer_kg(rig: Rig, kg: int) -> None:
    rig.sim.set(gross_kg=kg)
    reading = rig.driver.poll()
    assert reading.weight_kg == kg
    assert reading.device_id == "scale-1"
    assert reading.tare_kg == 0 and not reading.net


@every_map
def test_negative_weights_where_the_type_is_signed(rig: Rig) -> None:
    # Every shipped weight map uses int32 or float32, which carry a sign.
    rig.sim.set(gross_kg=-1_230)
    assert rig.driver.poll().weight_kg == -1_230


EXPECTED_READS = {
    "laumas-tlb4": 1,
    "flintec-ft112": 1,
    "pt-global-pt113": 1,
    "eagle-ei4000-kg": 2,  # gross 0x2000 and tare 0x2010 are not contiguous
    "id551pn-scale1": 1,
    "float32-cdab": 1,
    "int32-cdab-t": 1,
    "mt-weigh-module": 1,
}


@every_map
def test_one_request_per_poll_when_the_registers_are_contiguous(rig: Rig) -> None:
    assert set(EXPECTED_READS) == set(WEIGHT_MAPS)
    rig.frames.clear()
    rig.driver.poll()
    assert len(rig.frames) == len(rig.driver.plan) == EXPECTED_READS[rig.name]


# --------------------------------------------------------------------------- status bits

BIT_CASES: dict[str, tuple[dict[str, Any], str, bool]] = {
    # status bit -> (simulator change, reading attribute, expected value)
    "stable": ({"stable": True}, "stable", True),
    "motion": ({"stable": False}, "stable", False),
    "overload": ({"overload": True}, "overload", True),
    "underload": ({"underload": True}, "underload", True),
    "centre_of_zero": ({"centre_of_zero": True}, "centre_of_zero", True),
    "net": ({"tare_kg": 5_000}, "net", True),
}
FLAGS = ("stable", "overload", "underload", "centre_of_zero", "net")


@every_map
def test_every_status_bit_of_the_map(rig: Rig) -> None:
    bits = dict(rig.map.status.bits) if rig.map.status else {}
    rig.sim.set(gross_kg=20_000, stable=False, centre_of_zero=False)
    baseline = rig.driver.poll()
    assert not any(getattr(baseline, flag) for flag in FLAGS)
    reset = {"stable": False, "overload": False, "underload": False, "centre_of_zero": False}
    for bit in bits:
        change, attribute, expected = BIT_CASES[bit]
        if bit == "net" and "weight" not in rig.map.fields:
            expected = False  # the reported weight is the gross register, never net
        rig.sim.set(gross_kg=20_000, tare_kg=0, **reset)
        rig.sim.set(**change)
        reading = rig.driver.poll()
        assert getattr(reading, attribute) is expected, bit
        others = [f for f in FLAGS if f != attribute]
        assert not any(getattr(reading, f) for f in others), bit
    if "stable" in bits or "motion" in bits:  # both directions, whichever way the bit runs
        for state in (True, False, True):
            rig.sim.set(stable=state)
            assert rig.driver.poll().stable is state


def test_centre_of_zero_follows_the_gross_by_default(make_bus: MakeBus) -> None:
    rig = rig_for(shipped_map("flintec-ft112"), make_bus)  # type: ignore[arg-type]
    with rig.sim:
        rig.sim.set(gross_kg=0)
        assert rig.driver.poll().centre_of_zero
        rig.sim.set(gross_kg=40)
        assert not rig.driver.poll().centre_of_zero


def test_without_a_stability_bit_readings_are_never_stable(make_bus: MakeBus) -> None:
    rig = rig_for(shipped_map("eagle-ei4000-kg"), make_bus)  # type: ignore[arg-type]
    with rig.sim:
        rig.sim.set(gross_kg=12_000, stable=True)
        assert rig.driver.poll().stable is False


# Raw status registers written from protocols.md, independent of the maps under test.
RAW_STATUS = [
    ("flintec-ft112", {"stable": False}, 6, [0x0000, 0x0004]),  # B2 unstable
    ("flintec-ft112", {"tare_kg": 100}, 6, [0x0000, 0x0008]),  # B3 net
    ("flintec-ft112", {"centre_of_zero": True}, 6, [0x0000, 0x1000]),  # B12 centre of zero
    ("pt-global-pt113", {"stable": False}, 2, [0x0004]),  # D2 unstable
    ("pt-global-pt113", {"centre_of_zero": True}, 2, [0x1000]),  # D12
    ("id551pn-scale1", {"stable": False}, 4, [0x1000]),  # bit 12 motion
    ("id551pn-scale1", {"overload": True}, 4, [0x0400]),  # bit 10 over capacity
    ("id551pn-scale1", {"underload": True}, 4, [0x0200]),  # bit 9 under zero
    ("id551pn-scale1", {"centre_of_zero": True}, 4, [0x0100]),  # bit 8 COZ
    ("id551pn-scale1", {"tare_kg": 100}, 4, [0x0800]),  # bit 11 net
]


@pytest.mark.parametrize(("name", "change", "address", "words"), RAW_STATUS)
def test_status_bits_sit_where_the_manuals_put_them(
    make_bus: MakeBus, name: str, change: dict[str, Any], address: int, words: list[int]
) -> None:
    rig = rig_for(shipped_map(name), make_bus)  # type: ignore[arg-type]
    with rig.sim:
        rig.sim.set(gross_kg=1_000, stable=True, centre_of_zero=False)
        rig.sim.set(**change)
        assert rig.bus.read_registers("holding", address, len(words), 1) == words


# --------------------------------------------------------------------------- commands


@every_map
def test_zero_tare_and_clear_tare_reach_the_device(rig: Rig) -> None:
    commands = rig.map.commands
    rig.sim.set(gross_kg=350)
    if "zero" in commands:
        rig.driver.zero()
        assert rig.sim.commands[-1] == "zero"
        assert rig.driver.poll().weight_kg == 0
    rig.sim.set(gross_kg=15_000)
    if "tare" in commands:
        rig.driver.tare()
        assert rig.sim.commands[-1] == "tare"
        rig.sim.set(gross_kg=40_000)
        reading = rig.driver.poll()
        assert reading.tare_kg == 15_000
        shows_net = "weight" in rig.map.fields
        assert reading.weight_kg == (25_000 if shows_net else 40_000)
        assert reading.net is (
            shows_net and "net" in (rig.map.status.bits if rig.map.status else {})
        )
    if "clear_tare" in commands:
        rig.driver.clear_tare()
        assert rig.sim.commands[-1] == "clear_tare"
        reading = rig.driver.poll()
        assert (reading.tare_kg, reading.weight_kg, reading.net) == (0, 40_000, False)
    assert rig.sim.commands == [c for c in ("zero", "tare", "clear_tare") if c in commands]


@every_map
def test_a_command_the_map_lacks_is_a_clear_error(rig: Rig) -> None:
    missing = [c for c in ("zero", "tare", "clear_tare") if c not in rig.map.commands]
    for name in missing:
        with pytest.raises(DriverError, match=f"has no '{name}' command") as caught:
            getattr(rig.driver, name)()
        assert caught.value.kind == "config"
        assert caught.value.what == f"commands.{name}"


def test_a_repeated_command_is_obeyed_again(make_bus: MakeBus) -> None:
    rig = rig_for(shipped_map("id551pn-scale1"), make_bus)  # type: ignore[arg-type]
    with rig.sim:
        rig.driver.tare()
        rig.driver.tare()
        assert rig.sim.commands == ["tare", "tare"]


COMMAND_FRAMES = [
    # map, command, PDUs on the wire (function code onwards)
    ("flintec-ft112", "tare", ["10 00 18 00 02 04 00 00 00 02"]),  # FC16, 2 words at 40025
    ("laumas-tlb4", "zero", ["10 00 05 00 01 02 00 08"]),  # FC16 even for one register
    ("laumas-tlb4", "tare", ["10 00 05 00 01 02 00 82"]),
    ("pt-global-pt113", "clear_tare", ["06 00 08 00 03"]),  # FC06 to 40009
    ("id551pn-scale1", "zero", ["06 00 05 00 00", "06 00 05 08 00"]),  # 0, then bit 11
    ("id551pn-scale1", "clear_tare", ["06 00 05 00 00", "06 00 05 20 00"]),  # bit 13
    ("int32-cdab-t", "tare", ["05 00 01 ff 00"]),  # coil 1 ON
    ("float32-cdab", "zero", ["06 00 0a 00 01"]),
    ("mt-weigh-module", "tare", ["06 03 ed 00 01"]),  # 41006 = 0x3ED, "tare when stable"
]


@pytest.mark.parametrize(("name", "command", "pdus"), COMMAND_FRAMES)
def test_commands_on_the_wire(make_bus: MakeBus, name: str, command: str, pdus: list[str]) -> None:
    rig = rig_for(shipped_map(name), make_bus)  # type: ignore[arg-type]
    with rig.sim:
        rig.frames.clear()
        getattr(rig.driver, command)()
        assert rig.pdus() == pdus


# --------------------------------------------------------------------------- word order, scale


WORD_ORDER = [
    # map, kg, first value register, registers on the wire
    ("eagle-ei4000-kg", 12_345, 0x2000, [0x4640, 0xE400]),  # float32 big: 12345.0
    ("id551pn-scale1", 12_345, 0, [0x4640, 0xE400]),  # float32 big
    ("float32-cdab", 12_345, 0, [0xE400, 0x4640]),  # float32 little
    ("flintec-ft112", 70_000, 0, [0x0001, 0x1170]),  # int32 big
    ("laumas-tlb4", 70_000, 7, [0x0001, 0x1170]),  # int32 big
    ("pt-global-pt113", -2, 0, [0xFFFF, 0xFFFE]),  # int32 big, negative
    ("int32-cdab-t", 70_000, 0, [0x1B58, 0x0000]),  # int32 little: 7000 x 0.01 t
]


@pytest.mark.parametrize(("name", "kg", "address", "words"), WORD_ORDER)
def test_both_word_orders(
    make_bus: MakeBus, name: str, kg: int, address: int, words: list[int]
) -> None:
    rig = rig_for(shipped_map(name), make_bus)  # type: ignore[arg-type]
    with rig.sim:
        rig.sim.set(gross_kg=kg)
        assert rig.bus.read_registers(rig.map.function, address, 2, 1) == words
        assert rig.driver.poll().weight_kg == kg


def test_tonnes_with_two_decimals_become_exact_kg(make_bus: MakeBus) -> None:
    rig = rig_for(shipped_map("int32-cdab-t"), make_bus)  # type: ignore[arg-type]
    with rig.sim:
        rig.sim.set(gross_kg=49_380)
        assert rig.bus.read_registers("input", 0, 2, 1) == [4938, 0]
        assert rig.driver.poll().weight_kg == 49_380
        with pytest.raises(ValueError, match="not a whole number"):
            rig.sim.set(gross_kg=49_385)  # below the 10 kg resolution of 0.01 t
        assert rig.sim.gross_kg == 49_380  # a refused change leaves the model alone


def ad_hoc_map(vtype: str, scale: str = "1", unit: str = "kg") -> WeightMap:
    loaded = parse_map(
        {
            "format": 1,
            "kind": "weight",
            "model": f"ad hoc {vtype}",
            "value": {"function": "input", "type": vtype, "scale": scale, "unit": unit},
            "fields": {"weight": 10},
            "status": {"address": 12, "bits": {"stable": 15}},
        },
        f"ad-hoc-{vtype}",
    )
    assert isinstance(loaded, WeightMap)
    return loaded


@pytest.mark.parametrize(
    ("vtype", "scale", "unit", "kg", "words"),
    [
        ("int16", "10", "kg", -32_000, [0xF380]),  # -3200 x 10 kg
        ("uint16", "10", "kg", 65_530, [6553]),
        ("uint16", "0.1", "t", 49_300, [493]),
        ("uint32", "1", "kg", 3_000_000, [0x002D, 0xC6C0]),
        ("int32", "0.5", "kg", -15, [0xFFFF, 0xFFE2]),
    ],
)
def test_other_register_types(
    make_bus: MakeBus, vtype: str, scale: str, unit: str, kg: int, words: list[int]
) -> None:
    rig = rig_for(ad_hoc_map(vtype, scale, unit), make_bus)
    with rig.sim:
        rig.sim.set(gross_kg=kg, stable=True)
        assert rig.bus.read_registers("input", 10, len(words), 1) == words
        reading = rig.driver.poll()
        assert (reading.weight_kg, reading.stable) == (kg, True)
        # 10-11 + 12 is one read; a 16-bit weight at 10 leaves a gap at 11: two reads.
        assert len(rig.driver.plan) == (1 if len(words) == 2 else 2)


def test_unsigned_types_cannot_show_negative_weights(make_bus: MakeBus) -> None:
    rig = rig_for(ad_hoc_map("uint16"), make_bus)
    with rig.sim, pytest.raises(ValueError, match="does not fit uint16"):
        rig.sim.set(gross_kg=-10)


class NanSim(WeightTransmitterSim):
    """Sends a float NaN as the weight, as some devices do on a load-cell input fault."""

    def _render_all(self) -> list[tuple[str, int, list[int]]]:
        rendered = super()._render_all()
        return [(t, a, [0x0000, 0x7FC0] if a == 0 else w) for t, a, w in rendered]


def test_a_float_nan_is_reported_not_weighed(make_bus: MakeBus) -> None:
    rig = Rig(shipped_map("float32-cdab"), make_bus, sim_class=NanSim)  # type: ignore[arg-type]
    with rig.sim, pytest.raises(DriverError) as caught:
        rig.driver.poll()
    assert caught.value.kind == "format"
    assert "fields.weight (holding register 0): the device sent nan, not a weight" in str(
        caught.value
    )


# --------------------------------------------------------------------------- derived tare, plans


def test_laumas_tare_is_gross_minus_net(make_bus: MakeBus) -> None:
    rig = rig_for(shipped_map("laumas-tlb4"), make_bus)  # type: ignore[arg-type]
    with rig.sim:
        rig.sim.set(gross_kg=31_000, tare_kg=11_000)
        reading = rig.driver.poll()
        assert (reading.weight_kg, reading.tare_kg, reading.net) == (31_000, 11_000, False)


def test_id551pn_tare_is_gross_minus_display(make_bus: MakeBus) -> None:
    rig = rig_for(shipped_map("id551pn-scale1"), make_bus)  # type: ignore[arg-type]
    with rig.sim:
        rig.sim.set(gross_kg=31_000, tare_kg=11_000)
        reading = rig.driver.poll()
        assert (reading.weight_kg, reading.tare_kg, reading.net) == (20_000, 11_000, True)


def test_plans_join_contiguous_spans_and_never_bridge_gaps() -> None:
    needed = [("holding", 0, 2), ("holding", 6, 2)]
    assert plan_reads(needed) == (ReadBlock("holding", 0, 2), ReadBlock("holding", 6, 2))
    known = [("holding", 2, 2), ("holding", 4, 2)]
    assert plan_reads(needed, known) == (ReadBlock("holding", 0, 8),)
    assert plan_reads(needed, known, max_registers=4) == (
        ReadBlock("holding", 0, 2),
        ReadBlock("holding", 6, 2),
    )
    assert plan_reads([("holding", 0, 2), ("input", 2, 2)]) == (
        ReadBlock("holding", 0, 2),
        ReadBlock("input", 2, 2),
    )
    assert plan_reads([("holding", 4, 2)], [("holding", 0, 4), ("holding", 6, 4)]) == (
        ReadBlock("holding", 4, 2),
    )
