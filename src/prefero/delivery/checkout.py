"""The checkout's delivery choice as the page lays it out: the few windows that suit the
customer best first, with their reasons in full, then every other window by day.

Forty windows as one column of cards made the phone's checkout ten screens tall; grouped by
day as one line each they fit in a few. Nothing is left out: each window the service
offers is either featured, a line under its day, or (when it cannot be chosen) one of its
day's "No places left: 18:00–21:00" times; wishes only order the choice (tests/delivery).

Pure: the words come worded from ``prefero.delivery.service.checkout_delivery``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["FEATURED", "CheckoutChoice", "CheckoutDay", "CheckoutDelivery", "CheckoutPlace",
           "ClosedTimes"]

#: The most windows shown first with their reasons in full; the rest stay under their day.
FEATURED = 3


@dataclass(frozen=True, slots=True)
class CheckoutChoice:
    """One window of the checkout's delivery choice, worded in the page's language."""

    #: What the form posts as ``delivery_window``: the window's id.
    value: str
    day: str  # "Saturday, 12 December"
    hours: str  # "18:00–21:00"
    method: str  # "Delivery to your door" / "Pick-up point"
    place: str | None  # the pick-up point's name
    price: str  # "PLN 9.99"
    green: bool
    available: bool
    preferred: bool
    reasons: tuple[str, ...]  # why here (available) or why not (unavailable)
    #: When the window starts (UTC): the days and the lines in them follow it.
    starts_at: datetime
    #: The method in a few words for a line under its day: "To your door" / "Pick-up:
    #: Centrum, Marszałkowska 100".
    where: str
    #: Why it cannot be chosen, in the few words its day's line starts with ("No places
    #: left"); None when it can be chosen.
    why_not: str | None = None


@dataclass(frozen=True, slots=True)
class ClosedTimes:
    """The windows of one day that cannot be chosen for one reason ("No places left:
    18:00–21:00")."""

    why: str
    choices: tuple[CheckoutChoice, ...]


@dataclass(frozen=True, slots=True)
class CheckoutPlace:
    """A day's windows of one place (to the door, or one pick-up point), by start time."""

    where: str
    choices: tuple[CheckoutChoice, ...]


def _chronological(choice: CheckoutChoice) -> tuple[datetime, str]:
    return choice.starts_at, choice.value


def _place_order(choice: CheckoutChoice) -> tuple[bool, str]:
    # The door first, then the points by name: the same order every day, easy to scan.
    return choice.place is not None, choice.where


@dataclass(frozen=True, slots=True)
class CheckoutDay:
    """One day of the choice: its windows that can be chosen (by start time), then those
    that cannot, one line per reason."""

    day: str
    choices: tuple[CheckoutChoice, ...]
    closed: tuple[ClosedTimes, ...]

    @property
    def places(self) -> tuple[CheckoutPlace, ...]:
        """``choices`` by place (the door first, then each pick-up point), each by start:
        a day's lines then need to say where only once per place."""
        by_place: dict[str, list[CheckoutChoice]] = {}
        for choice in sorted(self.choices, key=_place_order):
            by_place.setdefault(choice.where, []).append(choice)
        return tuple(CheckoutPlace(where, tuple(sorted(group, key=_chronological)))
                     for where, group in by_place.items())


@dataclass(frozen=True, slots=True)
class CheckoutDelivery:
    """What ``storefront/_delivery_choice.html`` renders (pass it as ``delivery``)."""

    #: Every window, in the order the customer's wishes give (the available ones first).
    choices: tuple[CheckoutChoice, ...]
    #: The radio checked first: the first available choice (the best for the customer).
    selected: str | None
    #: Whether the customer declared wishes (the partial then says the order follows them).
    has_wishes: bool
    time_zone: str
    #: When some times start before the order can be ready: when it can be, said once
    #: ("Your order can be ready from Thu, 10 Dec, 05:15; …"); their lines say "Too early".
    ready_note: str | None = None

    @property
    def any_available(self) -> bool:
        return any(c.available for c in self.choices)

    @property
    def featured(self) -> tuple[CheckoutChoice, ...]:
        """The windows shown first with their reasons in full: those matching every wish
        (at most ``FEATURED``), else the closest one when something of it matches a wish
        (it is the one checked: the shopper sees what they would get); none without wishes.

        >>> from datetime import UTC
        >>> def w(value, preferred, reasons=()):
        ...     return CheckoutChoice(value, "Sat", "9–12", "Home", None, "PLN 1", False,
        ...         True, preferred, reasons, datetime(2026, 1, 3, tzinfo=UTC), "Home")
        >>> choices = (w("a", True, ("Sat",)), w("b", True, ("Sat",)), w("c", False))
        >>> [c.value for c in CheckoutDelivery(choices, "a", True, "UTC").featured]
        ['a', 'b']
        >>> CheckoutDelivery((w("c", False),), "c", False, "UTC").featured
        ()
        """
        available = [c for c in self.choices if c.available]
        best = [c for c in available if c.preferred][:FEATURED]
        if best:
            return tuple(best)
        return (available[0],) if available and available[0].reasons else ()

    @property
    def days(self) -> tuple[CheckoutDay, ...]:
        """Every window not featured, by day and start time: those that can be chosen as
        lines, those that cannot grouped by why.

        >>> from datetime import UTC
        >>> def w(value, day, hour, why_not=None):
        ...     return CheckoutChoice(value, f"{day} Jan", f"{hour}:00", "Home", None, "PLN 1",
        ...         False, why_not is None, False, (), datetime(2026, 1, day, hour,
        ...         tzinfo=UTC), "Home", why_not)
        >>> days = CheckoutDelivery((w("b", 3, 9), w("a", 2, 18), w("x", 2, 9, "Full")),
        ...                         "b", False, "UTC").days  # "x": a full window
        >>> [(d.day, [c.value for c in d.choices], [(g.why, [c.value for c in g.choices])
        ...   for g in d.closed]) for d in days]
        [('2 Jan', ['a'], [('Full', ['x'])]), ('3 Jan', ['b'], [])]
        """
        shown = {c.value for c in self.featured}
        by_day: dict[str, list[CheckoutChoice]] = {}
        for choice in sorted(self.choices, key=_chronological):
            if choice.value not in shown:
                by_day.setdefault(choice.day, []).append(choice)
        days = []
        for day, choices in by_day.items():
            closed: dict[str, list[CheckoutChoice]] = {}
            for choice in choices:
                if not choice.available:
                    closed.setdefault(choice.why_not or "", []).append(choice)
            days.append(CheckoutDay(
                day=day, choices=tuple(c for c in choices if c.available),
                closed=tuple(ClosedTimes(why, tuple(group)) for why, group in closed.items())))
        return tuple(days)
