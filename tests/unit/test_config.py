"""Station configuration file: parsing, validation with file/line/key errors, demo file."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from station import config
from station.config import (
    ConfigError,
    SecuritySection,
    default_config,
    demo_config_text,
    load_config,
    parse_config,
    write_demo_config,
)
from station.domain.penalty import BandEnd, FineRounding, PenaltyPolicy

STATION = '[station]\nsite_code = "410102210001"\nname = "测试站"\n'
LANE = '\n[[lanes]]\nnumber = 1\nmode = "AXLE"\n'
DEVICE = '\n[[lanes.devices]]\nid = "d1"\nkind = "scale"\ndriver = "simulator"\nport = "COM3"\n'
MARK = "# HERE"


def _write(folder: Path, text: str, name: str = "station.toml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _marked_line(text: str) -> int:
    """1-based number of the single line carrying the marker comment."""
    lines = [n for n, line in enumerate(text.split("\n"), start=1) if MARK in line]
    assert len(lines) == 1, "test text must mark exactly one line"
    return lines[0]


def _error(folder: Path, text: str) -> tuple[ConfigError, Path]:
    path = _write(folder, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return info.value, path


# --------------------------------------------------------------------------- demo file


def test_demo_text_parses_to_the_demo_station():
    cfg = parse_config(demo_config_text())
    assert cfg.station.site_code == "410102210001"
    assert cfg.station.name == "示例超限检测站"
    assert cfg.station.language == "zh_CN"
    assert [(lane.number, lane.mode) for lane in cfg.lanes] == [(1, "AXLE"), (2, "STATIC")]
    lane1, lane2 = cfg.lanes
    assert [(d.id, d.kind) for d in lane1.devices] == [
        ("lane1-axle-scale", "axle_scale"),
        ("lane1-camera", "camera"),
        ("lane1-io", "io"),
        ("lane1-sign", "sign"),
    ]
    assert [d.kind for d in lane2.devices] == ["scale", "camera"]
    assert lane2.devices[0].id == "lane2-platform"
    scale = lane1.devices[0]
    assert (scale.driver, scale.port, scale.simulate) == (
        "yaohua-tf0",
        "socket://127.0.0.1:47011",
        True,
    )
    assert all(d.simulate for lane in cfg.lanes for d in lane.devices)
    assert lane1.devices[2].options == {"map": "adam-6050"}
    assert cfg.database.url.startswith("sqlite:///")
    assert cfg.database.url.endswith("/station.sqlite3")
    assert cfg.province.url == ""
    assert not cfg.province.upload_enabled
    assert cfg.policy == PenaltyPolicy()
    assert cfg.security == SecuritySection()


def test_demo_text_documents_every_key():
    text = demo_config_text()
    lines = text.split("\n")
    value_lines = [i for i, line in enumerate(lines) if re.match(r"[a-z_]+ = ", line)]
    assert value_lines
    for index in value_lines:
        assert lines[index - 1].startswith("# "), f"no comment above {lines[index]!r}"
    for table in (*config.SECTIONS, config.LANE_TABLE, config.DEVICE_TABLE):
        for field in table.fields:
            if field.name not in ("devices", "options", "signals"):
                assert f"\n{field.name} = " in text, field.name
    assert all(f"[lanes.signals.{step}]" in text for step in config.SIGNAL_STEPS)
    assert "[lanes.devices.options]" in text
    assert '# Example: url = "https://' in text


def test_demo_file_round_trips_through_write_and_load(tmp_path):
    path = tmp_path / "nested" / "folder" / "station.toml"
    write_demo_config(path)
    assert path.read_text(encoding="utf-8") == demo_config_text()
    loaded = load_config(path)
    assert loaded.path == path
    assert loaded == parse_config(demo_config_text(), path)
    assert sorted(p.name for p in path.parent.iterdir()) == ["station.toml"]


def test_write_demo_config_refuses_to_overwrite(tmp_path):
    path = _write(tmp_path, "# my own settings\n")
    with pytest.raises(ConfigError, match="already exists") as info:
        write_demo_config(path)
    assert info.value.path == path
    assert path.read_text(encoding="utf-8") == "# my own settings\n"


def test_write_demo_config_overwrites_when_asked(tmp_path):
    path = _write(tmp_path, "# my own settings\n")
    write_demo_config(path, overwrite=True)
    assert path.read_text(encoding="utf-8") == demo_config_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["station.toml"]


# --------------------------------------------------------------------------- reading files


def test_missing_file_given_explicitly_names_the_file(tmp_path):
    path = tmp_path / "absent.toml"
    with pytest.raises(ConfigError, match="not found") as info:
        load_config(path)
    assert info.value.path == path
    assert str(info.value).startswith(f"{path}: ")


def test_toml_syntax_error_gives_file_and_line(tmp_path):
    text = STATION + "\n[database]\nurl = \nbackup_dir = 'x'\n".replace("url = ", f"url = {MARK}")
    error, path = _error(tmp_path, text)
    assert error.line == _marked_line(text) == 6
    assert error.path == path
    assert error.key == ""
    assert str(error).startswith(f"{path}:6: invalid TOML: ")
    assert "(at line" not in str(error)


def test_toml_error_at_end_of_document_points_at_last_line(tmp_path):
    text = STATION + 'note = """never closed\n\n'
    error, _ = _error(tmp_path, text)
    assert error.line == text.count("\n") + 1
    assert "end of file" in error.problem


