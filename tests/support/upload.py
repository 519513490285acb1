"""A station configured to upload to a receiver: its key file and its TOML."""

from __future__ import annotations

from pathlib import Path

from tests.support.factory import SITE


def write_key(folder: Path, key: bytes) -> Path:
    path = folder / "station.key"
    path.write_text(key.hex() + "\n", encoding="ascii")
    path.chmod(0o600)
    return path


def station_toml(folder: Path, url: str, key_file: Path, ca_file: Path | None, **more) -> Path:
    lines = [
        "[station]",
        f'site_code = "{SITE}"',
        'name = "测试检测站"',
        "[storage]",
        f'data_dir = "{folder.as_posix()}"',
        "[province]",
        f'url = "{url}"',
        f'key_file = "{key_file.as_posix()}"',
    ]
    if ca_file is not None:
        lines.append(f'ca_file = "{ca_file.as_posix()}"')
    lines += [f"{name} = {value!r}" if isinstance(value, int) else f'{name} = "{value}"'
              for name, value in more.items()]  # fmt: skip
    path = folder / "station.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
