"""`python main.py config --write-demo PATH [--force]`."""

from __future__ import annotations

import subprocess
from pathlib import Path

from station.config import demo_config_text, load_config
from tests.support import cli


def run_main(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return cli.run_main(cli.user_env(tmp_path), *args)


def test_write_demo_refuses_to_overwrite_unless_forced(tmp_path: Path) -> None:
    path = tmp_path / "new" / "station.toml"

    written = run_main(tmp_path, "config", "--write-demo", str(path))

    assert written.returncode == 0, written.stderr
    assert f"wrote demo configuration to {path}" in written.stdout
    assert path.read_text(encoding="utf-8") == demo_config_text()
    config = load_config(path)
    assert config.station.site_code == "410102210001"
    assert [lane.number for lane in config.lanes] == [1, 2]

    edited = path.read_text(encoding="utf-8") + "# edited by hand\n"
    path.write_text(edited, encoding="utf-8")

    refused = run_main(tmp_path, "config", "--write-demo", str(path))

    assert refused.returncode == 2
    assert refused.stdout == ""
    message = refused.stderr.strip()
    assert len(message.splitlines()) == 1
    assert message.startswith(f"config: {path}: file already exists")
    assert path.read_text(encoding="utf-8") == edited
    assert [p.name for p in path.parent.iterdir()] == ["station.toml"]  # no temporary left

    forced = run_main(tmp_path, "config", "--write-demo", str(path), "--force")

    assert forced.returncode == 0, forced.stderr
    assert path.read_text(encoding="utf-8") == demo_config_text()