def test_utf8_with_bom_is_accepted(tmp_path):
    path = tmp_path / "station.toml"
    path.write_bytes(b"\xef\xbb\xbf" + STATION.encode("utf-8"))
    assert load_config(path).station.name == "测试站"


def test_non_utf8_file_is_an_error(tmp_path):
    path = tmp_path / "station.toml"
    path.write_bytes(STATION.encode("gbk"))
    with pytest.raises(ConfigError, match="UTF-8") as info:
        load_config(path)
    assert info.value.path == path


def test_minimal_file_takes_every_default(tmp_path, monkeypatch):
    monkeypatch.setenv("STATION_DATA_DIR", str(tmp_path / "data"))
    cfg = load_config(_write(tmp_path, STATION))
    assert cfg.data_dir == tmp_path / "data"
    assert cfg.database.url == f"sqlite:///{(tmp_path / 'data').as_posix()}/station.sqlite3"
    assert cfg.database.backup_dir == tmp_path / "data" / "backups"
    assert cfg.policy == PenaltyPolicy()
    assert cfg.security == SecuritySection(10, 5, 15)
    assert cfg.province.upload_time == "02:00"
    assert cfg.province.ca_file is None
    assert cfg.extra_limit_tables == cfg.extra_penalty_tables == ()
    assert cfg.lanes == ()


def test_lane_and_device_defaults_and_options(tmp_path):
    text = (
        STATION
        + "\n[[lanes]]\nnumber = 3\n"
        + DEVICE
        + "[lanes.devices.options]\nbaudrate = 9600\nframe = { start = 2, end = 3 }\n"
    )
    lane = load_config(_write(tmp_path, text)).lanes[0]
    assert (lane.number, lane.direction, lane.mode, lane.name) == (3, 0, "STATIC", "3号车道")
    device = lane.devices[0]
    assert device.simulate is False
    assert device.port == "COM3"
    assert device.options == {"baudrate": 9600, "frame": {"start": 2, "end": 3}}
    assert type(device.options) is dict


def test_policy_values_are_converted(tmp_path):
    text = STATION + (
        '[policy]\nfine_rounding = "proportional"\ntolerance_kg = 200\n'
        'tolerance_percent = "2.5"\ndimension_fine = "min"\n'
    )
    policy = load_config(_write(tmp_path, text)).policy
    assert policy == PenaltyPolicy(FineRounding.PROPORTIONAL, 200, Decimal("2.5"), BandEnd.MIN)


# --------------------------------------------------------------------------- bad values

