"""Password hashing and role permissions."""

from __future__ import annotations

import pytest

from station.security import (
    Permission,
    Role,
    allowed,
    hash_password,
    needs_rehash,
    verify_password,
)


def test_hash_verifies_only_the_right_password() -> None:
    encoded = hash_password("Weigh-2026-中文")
    assert verify_password("Weigh-2026-中文", encoded)
    assert not verify_password("Weigh-2026-中", encoded)
    assert not needs_rehash(encoded)


def test_two_hashes_of_one_password_differ() -> None:
    assert hash_password("Same-pass-123") != hash_password("Same-pass-123")


@pytest.mark.parametrize("broken", ["", "plain", "bcrypt$1$2$3$4$5", "scrypt$x$8$1$AAAA$BBBB"])
def test_malformed_hashes_never_verify(broken: str) -> None:
    assert not verify_password("anything", broken)


def test_a_changed_hash_does_not_verify() -> None:
    encoded = hash_password("Weigh-2026-ok")
    head, digest = encoded.rsplit("$", 1)
    flipped = ("A" if digest[0] != "A" else "B") + digest[1:]
    assert not verify_password("Weigh-2026-ok", f"{head}${flipped}")


def test_weaker_parameters_ask_for_a_rehash() -> None:
    assert needs_rehash("scrypt$1024$8$1$AAAA$BBBB")


@pytest.mark.parametrize(
    ("role", "permission", "expected"),
    [
        (Role.OPERATOR, Permission.WEIGH, True),
        (Role.OPERATOR, Permission.VOID_RECORD, False),
        (Role.OPERATOR, Permission.CALIBRATE, False),
        (Role.TECHNICIAN, Permission.CALIBRATE, True),
        (Role.TECHNICIAN, Permission.PRINT_ENFORCEMENT, False),
        (Role.SUPERVISOR, Permission.VOID_RECORD, True),
        (Role.SUPERVISOR, Permission.OVERRIDE_RELEASE, True),
        (Role.SUPERVISOR, Permission.MANAGE_USERS, False),
        (Role.ADMIN, Permission.MANAGE_USERS, True),
    ],
)
def test_role_permissions(role: Role, permission: Permission, expected: bool) -> None:
    assert allowed(role, permission) is expected
