"""The three strategies: first match in order, best score (criteria × weight), and a split
whose arms hold their shares and whose places are stable and independent between slots."""

from __future__ import annotations

from datetime import UTC, datetime

from content_helpers import slot, variant
from prefero.assignment import bucket
from prefero.content.choose import choose, split_shares
from prefero.content.visitor import Context, VisitorFacts

EVENING = datetime(2026, 11, 20, 19, 0, tzinfo=UTC)


def facts(**fields: object) -> VisitorFacts:
    base: dict[str, object] = {"returning": False}
    base.update(fields)
    return VisitorFacts(**base)  # type: ignore[arg-type]


def context(**fields: object) -> Context:
    base: dict[str, object] = {"source": "direct", "local": EVENING}
    base.update(fields)
    return Context(**base)  # type: ignore[arg-type]


def test_first_match_takes_the_first_variant_whose_targeting_holds() -> None:
    hero = slot(variant("returning", targeting={"visitor": "returning"}),
                variant("new", targeting={"visitor": "new"}),
                variant("everyone"), fallback="everyone")
    chosen = choose(hero, facts(returning=False), unit="v1")
    assert chosen.variant is not None and chosen.variant.key == "new"
    assert [r.code for r in chosen.reasons] == ["new_visitor"]
    back = choose(hero, facts(returning=True), unit="v1")
    assert back.variant is not None and back.variant.key == "returning"
    assert [r.code for r in back.reasons] == ["returning_visitor"]


def test_nothing_matching_shows_the_fallback_as_the_default_or_nothing() -> None:
    targeted = variant("phones", targeting={"device": ["mobile"]})
    with_fallback = slot(targeted, variant("plain"), fallback="plain")
    chosen = choose(with_fallback, facts(context=context(device="desktop")), unit="v")
    # "plain" has no targeting: it matches by its place in the order, for everyone.
    assert chosen.variant is not None and chosen.variant.key == "plain"
    assert [r.code for r in chosen.reasons] == ["default"]
    only_targeted = slot(targeted, variant("other", targeting={"visitor": "returning"}),
                         fallback="other")
    chosen = choose(only_targeted, facts(), unit="v")
    assert chosen.variant is not None and chosen.variant.key == "other"
    assert [r.code for r in chosen.reasons] == ["default"]
    empty = choose(slot(targeted), facts(), unit="v")
    assert empty.variant is None and empty.reasons == ()


def test_best_score_prefers_more_matched_criteria_times_weight() -> None:
    evening_phone = variant("evening-phone", targeting={
        "device": ["mobile"], "time_of_day": ["evening"]})
    phone = variant("phone", targeting={"device": ["mobile"]}, weight=1.5)
    everyone = variant("everyone")
    hero = slot(everyone, phone, evening_phone, strategy="best_score")
    seen = facts(context=context(device="mobile"))
    chosen = choose(hero, seen, unit="v")
    assert chosen.variant is not None and chosen.variant.key == "evening-phone"  # 2 × 1 > 1.5
    assert [r.code for r in chosen.reasons] == ["device_mobile", "time_evening"]
    heavier = slot(everyone, variant("phone", targeting={"device": ["mobile"]}, weight=3.0),
                   evening_phone, strategy="best_score")
    assert choose(heavier, seen, unit="v").variant.key == "phone"  # type: ignore[union-attr]
    # Nothing targeted matches a desktop: the variant for everyone (score 0) wins.
    desk = choose(hero, facts(context=context(device="desktop")), unit="v")
    assert desk.variant is not None and desk.variant.key == "everyone"
    assert [r.code for r in desk.reasons] == ["default"]


def test_best_score_breaks_ties_by_order() -> None:
    hero = slot(variant("a", targeting={"visitor": "new"}),
                variant("b", targeting={"visitor": "new"}), strategy="best_score")
    assert choose(hero, facts(), unit="v").variant.key == "a"  # type: ignore[union-attr]


def test_split_arms_hold_their_shares_within_tolerance() -> None:
    hero = slot(variant("a", share=1.0), variant("b", share=3.0), variant("fallback"),
                strategy="split", control_share=0.2, fallback="fallback")
    assert [(arm.key if arm else None, round(share, 3)) for arm, share in split_shares(hero)
            ] == [(None, 0.2), ("a", 0.2), ("b", 0.6)]
    counts = {"control": 0, "a": 0, "b": 0}
    visitors = 20_000
    for n in range(visitors):
        chosen = choose(hero, facts(), unit=f"anon-{n}")
        assert chosen.variant is not None
        counts["control" if chosen.control else chosen.variant.key] += 1
    expected = {"control": 0.2 * visitors, "a": 0.2 * visitors, "b": 0.6 * visitors}
    chi_square = sum((counts[k] - expected[k]) ** 2 / expected[k] for k in counts)
    assert chi_square < 13.8  # 2 degrees of freedom, 0.1%: deterministic units, no flakes


def test_a_visitor_keeps_their_arm_and_slots_place_them_independently() -> None:
    one = slot(variant("a", share=1), variant("b", share=1), strategy="split", salt="one")
    two = slot(variant("a", share=1), variant("b", share=1), strategy="split", salt="two")
    same = 0
    for n in range(4000):
        unit = f"anon-{n}"
        first = choose(one, facts(), unit=unit).variant
        assert first == choose(one, facts(), unit=unit).variant  # stable across requests
        same += first == choose(two, facts(), unit=unit).variant
    # Independent halves agree about half the time (a shared salt would agree always).
    assert 1800 < same < 2200


def test_split_ignores_targeting_and_context() -> None:
    hero = slot(variant("a", share=1, targeting={"device": ["mobile"]}), variant("b", share=1),
                strategy="split")
    for n in range(200):
        unit = f"u{n}"
        plain = choose(hero, facts(), unit=unit)
        rich = choose(hero, facts(context=context(device="desktop"), returning=True), unit=unit)
        assert plain == rich
        assert [r.code for r in plain.reasons] == ["split"]
        assert plain.reasons[0].params.share == 0.5


def test_split_control_group_sees_the_fallback_and_is_told_so() -> None:
    hero = slot(variant("usual"), variant("new-look", share=1), strategy="split",
                control_share=0.5, fallback="usual")
    unit = next(f"u{n}" for n in range(100) if bucket(unit=f"u{n}", salt="salt-1") < 0.5)
    chosen = choose(hero, facts(), unit=unit)
    assert chosen.control and chosen.variant is not None and chosen.variant.key == "usual"
    assert [r.code for r in chosen.reasons] == ["control"]


def test_a_split_cannot_place_a_visitor_without_an_id() -> None:
    hero = slot(variant("usual"), variant("b", share=1), strategy="split", fallback="usual")
    chosen = choose(hero, facts(), unit=None)
    assert chosen.variant is not None and chosen.variant.key == "usual"
    assert not chosen.control and [r.code for r in chosen.reasons] == ["default"]
