"""Nothing lost, nothing twice: passes under faults, killed passes, tampering, refused TLS."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from station.config import ConfigError, load_config
from station.storage import outbox
from station.storage.models import Picture, Record
from station.upload.passes import run_pass
from station.upload.transport import Backoff, Endpoint, UploadError
from tests.support.cli import ROOT, run_main, user_env
from tests.support.province_receiver import Fault, ProvinceReceiver
from tests.support.tls import LoopbackPki
from tests.support.upload import station_toml, write_key
from tests.upload.conftest import make_setup

FAST = Backoff(base_s=0.01, cap_s=0.05, attempts=10)


def _run(setup, **kw):
    kw.setdefault("backoff", FAST)
    return run_pass(setup.config, setup.database, trigger="MANUAL", actor="tester", **kw)


def _local(database) -> dict[int, dict]:
    with database.read() as session:
        return {row.seq: json.loads(row.body) for row in session.query(Record)}


def _distinct_pictures(database) -> int:
    with database.read() as session:
        return session.query(Picture).count()


def _assert_exactly_once(setup) -> None:
    local = _local(setup.database)
    assert setup.receiver.held_records() == local
    counts = setup.receiver.store_counts()
    assert set(counts) == set(local) and set(counts.values()) == {1}
    assert not setup.receiver.rejections()
    assert not setup.receiver.missing_pictures()


@pytest.fixture
def big(tmp_path, big_station, receiver, pki):
    yield from make_setup(tmp_path, big_station, receiver, pki, timeout_s=1)


def test_ten_thousand_records_with_pictures_under_random_faults_arrive_exactly_once(big):
    rates = {"500": 0.02, "503": 0.02, "429": 0.01, "reset": 0.02, "lost_answer": 0.02}
    big.receiver.faults.randomize(rates, seed=5, retry_after=0)
    # On the records endpoint: two requests that hang past the station's timeout (1 s),
    # and a batch stored whose answer is lost.
    scripted = (Fault("timeout", hold_seconds=2), None, "timeout", None, "lost_answer")
    big.receiver.faults.script(*scripted, endpoints={"records"})
    outcome = _run(big)
    assert outcome.status == "COMPLETE", outcome
    assert outcome.exit_code == 0
    injected = big.receiver.faults.counts()
    assert injected["lost_answer"] > 0 and injected["reset"] > 0 and injected["timeout"] == 2
    _assert_exactly_once(big)
    assert len(big.receiver.pictures()) == _distinct_pictures(big.database)
    # The batch whose answer was lost came back DUPLICATE: delivered, and stored once.
    assert outcome.duplicate > 0
    assert big.receiver.manifests()[-1][1]["status"] == "COMPLETE"


def _kill_when(process: subprocess.Popen, ready, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the pass never got that far"
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(10)


def test_a_pass_killed_mid_way_is_finished_by_the_next_without_loss_or_duplicates(big, tmp_path):
    env = user_env(tmp_path)
    command = [sys.executable, "main.py", "upload", "--config", str(big.config.path)]

    def start() -> subprocess.Popen:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)  # fmt: skip

    first = start()  # killed among the records
    _kill_when(first, lambda: len(big.receiver.held_records()) >= 3000)
    second = start()  # killed among the pictures
    _kill_when(second, lambda: len(big.receiver.pictures()) >= 2000)
    assert len(big.receiver.held_records()) == len(_local(big.database))

    done = run_main(env, "upload", "--config", str(big.config.path), timeout=300)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "COMPLETE" in done.stdout
    _assert_exactly_once(big)
    assert len(big.receiver.pictures()) == _distinct_pictures(big.database)
    statuses = [row.status for row in outbox.passes(big.database)]
    assert statuses == ["COMPLETE", "INTERRUPTED", "INTERRUPTED"]


def _tamper(database_file, seq: int, *, rehash: bool) -> None:
    """Change a committed record behind the station's back, as an attacker would."""
    conn = sqlite3.connect(database_file)
    body = json.loads(conn.execute("SELECT body FROM record WHERE seq = ?", (seq,)).fetchone()[0])
    body["plateNum"] = "豫Z00000"  # someone else was weighed, says the database now
    if rehash:
        from station.chain import record_hash

        body["recordHash"] = record_hash(body)
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    conn.execute("DROP TRIGGER record_no_update")
    conn.execute("UPDATE record SET body = ? WHERE seq = ?", (text, seq))
    conn.commit()
    conn.close()


