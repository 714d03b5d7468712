"""Targeting: every reason a match gives is true of the visitor (checked independently of
the code that made it), criteria without their permission never hold, and the signals are
classified as documented."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from prefero.content.reasons import CONTEXT_CODES, ContentReason
from prefero.content.signals import (
    DEVICES,
    PARTS_OF_DAY,
    SOURCE_KINDS,
    WEATHERS,
    device_of,
    part_of_day,
    referrer_host,
    source_kind,
)
from prefero.content.targeting import Targeting, evaluate
from prefero.content.visitor import Context, VisitorFacts

TRAITS = ["openness", "extraversion", "growth_mindset"]
SEGMENTS = ["vegans", "runners", "gamers"]
LIKES = [("diet", "vegan"), ("brand", "acme"), ("color", "red")]

contexts = st.builds(
    Context,
    source=st.sampled_from(SOURCE_KINDS),
    local=st.integers(0, 23).map(lambda h: datetime(2026, 11, 20, h, 30, tzinfo=UTC)),
    utm_source=st.sampled_from([None, "newsletter", "facebook"]),
    utm_medium=st.sampled_from([None, "email", "social"]),
    utm_campaign=st.sampled_from([None, "spring", "autumn"]),
    host=st.sampled_from([None, "google.com", "l.instagram.com", "blog.example.org"]),
    device=st.sampled_from([None, *DEVICES]),
    weather=st.sampled_from([None, *WEATHERS]))

visitors = st.builds(
    VisitorFacts,
    returning=st.booleans(),
    declared_allowed=st.booleans(),
    segments=st.frozensets(st.sampled_from(SEGMENTS)),
    likes=st.frozensets(st.sampled_from(LIKES)),
    traits=st.dictionaries(st.sampled_from(TRAITS), st.floats(-5, 5, allow_nan=False)),
    context=st.none() | contexts)

targetings = st.builds(
    Targeting,
    segments=st.lists(st.sampled_from(SEGMENTS), max_size=2),
    declared=st.lists(st.sampled_from(LIKES).map(lambda p: {"facet": p[0], "value": p[1]}),
                      max_size=2),
    traits=st.lists(st.fixed_dictionaries({
        "trait": st.sampled_from(TRAITS), "op": st.sampled_from(["gte", "lte", "gt", "lt"]),
        "value": st.floats(-3, 3, allow_nan=False)}), max_size=2),
    mindset=st.sampled_from([None, "fixed", "growth"]),
    visitor=st.sampled_from([None, "new", "returning"]),
    source=st.none() | st.fixed_dictionaries({
        "kind": st.lists(st.sampled_from(SOURCE_KINDS), max_size=2),
        "utm_campaign": st.lists(st.sampled_from(["spring", "autumn"]), max_size=1),
        "referrer_host": st.lists(st.sampled_from(["instagram.com", "google.com"]),
                                  max_size=1)}),
    device=st.lists(st.sampled_from(DEVICES), max_size=2),
    time_of_day=st.lists(st.sampled_from(PARTS_OF_DAY), max_size=2),
    weather=st.lists(st.sampled_from(WEATHERS), max_size=2))


def claim_holds(reason: ContentReason, facts: VisitorFacts, targeting: Targeting) -> bool:
    """What each reason says, checked against the visitor directly."""
    code, params, context = reason.code, reason.params, facts.context
    if code in CONTEXT_CODES and context is None:
        return False
    if code == "segment":
        return facts.declared_allowed and any(
            facts.segment_names.get(k, k) == params.segment and k in facts.segments
            for k in targeting.segments)
    if code == "declared":
        return facts.declared_allowed and (params.facet, params.value) in facts.likes
    if code in ("trait_high", "trait_low"):
        rules = [r for r in targeting.traits if r.trait == params.trait]
        score = facts.traits.get(params.trait or "")
        return facts.declared_allowed and score is not None and all(
            r.holds(score) for r in rules) and any(
            (r.op in ("gte", "gt")) == (code == "trait_high") for r in rules)
    if code.startswith("mindset_"):
        score = facts.traits.get("growth_mindset", 0.0)
        return facts.declared_allowed and (score > 0 if code.endswith("growth") else score < 0)
    if code == "new_visitor":
        return not facts.returning
    if code == "returning_visitor":
        return facts.returning
    assert context is not None
    if code == "source_site":
        return context.host is not None and (context.host == params.site
                                             or context.host.endswith(f".{params.site}"))
    if code == "source_campaign":
        return any(value is not None for value in (context.utm_source, context.utm_medium,
                                                   context.utm_campaign))
    if code.startswith("source_"):
        return context.source == code.removeprefix("source_")
    if code.startswith("device_"):
        return context.device == code.removeprefix("device_")
    if code.startswith("time_") and code != "time_hours":
        return part_of_day(context.local.hour) == code.removeprefix("time_")
    if code.startswith("weather_"):
        return context.weather == code.removeprefix("weather_")
    return False


@given(targeting=targetings, facts=visitors)
def test_every_reason_of_a_match_is_true_of_the_visitor(targeting: Targeting,
                                                        facts: VisitorFacts) -> None:
    reasons = evaluate(targeting, facts)
    if reasons is None:
        return
    assert len(reasons) == targeting.criteria()
    for reason in reasons:
        assert claim_holds(reason, facts, targeting), reason


@given(targeting=targetings, facts=visitors)
def test_without_permission_the_criteria_never_hold(targeting: Targeting,
                                                    facts: VisitorFacts) -> None:
    reasons = evaluate(targeting, facts)
    if targeting.uses_context() and facts.context is None:
        assert reasons is None
    if targeting.uses_declared() and not facts.declared_allowed:
        assert reasons is None
    if reasons is not None and facts.context is None:
        assert not any(r.code in CONTEXT_CODES for r in reasons)


def test_hour_ranges_wrap_past_midnight() -> None:
    late = Targeting.model_validate({"hours": {"start": 22, "end": 6}})
    for hour, holds in ((23, True), (3, True), (6, False), (12, False), (22, True)):
        facts = VisitorFacts(returning=False, context=Context(
            source="direct", local=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=hour)))
        assert (evaluate(late, facts) is not None) == holds, hour


def test_signals_are_classified_as_documented() -> None:
    assert source_kind(utm_source="fb", utm_medium="social", host=None) == "social"
    assert source_kind(utm_source=None, utm_medium=None, host="mail.google.com") == "email"
    assert source_kind(utm_source=None, utm_medium=None, host="blog.example.org") == "referral"
    assert source_kind(utm_source="google", utm_medium="cpc", host=None) == "search"
    assert referrer_host("//m.facebook.com/x") == "m.facebook.com"
    assert referrer_host("") is None
    assert device_of(None) is None
    assert device_of("Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X)") == "tablet"
    assert device_of("Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile Safari") == "mobile"
