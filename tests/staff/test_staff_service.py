"""Staff accounts: adding, roles, disabling, new passwords, sign-in; each change audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from prefero.audit.models import AuditEntry
from prefero.errors import Conflict, InvalidInput, NotFound
from prefero.runtime import Runtime
from prefero.staff.models import StaffAccount
from prefero.staff.passwords import hash_password
from prefero.staff.service import (
    add_staff,
    find_staff,
    list_staff,
    set_disabled,
    set_password,
    set_role,
    sign_in,
)
from staff_accounts import PASSWORD, add


def _audit(runtime: Runtime) -> list[tuple[str, str, str | None]]:
    with runtime.session() as session:
        return [(e.actor, e.action, e.target) for e in
                session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_an_account_is_kept_with_a_hash_in_lower_case(runtime: Runtime) -> None:
    add(runtime, " Ola.Nowak@Shop.Example ", "marketer")
    with runtime.session() as session:
        row = find_staff(session, "OLA.NOWAK@shop.example")
        assert row is not None
        assert row.email == "ola.nowak@shop.example" and row.role == "marketer"
        assert row.password_hash.startswith("$argon2id$") and PASSWORD not in row.password_hash
        assert [s.email for s in list_staff(session)] == ["ola.nowak@shop.example"]
    assert _audit(runtime) == [("test", "staff.add", "ola.nowak@shop.example")]


def test_the_same_address_in_another_case_is_refused(runtime: Runtime) -> None:
    add(runtime, "ola@shop.example")
    with runtime.session(write=True) as session, pytest.raises(Conflict) as refused:
        add_staff(session, email="OLA@shop.example", role="admin", password=PASSWORD,
                  actor="test")
    assert refused.value.errors[0].loc == ("email",)


@pytest.mark.parametrize(("email", "role", "password", "fields"), [
    ("not-an-address", "admin", PASSWORD, [("email",)]),
    ("ola@shop.example", "owner", PASSWORD, [("role",)]),
    ("ola@shop.example", "admin", "short", [("password",)]),
    ("", "boss", " " * 20, [("email",), ("password",), ("role",)]),
])
def test_bad_input_names_every_wrong_field_and_changes_nothing(
        runtime: Runtime, email: str, role: str, password: str,
        fields: list[tuple[str]]) -> None:
    with runtime.session(write=True) as session, pytest.raises(InvalidInput) as refused:
        add_staff(session, email=email, role=role, password=password, actor="test")
    assert [e.loc for e in refused.value.errors] == fields
    with runtime.session() as session:
        assert list_staff(session) == []
    assert _audit(runtime) == []


def test_a_short_password_is_refused_with_its_length(runtime: Runtime) -> None:
    with runtime.session(write=True) as session, pytest.raises(InvalidInput) as refused:
        add_staff(session, email="a@shop.example", role="admin", password="elevenchars",
                  actor="test")
    assert refused.value.errors[0].msg == "must be at least 12 characters long (it has 11)"


def test_sign_in_accepts_the_password_only(runtime: Runtime) -> None:
    add(runtime, "ola@shop.example", "read_only")
    with runtime.session(write=True) as session:
        assert sign_in(session, email="ola@shop.example", password="wrong password!",
                       client="203.0.113.9") is None
        staff = sign_in(session, email="OLA@shop.example", password=PASSWORD,
                        client="203.0.113.9")
        assert staff is not None and staff.role == "read_only"
        assert staff.last_sign_in_at is not None
    assert _audit(runtime)[1:] == [
        ("staff:ola@shop.example", "staff.sign_in_refused", "ola@shop.example"),
        ("staff:ola@shop.example", "staff.sign_in", "ola@shop.example")]


def test_a_refusal_never_records_what_was_typed_unless_it_is_an_address(
        runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        assert sign_in(session, email="my secret password", password="x",
                       client=None) is None
        assert sign_in(session, email="nobody@shop.example", password="x",
                       client=None) is None
    assert _audit(runtime) == [
        ("unknown", "staff.sign_in_refused", None),
        ("staff:nobody@shop.example", "staff.sign_in_refused", "nobody@shop.example")]
    with runtime.session() as session:
        clients = list(session.scalars(select(AuditEntry.target)))
    assert not any("secret" in (c or "") for c in clients)


def test_a_disabled_account_cannot_sign_in_until_enabled(runtime: Runtime) -> None:
    add(runtime, "ola@shop.example")
    with runtime.session(write=True) as session:
        before = find_staff(session, "ola@shop.example")
        assert before is not None
        valid_from = before.sessions_valid_from
        disabled = set_disabled(session, email="ola@shop.example", disabled=True,
                                actor="staff:boss@shop.example")
        assert disabled.disabled and disabled.sessions_valid_from > valid_from
        assert sign_in(session, email="ola@shop.example", password=PASSWORD,
                       client=None) is None
        set_disabled(session, email="ola@shop.example", disabled=False, actor="test")
        assert sign_in(session, email="ola@shop.example", password=PASSWORD,
                       client=None) is not None
    actions = [action for _, action, _ in _audit(runtime)]
    assert actions == ["staff.add", "staff.disable", "staff.sign_in_refused", "staff.enable",
                       "staff.sign_in"]


def test_a_new_password_replaces_the_old_and_ends_sessions(runtime: Runtime) -> None:
    add(runtime, "ola@shop.example")
    with runtime.session(write=True) as session:
        with pytest.raises(InvalidInput):
            set_password(session, email="ola@shop.example", password="too short",
                         actor="test")
        changed = set_password(session, email="ola@shop.example",
                               password="another long passphrase", actor="test")
        assert sign_in(session, email="ola@shop.example", password=PASSWORD,
                       client=None) is None
        assert sign_in(session, email="ola@shop.example",
                       password="another long passphrase", client=None) is not None
        assert changed.sessions_valid_from is not None
        with pytest.raises(NotFound):
            set_password(session, email="nobody@shop.example", password=PASSWORD,
                         actor="test")


def test_a_role_change_is_audited_once(runtime: Runtime) -> None:
    add(runtime, "ola@shop.example", "read_only")
    with runtime.session(write=True) as session:
        assert set_role(session, email="ola@shop.example", role="marketer",
                        actor="test").role == "marketer"
        set_role(session, email="ola@shop.example", role="marketer", actor="test")
        with pytest.raises(InvalidInput):
            set_role(session, email="ola@shop.example", role="owner", actor="test")
    assert [a for _, a, _ in _audit(runtime)] == ["staff.add", "staff.role"]


def test_a_hash_with_old_parameters_is_renewed_at_sign_in(runtime: Runtime) -> None:
    from argon2 import PasswordHasher

    add(runtime, "ola@shop.example")
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    with runtime.session(write=True) as session:
        row = session.scalar(select(StaffAccount))
        assert row is not None
        row.password_hash = weak
    with runtime.session(write=True) as session:
        assert sign_in(session, email="ola@shop.example", password=PASSWORD,
                       client=None) is not None
    with runtime.session() as session:
        stored = session.scalar(select(StaffAccount.password_hash))
    assert stored is not None and stored != weak
    assert stored.split("$")[3] == hash_password("x").split("$")[3]  # today's parameters