BAD = [
    # station
    (
        '[station]\nsite_code = "41010221000"  # HERE\nname = "x"\n',
        "station.site_code",
        "GB/T 2260",
    ),
    ('[station]\nsite_code = "410102220001"  # HERE\nname = "x"\n', "station.site_code", '"21"'),
    (
        '[station]\nsite_code = 410102210001  # HERE\nname = "x"\n',
        "station.site_code",
        "must be a string; got the integer 410102210001",
    ),
    (
        '[station]\nsite_code = "410102210001"\nname = "  "  # HERE\n',
        "station.name",
        "must not be empty",
    ),
    (
        STATION + 'language = "fr"  # HERE\n',
        "station.language",
        "'fr' is not allowed; allowed: zh_CN, en",
    ),
    ('[station]  # HERE\nname = "x"\n', "station.site_code", "missing required key in [station]"),
    ("[policy]  # HERE\ntolerance_kg = 1\n", "station.site_code", "missing required key"),
    (
        STATION + "foo = 1  # HERE\n",
        "station.foo",
        "unknown key 'foo' in [station]; allowed: site_code, name, language",
    ),
    ("foo = 1  # HERE\n" + STATION, "foo", "unknown key 'foo' at the top level; allowed: station"),
    ('station = "x"  # HERE\n', "station", "must be a table"),
    (
        'station.language = "fr"  # HERE\nstation.site_code = "410102210001"\nstation.name = "x"\n',
        "station.language",
        "'fr' is not allowed",
    ),
    (
        '[station]\nsite_code = "410102210001"\nname = "x"\n"language" = "xx"  # HERE\n',
        "station.language",
        "'xx' is not allowed",
    ),
    # database and storage
    (
        STATION + '[database]\nurl = "mysql://u@h/db"  # HERE\n',
        "database.url",
        "'mysql://u@h/db' is not allowed; allowed: \"\"",
    ),
    (
        STATION + "[database]\nbackup_dir = 5  # HERE\n",
        "database.backup_dir",
        "must be a string; got the integer 5",
    ),
    (
        STATION + "[storage]\ndata_dir = true  # HERE\n",
        "storage.data_dir",
        "must be a string; got true",
    ),
    # rules
    (
        STATION + '[rules]\nextra_limit_tables = ["no-such-folder"]  # HERE\n',
        "rules.extra_limit_tables[0]",
        "folder not found",
    ),
    (
        STATION + '[rules]\nextra_penalty_tables = "tables"  # HERE\n',
        "rules.extra_penalty_tables",
        "must be an array",
    ),
    (
        STATION + "[rules]\nextra_limit_tables = [  # HERE\n  1,\n]\n",
        "rules.extra_limit_tables[0]",
        "must be a non-empty string",
    ),
    # policy
    (
        STATION + '[policy]\nfine_rounding = "round"  # HERE\n',
        "policy.fine_rounding",
        "'round' is not allowed; allowed: per_full_1000kg, per_started_1000kg, proportional",
    ),
    (STATION + "[policy]\ntolerance_kg = -1  # HERE\n", "policy.tolerance_kg", ">= 0"),
    (
        STATION + "[policy]\ntolerance_kg = 1.5  # HERE\n",
        "policy.tolerance_kg",
        "must be an integer; got the float 1.5",
    ),
    (
        STATION + "[policy]\ntolerance_kg = true  # HERE\n",
        "policy.tolerance_kg",
        "must be an integer; got true",
    ),
    (
        STATION + "[policy]\ntolerance_percent = 5  # HERE\n",
        "policy.tolerance_percent",
        "must be a string",
    ),
    (
        STATION + '[policy]\ntolerance_percent = "101"  # HERE\n',
        "policy.tolerance_percent",
        "between 0 and 100",
    ),
    (
        STATION + '[policy]\ntolerance_percent = "abc"  # HERE\n',
        "policy.tolerance_percent",
        "not a decimal number",
    ),
    (
        STATION + '[policy]\ndimension_fine = "avg"  # HERE\n',
        "policy.dimension_fine",
        "'avg' is not allowed; allowed: max, min",
    ),
    # security
    (
        STATION + "[security]\npassword_min_length = 0  # HERE\n",
        "security.password_min_length",
        "must be a positive integer",
    ),
    (
        STATION + "[security]\nmax_failed_logins = -3  # HERE\n",
        "security.max_failed_logins",
        "must be a positive integer",
    ),
    (
        STATION + "[security]\nlockout_minutes = 2.0  # HERE\n",
        "security.lockout_minutes",
        "must be an integer",
    ),
    (
        STATION + "[security]\nlockout = 2  # HERE\n",
        "security.lockout",
        "unknown key 'lockout' in [security]",
    ),
    # province
    (
        STATION + '[province]\nurl = "http://example.com/api"  # HERE\n',
        "province.url",
        'is not allowed; allowed: "" (upload disabled), an https:// URL',
    ),
    (
        STATION + '[province]\nurl = "ftp://127.0.0.1/"  # HERE\n',
        "province.url",
        "is not allowed",
    ),
    (
        STATION + '[province]\nurl = "https://"  # HERE\n',
        "province.url",
        "is not allowed",
    ),
    (
        STATION + '[province]\nca_file = "missing.pem"  # HERE\n',
        "province.ca_file",
        "file not found",
    ),
    (
        STATION + '[province]\nkey_file = "keys/station.key"  # HERE\n',
        "province.key_file",
        "file not found",
    ),
    (
        STATION + '[province]\nsite_code = "410102210002"  # HERE\n',
        "province.site_code",
        "differs from [station] site_code",
    ),
    (STATION + '[province]\nsite_code = "4101"  # HERE\n', "province.site_code", "not a valid"),
    (STATION + "[province]\nbatch_size = 201  # HERE\n", "province.batch_size", "1 to 200"),
    (STATION + "[province]\nbatch_size = 0  # HERE\n", "province.batch_size", "1 to 200"),
    (STATION + "[province]\ntimeout_s = 0  # HERE\n", "province.timeout_s", "1 to 600"),
    (
        STATION + '[province]\nclient_cert = "c.pem"  # HERE\n',
        "province.client_cert",
        "file not found",
    ),
    (STATION + '[province]\nupload_time = "24:00"  # HERE\n', "province.upload_time", "HH:MM"),
    (STATION + '[province]\nupload_time = "2:00"  # HERE\n', "province.upload_time", "HH:MM"),
    # lanes
    ("lanes = 3  # HERE\n" + STATION, "lanes", "must be an array of tables ([[lanes]])"),
    (
        STATION + "\n[[lanes]]\nnumber = 0  # HERE\n",
        "lanes[0].number",
        "must be a positive integer",
    ),
    (
        STATION + LANE + '\n[[lanes]]  # HERE\nmode = "AXLE"\n',
        "lanes[1].number",
        "missing required key in [[lanes]]",
    ),
    (
        STATION + LANE + "direction = 2  # HERE\n",
        "lanes[0].direction",
        "2 is not allowed; allowed: 0 (上行, up) or 1 (下行, down)",
    ),
    (STATION + LANE + "name = 3  # HERE\n", "lanes[0].name", "must be a string"),
    (
        STATION + LANE + "speed = 3  # HERE\n",
        "lanes[0].speed",
        "unknown key 'speed' in [[lanes]]; allowed: number, direction, mode, name, devices",
    ),
    (
        STATION + LANE + '\n[[lanes]]\nnumber = 2\n"mode" = "FOO"  # HERE\n',
        "lanes[1].mode",
        "'FOO' is not allowed; allowed: STATIC, AXLE, WIM",
    ),
    # devices
    (
        STATION + LANE + DEVICE.replace('"scale"', f'"laser"  {MARK}'),
        "lanes[0].devices[0].kind",
        "'laser' is not allowed; allowed: scale, axle_scale, wim, camera, io, sign, other",
    ),
    (
        STATION + LANE + DEVICE.replace('driver = "simulator"', f'driver = ""  {MARK}'),
        "lanes[0].devices[0].driver",
        "must not be empty",
    ),
    (
        STATION + LANE + DEVICE.replace('"COM3"', f'""  {MARK}'),
        "lanes[0].devices[0].port",
        "must not be empty unless simulate = true",
    ),
    (
        STATION
        + LANE
        + DEVICE.replace('port = "COM3"\n', "").replace(
            "[[lanes.devices]]", f"[[lanes.devices]]  {MARK}"
        ),
        "lanes[0].devices[0].port",
        "must not be empty unless simulate = true",
    ),
    (
        STATION + LANE + DEVICE.replace('"COM3"', f'"ttyUSB0"  {MARK}'),
        "lanes[0].devices[0].port",
        "'ttyUSB0' is not allowed; allowed: a serial device path",
    ),
    (
        STATION + LANE + DEVICE + f'simulate = "yes"  {MARK}\n',
        "lanes[0].devices[0].simulate",
        "must be true or false; got the string 'yes'",
    ),
    (
        STATION + LANE + DEVICE + f"options = 3  {MARK}\n",
        "lanes[0].devices[0].options",
        "must be a table",
    ),
    (
        STATION + LANE + DEVICE + f"baud = 9600  {MARK}\n",
        "lanes[0].devices[0].baud",
        "unknown key 'baud' in [[lanes.devices]]; "
        "allowed: id, kind, driver, port, simulate, options",
    ),
    (
        STATION
        + LANE
        + DEVICE.replace('id = "d1"\n', "").replace(
            "[[lanes.devices]]", f"[[lanes.devices]]  {MARK}"
        ),
        "lanes[0].devices[0].id",
        "missing required key in [[lanes.devices]]",
    ),
    (
        STATION + LANE + DEVICE.replace('"d1"', f'""  {MARK}'),
        "lanes[0].devices[0].id",
        "must not be empty",
    ),
    (
        STATION + LANE + f'devices = [{{ id = "x", kind = "bad", driver = "s" }}]  {MARK}\n',
        "lanes[0].devices[0].kind",
        "'bad' is not allowed",
    ),
    (
        STATION
        + LANE
        + DEVICE
        + "[lanes.devices.options]\nkind = 'ignored'\n"
        + DEVICE.replace('"d1"', '"d2"').replace('"scale"', f'"scanner"  {MARK}'),
        "lanes[0].devices[1].kind",
        "'scanner' is not allowed",
    ),
    (
        STATION
        + LANE
        + DEVICE
        + "\n[[lanes]]\nnumber = 2\n"
        + DEVICE.replace('"d1"', '"d2"')
        + DEVICE.replace('"d1"', '"d3"').replace('"COM3"', f'"COM0"  {MARK}'),
        "lanes[1].devices[1].port",
        "'COM0' is not allowed",
    ),
]


