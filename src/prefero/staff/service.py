"""Staff accounts: adding them, changing them and signing in. No HTTP here: the dashboard's
routes and ``prefero staff`` call these inside their unit of work, which commits the change
and its audit entry together.

Every change and every sign-in attempt (accepted or refused) is recorded in the audit log
with the acting person (``staff:<email>``, or ``cli`` for the command line); a password is
never recorded, nor anything typed in the address field that does not look like an address
(it may be a password typed in the wrong field).
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from prefero.audit.service import record
from prefero.db.base import utcnow
from prefero.errors import Conflict, FieldError, InvalidInput, NotFound
from prefero.staff.models import StaffAccount
from prefero.staff.passwords import (
    MAX_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
    waste_a_verification,
)
from prefero.staff.roles import ROLES
from prefero.staff.schemas import StaffOut

__all__ = [
    "STAFF",
    "add_staff",
    "find_staff",
    "get_staff",
    "list_staff",
    "normal_email",
    "set_disabled",
    "set_password",
    "set_role",
    "sign_in",
    "sign_in_blocked",
    "signed_out",
]

STAFF = "staff"  # the audit log's target kind
# One @, something on each side, a dot in the domain, no spaces: enough to catch a typo or
# a password typed into the wrong field; the shop's own mail decides the rest.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_EMAIL_MAX = 254  # RFC 5321's longest path


def normal_email(email: str) -> str:
    """The stored form of an address: trimmed, lower case.

    >>> normal_email("  Ola.Nowak@Shop.example ")
    'ola.nowak@shop.example'
    """
    return email.strip().lower()


def _email_problem(email: str) -> str | None:
    if not email:
        return "is required"
    if len(email) > _EMAIL_MAX:
        return f"must be at most {_EMAIL_MAX} characters long"
    if not _EMAIL.match(email):
        return "is not an e-mail address (name@example.com)"
    return None


def _checked(email: str | None = None, password: str | None = None,
             role: str | None = None) -> None:
    """Raise one ``InvalidInput`` naming every field that is wrong (nothing changed)."""
    errors: list[FieldError] = []
    if email is not None and (problem := _email_problem(email)):
        errors.append(FieldError(("email",), problem))
    if password is not None and (problem := password_problem(password)):
        errors.append(FieldError(("password",), problem))
    if role is not None and role not in ROLES:
        errors.append(FieldError(("role",), f"must be one of {', '.join(ROLES)}"))
    if errors:
        raise InvalidInput("; ".join(f"{e.loc[0]} {e.msg}" for e in errors), errors)


def _row(session: Session, email: str) -> StaffAccount:
    found = find_staff(session, email)
    if found is None:
        raise NotFound(f"no staff account has the address {normal_email(email)!r}")
    return found


def find_staff(session: Session, email: str) -> StaffAccount | None:
    """The account of ``email`` (any case), or None."""
    return session.scalar(select(StaffAccount).where(StaffAccount.email == normal_email(email)))


def get_staff(session: Session, staff_id: int) -> StaffOut | None:
    """The account with this id, or None."""
    row = session.get(StaffAccount, staff_id)
    return None if row is None else StaffOut.model_validate(row)


def list_staff(session: Session) -> list[StaffOut]:
    """Every account, by address."""
    rows = session.scalars(select(StaffAccount).order_by(StaffAccount.email))
    return [StaffOut.model_validate(row) for row in rows]


def add_staff(session: Session, *, email: str, role: str, password: str,
              actor: str | None) -> StaffOut:
    """Create an account; its address is kept in lower case and must be new.

    >>> add_staff(session, email="ola@shop.example", role="marketer",
    ...           password="a long passphrase", actor="cli").role  # doctest: +SKIP
    'marketer'
    """
    email = normal_email(email)
    _checked(email=email, password=password, role=role)
    if find_staff(session, email) is not None:
        raise Conflict(f"a staff account with the address {email!r} exists already",
                       [FieldError(("email",), "is taken by another account")])
    row = StaffAccount(email=email, role=role, password_hash=hash_password(password),
                       disabled=False, created_at=utcnow(), sessions_valid_from=utcnow())
    session.add(row)
    try:
        session.flush()
    except IntegrityError:  # the same address added at the same moment elsewhere
        raise Conflict(f"a staff account with the address {email!r} exists already",
                       [FieldError(("email",), "is taken by another account")]) from None
    record(session, actor=actor, action="staff.add", target_kind=STAFF, target=email)
    return StaffOut.model_validate(row)


def set_disabled(session: Session, *, email: str, disabled: bool,
                 actor: str | None) -> StaffOut:
    """Disable (signing it out everywhere) or enable an account."""
    row = _row(session, email)
    if row.disabled != disabled:
        row.disabled = disabled
        if disabled:
            row.sessions_valid_from = utcnow()
        record(session, actor=actor, action="staff.disable" if disabled else "staff.enable",
               target_kind=STAFF, target=row.email)
        session.flush()
    return StaffOut.model_validate(row)


def set_password(session: Session, *, email: str, password: str,
                 actor: str | None) -> StaffOut:
    """Give the account a new password; its open sessions end."""
    _checked(password=password)
    row = _row(session, email)
    row.password_hash = hash_password(password)
    row.sessions_valid_from = utcnow()
    record(session, actor=actor, action="staff.password", target_kind=STAFF, target=row.email)
    session.flush()
    return StaffOut.model_validate(row)


def set_role(session: Session, *, email: str, role: str, actor: str | None) -> StaffOut:
    """Change the account's role (in force at its next request)."""
    _checked(role=role)
    row = _row(session, email)
    if row.role != role:
        row.role = role
        record(session, actor=actor, action="staff.role", target_kind=STAFF, target=row.email)
        session.flush()
    return StaffOut.model_validate(row)


