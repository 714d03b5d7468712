"""Anonymous visitor -> known customer: events, preferences, consent and the rules for
conflicts (the most recent declaration wins)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from prefero.customers.consent import record_consent
from prefero.customers.merge import merge_customers
from prefero.customers.models import ConsentRecord, Customer, Preference, SuggestionDecision
from prefero.customers.preferences import get_preferences, put_preferences
from prefero.customers.repository import ensure_customers
from prefero.customers.schemas import (
    Budget,
    ConsentIn,
    Constraint,
    Like,
    MergeOut,
    PreferencesIn,
    PreferencesOut,
    SizeSet,
)
from prefero.errors import InvalidInput
from prefero.events.models import Event
from prefero.quizzes.models import CustomerTrait, QuizSession
from prefero.runtime import Runtime

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def put(runtime: Runtime, customer_id: str, prefs: PreferencesIn) -> PreferencesOut:
    with runtime.session() as session:
        return put_preferences(session, customer_id=customer_id, prefs=prefs,
                               schema=runtime.facet_schema, settings=runtime.settings)


def consent(runtime: Runtime, customer_id: str, purpose: str, granted: bool,
            key: str | None = None) -> None:
    with runtime.session() as session:
        record_consent(session, customer_id=customer_id, settings=runtime.settings,
                       consent=ConsentIn.model_validate({"purpose": purpose,
                                                         "granted": granted}),
                       idempotency_key=key)


def add_events(runtime: Runtime, customer_id: str, n: int) -> None:
    with runtime.session() as session:
        session.add_all(Event(customer_id=customer_id, type="view", product_id=f"p{i}",
                              occurred_at=T0 + timedelta(minutes=i)) for i in range(n))


def merge(runtime: Runtime, anonymous_id: str = "anon", customer_id: str = "known"
          ) -> MergeOut:
    with runtime.session() as session:
        return merge_customers(session, anonymous_id=anonymous_id, customer_id=customer_id,
                               settings=runtime.settings)


def count(runtime: Runtime, model: type[Event | Preference | ConsentRecord],
          customer_id: str) -> int:
    with runtime.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)
                                  .where(model.customer_id == customer_id)) or 0)


def like(facet: str, value: str, weight: float) -> Like:
    return Like(facet=facet, value=value, weight=weight)


def never(facet: str, *values: str) -> Constraint:
    return Constraint(facet=facet, op="never", values=list(values))


def test_a_first_login_moves_everything_to_the_new_known_customer(runtime: Runtime) -> None:
    consent(runtime, "anon", "tracking", True)
    put(runtime, "anon", PreferencesIn(likes=[like("brand", "acme", 0.7)],
                                       constraints=[never("allergens", "nuts")],
                                       budget=Budget(max=Decimal(80)), level="full",
                                       exploration=False, dismissed=["p9"]))
    add_events(runtime, "anon", 3)

    out = merge(runtime)

    assert out.merged is True
    assert (out.events_moved, out.events_dropped, out.consents_moved) == (3, 0, 1)
    assert out.preferences_moved == 3
    assert [(x.facet, x.value) for x in out.preferences.likes] == [("brand", "acme")]
    assert out.preferences.budget is not None and out.preferences.budget.max == Decimal(80)
    assert (out.preferences.level, out.preferences.exploration) == ("full", False)
    assert out.preferences.dismissed == ["p9"]
    assert out.consents.consents["tracking"] is True
    assert count(runtime, Event, "known") == 3
    with runtime.session() as session:
        assert session.get(Customer, "anon") is None
        known = session.get(Customer, "known")
        assert known is not None and known.anonymous is False


def test_conflicts_go_to_the_most_recent_declaration(runtime: Runtime) -> None:
    # Older on the known side, newer on the anonymous side, for the brand and the sizes;
    # the reverse for the diet. Budget: known is newer; level: anonymous is newer.
    put(runtime, "known", PreferencesIn(
        likes=[like("brand", "acme", 0.9)],
        sizes=[SizeSet(category="Shoes", values=["42"])],
    ))
    put(runtime, "anon", PreferencesIn(
        constraints=[never("brand", "acme"), never("diet", "keto")],
        sizes=[SizeSet(category="Shoes", values=["43", "44"]),
               SizeSet(category="Shirts", values=["m"])],
        budget=Budget(max=Decimal(500)),
    ))
    put(runtime, "known", PreferencesIn(
        likes=[like("brand", "acme", 0.9), like("diet", "keto", 1.0)],
        sizes=[SizeSet(category="Shoes", values=["42"])],
        budget=Budget(max=Decimal(100)),
    ))
    put(runtime, "anon", PreferencesIn(
        constraints=[never("brand", "acme"), never("diet", "keto")],
        sizes=[SizeSet(category="Shoes", values=["43", "44"]),
               SizeSet(category="Shirts", values=["m"])],
        budget=Budget(max=Decimal(500)),
        level="declared",
    ))

    out = merge(runtime).preferences

    assert {(x.facet, x.value) for x in out.likes} == {("diet", "keto")}
    assert {(c.facet, c.op, v) for c in out.constraints for v in c.values} == {
        ("brand", "never", "acme")}
    assert {(s.category, v) for s in out.sizes for v in s.values} == {
        ("Shoes", "43"), ("Shoes", "44"), ("Shirts", "m")}
    assert out.budget is not None and out.budget.max == Decimal(100)
    assert out.level == "declared"
    # The merged profile is still a valid declaration: it can be PUT back as it is.
    again = put(runtime, "known", PreferencesIn.model_validate(
        out.model_dump(exclude={"customer_id", "effective_level"})))
    assert again == out


def test_ties_and_dismissals(runtime: Runtime) -> None:
    put(runtime, "known", PreferencesIn(likes=[like("brand", "acme", 0.2)], dismissed=["p1"]))
    put(runtime, "anon", PreferencesIn(likes=[like("brand", "acme", 0.8)],
                                       dismissed=["p1", "p2"]))
    with runtime.session() as session:
        rows = session.scalars(select(Preference).where(Preference.kind == "like")).all()
        for row in rows:
            row.updated_at = T0  # the same moment on both sides: the known customer wins
    out = merge(runtime).preferences
    assert [x.weight for x in out.likes] == [0.2]
    assert sorted(out.dismissed) == ["p1", "p2"]


def test_consent_history_is_kept_in_time_order(runtime: Runtime) -> None:
    consent(runtime, "known", "marketing_email", True)
    consent(runtime, "anon", "tracking", True)
    consent(runtime, "known", "tracking", True)
    consent(runtime, "anon", "marketing_email", False)
    out = merge(runtime)
    history = [(h.purpose, h.granted) for h in out.consents.history]
    assert history == [("marketing_email", True), ("tracking", True), ("tracking", True),
                       ("marketing_email", False)]
    assert [h.recorded_at for h in out.consents.history] == sorted(
        h.recorded_at for h in out.consents.history)
    assert out.consents.consents["marketing_email"] is False
    assert count(runtime, ConsentRecord, "anon") == 0


def test_clashing_idempotency_keys_do_not_block_the_merge(runtime: Runtime) -> None:
    consent(runtime, "known", "tracking", True, key="banner-1")
    consent(runtime, "anon", "tracking", True, key="banner-1")
    out = merge(runtime)
    assert out.consents_moved == 1
    assert len(out.consents.history) == 2
    # The known customer's key still guards against a replay.
    consent(runtime, "known", "tracking", True, key="banner-1")
    assert count(runtime, ConsentRecord, "known") == 2


def test_events_are_not_linked_when_the_person_withdrew_tracking(runtime: Runtime) -> None:
    consent(runtime, "anon", "tracking", True)
    add_events(runtime, "anon", 4)
    consent(runtime, "known", "tracking", False)
    out = merge(runtime)
    assert out.consents.consents["tracking"] is False
    assert (out.events_moved, out.events_dropped) == (0, 4)
    assert count(runtime, Event, "known") == 0
    assert count(runtime, Event, "anon") == 0


def test_merge_is_idempotent(runtime: Runtime) -> None:
    consent(runtime, "anon", "tracking", True)
    put(runtime, "anon", PreferencesIn(likes=[like("brand", "acme", 0.5)]))
    add_events(runtime, "anon", 2)
    first = merge(runtime)
    second = merge(runtime)
    assert second.merged is False
    assert (second.events_moved, second.preferences_moved, second.consents_moved) == (0, 0, 0)
    assert second.preferences == first.preferences
    assert second.consents == first.consents
    assert count(runtime, Event, "known") == 2


def test_merging_an_unknown_anonymous_id_creates_nothing_but_the_customer(
        runtime: Runtime) -> None:
    out = merge(runtime, anonymous_id="never-seen")
    assert out.merged is False
    with runtime.session() as session:
        assert get_preferences(session, customer_id="known",
                               settings=runtime.settings).likes == []


def test_a_customer_cannot_be_merged_into_itself(runtime: Runtime) -> None:
    with pytest.raises(InvalidInput) as raised:
        merge(runtime, anonymous_id="known", customer_id="known")
    assert [e.loc for e in raised.value.errors] == [("anonymous_id",)]


def test_quiz_sessions_traits_and_suggestion_decisions_follow_the_person(
        runtime: Runtime) -> None:
    earlier = datetime(2026, 1, 1, tzinfo=UTC)
    later = earlier + timedelta(days=5)
    with runtime.session() as session:
        ensure_customers(session, {"known-q": False, "anon-q": True})
        session.add_all([
            QuizSession(id="qs-1", quiz_id="big-five", version=1, customer_id="anon-q",
                        answers=[], status="completed", stored=True),
            CustomerTrait(customer_id="anon-q", trait="openness", value=4.0,
                          source="quiz:big-five@2", updated_at=later),
            CustomerTrait(customer_id="anon-q", trait="neuroticism", value=1.0,
                          source="quiz:big-five@2", updated_at=earlier),
            CustomerTrait(customer_id="known-q", trait="openness", value=2.0,
                          source="quiz:big-five@1", updated_at=earlier),
            CustomerTrait(customer_id="known-q", trait="neuroticism", value=3.0,
                          source="quiz:big-five@1", updated_at=later),
            SuggestionDecision(customer_id="anon-q", kind="like", facet="brand",
                               value="acme", decision="rejected", decided_at=later),
        ])
    with runtime.session() as session:
        merge_customers(session, anonymous_id="anon-q", customer_id="known-q",
                        settings=runtime.settings)
    with runtime.session() as session:
        quiz = session.get(QuizSession, "qs-1")
        assert quiz is not None and quiz.customer_id == "known-q"
        traits = {t.trait: (t.value, t.source) for t in session.scalars(
            select(CustomerTrait).where(CustomerTrait.customer_id == "known-q"))}
        # the newer measurement wins on each side
        assert traits == {"openness": (4.0, "quiz:big-five@2"),
                          "neuroticism": (3.0, "quiz:big-five@1")}
        decisions = session.scalars(select(SuggestionDecision)).all()
        assert [d.customer_id for d in decisions] == ["known-q"]