@pytest.mark.parametrize(("text", "key", "problem"), BAD)
def test_bad_value_names_key_file_and_line(tmp_path, text, key, problem):
    error, path = _error(tmp_path, text)
    line = _marked_line(text)
    assert (error.key, error.line, error.path) == (key, line, path)
    assert problem in error.problem
    assert str(error) == f"{path}:{line}: {key}: {error.problem}"


def test_error_text_has_the_documented_form(tmp_path):
    text = STATION + LANE + f'\n[[lanes]]\nnumber = 2\nmode = "FOO"  {MARK}\n'
    error, path = _error(tmp_path, text)
    line = _marked_line(text)
    assert line == 11
    assert str(error) == (
        f"{path}:{line}: lanes[1].mode: 'FOO' is not allowed; allowed: STATIC, AXLE, WIM"
    )


def test_line_locator_skips_multiline_strings_arrays_and_comments(tmp_path):
    text = (
        STATION
        + LANE
        + DEVICE
        + (
            "[lanes.devices.options]\n"
            'note = """\n[[lanes]]\nmode = "x"\n"""\n'
            "lit = '''\n[station]\n'''\n"
            'arr = [\n  1, # ]\n  "]", [2,\n  3],\n]\n'
            "inline = { a = 1, b = [1, 2] }\n"
            "# [[lanes]]\n"
            "\n[[lanes]]\nnumber = 2\n"
            f'mode = "FOO"  {MARK}\n'
        )
    )
    error, _ = _error(tmp_path, text)
    assert (error.key, error.line) == ("lanes[1].mode", _marked_line(text))


