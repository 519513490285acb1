"""The province key file: refused when others can read it, or when it is not a 64-hex key."""

from __future__ import annotations

import os
import secrets

import pytest

from station.upload.keys import KeyFileError, load_key

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")


def _key_file(tmp_path, text: str, mode: int = 0o600):
    path = tmp_path / "station.key"
    path.write_text(text, encoding="ascii")
    path.chmod(mode)
    return path


def test_a_private_key_file_gives_the_32_raw_bytes(tmp_path):
    secret = secrets.token_hex(32)
    assert load_key(_key_file(tmp_path, secret + "\n")) == bytes.fromhex(secret)


@posix_only
@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660])
def test_a_key_file_others_can_read_is_refused_and_says_how_to_fix_it(tmp_path, mode):
    secret = secrets.token_hex(32)
    path = _key_file(tmp_path, secret, mode)
    with pytest.raises(KeyFileError) as error:
        load_key(path)
    message = str(error.value)
    assert f"{mode:03o}" in message and "chmod 600" in message
    assert secret not in message


@pytest.mark.parametrize(
    "text",
    ["", "abc", "zz" * 32, secrets.token_hex(31), secrets.token_hex(33)],
    ids=["empty", "short", "not-hex", "31-bytes", "33-bytes"],  # one name on every worker
)
def test_a_file_without_a_64_hex_key_is_refused_without_echoing_it(tmp_path, text):
    with pytest.raises(KeyFileError, match="64 hex characters") as error:
        load_key(_key_file(tmp_path, text))
    if text:
        assert text not in str(error.value)


def test_missing_or_unset_key_file_is_a_clear_error(tmp_path):
    with pytest.raises(KeyFileError, match="not found"):
        load_key(tmp_path / "nope.key")
    with pytest.raises(KeyFileError, match="key_file is empty"):
        load_key(None)