def sign_in(session: Session, *, email: str, password: str,
            client: str | None) -> StaffOut | None:
    """The account when ``password`` is its password and it is enabled, else None. Either
    way the attempt is recorded (so the caller must commit a refusal too). An unknown
    address costs one verification all the same.

    >>> sign_in(session, email="ola@shop.example", password="wrong", client="203.0.113.9")
    ... # doctest: +SKIP
    """
    email = normal_email(email)
    row = find_staff(session, email) if len(email) <= _EMAIL_MAX else None
    if len(password) > MAX_PASSWORD_LENGTH:
        # Never a password of anyone's (see ``password_problem``): not worth the hashing.
        accepted = False
    elif row is None:
        waste_a_verification(password)
        accepted = False
    else:
        accepted = verify_password(row.password_hash, password) and not row.disabled
    # What was typed is named only when it has an address's shape.
    named = email if _email_problem(email) is None else None
    if not accepted or row is None:
        record(session, actor=f"staff:{named}" if named else None,
               action="staff.sign_in_refused", target_kind=STAFF, target=named, client=client)
        return None
    if needs_rehash(row.password_hash):
        # The password is at hand only now: the hash moves to the current parameters.
        row.password_hash = hash_password(password)
    row.last_sign_in_at = utcnow()
    record(session, actor=f"staff:{row.email}", action="staff.sign_in", target_kind=STAFF,
           target=row.email, client=client)
    session.flush()
    return StaffOut.model_validate(row)


def signed_out(session: Session, *, staff: StaffOut, client: str | None) -> None:
    """Record that ``staff`` signed out (the session itself is the caller's cookie)."""
    record(session, actor=staff.actor, action="staff.sign_out", target_kind=STAFF,
           target=staff.email, client=client)



def sign_in_blocked(session: Session, *, email: str, client: str | None) -> None:
    """Record a sign-in not even tried, because of too many failures before it."""
    email = normal_email(email)
    named = email if _email_problem(email) is None else None
    record(session, actor=f"staff:{named}" if named else None, action="staff.sign_in_blocked",
           target_kind=STAFF, target=named, client=client)