def test_locator_maps_paths_to_lines_directly():
    text = (
        "top = 1\n"  # 1
        "[a]\n"  # 2
        "arr = [\n"  # 3
        "  [1, 2],\n"  # 4
        "  { c = 3 },\n"  # 5
        "]\n"  # 6
        "b = 'x = 1'  # c = 2\n"  # 7
        'inner.deep = """\n'  # 8
        "[[a.list]]\n"  # 9
        '"""\n'  # 10
        "[[ a . list ]]\n"  # 11
        '"dotted.key" = 1\n'  # 12
        "[[a.list]]\n"  # 13
        "[a.list.sub]\n"  # 14
        "v = 1\n"  # 15
    )
    locator = config._Locator(text)
    assert locator.line_of("top") == 1
    assert locator.line_of("a") == 2
    assert locator.line_of("a.arr") == 3
    assert locator.line_of("a.arr[1].c") == 3
    assert locator.line_of("a.b") == 7
    assert locator.line_of("a.c") == 2
    assert locator.line_of("a.inner") == locator.line_of("a.inner.deep") == 8
    assert locator.line_of("a.list") == locator.line_of("a.list[0]") == 11
    assert locator.line_of("a.list[0].dotted.key") == 12
    assert locator.line_of("a.list[1]") == 13
    assert locator.line_of("a.list[1].sub") == 14
    assert locator.line_of("a.list[1].sub.v") == 15
    assert locator.line_of("a.list[1].missing") == 13
    assert locator.line_of("elsewhere.key") == 1


