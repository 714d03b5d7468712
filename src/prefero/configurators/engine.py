"""Evaluate a customer's choices against a configurator: pure functions, no database.

Given the definition, the choices (group key -> option key, or a list of keys for a group
that takes several) and the live stock, ``evaluate`` answers:

- whether the configuration can be ordered, and every problem with it (a required group
  left open, an unknown option, one out of stock, a broken rule naming both options), each
  at the path of its group in the request (``("choices", "graphics")``);
- which options cannot be chosen now and why (the rule and the chosen option that rule it
  out, or the stock);
- the price: the base price plus the chosen options' prices, rounded once at the end to the
  currency's minor unit (rounding each option first could drift by a cent per option);
- the delivery estimate: the base lead time plus the slowest chosen option's extra days.

It never raises on a choices mapping, however malformed: what cannot be read is a problem.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from typing import Literal

from prefero.configurators.definition import Configurator, Labels, RequiresRule, split_ref
from prefero.configurators.wording import labels, option_names
from prefero.currency import MAX_STORED_DECIMALS, minor_digits

__all__ = [
    "ChoiceMap",
    "ChosenOption",
    "Delivery",
    "Evaluation",
    "Problem",
    "ProblemCode",
    "Stock",
    "Unavailable",
    "Why",
    "WhyCode",
    "evaluate",
    "price_of",
]

ChoiceMap = Mapping[str, object]
#: (group, option) -> units left; ``None`` (or a missing key): unlimited.
Stock = Mapping[tuple[str, str], int | None]
ProblemCode = Literal["missing", "unknown_group", "unknown_option", "not_a_choice",
                      "single_choice", "out_of_stock", "requires", "excludes"]
WhyCode = Literal["out_of_stock", "requires", "excludes"]
Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """Why the configuration cannot be ordered, at the path of the group in the request."""

    code: ProblemCode
    loc: Loc
    group: str
    option: str | None
    message: Labels
    rule: str | None = None
    #: For a broken rule: the options on its other side ("group.option").
    others: tuple[str, ...] = ()


@dataclass(frozen=True)
class Why:
    """Why one option cannot be chosen now."""

    code: WhyCode
    message: Labels
    rule: str | None = None
    #: The chosen options that rule it out ("group.option"); empty when the stock does.
    because: tuple[str, ...] = ()
    #: For ``requires``: what the rule asks for.
    needs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Unavailable:
    group: str
    option: str
    reasons: tuple[Why, ...]


@dataclass(frozen=True)
class ChosenOption:
    group: str
    option: str
    label: Labels
    group_label: Labels
    price: Decimal
    lead_days: int


@dataclass(frozen=True)
class Delivery:
    """Build and delivery time: ``days`` from the order, arriving between the two dates."""

    days: int
    earliest: date
    latest: date


@dataclass(frozen=True)
class Evaluation:
    product_id: str
    valid: bool
    problems: tuple[Problem, ...]
    unavailable: tuple[Unavailable, ...]
    chosen: tuple[ChosenOption, ...]
    price: Decimal
    currency: str
    delivery: Delivery
    #: The readable part of the choices, normalised: a key per group, a list for a group
    #: that takes several.
    choices: dict[str, str | list[str]] = field(default_factory=dict)

    def unavailable_reasons(self, group: str, option: str) -> tuple[Why, ...]:
        """Why ``group.option`` cannot be chosen now (empty: it can)."""
        return next((u.reasons for u in self.unavailable
                     if u.group == group and u.option == option), ())


def price_of(definition: Configurator, chosen: Iterable[ChosenOption]) -> Decimal:
    """The base price plus the chosen options' prices, rounded once, half up, to the
    currency's minor unit.

    >>> from prefero.configurators.loader import load_configurators_file
    >>> laptop = load_configurators_file().get("cfg-laptop-14")
    >>> price_of(laptop, []) == laptop.base_price
    True
    """
    total = definition.base_price + sum((option.price for option in chosen), Decimal(0))
    step = Decimal(1).scaleb(-min(minor_digits(definition.currency), MAX_STORED_DECIMALS))
    return total.quantize(step, rounding=ROUND_HALF_UP)


class _Context:
    """The definition's options and rules, indexed for one evaluation."""

    def __init__(self, definition: Configurator, stock: Stock | None) -> None:
        self.definition = definition
        self.stock = stock or {}
        self.single = {g.key: not g.multiple for g in definition.groups}
        self.requires = [r for r in definition.rules if isinstance(r, RequiresRule)]
        # Exclusions both ways: "engraving excludes plastic" also keeps plastic from
        # engraving.
        self.excludes: dict[str, list[tuple[str, str, Labels | None]]] = {}
        for rule in definition.rules:
            if isinstance(rule, RequiresRule):
                continue
            for other in rule.excludes:
                self.excludes.setdefault(rule.option, []).append((other, rule.key, rule.message))
                self.excludes.setdefault(other, []).append((rule.option, rule.key, rule.message))

    def left(self, ref: str) -> int | None:
        group, option = split_ref(ref)
        if (group, option) in self.stock:
            return self.stock[(group, option)]
        found = self.definition.option(ref)
        return found.stock if found is not None else None

    def out_of_stock(self, ref: str) -> bool:
        left = self.left(ref)
        return left is not None and left <= 0

    def blocked(self, ref: str, chosen: set[str]) -> bool:
        """``ref`` cannot be added to ``chosen``: out of stock, or its single-choice group
        already holds another option."""
        group = split_ref(ref)[0]
        return self.out_of_stock(ref) or (self.single.get(group, False) and any(
            split_ref(c)[0] == group and c != ref for c in chosen))

    def namer(self, refs: Iterable[str]) -> Callable[[str], str]:
        """The options' names as a function of the language (for ``labels``)."""
        return partial(option_names, self.definition, list(refs))


