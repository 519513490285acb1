"""The station WIM map: whole records, the acknowledge handshake, torn reads, restarts."""

from __future__ import annotations

import dataclasses
import random
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from drivers.modbus import DriverError, ModbusBus, ModbusWimDriver
from drivers.modbus.maps import WimMap, shipped_map
from drivers.modbus.sim import WimControllerSim
from drivers.modbus.wim import next_counter
from station.domain.readings import WimAxle, WimVehicle

MakeBus = Callable[..., ModbusBus]
SIX_AXLES = ([7_000, 11_000, 11_000, 8_000, 8_000, 8_000], [3_500, 1_350, 6_000, 1_310, 1_310])


def wim_map() -> WimMap:
    loaded = shipped_map("station-wim-v1")
    assert isinstance(loaded, WimMap)
    return loaded


class WimRig:
    def __init__(self, make_bus: MakeBus, **sim_options: object) -> None:
        self.map = wim_map()
        self.sim = WimControllerSim(self.map, **sim_options).start_tcp()  # type: ignore[arg-type]
        self.bus = make_bus(self.sim.url)
        self.driver = ModbusWimDriver(self.bus, self.map, "wim-1")

    def drain(self, limit: int = 1000) -> list[WimVehicle]:
        vehicles = []
        for _ in range(limit):
            vehicle = self.driver.poll()
            if vehicle is None and self.sim.pending == 0:
                break
            if vehicle is not None:
                vehicles.append(vehicle)
        return vehicles


@pytest.fixture
def rig(make_bus: MakeBus) -> Iterator[WimRig]:
    made = WimRig(make_bus)
    yield made
    made.sim.stop()


def test_nothing_to_report_is_none(rig: WimRig) -> None:
    assert rig.driver.poll() is None
    assert rig.driver.controller_status == frozenset()


def test_a_vehicle_record_arrives_whole(rig: WimRig) -> None:
    weights, spacings = SIX_AXLES
    counter = rig.sim.queue_vehicle(weights, spacings, speed_kmh_x10=87)
    before = time.monotonic()
    vehicle = rig.driver.poll()
    assert vehicle is not None
    assert vehicle.device_id == "wim-1"
    assert vehicle.vehicle_counter == counter == 1
    assert vehicle.axles == tuple(
        WimAxle(weight_kg=w, spacing_mm=s) for w, s in zip(weights, [*spacings, None], strict=True)
    )
    assert vehicle.sum_weight_kg == 53_000
    assert vehicle.speed_kmh_x10 == 87
    assert vehicle.flags == ()
    assert vehicle.t_mono >= before
    assert rig.sim.acked == [1]
    assert rig.driver.poll() is None


def test_several_quick_vehicles_are_each_delivered_once_in_order(rig: WimRig) -> None:
    for index in range(10):
        rig.sim.queue_vehicle([6_000 + index, 9_000], [4_000], speed_kmh_x10=100 + index)
    vehicles = rig.drain()
    assert [v.vehicle_counter for v in vehicles] == list(range(1, 11))
    assert [v.axles[0].weight_kg for v in vehicles] == [6_000 + i for i in range(10)]
    assert rig.sim.acked == list(range(1, 11))


def test_a_controller_producing_while_the_station_polls_loses_nothing(rig: WimRig) -> None:
    total = 60
    rng = random.Random(7)
    produced = threading.Event()

    def produce() -> None:
        for index in range(total):
            rig.sim.queue_vehicle([5_000 + index, 10_000 + index], [3_000], speed_kmh_x10=index)
            time.sleep(rng.choice([0, 0, 0.001, 0.003]))
        produced.set()

    producer = threading.Thread(target=produce)
    producer.start()
    received: list[WimVehicle] = []
    deadline = time.monotonic() + 30
    while (not produced.is_set() or rig.sim.pending) and time.monotonic() < deadline:
        vehicle = rig.driver.poll()
        if vehicle is not None:
            received.append(vehicle)
    producer.join()
    assert [v.vehicle_counter for v in received] == list(range(1, total + 1))
    assert [v.speed_kmh_x10 for v in received] == list(range(total))
    assert all("counter_gap" not in v.flags for v in received)