def test_crlf_line_endings_keep_line_numbers(tmp_path):
    text = STATION + LANE + f"direction = 7  {MARK}\n"
    error, _ = _error(tmp_path, text.replace("\n", "\r\n"))
    assert (error.key, error.line) == ("lanes[0].direction", _marked_line(text))


def test_parse_config_without_path_still_gives_lines():
    text = STATION + f'language = "de"  {MARK}\n'
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    assert info.value.path is None
    assert info.value.line == _marked_line(text)
    assert str(info.value).startswith(f"<config>:{_marked_line(text)}: station.language: ")


# --------------------------------------------------------------------------- uniqueness


def test_duplicate_lane_number_points_at_second_occurrence(tmp_path):
    text = STATION + LANE + f"\n[[lanes]]\nnumber = 1  {MARK}\n"
    error, _ = _error(tmp_path, text)
    assert (error.key, error.line) == ("lanes[1].number", _marked_line(text))
    assert "lane number 1 is already used at lanes[0].number (line 6)" in error.problem


def test_duplicate_device_id_across_lanes_points_at_second_occurrence(tmp_path):
    second = DEVICE.replace('"d1"', f'"d1"  {MARK}')
    text = STATION + LANE + DEVICE + "\n[[lanes]]\nnumber = 2\n" + second
    error, _ = _error(tmp_path, text)
    assert (error.key, error.line) == ("lanes[1].devices[0].id", _marked_line(text))
    assert "device id 'd1' is already used at lanes[0].devices[0].id (line 10)" in error.problem


# --------------------------------------------------------------------------- paths


def test_relative_paths_resolve_against_the_config_folder(tmp_path, monkeypatch):
    folder = tmp_path / "etc"
    for sub in ("limits", "penalties", "certs"):
        (folder / sub).mkdir(parents=True)
    (folder / "certs" / "ca.pem").write_text("-", encoding="utf-8")
    (folder / "certs" / "station.key").write_text("-", encoding="utf-8")
    text = STATION + (
        '[storage]\ndata_dir = "data"\n'
        '[database]\nbackup_dir = "../backups"\n'
        '[rules]\nextra_limit_tables = ["limits"]\nextra_penalty_tables = ["./penalties"]\n'
        '[province]\nca_file = "certs/ca.pem"\nkey_file = "certs/station.key"\n'
    )
    _write(folder, text)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    cfg = load_config(Path("../etc/station.toml"))
    assert cfg.path is not None
    assert cfg.path.is_absolute()
    assert cfg.data_dir.resolve() == (folder / "data").resolve()
    assert cfg.database.backup_dir.resolve() == (tmp_path / "backups").resolve()
    assert [p.resolve() for p in cfg.extra_limit_tables] == [(folder / "limits").resolve()]
    assert [p.resolve() for p in cfg.extra_penalty_tables] == [(folder / "penalties").resolve()]
    assert cfg.province.ca_file is not None
    assert cfg.province.ca_file.resolve() == (folder / "certs" / "ca.pem").resolve()
    assert cfg.province.key_file is not None
    assert cfg.province.key_file.read_text(encoding="utf-8") == "-"
    assert cfg.database.url == f"sqlite:///{cfg.data_dir.as_posix()}/station.sqlite3"