def _read_choices(definition: Configurator, choices: object,
                  problems: list[Problem]) -> dict[str, list[str]]:
    """The choices that name real options, by group; everything else becomes a problem."""
    selected: dict[str, list[str]] = {}
    if not isinstance(choices, Mapping):
        return selected
    for raw_group, value in choices.items():
        group = definition.group(raw_group) if isinstance(raw_group, str) else None
        if group is None:
            shown = str(raw_group)[:100]
            problems.append(Problem("unknown_group", ("choices", str(raw_group)[:200]),
                                    str(raw_group)[:200], None,
                                    labels("unknown_group", values={"value": shown})))
            continue
        key = group.key
        named = {"group": group.label}
        if value is None or value == "" or value == []:
            continue
        if isinstance(value, str):
            entries: list[tuple[Loc, object]] = [(("choices", key), value)]
        elif isinstance(value, list):
            entries = [(("choices", key, i), item) for i, item in enumerate(value)]
            if not group.multiple and len(value) > 1:
                problems.append(Problem("single_choice", ("choices", key), key, None,
                                        labels("single_choice", values=named)))
                continue
            if not group.multiple:
                entries = [(("choices", key), value[0])]
        else:
            problems.append(Problem("not_a_choice", ("choices", key), key, None,
                                    labels("not_a_choice", values=named)))
            continue
        for loc, item in entries:
            if not isinstance(item, str):
                problems.append(Problem("not_a_choice", loc, key, None,
                                        labels("not_a_choice", values=named)))
            elif group.option(item) is None:
                shown = item[:100]
                problems.append(Problem(
                    "unknown_option", loc, key, None, labels(
                        "unknown_option", values={"group": group.label, "value": shown})))
            elif item not in selected.get(key, []):
                selected.setdefault(key, []).append(item)
    return selected


def _rule_problems(ctx: _Context, chosen: set[str], problems: list[Problem]) -> None:
    for rule in ctx.requires:
        if rule.option not in chosen or any(need in chosen for need in rule.needs):
            continue
        group, option = split_ref(rule.option)
        # The options on the other side: what was chosen in the needed groups instead (the
        # 500 W supply), else what is needed.
        need_groups = {split_ref(n)[0] for n in rule.needs}
        instead = tuple(sorted(c for c in chosen if split_ref(c)[0] in need_groups))
        problems.append(Problem(
            "requires", ("choices", group), group, option,
            labels("requires", override=rule.message, values={
                "option": ctx.namer([rule.option]), "needs": ctx.namer(rule.needs)}),
            rule=rule.key, others=instead or tuple(rule.needs)))
    reported: set[tuple[str, str]] = set()
    for exclusion in ctx.definition.rules:
        if isinstance(exclusion, RequiresRule) or exclusion.option not in chosen:
            continue
        for other in exclusion.excludes:
            if other not in chosen or (exclusion.option, other) in reported:
                continue
            reported.add((exclusion.option, other))
            group, option = split_ref(exclusion.option)
            problems.append(Problem(
                "excludes", ("choices", group), group, option,
                labels("excludes", override=exclusion.message, values={
                    "option": ctx.namer([exclusion.option]), "other": ctx.namer([other])}),
                rule=exclusion.key, others=(other,)))


