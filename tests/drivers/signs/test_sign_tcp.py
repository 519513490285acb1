"""OnbonSign against the simulated controller over real TCP on 127.0.0.1."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from drivers.signs.onbon import (
    PING,
    Frame,
    OnbonSign,
    SignColour,
    SignConnectionError,
    SignNack,
    SignTimeout,
    TextArea,
    command_data,
    encode,
)
from drivers.sim.sign import SignSimulator


@pytest.fixture
def controller() -> Iterator[SignSimulator]:
    simulator = SignSimulator()
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def sign(controller: SignSimulator) -> Iterator[OnbonSign]:
    client = OnbonSign("127.0.0.1", controller.port, timeout=2.0)
    yield client
    client.close()


def test_ping_is_acknowledged(controller: SignSimulator, sign: OnbonSign) -> None:
    reply = sign.ping()
    assert reply.is_ack
    assert (reply.dst, reply.src) == (0x8000, 1)
    assert [f.command for f in controller.frames] == [PING]


def test_texts_are_shown_and_cleared(controller: SignSimulator, sign: OnbonSign) -> None:
    sign.show_text([(SignColour.RED, "违法超限"), (SignColour.GREEN, "请驶入检测区")])
    sign.show_text("川A12345 49.0t", TextArea(y=16, height=16, area_id=1))
    assert controller.texts == ["\\C1违法超限\\C2请驶入检测区", "川A12345 49.0t"]
    assert controller.current == {0: "\\C1违法超限\\C2请驶入检测区", 1: "川A12345 49.0t"}
    assert controller.shown[1].area.area.y == 16
    assert sign.clear().is_ack
    assert (controller.current, controller.clears) == ({}, 1)
    assert controller.connections == 1  # one connection carries every command


def test_controller_going_away_and_coming_back(controller: SignSimulator, sign: OnbonSign) -> None:
    sign.show_text("一")
    controller.stop()
    with pytest.raises(SignConnectionError, match=f"127.0.0.1:{controller.port}"):
        sign.show_text("二")
    assert not sign.connected
    with pytest.raises(SignConnectionError):
        sign.ping()  # still away: refused at once, no hang
    controller.start()  # the controller is back on the same port
    sign.show_text("三")
    assert controller.texts == ["一", "三"]


def test_a_controller_reboot_between_commands_is_invisible(
    controller: SignSimulator, sign: OnbonSign
) -> None:
    sign.show_text("before")
    controller.stop()
    controller.start()
    sign.show_text("after")  # the dead connection is replaced within the same call
    assert controller.texts == ["before", "after"]
    assert controller.connections == 2


def test_silent_controller_times_out(controller: SignSimulator) -> None:
    controller.silent = True
    sign = OnbonSign("127.0.0.1", controller.port, timeout=0.3)
    try:
        started = time.monotonic()
        with pytest.raises(SignTimeout, match="no reply"):
            sign.ping()
        assert time.monotonic() - started < 2.0
        assert not sign.connected  # a late reply must not answer the next command
        controller.silent = False
        assert sign.ping().is_ack
    finally:
        sign.close()


def test_refused_command_raises_nack(controller: SignSimulator, sign: OnbonSign) -> None:
    controller.nack_code = 0x12
    with pytest.raises(SignNack) as refused:
        sign.show_text("x")
    assert refused.value.code == 0x12
    assert sign.last_reply is not None and sign.last_reply.is_nack
    controller.nack_code = 0
    assert sign.ping().is_ack  # the connection is still usable


def test_unknown_command_is_refused_by_the_simulator(sign: OnbonSign) -> None:
    with pytest.raises(SignNack):
        sign.request(command_data((0xA4, 0x05)))


def test_nobody_listening_is_a_clear_connection_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with (
        OnbonSign("127.0.0.1", port, timeout=0.5) as sign,
        pytest.raises(SignConnectionError, match="unreachable"),
    ):
        sign.ping()


def test_simulator_counts_bad_packets_and_answers_good_ones(controller: SignSimulator) -> None:
    damaged = bytearray(encode(Frame(command_data(PING))))
    damaged[-2] ^= 0xFF
    with socket.create_connection(("127.0.0.1", controller.port), timeout=2) as raw:
        raw.sendall(b"noise" + bytes(damaged) + encode(Frame(command_data(PING))))
        reply = raw.recv(4096)
    assert reply.startswith(b"\xa5" * 8) and reply.endswith(b"\x5a")
    deadline = time.monotonic() + 2
    while controller.bad_frames < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert controller.bad_frames == 1
    assert len(controller.frames) == 1


def test_no_reply_requested_gets_none(controller: SignSimulator) -> None:
    frame = Frame(command_data(PING, reply=False))
    assert controller.answer(frame) is None