def test_relative_sqlite_url_resolves_against_the_config_folder(tmp_path):
    text = STATION + '[database]\nurl = "sqlite:///db/station.sqlite3"\n'
    cfg = load_config(_write(tmp_path / "etc", text))
    assert cfg.database.url == f"sqlite:///{(tmp_path / 'etc' / 'db').as_posix()}/station.sqlite3"


def test_other_database_urls_are_kept(tmp_path):
    url = "postgresql+psycopg://station@db.local/station"
    cfg = load_config(_write(tmp_path, STATION + f'[database]\nurl = "{url}"\n'))
    assert cfg.database.url == url


# --------------------------------------------------------------------------- province URL


@pytest.mark.parametrize(
    "url",
    [
        "https://zhichao.example.gov.cn/api/",
        "http://127.0.0.1:8080/",
        "http://127.5.6.7/upload",
        "http://localhost/api",
        "http://[::1]:9000/x",
    ],
)
def test_https_and_loopback_http_are_allowed(tmp_path, url):
    cfg = load_config(_write(tmp_path, STATION + f'[province]\nurl = "{url}"\n'))
    assert cfg.province.url == url
    assert cfg.province.upload_enabled


@pytest.mark.parametrize(
    "url",
    [
        "http://192.168.1.10/api",
        "http://localhost.example.com/",
        "http://zhichao.example.gov.cn/",
        "http://[::1/",
    ],
)
def test_non_loopback_http_is_refused(tmp_path, url):
    text = STATION + f'[province]\nurl = "{url}"  {MARK}\n'
    error, _ = _error(tmp_path, text)
    assert (error.key, error.line) == ("province.url", _marked_line(text))
    assert "https://" in error.problem


# --------------------------------------------------------------------------- no file


def test_default_config_when_no_file_exists(tmp_path, monkeypatch):
    empty = tmp_path / "config"
    empty.mkdir()
    monkeypatch.setenv("STATION_CONFIG_DIR", str(empty))
    monkeypatch.setenv("STATION_DATA_DIR", str(tmp_path / "data"))
    cfg = load_config()
    assert cfg == default_config()
    assert cfg.path is None
    assert cfg.station.site_code == "000000210000"
    assert cfg.lanes == ()
    assert cfg.data_dir == tmp_path / "data"
    assert cfg.database.url == f"sqlite:///{(tmp_path / 'data').as_posix()}/station.sqlite3"
    assert cfg.province.url == ""
    assert cfg.policy == PenaltyPolicy()


def test_default_file_is_used_when_present(tmp_path, monkeypatch):
    monkeypatch.setenv("STATION_CONFIG_DIR", str(tmp_path))
    write_demo_config(tmp_path / "station.toml")
    cfg = load_config()
    assert cfg.path == tmp_path / "station.toml"
    assert cfg.station.site_code == "410102210001"
    assert len(cfg.lanes) == 2


# --------------------------------------------------------------------------- documentation


def test_reference_documents_every_key():
    text = (Path(__file__).parents[2] / "docs" / "configuration.md").read_text(encoding="utf-8")
    for table in (*config.SECTIONS, config.LANE_TABLE, config.DEVICE_TABLE):
        assert f"`{table.header}`" in text, table.header
        for field in table.fields:
            assert f"`{field.name}`" in text, f"{table.name}.{field.name}"


SIGNALS_BASE = """
[station]
site_code = "410102210001"
name = "站"

[[lanes]]
number = 1
[lanes.signals.{step}]
{body}
"""


