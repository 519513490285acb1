"""The smoke run's own parts: children are killed with their children, the config is edited."""

from __future__ import annotations

import os
import sys
import time
import tomllib

import pytest

from station.config import write_demo_config
from tests.installer.helpers import load_installer_module

smoke = load_installer_module("smoke")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.skipif(os.name != "posix", reason="process groups")
def test_an_overrunning_child_is_killed_with_its_own_children(tmp_path):
    pid_file = tmp_path / "grandchild.pid"
    code = (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
        "time.sleep(60)\n"
    )
    started = time.monotonic()
    with pytest.raises(smoke.SmokeFailure, match="still running after 2 s"):
        smoke.run_process([sys.executable, "-c", code], dict(os.environ), timeout=2)
    assert time.monotonic() - started < 30
    grandchild = int(pid_file.read_text())
    for _ in range(50):
        if not _alive(grandchild):
            break
        time.sleep(0.1)
    assert not _alive(grandchild)


def test_a_failed_step_names_it_with_the_exit_code_and_the_output_tail():
    done = smoke.run_process(
        [sys.executable, "-c", "import sys; print('dead end', file=sys.stderr); sys.exit(3)"],
        dict(os.environ),
        timeout=60,
    )
    with pytest.raises(smoke.SmokeFailure, match=r"(?s)upload: exit code 3, wanted 0:.*dead end"):
        smoke.expect(done, 0, "upload")


def test_the_province_table_of_a_written_configuration_is_pointed_at_the_receiver(tmp_path):
    config = tmp_path / "station.toml"
    write_demo_config(config)
    key_file = "C:\\ProgramData\\overload-station\\keys\\province.key"  # backslashes survive
    smoke.point_at(config, {"url": "https://127.0.0.1:8443/zc/v1", "key_file": key_file})
    data = tomllib.loads(config.read_text(encoding="utf-8"))
    assert data["province"]["url"] == "https://127.0.0.1:8443/zc/v1"
    assert data["province"]["key_file"] == key_file
    assert data["database"]["url"] == "", "only the [province] table changes"


def test_a_configuration_without_the_keys_is_a_named_failure(tmp_path):
    config = tmp_path / "station.toml"
    config.write_text('[station]\nurl = ""\n[province]\nurl = ""\n', encoding="utf-8")
    with pytest.raises(smoke.SmokeFailure, match=r"no \[province\] line for \['ca_file'\]"):
        smoke.point_at(config, {"url": "https://127.0.0.1:1/zc/v1", "ca_file": "ca.pem"})
