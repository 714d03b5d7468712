"""Pre-select a configuration from what the customer declared, and say why for each choice.

- A budget ceiling picks the best configuration within it: the one that puts most of the
  budget into the product (price stands for specification here), or, when nothing fits, the
  cheapest configuration that works, saying so.
- A brand the customer never wants is never pre-selected, and its options are marked.
- A customer who said they are not technical (an answer that asked for help in a quiz, or a
  low ``technical_confidence`` trait) gets the shop's recommended, simple option where a
  group has one, and no option the shop marks as technical.
- Without the customer's declared-personalization consent (or at level ``off``) none of
  this is used: the shop's own defaults are pre-selected, and the answer says why.

Paid extras (groups that take several options) and optional groups without a shop default
are never pre-selected: adding to the bill is the customer's call.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from prefero.config import Settings
from prefero.configurators.definition import Configurator, Group, Option, RequiresRule
from prefero.configurators.engine import Evaluation, Stock, evaluate
from prefero.configurators.wording import MESSAGES, price_text
from prefero.i18n.catalogues import translations
from prefero.quizzes.models import CustomerTrait, QuizSession, QuizVersion
from prefero.recommend.profile import load_profile

__all__ = ["DefaultCode", "DefaultReason", "Preselection", "Wishes", "preselect",
           "read_wishes"]

DefaultCode = Literal["shop_default", "within_budget", "cheapest_over_budget", "cheapest",
                      "not_technical", "brand_never", "consent_off"]
#: Configurations tried at most; past it the groups beyond the first ones keep the shop's
#: default (a definition that large is not a demo's, and its rules are rarely that tangled).
MAX_COMBINATIONS = 50_000
#: A trait a quiz may measure; below zero the customer reads as not technical.
TECHNICAL_TRAIT = "technical_confidence"


@dataclass(frozen=True)
class Wishes:
    """What the customer declared that bears on a configuration, as far as consent allows."""

    personalized: bool = False
    budget_max: Decimal | None = None
    #: Brands never wanted, case-folded.
    brands_never: frozenset[str] = frozenset()
    not_technical: bool = False
    #: A known customer whose declared wishes are not used (consent or level): the answer
    #: says so rather than pretending they have none.
    withheld: bool = False


@dataclass(frozen=True)
class DefaultReason:
    code: DefaultCode
    text: str
    group: str | None = None
    option: str | None = None
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Preselection:
    choices: dict[str, str | list[str]]
    #: One reason per pre-selected group (and a general note first when wishes are withheld).
    reasons: tuple[DefaultReason, ...]
    #: Options never pre-selected because of a wish, with why (brand never).
    marked: tuple[DefaultReason, ...]
    evaluation: Evaluation
    #: Whether the customer's declared wishes were used (else: the shop's defaults).
    personalized: bool = False


def _reason(code: DefaultCode, language: str, *, group: str | None = None,
            option: str | None = None, params: Mapping[str, str] | None = None,
            shown: Mapping[str, str] | None = None) -> DefaultReason:
    text = translations(language).gettext(MESSAGES[code]).format(**(shown or {}))
    return DefaultReason(code=code, text=text, group=group, option=option,
                         params=dict(params or {}))


def _fits(definition: Configurator, refs: set[str]) -> bool:
    for rule in definition.rules:
        if rule.option not in refs:
            continue
        if isinstance(rule, RequiresRule):
            if not any(need in refs for need in rule.needs):
                return False
        elif any(other in refs for other in rule.excludes):
            return False
    return True


def _filled(group: Group) -> bool:
    """Whether a default is pre-selected in the group at all."""
    return not group.multiple and (group.required or group.default is not None)


def preselect(definition: Configurator, wishes: Wishes, *, stock: Stock | None = None,
              language: str = "en", today: date | None = None) -> Preselection:
    """The pre-selected choices with a reason for each, and the options a wish keeps out.

    >>> from prefero.configurators.loader import load_configurators_file
    >>> laptop = load_configurators_file().get("cfg-laptop-14")
    >>> picked = preselect(laptop, Wishes(personalized=True, budget_max=Decimal("5000")))
    >>> picked.evaluation.valid, picked.evaluation.price <= 5000
    (True, True)
    >>> picked.reasons[0].code
    'within_budget'
    """
    personal = wishes.personalized
    never = wishes.brands_never if personal else frozenset()
    simple = personal and wishes.not_technical
    budget = wishes.budget_max if personal else None

    def in_stock(group: Group, option: Option) -> bool:
        left = (stock or {}).get((group.key, option.key), option.stock)
        return left is None or left > 0

    marked = tuple(
        _reason("brand_never", language, group=group.key, option=option.key,
                params={"brand": option.brand or ""}, shown={"brand": option.brand or ""})
        for group in definition.groups for option in group.options
        if option.brand is not None and option.brand.casefold() in never)
    candidates: dict[str, list[Option]] = {}
    for group in filter(_filled, definition.groups):
        # A brand never wanted is a filter, not a penalty: its options are not candidates.
        allowed = [o for o in group.options if in_stock(group, o)
                   and (o.brand is None or o.brand.casefold() not in never)]
        if allowed:
            candidates[group.key] = allowed
    open_groups = list(candidates)
    # Beyond the cap, the later groups keep one option each (their default, else the first).
    total = 1
    for key in open_groups:
        total *= len(candidates[key])
        if total > MAX_COMBINATIONS:
            found = definition.group(key)
            default = found.option(found.default) if found and found.default else None
            candidates[key] = [default if default in candidates[key] else candidates[key][0]]
    defaults = {g.key: g.default for g in definition.groups}
    best: tuple[Any, ...] | None = None
    best_pick: dict[str, Option] = {}
    for combo in itertools.product(*(candidates[key] for key in open_groups)):
        pick = dict(zip(open_groups, combo, strict=True))
        refs = {f"{key}.{option.key}" for key, option in pick.items()}
        if not _fits(definition, refs):
            continue
        price = definition.base_price + sum((o.price for o in pick.values()), Decimal(0))
        at_default = sum(1 for key, o in pick.items() if defaults.get(key) == o.key)
        # Not technical: the shop's recommended options first, technical ones last.
        plain = (sum(1 for o in pick.values() if o.recommended)
                 - sum(1 for o in pick.values() if o.technical)) if simple else 0
        if budget is not None:
            # Within budget: the most of it; else the least over it. Ties: the shop's
            # defaults, then the lower price.
            fits_budget = price <= budget
            score: tuple[Any, ...] = (fits_budget, plain, price if fits_budget else -price,
                                      at_default)
        else:
            score = (plain, at_default, -price)
        if best is None or score > best:
            best, best_pick = score, pick
    choices: dict[str, str | list[str]] = {key: o.key for key, o in best_pick.items()}
    evaluation = evaluate(definition, choices, stock=stock, today=today)
    reasons: list[DefaultReason] = []
    if wishes.withheld and not personal:
        reasons.append(_reason("consent_off", language))
    fits = budget is not None and evaluation.price <= budget
    shown_budget = ({"budget": price_text(budget, definition.currency, language)}
                    if budget is not None else {})
    for group in definition.groups:
        option = best_pick.get(group.key)
        if option is None:
            continue
        code: DefaultCode
        if simple and option.recommended:
            code = "not_technical"
        elif budget is not None:
            code = "within_budget" if fits else "cheapest_over_budget"
        elif group.default == option.key:
            code = "shop_default"
        else:
            code = "cheapest"
        params = {"budget": str(budget)} if code in ("within_budget",
                                                     "cheapest_over_budget") else {}
        reasons.append(_reason(code, language, group=group.key, option=option.key,
                               params=params, shown=shown_budget))
    return Preselection(choices=choices, reasons=tuple(reasons), marked=marked,
                        evaluation=evaluation, personalized=personal)


def _asked_for_help(session: Session, customer_id: str) -> bool:
    """An answer in one of the customer's finished quizzes asked for help (an option the
    quiz marks ``wants_assistance``: "I'm not sure what that means")."""
    rows = session.execute(
        select(QuizSession.answers, QuizVersion.definition)
        .join(QuizVersion, (QuizVersion.quiz_id == QuizSession.quiz_id)
              & (QuizVersion.version == QuizSession.version))
        .where(QuizSession.customer_id == customer_id, QuizSession.status == "completed"))
    for answers, definition in rows:
        helpful = {(question.get("id"), option.get("id"))
                   for question in definition.get("questions", [])
                   for option in question.get("options") or []
                   if option.get("wants_assistance")}
        if any((answer.get("question_id"), oid) in helpful
               for answer in answers or [] for oid in answer.get("option_ids") or []):
            return True
    return False


def read_wishes(session: Session, *, customer_id: str, settings: Settings) -> Wishes:
    """The customer's wishes for pre-selection; none when their consents or level say that
    what they declared may not be used.

    >>> read_wishes(session, customer_id="c1", settings=settings)  # doctest: +SKIP
    Wishes(personalized=True, budget_max=Decimal('5000'), ...)
    """
    profile = load_profile(session, customer_id=customer_id, settings=settings)
    if not profile.uses_declared:
        # "Your saved preferences are not used" only for someone who saved some.
        return Wishes(personalized=False, withheld=bool(
            profile.never or profile.likes or profile.must or profile.sizes
            or profile.budget_max is not None))
    trait = session.get(CustomerTrait, (customer_id, TECHNICAL_TRAIT))
    not_technical = (trait is not None and trait.value < 0) or _asked_for_help(
        session, customer_id)
    return Wishes(
        personalized=True,
        budget_max=(Decimal(str(profile.budget_max)) if profile.budget_max is not None
                    else None),
        brands_never=frozenset(value.casefold() for facet, value in profile.never
                               if facet == "brand"),
        not_technical=not_technical)