def test_a_torn_read_is_read_again(rig: WimRig) -> None:
    rig.sim.queue_vehicle([7_000, 9_000], [3_800])
    rig.sim.tear_next(2)
    vehicle = rig.driver.poll()
    assert vehicle is not None and vehicle.vehicle_counter == 1
    assert rig.driver.torn_reads == 2


def test_a_record_torn_on_every_read_is_an_error_then_recovers(rig: WimRig) -> None:
    rig.sim.queue_vehicle([7_000, 9_000], [3_800])
    rig.sim.tear_next(rig.driver.torn_retries + 1)
    with pytest.raises(DriverError) as caught:
        rig.driver.poll()
    assert caught.value.kind == "torn"
    assert "input registers 0-53 (counter 1)" in str(caught.value)
    vehicle = rig.driver.poll()
    assert vehicle is not None and vehicle.vehicle_counter == 1


def test_a_lost_acknowledge_is_repeated_not_delivered_twice(rig: WimRig) -> None:
    rig.sim.queue_vehicle([7_000, 9_000], [3_800])
    rig.sim.queue_vehicle([6_000, 8_000], [3_900])
    rig.sim.fail_next_ack(1)  # the controller refuses it: record 1 stays presented
    first = rig.driver.poll()
    assert first is not None and first.vehicle_counter == 1
    assert rig.driver.ack_failures == 1 and rig.sim.acked == []
    assert rig.driver.poll() is None  # same record: acknowledged again, not delivered
    second = rig.driver.poll()
    assert second is not None and second.vehicle_counter == 2
    assert rig.sim.acked == [1, 2]


def test_an_acknowledge_applied_but_answered_with_an_error_loses_nothing(rig: WimRig) -> None:
    rig.sim.queue_vehicle([7_000, 9_000], [3_800])
    rig.sim.queue_vehicle([6_000, 8_000], [3_900])
    rig.sim.fail_next_ack(1, applied=True)
    assert rig.driver.poll().vehicle_counter == 1  # type: ignore[union-attr]
    assert rig.driver.ack_failures == 1
    assert rig.driver.poll().vehicle_counter == 2  # type: ignore[union-attr]
    assert rig.driver.poll() is None


def test_a_controller_restart_is_a_new_session_not_a_duplicate(rig: WimRig) -> None:
    rig.sim.queue_vehicle([7_000, 9_000], [3_800])
    assert rig.driver.poll().vehicle_counter == 1  # type: ignore[union-attr]
    rig.sim.restart()
    rig.sim.queue_vehicle([5_000, 5_000], [2_900])  # counter 1 again, in session 2
    vehicle = rig.driver.poll()
    assert vehicle is not None and vehicle.vehicle_counter == 1
    assert vehicle.axles[0].weight_kg == 5_000
    assert "counter_gap" not in vehicle.flags
    assert rig.driver.last_key == (2, 1)


def test_a_station_restart_with_the_last_key_does_not_redeliver(
    rig: WimRig, make_bus: MakeBus
) -> None:
    rig.sim.queue_vehicle([7_000, 9_000], [3_800])
    rig.sim.queue_vehicle([6_000, 8_000], [3_900])
    rig.sim.fail_next_ack(1)  # the station "dies" after delivering, before the acknowledge
    assert rig.driver.poll().vehicle_counter == 1  # type: ignore[union-attr]
    saved = rig.driver.last_key
    rig.bus.close()
    bus = make_bus(rig.sim.url)
    restarted = ModbusWimDriver(bus, rig.map, "wim-1", last_key=saved)
    assert restarted.poll() is None
    assert restarted.poll().vehicle_counter == 2  # type: ignore[union-attr]


