"""The power calculator: from a base rate and two of lift, shoppers per arm and power, the
third (``prefero.experiments.power``), answered in a sentence a marketer can act on.

With more than two arms each arm's comparison with the control is planned at the level
divided by the comparisons (``comparison_alpha``), the level the primary verdict's Holm
adjustment asks of its strictest step, and the answer says so.

Every figure is typed as a percentage or a count, with a comma or a point; a wrong one is
named beside its field. The page reads its question from the address (a GET form), so an
answer can be bookmarked or sent to a colleague, and it changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

from prefero.experiments.power import (
    comparison_alpha,
    proportion_mde,
    proportion_power,
    proportion_sample_size,
)
from prefero.i18n.catalogues import N_
from prefero.web.dashboard.render import Numbers
from prefero.web.i18n import Translator

__all__ = ["TITLE", "Answer", "PowerForm", "answer", "shoppers"]

Solve = Literal["mde", "power", "units"]

TITLE = N_("Power calculator")
_MESSAGES = {
    "base_rate": N_("Enter a rate above 0% and below 100%."),
    "lift": N_("Enter a lift other than 0%, such as 10 or −5."),
    "units": N_("Enter a whole number of shoppers, at least 2."),
    "alpha": N_("Enter a level above 0% and below 50%."),
    "power": N_("Enter a power above the significance level and below 100%."),
    "solve": N_("Choose what to work out."),
    "arms": N_("Enter a whole number of arms from 2 to 10, the control included."),
    "impossible": N_("No experiment of this size finds that: try a larger lift or more "
                     "shoppers."),
}


def _say(t: Translator, name: str, **values: object) -> str:
    """The message for ``name`` in ``t``'s language (named apart from the table, so that
    the catalogue's extraction reads the table, not the names)."""
    return t(_MESSAGES[name], **values)


@dataclass
class PowerForm:
    """The calculator's fields as typed."""

    solve: str = "units"
    base_rate: str = "10"
    lift: str = "20"
    units: str = "3000"
    alpha: str = "5"
    power: str = "80"
    arms: str = "2"


@dataclass(frozen=True)
class Answer:
    """What the calculator worked out: its headline figure, the sentence saying it and,
    with more than two arms, the level each comparison is planned at."""

    headline: str
    sentence: str
    note: str | None = None


#: The most arms an experiment has (``ExperimentIn.arms``).
MAX_ARMS = 10


def _number(text: str) -> Decimal | None:
    cleaned = (text.strip().removesuffix("%").strip().replace(",", ".")
               .replace("\u2212", "-").replace(" ", "").replace("\xa0", ""))
    if not cleaned or len(cleaned) > 20:
        return None
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _fraction(text: str, *, low: float, high: float) -> float | None:
    """A percentage as a fraction strictly between ``low`` and ``high``; None otherwise."""
    number = _number(text)
    if number is None:
        return None
    fraction = float(number / 100)
    return fraction if low < fraction < high else None


def _units(text: str) -> int | None:
    number = _number(text)
    if number is None or number != number.to_integral_value() or not 2 <= number <= 10**9:
        return None
    return int(number)


def _arms(text: str) -> int | None:
    number = _number(text)
    if number is None or number != number.to_integral_value() or not 2 <= number <= MAX_ARMS:
        return None
    return int(number)


def _note(arms: int, alpha: float, planned: float, t: Translator) -> str | None:
    if arms == 2:
        return None
    n = Numbers(t)
    return t("With {arms} arms the verdict compares {comparisons} arms with the control and "
             "adjusts for that (Holm), so each comparison is planned at a significance level "
             "of {planned} ({alpha} divided by {comparisons}): on the safe side, as Holm "
             "asks that only of the strongest result.", arms=n.count(arms),
             comparisons=n.count(arms - 1), planned=n.share(planned), alpha=n.share(alpha))


