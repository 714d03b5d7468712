"""Properties over random configurators and random choice maps:

- ``evaluate`` never raises, whatever the choice map holds;
- every configuration the service accepts (saves) breaks no compatibility rule, leaves no
  required group open, holds no sold-out option, and costs the base price plus its options'
  prices, rounded once to the currency's minor unit;
- the service accepts exactly what ``evaluate`` calls valid.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session

from prefero.configurators.definition import Configurator, ConfiguratorSet, RequiresRule
from prefero.configurators.engine import evaluate
from prefero.configurators.service import save_configuration
from prefero.db.models import Base
from prefero.errors import InvalidInput

KEYS = ("a", "b", "c", "d")
PRICES = st.decimals(min_value=Decimal(0), max_value=Decimal(5000), places=4,
                     allow_nan=False, allow_infinity=False)


def _label(key: str) -> dict[str, str]:
    return {"en": key.upper(), "pl": key.upper() + " pl"}


@st.composite
def configurators(draw: st.DrawFn) -> Configurator:
    groups = []
    refs: list[str] = []
    for g in range(draw(st.integers(1, 4))):
        options = [{"key": key, "label": _label(key), "price": draw(PRICES),
                    "stock": draw(st.sampled_from([None, None, 0, 1, 5]))}
                   for key in KEYS[: draw(st.integers(1, 4))]]
        refs.extend(f"g{g}.{option['key']}" for option in options)
        groups.append({"key": f"g{g}", "label": _label(f"g{g}"), "options": options,
                       "required": draw(st.booleans()), "multiple": draw(st.booleans())})
    rules = []
    for r in range(draw(st.integers(0, 5))):
        subject = draw(st.sampled_from(refs))
        targets = draw(st.lists(st.sampled_from(refs), min_size=1, max_size=3, unique=True))
        kind = draw(st.sampled_from(["requires", "excludes"]))
        rules.append({"type": kind, "key": f"r{r}", "option": subject,
                      ("needs" if kind == "requires" else "excludes"): targets})
    return Configurator.model_validate({
        "product_id": "x", "title": _label("x"), "base_price": draw(PRICES),
        "currency": draw(st.sampled_from(["PLN", "JPY"])), "groups": groups, "rules": rules})


JUNK = st.one_of(st.none(), st.integers(), st.text(max_size=5), st.sampled_from(KEYS),
                 st.lists(st.one_of(st.sampled_from(KEYS), st.integers(), st.text(max_size=3)),
                          max_size=4))


def choice_maps(definition: Configurator) -> st.SearchStrategy[dict[Any, Any]]:
    keys = st.one_of(st.sampled_from([g.key for g in definition.groups]), st.text(max_size=4))
    return st.dictionaries(keys, JUNK, max_size=6)


def _breaks_no_rule(definition: Configurator, choices: dict[str, Any]) -> bool:
    chosen = {f"{g}.{o}" for g, value in choices.items()
              for o in (value if isinstance(value, list) else [value])}
    for rule in definition.rules:
        if rule.option not in chosen:
            continue
        if isinstance(rule, RequiresRule):
            if not any(need in chosen for need in rule.needs):
                return False
        elif any(other in chosen for other in rule.excludes):
            return False
    return True


def _expected_price(definition: Configurator, choices: dict[str, Any]) -> Decimal:
    total = definition.base_price
    for group_key, value in choices.items():
        group = definition.group(group_key)
        assert group is not None
        for key in value if isinstance(value, list) else [value]:
            option = group.option(key)
            assert option is not None
            total += option.price
    step = Decimal(1) if definition.currency == "JPY" else Decimal("0.01")
    return total.quantize(step, rounding=ROUND_HALF_UP)


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with tempfile.TemporaryDirectory() as folder:
        db = create_engine(f"sqlite:///{Path(folder) / 'property.db'}")
        Base.metadata.create_all(db)
        yield db
        db.dispose()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_evaluate_never_raises_and_valid_means_every_rule_holds(data: st.DataObject) -> None:
    definition = data.draw(configurators())
    choices = data.draw(choice_maps(definition))
    result = evaluate(definition, choices)
    if result.valid:
        assert _breaks_no_rule(definition, result.choices)
        assert all(result.choices.get(g.key) for g in definition.groups if g.required)
        assert result.price == _expected_price(definition, result.choices)
    # The normalised choices evaluate to the same answer (what is saved is what was priced).
    again = evaluate(definition, result.choices)
    assert again.price == result.price
    if result.valid:
        assert again.valid and again.choices == result.choices


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.too_slow,
                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_what_the_service_accepts_breaks_no_rule_and_costs_the_sum(
        engine: Engine, data: st.DataObject) -> None:
    definition = data.draw(configurators())
    # Choice maps built from real keys, so that a fair share is accepted.
    choices = data.draw(st.fixed_dictionaries({}, optional={
        g.key: (st.lists(st.sampled_from([o.key for o in g.options]), max_size=3,
                         unique=True) if g.multiple
                else st.sampled_from([o.key for o in g.options]))
        for g in definition.groups}))
    shop = ConfiguratorSet(configurators={"x": definition})
    with Session(engine) as session:
        try:
            saved = save_configuration(session, shop, customer_id="c1", product_id="x",
                                       choices=choices)
        except InvalidInput as refused:
            assert not evaluate(definition, choices).valid
            assert all(e.loc[0] == "choices" for e in refused.errors)
        else:
            assert evaluate(definition, choices).valid
            assert _breaks_no_rule(definition, saved.choices)
            assert saved.price == _expected_price(definition, saved.choices)
        finally:
            session.rollback()
