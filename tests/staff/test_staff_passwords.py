"""Passwords: argon2id hashes that verify only their own password, the length rule, roles."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from prefero.staff.passwords import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
    waste_a_verification,
)
from prefero.staff.roles import ROLES, allows

passwords = st.text(min_size=MIN_PASSWORD_LENGTH, max_size=40).filter(lambda p: p.strip())


@settings(max_examples=8, deadline=None)
@given(password=passwords, other=passwords)
def test_a_hash_verifies_its_password_and_no_other(password: str, other: str) -> None:
    stored = hash_password(password)
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, password)
    assert verify_password(stored, other) == (other == password)
    assert not needs_rehash(stored)


def test_two_hashes_of_one_password_differ_by_their_salt() -> None:
    assert hash_password("same passphrase") != hash_password("same passphrase")


def test_something_that_is_not_a_hash_matches_nothing() -> None:
    assert not verify_password("plain text", "plain text")
    assert needs_rehash("plain text")


@given(st.text(max_size=MIN_PASSWORD_LENGTH - 1))
def test_every_password_shorter_than_the_minimum_is_refused(password: str) -> None:
    assert password_problem(password) is not None


def test_an_unknown_account_costs_a_verification() -> None:
    stored = hash_password("the real passphrase")
    start = time.perf_counter()
    verify_password(stored, "a wrong passphrase")
    real = time.perf_counter() - start
    start = time.perf_counter()
    waste_a_verification("a wrong passphrase")
    waste_a_verification("a wrong passphrase")
    wasted = (time.perf_counter() - start) / 2  # the first call may also build the dummy
    assert wasted > real / 3


@given(st.sampled_from(ROLES), st.sampled_from(ROLES))
def test_roles_are_ranks(role: str, needed: str) -> None:
    assert allows(role, needed) == (ROLES.index(role) >= ROLES.index(needed))  # type: ignore[arg-type]


def test_read_only_changes_nothing_and_only_admins_manage_staff() -> None:
    assert [r for r in ROLES if allows(r, "marketer")] == ["marketer", "admin"]
    assert [r for r in ROLES if allows(r, "admin")] == ["admin"]
    assert not allows("", "read_only")
