"""The station's secret key: 32 bytes handed over as 64 hex characters in a file.

The key signs every upload, so a copy lets anyone upload in the station's name. The
file must be readable by the station's account only; on POSIX systems a key file with
any group or other permission bits is refused. On Windows the permissions are ACLs that
`os.stat` does not show; the installer puts the key under ProgramData with an ACL
(issue 9), and this check is skipped. The key is never logged or shown.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

KEY_HEX_LENGTH = 64


class KeyFileError(Exception):
    """The key file is missing, readable by others, or does not hold a 64-hex key."""


def _check_private(path: Path, mode: int) -> None:
    if os.name != "posix":
        return
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(
            f"{path}: other users can access this key file (mode {stat.S_IMODE(mode):03o}); "
            f"allowed: readable by its owner only, e.g. `chmod 600 {path}`"
        )


def load_key(path: Path | None) -> bytes:
    """Read and check the key file named by `[province] key_file`."""
    if path is None:
        raise KeyFileError("[province] key_file is empty; the province's key file is needed")
    try:
        info = path.stat()
        _check_private(path, info.st_mode)
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise KeyFileError(f"{path}: key file not found") from None
    except UnicodeDecodeError:
        raise KeyFileError(f"{path}: not a text file of 64 hex characters") from None
    except OSError as exc:
        raise KeyFileError(f"{path}: cannot read the key file ({exc.strerror})") from None
    if len(text) != KEY_HEX_LENGTH or any(c not in "0123456789abcdefABCDEF" for c in text):
        # Say what is wrong without echoing any of the secret.
        raise KeyFileError(
            f"{path}: must hold exactly {KEY_HEX_LENGTH} hex characters (the 32-byte key); "
            f"found {len(text)} characters"
        )
    return bytes.fromhex(text)