def test_lane_signals_default_and_override():
    cfg = parse_config(SIGNALS_BASE.format(step="over", body='sign = "{plate} 请卸载"'))
    signals = cfg.lanes[0].signals
    assert signals["over"].sign == "{plate} 请卸载" and signals["over"].light == "red"
    assert signals["pass"] == config.DEFAULT_SIGNALS["pass"]


@pytest.mark.parametrize(
    ("step", "body", "message"),
    [
        ("over", 'barrier = "open"', "lanes[0].signals.over.barrier: the barrier opens only"),
        ("pass", 'light = "blue"', "lanes[0].signals.pass.light: 'blue' is not allowed"),
        ("pass", 'sign = "{weight}"', "unknown field {weight}"),
        ("exit", 'sign = "x"', "lanes[0].signals.exit: unknown step 'exit'"),
        ("idle", "colour = 1", "unknown key 'colour'"),
    ],
)
def test_lane_signals_errors_name_the_key(step, body, message):
    with pytest.raises(ConfigError) as caught:
        parse_config(SIGNALS_BASE.format(step=step, body=body))
    assert message in str(caught.value)
    assert caught.value.line is not None and caught.value.line >= 8


# --- [printing] ------------------------------------------------------------------------------


def test_printing_defaults_to_pdf_only():
    printing = parse_config(STATION).printing
    assert printing == config.PrintingSection()
    assert [printing.printer_for(kind) for kind in config.PRINT_KINDS] == ["", "", "", ""]
    assert printing.offset_of("PDF") == (0.0, 0.0)


def test_printing_printers_and_offsets_are_read():
    text = STATION + (
        '\n[printing]\nticket_printer = "Receipt-A5"\nsheet_printer = "PDF"\n'
        '\n[printing.offsets]\n"Receipt-A5" = [2.5, -1]\nPDF = [-50, 50.0]\n'
    )
    printing = parse_config(text).printing
    assert printing.printer_for("ticket") == "Receipt-A5"
    assert printing.printer_for("sheet") == "PDF"
    assert printing.printer_for("unload") == "" and printing.report_printer == ""
    assert printing.offset_of("Receipt-A5") == (2.5, -1.0)
    assert printing.offset_of("PDF") == (-50.0, 50.0)
    assert printing.offset_of("Other") == (0.0, 0.0)


PRINTING_BAD = [
    ('ticket_printer = "Receipt A5"', "printing.ticket_printer", "'Receipt A5' is not allowed"),
    ('sheet_printer = "a/b"', "printing.sheet_printer", "is not allowed"),
    ("unload_printer = 3", "printing.unload_printer", "must be a string"),
    ('fax_printer = "x"', "printing.fax_printer", "unknown key 'fax_printer'"),
    ("[printing.offsets]\nPDF = [50.5, 0]", "printing.offsets.PDF", "50.5 mm is out of range"),
    ("[printing.offsets]\nPDF = [0, -51]", "printing.offsets.PDF", "-51 mm is out of range"),
    ("[printing.offsets]\nPDF = [1]", "printing.offsets.PDF", "must be [x_mm, y_mm]"),
    ('[printing.offsets]\nPDF = ["1", 2]', "printing.offsets.PDF", "must be [x_mm, y_mm]"),
    ("[printing.offsets]\nPDF = [true, 2]", "printing.offsets.PDF", "must be [x_mm, y_mm]"),
    ('[printing.offsets]\n"A B" = [1, 2]', "printing.offsets.A B", "is not allowed"),
]


@pytest.mark.parametrize(("body", "key", "problem"), PRINTING_BAD)
def test_printing_errors_name_file_line_and_key(tmp_path, body, key, problem):
    text = STATION + "\n[printing]\n" + body + f"  {MARK}\n"
    error, path = _error(tmp_path, text)
    assert (error.key, error.line, error.path) == (key, _marked_line(text), path)
    assert problem in error.problem
    assert "allowed" in error.problem or "must be" in error.problem


def test_demo_text_has_the_printing_section():
    text = demo_config_text()
    assert "\n[printing]\n" in text and "\nsheet_printer = " in text
    assert "[printing.offsets]" in text  # the example in the comment
    assert parse_config(text).printing == config.PrintingSection()