def test_dropped_records_show_as_a_counter_gap(make_bus: MakeBus) -> None:
    rig = WimRig(make_bus, capacity=2)
    with rig.sim:
        for _ in range(4):  # 3 and 4 find the queue full
            rig.sim.queue_vehicle([7_000, 9_000], [3_800])
        assert [v.vehicle_counter for v in rig.drain()] == [1, 2]
        assert "queue_overflow" in rig.driver.controller_status
        rig.sim.queue_vehicle([7_000, 9_000], [3_800])
        vehicle = rig.driver.poll()
        assert vehicle is not None and vehicle.vehicle_counter == 5
        assert "counter_gap" in vehicle.flags


def test_record_flags_and_checks(rig: WimRig) -> None:
    rig.sim.queue_vehicle([7_000, 9_000], [3_800], flags=("reverse", "speed_change"))
    rig.sim.queue_vehicle(
        [7_000, 9_000], [3_800], flags=("complete", "off_centre"), gross_kg=16_010
    )
    rig.sim.status_flags.add("maintenance")
    rig.sim.queue_vehicle([7_000, 9_000], [3_800])
    first, second, third = rig.drain()
    assert first.flags == ("reverse", "speed_change", "incomplete", "maintenance")
    assert second.flags == ("off_centre", "maintenance", "gross_mismatch")
    assert third.flags == ("maintenance",)
    assert rig.driver.controller_status == {"maintenance"}


def test_more_axles_than_the_map_holds_are_cut_and_flagged(rig: WimRig) -> None:
    weights = [5_000] * 14
    rig.sim.queue_vehicle(
        weights, [1_300] * 13, flags=("complete", "too_many_axles"), gross_kg=60_000
    )
    vehicle = rig.driver.poll()
    assert vehicle is not None
    assert len(vehicle.axles) == 12
    assert vehicle.axles[-1].spacing_mm is None
    assert "too_many_axles" in vehicle.flags


def test_a_controller_not_configured_to_the_map_is_refused(make_bus: MakeBus) -> None:
    other = dataclasses.replace(wim_map(), magic=0x1234)
    with WimControllerSim(other).start_tcp() as sim:
        driver = ModbusWimDriver(make_bus(sim.url), wim_map(), "wim-1")
        with pytest.raises(DriverError, match="magic 0x1234 version 1") as caught:
            driver.poll()
        assert caught.value.kind == "config"


def test_the_counter_skips_zero_when_it_wraps() -> None:
    assert next_counter(0) == 1
    assert next_counter(41) == 42
    assert next_counter(2**32 - 1) == 1


def test_the_record_is_read_in_one_request(rig: WimRig) -> None:
    assert rig.map.window == (0, 54)


def test_the_example_in_the_map_document(make_bus: MakeBus) -> None:
    """docs/wim-modbus-map.md, section Example: the register dump and the acknowledge."""
    with WimControllerSim(wim_map(), session=7).start_tcp() as sim:
        sim.counter = 1233
        sim.queue_vehicle([6_500, 11_200, 11_350], [3_800, 1_350], speed_kmh_x10=125)
        sent: list[str] = []
        bus = make_bus(sim.url, trace=lambda out, data: out and sent.append(data[7:].hex(" ")))
        words = bus.read_registers("input", 0, 54, 1)
        expected = [0] * 54
        expected[0:14] = [0x5357, 1, 7, 1, 1, 0, 0, 0x04D2, 1, 3, 0x007D, 0, 0, 0x717A]
        expected[16:22] = [0, 0x1964, 0, 0x2BC0, 0, 0x2C56]
        expected[40:42] = [0x0ED8, 0x0546]
        expected[52:54] = [0, 0x04D2]
        assert words == expected
        vehicle = ModbusWimDriver(bus, wim_map(), "wim-1").poll()
        assert vehicle is not None and vehicle.vehicle_counter == 1234
        assert sent[-1] == "10 00 00 00 02 04 00 00 04 d2"
