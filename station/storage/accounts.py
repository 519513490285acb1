"""Operators: first-run admin, login with lockout, password changes, privileged-action checks.

Every login, failed login, lockout and privileged action is written to the audit chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from station.security import (
    LoginPolicy,
    Permission,
    Role,
    allowed,
    check_password_policy,
    hash_password,
    needs_rehash,
    new_initial_password,
    verify_password,
)
from station.storage.chainstore import record_audit
from station.storage.database import Database
from station.storage.models import Operator
from station.timeutil import beijing_now

SYSTEM = "system"


class LoginRefused(Exception):
    """Login failed. `reason` is for the audit log; the user sees only a generic message."""

    def __init__(self, reason: str) -> None:
        super().__init__("login name or password is wrong, or the account is locked")
        self.reason = reason


class PermissionDenied(Exception):
    def __init__(self, login: str, permission: Permission) -> None:
        super().__init__(f"{login} may not {permission.value.replace('_', ' ')}")
        self.login = login
        self.permission = permission


@dataclass(frozen=True, slots=True)
class SignedIn:
    login: str
    display_name: str
    role: Role
    must_change_password: bool


def ensure_admin(database: Database) -> str | None:
    """On the first run create `admin` with a one-time password and return it; else None."""
    with database.transaction() as session:
        if session.scalar(select(func.count()).select_from(Operator)):
            return None
        password = new_initial_password()
        _add_operator(session, "admin", "系统管理员", Role.ADMIN, password, must_change=True)
        record_audit(session, SYSTEM, "ADMIN_CREATED", {"login": "admin"})
        return password


def create_admin(database: Database, password: str, policy: LoginPolicy) -> bool:
    """The first-run wizard's `admin`, with the password the installer chose there.

    Only a database without operators gets one (True); otherwise nothing changes (False),
    so running the wizard again cannot reset an existing admin's password.
    """
    check_password_policy(password, policy, "admin")
    with database.transaction() as session:
        if session.scalar(select(func.count()).select_from(Operator)):
            return False
        _add_operator(session, "admin", "系统管理员", Role.ADMIN, password, must_change=False)
        record_audit(session, SYSTEM, "ADMIN_CREATED", {"login": "admin", "by": "setup"})
        return True


def _add_operator(
    session: Session, login: str, name: str, role: Role, password: str, *, must_change: bool
) -> Operator:
    now = beijing_now()
    operator = Operator(
        login=login,
        display_name=name,
        role=role.value,
        password_hash=hash_password(password),
        must_change_password=must_change,
        active=True,
        failed_logins=0,
        created_at=now,
        password_changed_at=now,
    )
    session.add(operator)
    return operator


def _load(session: Session, login: str) -> Operator | None:
    return session.execute(select(Operator).where(Operator.login == login)).scalar_one_or_none()


def require(session: Session, login: str, permission: Permission) -> Operator:
    """Return the acting operator when allowed; otherwise audit the refusal and raise."""
    operator = _load(session, login)
    if operator is None or not operator.active or not allowed(Role(operator.role), permission):
        raise PermissionDenied(login, permission)
    return operator


def create_operator(
    database: Database,
    actor: str,
    *,
    login: str,
    display_name: str,
    role: Role,
    password: str,
    policy: LoginPolicy,
) -> None:
    """Create an operator (needs MANAGE_USERS); the new operator must change the password."""
    check_password_policy(password, policy, login)
    try:
        with database.transaction() as session:
            require(session, actor, Permission.MANAGE_USERS)
            if _load(session, login) is not None:
                raise ValueError(f"login {login!r} already exists")
            _add_operator(session, login, display_name, role, password, must_change=True)
            record_audit(session, actor, "USER_CREATED", {"login": login, "role": role.value})
    except PermissionDenied:
        _audit_denied(database, actor, Permission.MANAGE_USERS)
        raise


def _audit_denied(database: Database, actor: str, permission: Permission) -> None:
    with database.transaction() as session:
        record_audit(session, actor, "PERMISSION_DENIED", {"permission": permission.value})


def _refuse(
    session: Session, login: str, operator: Operator | None, policy: LoginPolicy, now: datetime
) -> str:
    if operator is None:
        record_audit(session, login, "LOGIN_FAILED", {"reason": "unknown login"}, now)
        return "unknown login"
    if not operator.active:
        record_audit(session, login, "LOGIN_FAILED", {"reason": "account disabled"}, now)
        return "account disabled"
    if operator.locked_until is not None and operator.locked_until > now:
        record_audit(session, login, "LOGIN_FAILED", {"reason": "account locked"}, now)
        return "account locked"
    operator.failed_logins += 1
    detail = {"reason": "wrong password", "failures": operator.failed_logins}
    record_audit(session, login, "LOGIN_FAILED", detail, now)
    if operator.failed_logins >= policy.max_failed_logins:
        operator.locked_until = now + timedelta(minutes=policy.lockout_minutes)
        record_audit(
            session, login, "ACCOUNT_LOCKED", {"until": operator.locked_until.isoformat(" ")}, now
        )
    return "wrong password"


def _password_matches(database: Database, login: str, password: str) -> str | None:
    """The stored hash when `password` matches it, else None.

    Checked outside the write transaction: scrypt takes ~0.1 s, and holding the station's
    write lock that long would make a weighing's commit wait behind a login.
    """
    with database.read() as session:
        operator = _load(session, login)
        encoded = operator.password_hash if operator is not None else None
    if encoded is None or not verify_password(password, encoded):
        return None
    return encoded


def authenticate(database: Database, login: str, password: str, policy: LoginPolicy) -> SignedIn:
    """Check a login; failures are audited and count towards a temporary lockout."""
    matched = _password_matches(database, login, password)
    now = beijing_now()
    with database.transaction() as session:
        operator = _load(session, login)
        usable = (
            operator is not None
            and operator.active
            and (operator.locked_until is None or operator.locked_until <= now)
        )
        # The hash must still be the one checked: a password changed meanwhile does not pass.
        if not (usable and operator and matched and operator.password_hash == matched):
            reason = _refuse(session, login, operator, policy, now)
        else:
            operator.failed_logins = 0
            operator.locked_until = None
            if needs_rehash(operator.password_hash):
                operator.password_hash = hash_password(password)
            record_audit(session, login, "LOGIN", {"role": operator.role}, now)
            return SignedIn(
                operator.login,
                operator.display_name,
                Role(operator.role),
                operator.must_change_password,
            )
    raise LoginRefused(reason)


def change_password(
    database: Database, login: str, old: str, new: str, policy: LoginPolicy
) -> None:
    """Change one's own password (the old one is required); clears the forced-change flag."""
    check_password_policy(new, policy, login)
    if old == new:
        raise ValueError("the new password must differ from the old one")
    with database.transaction() as session:
        operator = _load(session, login)
        if operator is None or not verify_password(old, operator.password_hash):
            record_audit(session, login, "PASSWORD_CHANGE_FAILED", {})
            failed = True
        else:
            operator.password_hash = hash_password(new)
            operator.must_change_password = False
            operator.password_changed_at = beijing_now()
            record_audit(session, login, "PASSWORD_CHANGED", {})
            failed = False
    if failed:
        raise LoginRefused("wrong old password")
