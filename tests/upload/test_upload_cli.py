"""`main.py upload` from a fresh shell: exit codes 0 / 3 / 2 and what it prints."""

from __future__ import annotations

import io
import secrets

from station.upload.console import ConsoleProgress
from tests.support.cli import run_main, user_env
from tests.support.province_receiver import Fault
from tests.support.upload import station_toml, write_key


def _upload(setup, tmp_path):
    return run_main(user_env(tmp_path), "upload", "--config", str(setup.config.path))


def test_exit_0_when_everything_is_delivered_and_the_manifest_is_complete(setup, tmp_path):
    done = _upload(setup, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "upload pass 1: COMPLETE" in done.stdout
    assert "left in the outbox: pending 0, rejected 0" in done.stdout
    assert len(setup.receiver.held_records()) > 0


def test_exit_3_when_records_stay_pending(setup, tmp_path):
    # Retry-After 0 keeps the station's backoff short; it still gives up after 6 tries.
    setup.receiver.faults.script(*[Fault("503", retry_after=0)] * 20, endpoints={"records"})
    done = _upload(setup, tmp_path)
    assert done.returncode == 3, done.stdout + done.stderr
    assert "FAILED" in done.stderr and "HTTP 503" in done.stderr
    assert setup.receiver.held_records() == {}


def test_exit_2_when_the_key_is_wrong(setup, tmp_path):
    write_key(setup.config.province.key_file.parent, secrets.token_bytes(32))
    done = _upload(setup, tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "BAD_SIGNATURE" in done.stderr and "key_file" in done.stderr


def test_exit_2_when_the_key_file_is_readable_by_others(setup, tmp_path):
    setup.config.province.key_file.chmod(0o644)
    done = _upload(setup, tmp_path)
    assert done.returncode == 2
    assert "other users can access this key file" in done.stderr
    assert setup.key.hex() not in done.stderr + done.stdout
    assert setup.receiver.request_counts() == {}


def test_exit_2_on_a_configuration_error_naming_key_and_line(tmp_path):
    key = write_key(tmp_path, secrets.token_bytes(32))
    toml = station_toml(tmp_path, "https://127.0.0.1:9/zc/v1", key, None, batch_size=500)
    done = run_main(user_env(tmp_path), "upload", "--config", str(toml))
    assert done.returncode == 2
    assert "province.batch_size" in done.stderr and "station.toml:" in done.stderr


def test_exit_2_when_the_upload_is_switched_off(tmp_path):
    key = write_key(tmp_path, secrets.token_bytes(32))
    toml = station_toml(tmp_path, "", key, None)
    done = run_main(user_env(tmp_path), "upload", "--config", str(toml))
    assert done.returncode == 2 and "[province] url is empty" in done.stderr


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_progress_bar_and_a_pipe_gets_plain_lines():
    terminal, pipe = _Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        progress = ConsoleProgress(stream)
        for done in range(0, 201, 50):
            progress("records", done, 200)
        progress("pictures", 0, 10)
        progress.finish()
    assert "\rrecords    [###############...............] 100/200" in terminal.getvalue()
    assert "[##############################] 200/200\n" in terminal.getvalue()
    assert pipe.getvalue() == "records ...\npictures ...\n"
