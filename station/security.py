"""Roles, permissions and password hashing (scrypt, a memory-hard KDF from the standard library)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum

# scrypt cost: 2**15 x 8 x 128 bytes = 32 MiB per hash, ~0.1 s on a station PC;
# raise N in a new scheme string when PCs get faster (needs_rehash notices it).
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
SCHEME = "scrypt"


class Role(StrEnum):
    OPERATOR = "operator"
    TECHNICIAN = "technician"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Permission(StrEnum):
    WEIGH = "weigh"
    PRINT_ENFORCEMENT = "print_enforcement"
    CLOSE_CASE = "close_case"
    VOID_RECORD = "void_record"
    OVERRIDE_RELEASE = "override_release"
    CALIBRATE = "calibrate"
    MANAGE_CERTIFICATES = "manage_certificates"
    MANAGE_USERS = "manage_users"
    CONFIGURE = "configure"
    VIEW_AUDIT = "view_audit"
    UPLOAD_NOW = "upload_now"


_OPERATOR = {
    Permission.WEIGH,
    Permission.PRINT_ENFORCEMENT,
    Permission.CLOSE_CASE,
    Permission.UPLOAD_NOW,
}
_TECHNICIAN = {Permission.CALIBRATE, Permission.MANAGE_CERTIFICATES}
_SUPERVISOR = _OPERATOR | {
    Permission.VOID_RECORD,
    Permission.OVERRIDE_RELEASE,
    Permission.VIEW_AUDIT,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OPERATOR: frozenset(_OPERATOR),
    Role.TECHNICIAN: frozenset(_TECHNICIAN),
    Role.SUPERVISOR: frozenset(_SUPERVISOR),
    Role.ADMIN: frozenset(Permission),
}


def allowed(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    password_min_length: int = 10
    max_failed_logins: int = 5
    lockout_minutes: int = 15


class WeakPassword(ValueError):
    """The new password does not meet the policy; the message says how."""


def check_password_policy(password: str, policy: LoginPolicy, login: str = "") -> None:
    if len(password) < policy.password_min_length:
        raise WeakPassword(f"the password needs at least {policy.password_min_length} characters")
    if password.isdigit() or password.isalpha():
        raise WeakPassword("the password needs both letters and digits or symbols")
    if login and login.lower() in password.lower():
        raise WeakPassword("the password must not contain the login name")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=256 * n * r + 2**20, dklen=32
    )


def hash_password(password: str) -> str:
    """Return `scrypt$N$r$p$salt$hash`, salt and hash in unpadded base64."""
    salt = secrets.token_bytes(16)
    digest = _derive(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"{SCHEME}${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, encoded: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = encoded.split("$")
        if scheme != SCHEME:
            return False
        candidate = _derive(password, _unb64(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(candidate, _unb64(digest))


def needs_rehash(encoded: str) -> bool:
    return not encoded.startswith(f"{SCHEME}${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}$")


def new_initial_password() -> str:
    """A one-time password for the first admin, shown once and changed at first login."""
    return secrets.token_urlsafe(12)
