"""Pre-selection from declared wishes: budget (best within it, else the cheapest that works),
brands never pre-selected and marked, the simple options for a shopper who is not technical,
and only the shop's defaults without declared-personalization consent. The wishes are read
from the database on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import uuid
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from factories import consent, customer
from prefero.configurators.defaults import Wishes, preselect, read_wishes
from prefero.configurators.definition import Configurator
from prefero.configurators.engine import evaluate
from prefero.configurators.loader import load_configurators_file
from prefero.quizzes.models import CustomerTrait, QuizSession, QuizVersion
from prefero.runtime import Runtime


@pytest.fixture(scope="module")
def laptop() -> Configurator:
    found = load_configurators_file().get("cfg-laptop-14")
    assert found is not None
    return found


_PRICES: dict[str, list[Decimal]] = {}


def _all_valid_prices(definition: Configurator) -> list[Decimal]:
    """Brute force: the price of every valid single-choice configuration of the filled
    groups (the known answer the search must agree with); once per product."""
    if definition.product_id in _PRICES:
        return _PRICES[definition.product_id]
    groups = [g for g in definition.groups if not g.multiple and g.required]
    prices = []
    for combo in itertools.product(*(g.options for g in groups)):
        result = evaluate(definition, {g.key: o.key for g, o in zip(groups, combo,
                                                                     strict=True)})
        if result.valid:
            prices.append(result.price)
    _PRICES[definition.product_id] = prices
    return prices


def test_without_wishes_the_shop_defaults_are_pre_selected(laptop: Configurator) -> None:
    picked = preselect(laptop, Wishes())
    assert picked.choices == {g.key: g.default for g in laptop.groups if g.default}
    assert {r.code for r in picked.reasons} == {"shop_default"}
    assert picked.evaluation.valid and not picked.personalized
    # Paid extras and the optional engraving are never pre-selected.
    assert "extras" not in picked.choices and "engraving" not in picked.choices


@pytest.mark.parametrize("budget", ["4500", "6000", "8000", "12000"])
def test_a_budget_picks_the_best_configuration_within_it(laptop: Configurator,
                                                         budget: str) -> None:
    ceiling = Decimal(budget)
    picked = preselect(laptop, Wishes(personalized=True, budget_max=ceiling), language="pl")
    assert picked.evaluation.valid
    assert picked.evaluation.price == max(p for p in _all_valid_prices(laptop) if p <= ceiling)
    assert {r.code for r in picked.reasons} == {"within_budget"}
    assert all(r.params == {"budget": budget} for r in picked.reasons)
    assert "zł" in picked.reasons[0].text and "budżecie" in picked.reasons[0].text


def test_nothing_within_budget_gives_the_cheapest_that_works_and_says_so(
        laptop: Configurator) -> None:
    picked = preselect(laptop, Wishes(personalized=True, budget_max=Decimal("100")))
    assert picked.evaluation.valid
    assert picked.evaluation.price == min(_all_valid_prices(laptop))
    assert {r.code for r in picked.reasons} == {"cheapest_over_budget"}
    assert picked.reasons[0].text.startswith("Nothing fits your budget of PLN")


def test_a_brand_never_wanted_is_never_pre_selected_and_is_marked(laptop: Configurator) -> None:
    picked = preselect(laptop, Wishes(personalized=True, brands_never=frozenset({"intel"}),
                                      budget_max=Decimal("20000")), language="pl")
    assert picked.choices["processor"] == "ryzen-9"
    assert picked.evaluation.valid  # the Ryzen's memory rule is met too
    assert {(m.group, m.option) for m in picked.marked} == {("processor", "core-i5"),
                                                             ("processor", "core-i7")}
    assert picked.marked[0].text == "Nie zaznaczamy z góry: nie chcesz marki Intel"
    for budget in (None, Decimal("4000")):
        again = preselect(laptop, Wishes(personalized=True, budget_max=budget,
                                         brands_never=frozenset({"intel", "nvidia"})))
        chosen = [laptop.option(f"{g}.{o}") for g, o in again.choices.items()]
        assert not any(o is not None and o.brand in ("Intel", "NVIDIA") for o in chosen)


def test_not_technical_gets_the_recommended_simple_options(laptop: Configurator) -> None:
    picked = preselect(laptop, Wishes(personalized=True, not_technical=True,
                                      budget_max=Decimal("9000")))
    assert picked.evaluation.valid
    for group in laptop.groups:
        if group.key in picked.choices:
            option = group.option(str(picked.choices[group.key]))
            assert option is not None and option.recommended and not option.technical
    assert {r.code for r in picked.reasons} == {"not_technical"}


def test_consent_off_means_the_shop_defaults_even_with_wishes(laptop: Configurator) -> None:
    wishes = Wishes(personalized=False, budget_max=Decimal("100"),
                    brands_never=frozenset({"intel"}), not_technical=True, withheld=True)
    picked = preselect(laptop, wishes, language="pl")
    assert picked.choices == preselect(laptop, Wishes()).choices
    assert picked.marked == ()
    assert picked.reasons[0].code == "consent_off" and picked.reasons[0].group is None
    assert "personalizacja jest wyłączona" in picked.reasons[0].text


def _quiz_asking_for_help(session: Session, cid: str) -> None:
    definition = {"id": "laptop-help", "questions": [{"id": "refurbished", "options": [
        {"id": "fine"}, {"id": "unsure", "wants_assistance": True}]}]}
    session.add(QuizVersion(quiz_id="laptop-help", version=1, kind="guided",
                            title="Laptop", definition=definition, digest="d"))
    session.add(QuizSession(id=str(uuid.uuid4()), quiz_id="laptop-help", version=1,
                            customer_id=cid, status="completed",
                            answers=[{"question_id": "refurbished", "option_ids": ["unsure"]}]))


def test_wishes_are_read_from_the_profile_within_consent(runtime: Runtime) -> None:
    settings = runtime.settings
    with runtime.session(write=True) as session:
        customer(session, "ann", never=[("brand", "intel")], budget_max=5000)
        customer(session, "bob", never=[("brand", "intel")], budget_max=5000)
        consent(session, "bob", "personalization", False)
        customer(session, "cid")
        _quiz_asking_for_help(session, "cid")
        customer(session, "dan")
        session.add(CustomerTrait(customer_id="dan", trait="technical_confidence", value=-1.0,
                                  source="quiz:tech"))
    with runtime.session() as session:
        ann = read_wishes(session, customer_id="ann", settings=settings)
        bob = read_wishes(session, customer_id="bob", settings=settings)
        cid = read_wishes(session, customer_id="cid", settings=settings)
        dan = read_wishes(session, customer_id="dan", settings=settings)
        stranger = read_wishes(session, customer_id="nobody", settings=settings)
    assert ann == Wishes(personalized=True, budget_max=Decimal("5000"),
                         brands_never=frozenset({"intel"}))
    assert bob == Wishes(personalized=False, withheld=True)
    assert cid.not_technical and dan.not_technical and not ann.not_technical
    assert stranger == Wishes(personalized=True)