def shoppers(n: int, t: Translator) -> str:
    """``n`` shoppers in each arm, as the sentences use it (Polish: the accusative)."""
    return t.plural("{n} shopper in each arm", "{n} shoppers in each arm", n)


def answer(form: PowerForm, t: Translator) -> tuple[Answer | None, dict[str, str]]:
    """Work out what ``form`` asks; or each wrong field with its message.

    >>> from prefero.web.i18n import translator
    >>> answer(PowerForm(solve="units"), translator("en"))[0].headline
    '3,839 shoppers in each arm'
    """
    errors: dict[str, str] = {}
    solve = form.solve if form.solve in ("mde", "power", "units") else None
    if solve is None:
        errors["solve"] = _say(t, "solve")
    base = _fraction(form.base_rate, low=0.0, high=1.0)
    if base is None:
        errors["base_rate"] = _say(t, "base_rate")
    alpha = _fraction(form.alpha, low=0.0, high=0.5)
    if alpha is None:
        errors["alpha"] = _say(t, "alpha")
    arms = _arms(form.arms)
    if arms is None:
        errors["arms"] = _say(t, "arms")
    lift = units = power = None
    if solve in ("power", "units"):
        number = _number(form.lift)
        lift = float(number / 100) if number is not None and number != 0 else None
        if lift is None or lift <= -1:
            errors["lift"] = _say(t, "lift")
    if solve in ("mde", "power"):
        units = _units(form.units)
        if units is None:
            errors["units"] = _say(t, "units")
    if solve in ("mde", "units"):
        power = _fraction(form.power, low=alpha or 0.0, high=1.0)
        if power is None:
            errors["power"] = _say(t, "power")
    if errors or base is None or alpha is None or arms is None:
        return None, errors
    n = Numbers(t)
    # The sentences name the level asked for; the figures are worked out at the level each
    # comparison is planned at, which the note gives when it differs.
    shown_alpha, alpha = alpha, comparison_alpha(alpha, arms=arms)
    note = _note(arms, shown_alpha, alpha, t)
    try:
        if solve == "mde":
            assert units is not None and power is not None
            mde = proportion_mde(base_rate=base, units_per_arm=units, alpha=alpha, power=power)
            return Answer(t("Smallest lift found: {lift}", lift=n.share(mde)), t(
                "With {units}, the experiment finds a lift of {lift} or more (a rate of "
                "{rate} instead of {base}) in {power} of experiments, at a significance "
                "level of {alpha}.", units=shoppers(units, t), lift=n.share(mde),
                rate=n.share(base * (1 + mde)), base=n.share(base), power=n.share(power),
                alpha=n.share(shown_alpha)), note), {}
        assert lift is not None
        if base * (1 + lift) >= 1:
            return None, {"lift": _say(t, "lift")}
        if solve == "power":
            assert units is not None
            found = proportion_power(base_rate=base, relative_lift=lift, units_per_arm=units,
                                     alpha=alpha)
            return Answer(t("Power: {power}", power=n.share(found)), t(
                "With {units}, a lift of {lift} (a rate of {rate} instead of {base}) is "
                "found in {power} of experiments, at a significance level of {alpha}.",
                units=shoppers(units, t), lift=n.share(lift), rate=n.share(base * (1 + lift)),
                base=n.share(base), power=n.share(found), alpha=n.share(shown_alpha)), note), {}
        assert power is not None
        needed = proportion_sample_size(base_rate=base, relative_lift=lift, alpha=alpha,
                                        power=power)
        return Answer(shoppers(needed, t), t(
            "To find a lift of {lift} (a rate of {rate} instead of {base}) in {power} of "
            "experiments, at a significance level of {alpha}, the experiment needs {units}.",
            units=shoppers(needed, t), lift=n.share(lift), rate=n.share(base * (1 + lift)),
            base=n.share(base), power=n.share(power), alpha=n.share(shown_alpha)), note), {}
    except ValueError:
        return None, {"form": _say(t, "impossible")}
