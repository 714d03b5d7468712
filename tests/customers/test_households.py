"""Household profiles: each profile its own customer row, consent the account holder's
(mirrored into every profile's ledger), erasure and export covering every profile."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import select

from prefero.customers.consent import current_consents, record_consent
from prefero.customers.household_consent import (
    ConsentBelongsToHolder,
    sync_household_consents,
)
from prefero.customers.household_models import HouseholdProfile
from prefero.customers.household_schemas import ProfileIn, ProfilePatch
from prefero.customers.households import (
    MAX_PROFILES,
    account_of,
    create_profile,
    delete_profile,
    erase_account,
    list_profiles,
    subject_for,
    subjects_for,
    update_profile,
)
from prefero.customers.merge import merge_customers
from prefero.customers.models import ConsentRecord, Customer
from prefero.customers.repository import ensure_customers
from prefero.customers.schemas import ConsentIn
from prefero.errors import Conflict, NotFound
from prefero.privacy.service import customer_data
from prefero.runtime import Runtime


def _add(runtime: Runtime, owner: str, key: str, name: str = "Kids") -> str:
    with runtime.session() as s:
        create_profile(s, owner_id=owner, profile=ProfileIn(profile_id=key, name=name,
                                                            kind="child"))
        return subject_for(s, owner_id=owner, profile_id=key)


def _consent(runtime: Runtime, who: str, purpose: str, granted: bool) -> None:
    with runtime.session() as s:
        record_consent(s, customer_id=who, settings=runtime.settings,
                       consent=ConsentIn.model_validate({"purpose": purpose,
                                                         "granted": granted}))


def _consents(runtime: Runtime, who: str) -> dict[str, bool]:
    with runtime.session() as s:
        return dict(current_consents(s, customer_id=who, settings=runtime.settings))


def test_a_profile_is_a_customer_row_of_its_own_marked_with_its_account(
        runtime: Runtime) -> None:
    subject = _add(runtime, "alice", "kids")
    assert subject == "alice~kids"
    with runtime.session() as s:
        row = s.get(Customer, subject)
        assert row is not None and row.household_owner_id == "alice" and not row.anonymous
        listed = list_profiles(s, owner_id="alice")
        assert [(p.profile_id, p.name, p.main) for p in listed.profiles] == [
            ("main", None, True), ("kids", "Kids", False)]
        assert account_of(s, subject) == "alice" and account_of(s, "alice") == "alice"
        assert subject_for(s, owner_id="alice", profile_id="main") == "alice"
        assert subject_for(s, owner_id="alice", profile_id=None) == "alice"


def test_profile_ids_are_unique_per_account_and_bounded(runtime: Runtime) -> None:
    _add(runtime, "alice", "kids")
    _add(runtime, "bob", "kids")  # another household may use the same id
    with runtime.session() as s, pytest.raises(Conflict) as taken:
        create_profile(s, owner_id="alice", profile=ProfileIn(profile_id="kids", name="K"))
    assert taken.value.errors[0].loc == ("profile_id",)
    for n in range(MAX_PROFILES - 2):
        _add(runtime, "alice", f"p{n}")
    with runtime.session() as s:
        assert len(list_profiles(s, owner_id="alice").profiles) == MAX_PROFILES
        with pytest.raises(Conflict, match="at most"):
            create_profile(s, owner_id="alice", profile=ProfileIn(profile_id="one-more",
                                                                  name="X"))


def test_profiles_do_not_nest_and_visitors_hold_none(runtime: Runtime) -> None:
    subject = _add(runtime, "alice", "kids")
    with runtime.session() as s:
        with pytest.raises(Conflict, match="cannot hold profiles"):
            create_profile(s, owner_id=subject, profile=ProfileIn(profile_id="x", name="X"))
        with pytest.raises(Conflict, match="signed-in"):
            create_profile(s, owner_id="anon-123", profile=ProfileIn(profile_id="x",
                                                                     name="X"))
        with pytest.raises(NotFound):
            list_profiles(s, owner_id=subject)
        with pytest.raises(NotFound):
            subject_for(s, owner_id="alice", profile_id="nobody")
        with pytest.raises(NotFound):
            subject_for(s, owner_id="bob", profile_id="kids")


def test_a_taken_subject_id_falls_back_to_a_generated_one(runtime: Runtime) -> None:
    with runtime.session() as s:
        s.add(Customer(id="alice~kids"))  # the shop's own customer, by chance
    subject = _add(runtime, "alice", "kids")
    assert subject != "alice~kids" and subject.startswith("household-")


def test_renaming_and_moving(runtime: Runtime) -> None:
    _add(runtime, "alice", "kids")
    with runtime.session() as s:
        out = update_profile(s, owner_id="alice", profile_id="kids",
                             patch=ProfilePatch(name="  The   kids ", position=5))
        assert (out.name, out.position, out.kind) == ("The kids", 5, "child")
        out = update_profile(s, owner_id="alice", profile_id="kids",
                             patch=ProfilePatch(kind=None))
        assert out.kind is None and out.name == "The kids"
        with pytest.raises(NotFound):
            update_profile(s, owner_id="alice", profile_id="main",
                           patch=ProfilePatch(name="x"))


def test_consent_is_the_account_holders_on_every_profile(runtime: Runtime) -> None:
    _consent(runtime, "alice", "tracking", True)
    subject = _add(runtime, "alice", "kids")
    assert _consents(runtime, subject)["tracking"] is True  # copied at creation
    _consent(runtime, "alice", "tracking", False)
    assert _consents(runtime, subject)["tracking"] is False  # mirrored at once
    _consent(runtime, "alice", "marketing_email", True)
    assert _consents(runtime, subject) == _consents(runtime, "alice")
    with runtime.session() as s, pytest.raises(ConsentBelongsToHolder) as refused:
        record_consent(s, customer_id=subject, settings=runtime.settings,
                       consent=ConsentIn(purpose="tracking", granted=True))
    assert refused.value.status == 409
    assert _consents(runtime, subject)["tracking"] is False


def test_a_withdrawal_moves_the_profiles_revision(runtime: Runtime) -> None:
    """The declared-profile caches are good while a customer's profile_revision stands: a
    withdrawal for the account must move each profile's, or a cached consent would stay."""
    _consent(runtime, "alice", "tracking", True)
    subject = _add(runtime, "alice", "kids")
    with runtime.session() as s:
        before = s.scalar(select(Customer.profile_revision).where(Customer.id == subject))
    _consent(runtime, "alice", "tracking", False)
    with runtime.session() as s:
        after = s.scalar(select(Customer.profile_revision).where(Customer.id == subject))
    assert after != before


