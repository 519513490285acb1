"""Who the station is to the platform: client certificates, and the devices in its heartbeat."""

from __future__ import annotations

import secrets
from datetime import datetime

from station.config import load_config
from station.storage import device_events
from station.upload.passes import run_pass
from station.upload.status import device_states
from station.upload.transport import Backoff
from tests.support.factory import SITE
from tests.support.province_receiver import ProvinceReceiver
from tests.support.upload import station_toml, write_key
from tests.upload.conftest import make_setup

FAST = Backoff(base_s=0.01, cap_s=0.05, attempts=3)


def _run(setup):
    return run_pass(setup.config, setup.database, trigger="MANUAL", actor="t", backoff=FAST)


def test_a_platform_that_asks_for_a_client_certificate_gets_the_configured_one(
    tmp_path, small_station, pki
):
    key = secrets.token_bytes(32)
    context = pki.server_context(require_client_cert=True)
    with ProvinceReceiver({SITE: key}, ssl_context=context) as receiver:
        receiver.key = key
        files = pki.files
        with_cert = make_setup(
            tmp_path / "with", small_station, receiver, pki,
            client_cert=files.client_cert.as_posix(), client_key=files.client_key.as_posix(),
        )  # fmt: skip
        setup = next(with_cert)
        assert _run(setup).exit_code == 0
        assert len(receiver.held_records()) > 0
        with_cert.close()

        without = make_setup(tmp_path / "without", small_station, receiver, pki)
        setup = next(without)
        outcome = _run(setup)
        assert outcome.status == "FAILED" and outcome.exit_code == 3
        assert setup.receiver.store_counts() == {seq: 1 for seq in receiver.held_records()}
        without.close()


LANES = """
[[lanes]]
number = 1
mode = "AXLE"
[[lanes.devices]]
id = "lane1-scale"
kind = "scale"
driver = "simulator"
port = "COM3"
[[lanes.devices]]
id = "lane1-camera"
kind = "camera"
driver = "simulator"
port = "COM4"
[[lanes.devices]]
id = "lane1-io"
kind = "io"
driver = "simulator"
port = "COM5"
"""


def test_the_heartbeat_names_every_device_with_its_last_logged_state(tmp_path, setup):
    key = write_key(tmp_path, secrets.token_bytes(32))
    toml = station_toml(tmp_path, "https://127.0.0.1:9/zc/v1", key, None)
    toml.write_text(toml.read_text(encoding="utf-8") + LANES, encoding="utf-8")
    config = load_config(toml)
    moment = datetime(2026, 11, 27, 2, 0)
    for device_id, state in (("lane1-scale", "OK"), ("lane1-camera", "STALE")):
        device_events.record_state(setup.database, device_id=device_id, state=state,
                                   moment=moment)  # fmt: skip
    states = {d["id"]: (d["kind"], d["state"]) for d in device_states(setup.database, config)}
    assert states == {
        "lane1-scale": ("scale", "OK"),
        "lane1-camera": ("camera", "FAULT"),
        "lane1-io": ("io", "OFFLINE"),  # never heard from
    }
