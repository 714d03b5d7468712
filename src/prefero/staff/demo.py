"""The demo's staff account: ``prefero demo`` (demo mode only) makes sure an administrator
exists and gives it a new random password each run, which it prints. Production has no
default account and no default password: this refuses to run outside demo mode."""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from prefero.config import Settings
from prefero.staff.service import add_staff, find_staff, set_disabled, set_password

__all__ = ["DEMO_STAFF_EMAIL", "demo_staff"]

DEMO_STAFF_EMAIL = "admin@demo.prefero.example"


def demo_staff(session: Session, *, settings: Settings) -> tuple[str, str]:
    """(e-mail, password) of the demo's administrator, with a password made now: nobody who
    read this source or an earlier run's output can sign in with an old one.

    >>> demo_staff(session, settings=Settings(mode="demo"))  # doctest: +SKIP
    ('admin@demo.prefero.example', 'hT3...')
    """
    if settings.mode != "demo":
        raise RuntimeError("the demo's staff account exists in demo mode only")
    password = secrets.token_urlsafe(15)  # 20 characters, about 120 bits
    if find_staff(session, DEMO_STAFF_EMAIL) is None:
        add_staff(session, email=DEMO_STAFF_EMAIL, role="admin", password=password,
                  actor="demo")
    else:
        set_password(session, email=DEMO_STAFF_EMAIL, password=password, actor="demo")
        set_disabled(session, email=DEMO_STAFF_EMAIL, disabled=False, actor="demo")
    return DEMO_STAFF_EMAIL, password