@hypothesis_settings(max_examples=15, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(decisions=st.lists(st.tuples(st.sampled_from(["tracking", "personalization",
                                                     "marketing_email"]), st.booleans()),
                          max_size=12),
       created_after=st.integers(min_value=0, max_value=12))
def test_every_profile_always_holds_the_accounts_consent(
        runtime: Runtime, decisions: list[tuple[str, bool]], created_after: int) -> None:
    owner = f"h-{len(decisions)}-{created_after}-{abs(hash(tuple(decisions))) % 10**9}"
    subject = None
    for n, (purpose, granted) in enumerate(decisions):
        if n == created_after:
            subject = _add(runtime, owner, "kids")
        _consent(runtime, owner, purpose, granted)
    if subject is None:
        subject = _add(runtime, owner, "kids")
    assert _consents(runtime, subject) == _consents(runtime, owner)
    with runtime.session() as s:
        assert sync_household_consents(s, owner_id=owner) == 0  # nothing left to mirror


def test_subjects_for_many_pairs_in_one_query(runtime: Runtime) -> None:
    kids = _add(runtime, "alice", "kids")
    with runtime.session() as s:
        assert subjects_for(s, {("alice", "kids"), ("alice", "main"), ("alice", "nope"),
                                ("bob", "kids")}) == {("alice", "kids"): kids,
                                                     ("alice", "main"): "alice"}


def test_deleting_a_profile_erases_it_and_keeps_the_account(runtime: Runtime) -> None:
    subject = _add(runtime, "alice", "kids")
    with runtime.session() as s:
        assert delete_profile(s, owner_id="alice", profile_id="kids",
                              settings=runtime.settings) == subject
    with runtime.session() as s:
        assert s.get(Customer, subject) is None
        assert s.get(Customer, "alice") is not None
        assert s.scalars(select(HouseholdProfile)).all() == []
        assert s.scalars(select(ConsentRecord).where(
            ConsentRecord.customer_id == subject)).all() == []


def test_erasing_the_account_erases_every_profile(runtime: Runtime) -> None:
    _consent(runtime, "alice", "tracking", True)
    kids = _add(runtime, "alice", "kids")
    partner = _add(runtime, "alice", "partner", name="Partner")
    bob_kids = _add(runtime, "bob", "kids")
    with runtime.session() as s:
        erased = erase_account(s, customer_id="alice", settings=runtime.settings)
    assert set(erased.customer_ids) == {"alice", kids, partner}
    with runtime.session() as s:
        left = set(s.scalars(select(Customer.id)))
        assert left == {"bob", bob_kids}
        assert set(s.scalars(select(HouseholdProfile.subject_id))) == {bob_kids}


def test_the_export_lists_each_profile_with_its_data(runtime: Runtime) -> None:
    _add(runtime, "alice", "kids")
    with runtime.session() as s:
        exports = customer_data(s, customer_id="alice", settings=runtime.settings).profiles
        assert [(e.profile_id, e.name, e.kind) for e in exports] == [("kids", "Kids",
                                                                      "child")]
        assert exports[0].data.customer_id == "alice~kids"
        assert exports[0].data.profiles == []



def test_a_profile_is_never_merged_on_its_own(runtime: Runtime) -> None:
    kids = _add(runtime, "alice", "kids")
    _consent(runtime, "alice", "tracking", True)
    with runtime.session() as s:
        ensure_customers(s, {"anon-1": True})
    for anonymous_id, customer_id, field in (("anon-1", kids, "customer_id"),
                                             (kids, "bob", "anonymous_id")):
        with runtime.session() as s, pytest.raises(Conflict) as refused:
            merge_customers(s, anonymous_id=anonymous_id, customer_id=customer_id,
                            settings=runtime.settings)
        assert [e.loc for e in refused.value.errors] == [(field,)]
    # Nothing moved: the profile is still in its household with the account's consent.
    with runtime.session() as s:
        assert subject_for(s, owner_id="alice", profile_id="kids") == kids
        assert s.get(Customer, "anon-1") is not None
    assert _consents(runtime, kids)["tracking"] is True