def _why_not(ctx: _Context, ref: str, chosen: set[str]) -> tuple[Why, ...]:
    """Why ``ref`` cannot be added to the choices now (empty: it can)."""
    group = split_ref(ref)[0]
    # Choosing it replaces the group's choice (single) or joins the others (multiple).
    others = {c for c in chosen if not (ctx.single[group] and split_ref(c)[0] == group)}
    after = others | {ref}
    reasons: list[Why] = []
    if ctx.out_of_stock(ref):
        reasons.append(Why("out_of_stock", labels("why_out_of_stock")))
    for other, rule_key, message in ctx.excludes.get(ref, []):
        if other in others:
            reasons.append(Why("excludes", labels(
                "why_excludes", override=message, values={"because": ctx.namer([other])}),
                rule=rule_key, because=(other,)))
    for rule in ctx.requires:
        if rule.option not in after or any(need in after for need in rule.needs):
            continue
        if not all(ctx.blocked(need, after) for need in rule.needs):
            continue  # still satisfiable: the shopper can pick a needed option next
        need_groups = {split_ref(n)[0] for n in rule.needs}
        if rule.option == ref:
            instead = tuple(sorted(c for c in others if split_ref(c)[0] in need_groups))
            code = "why_needs_blocked" if instead else "why_needs_out_of_stock"
            reasons.append(Why("requires", labels(code, override=rule.message, values={
                "needs": ctx.namer(rule.needs), "because": ctx.namer(instead)}),
                rule=rule.key, because=instead, needs=tuple(rule.needs)))
        elif group in need_groups:
            reasons.append(Why("requires", labels("why_needed_by", override=rule.message,
                                                  values={"needs": ctx.namer(rule.needs),
                                                          "because": ctx.namer([rule.option])}),
                rule=rule.key, because=(rule.option,), needs=tuple(rule.needs)))
    return tuple(reasons)


def evaluate(definition: Configurator, choices: ChoiceMap | object, *,
             stock: Stock | None = None, today: date | None = None) -> Evaluation:
    """Everything the configurator page and an order need to know about ``choices``.

    >>> from prefero.configurators.loader import load_configurators_file
    >>> laptop = load_configurators_file().get("cfg-laptop-14")
    >>> result = evaluate(laptop, {"graphics": "rtx-4070", "power": "w100"})
    >>> result.valid, [(p.code, p.loc) for p in result.problems if p.code == "requires"]
    (False, [('requires', ('choices', 'graphics'))])
    >>> [w.because for w in result.unavailable_reasons("power", "w100")]
    [('graphics.rtx-4070',)]
    """
    ctx = _Context(definition, stock)
    problems: list[Problem] = []
    selected = _read_choices(definition, choices, problems)
    chosen_refs = {f"{g}.{o}" for g, keys in selected.items() for o in keys}
    chosen: list[ChosenOption] = []
    for group in definition.groups:
        keys = selected.get(group.key, [])
        # A group whose choice could not be read already has its problem.
        if not keys and group.required and not any(p.group == group.key for p in problems):
            code = "missing_multiple" if group.multiple else "missing"
            problems.append(Problem("missing", ("choices", group.key), group.key, None,
                                    labels(code, values={"group": group.label})))
        for key in keys:
            option = group.option(key)
            if option is None:  # _read_choices keeps only real options
                continue
            ref = f"{group.key}.{key}"
            if ctx.out_of_stock(ref):
                problems.append(Problem(
                    "out_of_stock", ("choices", group.key), group.key, key,
                    labels("out_of_stock", values={"option": option.label})))
            chosen.append(ChosenOption(group=group.key, option=key, label=option.label,
                                       group_label=group.label, price=option.price,
                                       lead_days=option.lead_days))
    _rule_problems(ctx, chosen_refs, problems)
    unavailable = []
    for group in definition.groups:
        for option in group.options:
            reasons = _why_not(ctx, f"{group.key}.{option.key}", chosen_refs)
            if reasons:
                unavailable.append(Unavailable(group.key, option.key, reasons))
    start = today or datetime.now(UTC).date()
    days = definition.lead_days + max((c.lead_days for c in chosen), default=0)
    earliest = start + timedelta(days=days)
    return Evaluation(
        product_id=definition.product_id, valid=not problems, problems=tuple(problems),
        unavailable=tuple(unavailable), chosen=tuple(chosen),
        price=price_of(definition, chosen), currency=definition.currency,
        delivery=Delivery(days=days, earliest=earliest,
                          latest=earliest + timedelta(days=definition.delivery_spread_days)),
        choices={group.key: (list(selected[group.key]) if group.multiple
                             else selected[group.key][0])
                 for group in definition.groups if selected.get(group.key)})
