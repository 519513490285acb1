"""Operators and roles: first-run admin, login, lockout, password change, audited privileges."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from station.security import LoginPolicy, Role, WeakPassword
from station.storage.accounts import (
    LoginRefused,
    PermissionDenied,
    authenticate,
    change_password,
    create_operator,
    ensure_admin,
)
from station.storage.models import AuditEvent, Operator
from station.storage.verify import verify_database
from tests.support.factory import Station

POLICY = LoginPolicy(password_min_length=10, max_failed_logins=3, lockout_minutes=15)


def audit_actions(station: Station) -> list[tuple[str, str, dict]]:
    with station.database.read() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    return [(e.actor, e.action, json.loads(e.body)["detail"]) for e in events]


def admin_with_password(station: Station, password: str = "Station-2026-ok") -> str:
    first = ensure_admin(station.database)
    assert first is not None
    change_password(station.database, "admin", first, password, POLICY)
    return password


def test_first_run_creates_one_admin_who_must_change_the_password(station: Station) -> None:
    password = ensure_admin(station.database)
    assert password is not None and len(password) >= 12
    assert ensure_admin(station.database) is None, "only the first run creates the admin"
    signed_in = authenticate(station.database, "admin", password, POLICY)
    assert signed_in.role is Role.ADMIN and signed_in.must_change_password
    with station.database.read() as session:
        stored = session.execute(select(Operator.password_hash)).scalar_one()
    assert password not in stored and stored.startswith("scrypt$")
    assert [a[1] for a in audit_actions(station)] == ["ADMIN_CREATED", "LOGIN"]


def test_changing_the_password_clears_the_forced_change(station: Station) -> None:
    new = admin_with_password(station)
    signed_in = authenticate(station.database, "admin", new, POLICY)
    assert not signed_in.must_change_password
    assert "PASSWORD_CHANGED" in [a[1] for a in audit_actions(station)]


@pytest.mark.parametrize(
    ("password", "problem"),
    [("short1", "at least 10"), ("onlyletterslong", "letters and digits"),
     ("1234567890123", "letters and digits"), ("my-admin-pass-1", "login name")],
)  # fmt: skip
def test_weak_passwords_are_refused(station: Station, password: str, problem: str) -> None:
    first = ensure_admin(station.database)
    assert first is not None
    with pytest.raises(WeakPassword, match=problem):
        change_password(station.database, "admin", first, password, POLICY)


def test_failed_logins_are_audited_and_lock_the_account(station: Station) -> None:
    good = admin_with_password(station)
    for _ in range(POLICY.max_failed_logins):
        with pytest.raises(LoginRefused) as refused:
            authenticate(station.database, "admin", "wrong-password-1", POLICY)
        assert refused.value.reason == "wrong password"
    with pytest.raises(LoginRefused) as locked:
        authenticate(station.database, "admin", good, POLICY)
    assert locked.value.reason == "account locked"
    actions = [a[1] for a in audit_actions(station)]
    assert actions.count("LOGIN_FAILED") == POLICY.max_failed_logins + 1
    assert actions.count("ACCOUNT_LOCKED") == 1
    assert str(locked.value) == "login name or password is wrong, or the account is locked"


def test_an_unknown_login_is_audited_without_revealing_it(station: Station) -> None:
    with pytest.raises(LoginRefused) as refused:
        authenticate(station.database, "ghost", "whatever-123", POLICY)
    assert refused.value.reason == "unknown login"
    assert ("ghost", "LOGIN_FAILED", {"reason": "unknown login"}) in audit_actions(station)


def test_only_an_admin_creates_operators_and_refusals_are_audited(station: Station) -> None:
    admin_with_password(station)
    create_operator(
        station.database, "admin", login="wang", display_name="王工", role=Role.OPERATOR,
        password="Weigh-2026-abc", policy=POLICY,
    )  # fmt: skip
    signed_in = authenticate(station.database, "wang", "Weigh-2026-abc", POLICY)
    assert signed_in.role is Role.OPERATOR and signed_in.must_change_password
    with pytest.raises(PermissionDenied):
        create_operator(
            station.database, "wang", login="li", display_name="李", role=Role.ADMIN,
            password="Sneaky-2026-abc", policy=POLICY,
        )  # fmt: skip
    actions = audit_actions(station)
    assert ("admin", "USER_CREATED", {"login": "wang", "role": "operator"}) in actions
    assert ("wang", "PERMISSION_DENIED", {"permission": "manage_users"}) in actions
    with station.database.read() as session:
        assert session.scalars(select(Operator.login)).all() == ["admin", "wang"]


def test_the_audit_log_is_a_verified_chain(station: Station) -> None:
    admin_with_password(station)
    with pytest.raises(LoginRefused):
        authenticate(station.database, "admin", "nope-nope-1", POLICY)
    report = verify_database(station.database, None)
    assert report.ok and report.audit_events == len(audit_actions(station)) == 3