def _first_check(database) -> int:
    with database.read() as session:
        return min(r.seq for r in session.query(Record) if r.record_type == "CHECK" and r.seq > 1)


@pytest.mark.parametrize(("rehash", "code"), [(False, "HASH_MISMATCH"), (True, "CHAIN_BROKEN")])
def test_a_record_altered_after_commit_is_caught_by_the_platform_and_by_verify(
    setup, tmp_path, rehash, code
):
    seq = _first_check(setup.database)
    _tamper(setup.config.database.url.removeprefix("sqlite:///"), seq, rehash=rehash)
    outcome = _run(setup)
    assert outcome.exit_code == 3 and outcome.status == "INCOMPLETE"
    rejected = setup.receiver.rejections()
    assert set(rejected) <= {seq, seq + 1} and code in {c for c, _ in rejected.values()}
    assert outbox.counts(setup.database)[1] == len(rejected)
    manifest = setup.receiver.manifests()[-1][1]
    assert manifest["status"] == "INCOMPLETE" and set(manifest["rejectedSeqs"]) == set(rejected)
    # A rejected record is kept for the supervisor and never sent again unchanged.
    sent = setup.receiver.request_counts()["POST /records"]
    again = _run(setup)
    assert again.records_sent == 0 and again.exit_code == 3
    assert setup.receiver.request_counts()["POST /records"] == sent
    listed = outbox.rejected_records(setup.database)
    assert {row["seq"] for row in listed} == set(rejected)
    assert all(row["code"] == rejected[row["seq"]][0] for row in listed)
    env = user_env(tmp_path)
    verify = run_main(env, "verify", "--config", str(setup.config.path))
    assert verify.returncode != 0, verify.stdout


def test_an_untrusted_certificate_is_refused_and_nothing_is_sent(tmp_path, small_station, receiver):
    other = LoopbackPki.untrusted(tmp_path)
    gen = make_setup(tmp_path, small_station, receiver, other)
    setup = next(gen)
    outcome = _run(setup)
    assert outcome.status == "FAILED" and outcome.exit_code == 3
    assert "certificate is not trusted" in outcome.error
    assert setup.receiver.held_records() == {}
    assert outbox.counts(setup.database)[0] == len(_local(setup.database))
    gen.close()


def test_plain_http_is_refused_except_to_this_computer(tmp_path):
    key = write_key(tmp_path, b"\x01" * 32)
    toml = station_toml(tmp_path, "http://zc.example-province.cn/zc/v1", key, None)
    with pytest.raises(ConfigError, match=r"province\.url"):
        load_config(toml)
    with pytest.raises(UploadError, match="plain http is refused"):
        Endpoint.parse("http://10.0.0.8/zc/v1")
    assert Endpoint.parse("http://127.0.0.1:8080/zc/v1").base_path == "/zc/v1"


def test_plain_http_to_loopback_works(tmp_path, small_station, pki):
    key = os.urandom(32)
    from tests.support.factory import SITE

    with ProvinceReceiver({SITE: key}) as plain:
        plain.key = key
        gen = make_setup(tmp_path, small_station, plain, pki)
        setup = next(gen)
        assert setup.config.province.url.startswith("http://127.0.0.1")
        assert _run(setup).exit_code == 0
        assert plain.held_records() == _local(setup.database)
        gen.close()
