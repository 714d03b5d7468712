"""The checkout's delivery choice as the page lays it out: the best few first with their
reasons, every other window one line under its day, those that cannot be chosen one short
line per day. Every window the service offers is on the page exactly once (wishes only
order the choice), exactly one radio is checked, and the words are the page's language —
on a shop of forty windows over eight days, on SQLite and PostgreSQL, and as a property
over any windows and wishes."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from factories import add_products, product
from prefero.delivery.checkout import FEATURED, CheckoutChoice, CheckoutDelivery
from prefero.delivery.ordering import order_windows
from prefero.delivery.schemas import HourRange, WindowIn, WindowOut, WindowsIn, Wishes
from prefero.delivery.service import checkout_delivery, replace_windows, set_wishes
from prefero.runtime import Runtime
from prefero.web.i18n import translator
from prefero.web.render import templates

WARSAW = ZoneInfo("Europe/Warsaw")
ZONE = "Europe/Warsaw"
# Monday 7 December 2026, 06:00 in Warsaw: a cart in stock is ready at 08:00.
NOW = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)
DAYS = 8


def _at(day: int, hour: int) -> datetime:
    return (datetime(2026, 12, 7 + day, tzinfo=WARSAW) + timedelta(hours=hour)).astimezone(UTC)


def _shop_windows() -> list[WindowIn]:
    """The demo shop's week and a day: three home rounds and two pick-up points a day (one
    of them green every other day), forty windows; Wednesday's evening round is full."""
    windows = []
    for day in range(DAYS):
        for start, end, price in ((7, 11, "14.99"), (12, 16, "12.99"), (17, 20, "19.99")):
            windows.append(WindowIn(
                id=f"d{day}-home-{start}", method="home", starts_at=_at(day, start),
                ends_at=_at(day, end), capacity=0 if (day, start) == (2, 17) else 10,
                price=Decimal(price), currency="PLN", green=start == 12 and day % 2 == 1))
        for point, name in (("centre", "Centrum, Marszałkowska 100"),
                            ("mokotow", "Mokotów, Puławska 50")):
            windows.append(WindowIn(
                id=f"d{day}-{point}", method="pickup", pickup_point_id=point,
                pickup_point_name=name, starts_at=_at(day, 9), ends_at=_at(day, 19),
                capacity=10, price=Decimal("7.99"), currency="PLN",
                green=point == "mokotow" and day % 2 == 0))
    return windows


class _Choice(HTMLParser):
    """What a shopper meets in the rendered partial: radios, window ids, visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.radios: list[dict[str, str | None]] = []
        self.options: list[str] = []  # data-window-id of each .delivery-option
        self.closed: list[str] = []  # data-window-id of each time that cannot be chosen
        self.ids: Counter[str] = Counter()
        self.described: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        classes = (found.get("class") or "").split()
        if found.get("id"):
            self.ids[str(found["id"])] += 1
        if tag == "input" and found.get("name") == "delivery_window":
            self.radios.append(found)
            if found.get("aria-describedby"):
                self.described.append(str(found["aria-describedby"]))
        if "delivery-option" in classes:
            self.options.append(str(found.get("data-window-id")))
        if "delivery-closed-time" in classes:
            self.closed.append(str(found.get("data-window-id")))

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.text.append(data.strip())


def _render(delivery: CheckoutDelivery, language: str) -> tuple[str, _Choice]:
    t = translator(language)
    html = templates.env.get_template("storefront/_delivery_choice.html").render(
        delivery=delivery, t=t, tn=t.plural, lang=language)
    parsed = _Choice()
    parsed.feed(html)
    return html, parsed


def _offered(runtime: Runtime, *, language: str) -> CheckoutDelivery:
    with runtime.session() as session:
        return checkout_delivery(session, customer_id="c1", cart=["bread"], now=NOW,
                                 language=language, time_zone=ZONE)


def _publish(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        add_products(session, [product("bread", category="Groceries > Bread")])
        replace_windows(session, WindowsIn(windows=_shop_windows()), now=NOW)


def test_forty_windows_are_all_on_the_page_once_the_best_first(runtime: Runtime) -> None:
    _publish(runtime)
    plain = _offered(runtime, language="en")
    with runtime.session(write=True) as session:
        set_wishes(session, customer_id="c1",
                   wishes=Wishes(weekdays=[5, 6], method="home", speed="green"))
    for language in ("en", "pl"):
        delivery = _offered(runtime, language=language)
        html, page = _render(delivery, language)
        every = {c.value for c in delivery.choices}
        assert len(every) == 5 * DAYS and every == {c.value for c in plain.choices}
        # Each window once: a radio (.delivery-option) if it can be chosen, else a time on
        # its day's short line; none twice, none left out.
        assert sorted(page.options + page.closed) == sorted(every)
        assert sorted(page.closed) == ["d0-home-7", "d2-home-17"]  # too early; full
        assert [r["value"] for r in page.radios] == page.options
        assert not any("disabled" in r for r in page.radios)
        checked = [r["value"] for r in page.radios if "checked" in r]
        assert checked == [delivery.selected]
        assert max(page.ids.values()) == 1  # radios and their labels pair up
        assert all(page.ids[d] == 1 for d in page.described)
        # Only Saturday's and Sunday's green home round suits every wish: it comes first,
        # the one checked, with its reasons in full.
        assert [c.value for c in delivery.featured] == ["d5-home-12"]
        assert page.options[0] == "d5-home-12" == delivery.selected
        first = delivery.featured[0]
        assert first.reasons and first.reasons[-1] in html
        days = [d.day for d in delivery.days]
        assert len(days) == DAYS and days[0].startswith("poniedziałek" if language == "pl"
                                                        else "Monday")
    # Polish all through: the words of the layout, the day's lines and the closed ones.
    text = " ".join(page.text)
    for polish in ("Najlepiej pasują do Twoich życzeń", "Wszystkie pozostałe terminy",
                   "Pod drzwi", "Odbiór: Centrum, Marszałkowska 100", "Brak miejsc: 17:00–20:00",
                   "Za wcześnie: 07:00–11:00",
                   "Zamówienie może być gotowe od pon., 7 gru, 08:00; wcześniejszych terminów "
                   "nie można wybrać.",
                   "Ekologiczny kurs", "Pasuje Ci"):
        assert polish in text, polish
    for english in ("To your door", "Pick-up", "No places left", "Too early", "Suits you",
                    "Every other", "Green"):
        assert english not in text, english


def test_without_wishes_the_days_come_in_order_and_the_earliest_is_checked(
        runtime: Runtime) -> None:
    _publish(runtime)
    delivery = _offered(runtime, language="en")
    _html, page = _render(delivery, "en")
    assert delivery.featured == () and "Every other time" not in " ".join(page.text)
    # Monday's lines: to the door (from noon: the 7:00 round starts before the cart is
    # ready), then each pick-up point; the earliest window is the one checked.
    assert page.options[:4] == ["d0-home-12", "d0-home-17", "d0-centre", "d0-mokotow"]
    assert [r["value"] for r in page.radios if "checked" in r] == ["d0-centre"]
    assert delivery.selected == "d0-centre"  # 09:00, after the ready time
    starts = {c.value: c.starts_at for c in delivery.choices}
    dates = [starts[v].astimezone(WARSAW).date() for v in page.options]
    assert dates == sorted(dates)
    assert [p.where for p in delivery.days[0].places] == [
        "To your door", "Pick-up: Centrum, Marszałkowska 100", "Pick-up: Mokotów, Puławska 50"]
    text = " ".join(page.text)
    assert "No places left: 5:00\u202fPM–8:00\u202fPM" in text
    assert "Too early: 7:00\u202fAM–11:00\u202fAM" in text
    assert text.count("Your order can be ready from Mon, 7 Dec, 8:00\u202fAM") == 1


def test_nothing_to_choose_is_said_once_and_every_window_still_shown(runtime: Runtime
                                                                    ) -> None:
    _publish(runtime)
    with runtime.session(write=True) as session:
        add_products(session, [product("gone", category="Groceries > Bread",
                                       availability="out_of_stock")])
        delivery = checkout_delivery(session, customer_id="c1", cart=["bread", "gone"],
                                     now=NOW, language="en", time_zone=ZONE)
    _html, page = _render(delivery, "en")
    assert delivery.selected is None and page.radios == []
    assert sorted(page.closed) == sorted(c.value for c in delivery.choices)
    text = " ".join(page.text)
    assert text.count("No delivery time can be chosen for this order right now.") == 1
    assert text.count("Not available (an item in your cart is out of stock)") == DAYS
    assert delivery.ready_note is None and "can be ready" not in text


# --- the layout over any windows and wishes -------------------------------------------------

_WINDOWS = st.lists(st.builds(
    lambda i, day, start, length, method, point, green, full: WindowOut(
        id=f"w{i}", method=method, pickup_point_id=point if method == "pickup" else None,
        pickup_point_name=None, starts_at=_at(day, start),
        ends_at=_at(day, min(start + length, 24)), capacity=0 if full else 3, booked=0,
        price=Decimal("5.00"), currency="PLN", green=green),
    st.integers(0, 10_000), st.integers(0, 9), st.integers(0, 22), st.integers(1, 6),
    st.sampled_from(["home", "pickup"]), st.sampled_from(["a", "b"]), st.booleans(),
    st.booleans()), max_size=40, unique_by=lambda w: w.id)
_WISHES = st.none() | st.builds(
    Wishes, weekdays=st.lists(st.integers(0, 6), max_size=3, unique=True),
    hours=st.lists(st.builds(lambda s, n: HourRange(start=s, end=min(s + n, 24)),
                             st.integers(0, 22), st.integers(1, 8)), max_size=2),
    method=st.none() | st.sampled_from(["home", "pickup"]),
    speed=st.none() | st.sampled_from(["green", "fastest"]))


def _delivery(windows: list[WindowOut], wishes: Wishes | None,
              ready: datetime | None) -> CheckoutDelivery:
    placed = order_windows(windows, wishes=wishes, zone=WARSAW, now=NOW, ready=ready)
    choices = tuple(CheckoutChoice(
        value=p.window.id, day=p.window.starts_at.astimezone(WARSAW).date().isoformat(),
        hours="", method=p.window.method, place=p.window.pickup_point_id, price="",
        green=p.window.green, available=p.available, preferred=p.preferred,
        reasons=tuple(code for code, _ in p.reasons), starts_at=p.window.starts_at,
        where=p.window.method, why_not=None if p.available else p.reasons[0][0])
        for p in placed)
    return CheckoutDelivery(choices=choices,
                            selected=next((c.value for c in choices if c.available), None),
                            has_wishes=wishes is not None and wishes.declared,
                            time_zone=ZONE)


@settings(max_examples=150, deadline=None)
@given(windows=_WINDOWS, wishes=_WISHES,
       ready=st.sampled_from([NOW, NOW + timedelta(days=2), None]))
def test_the_layout_shows_every_window_once_and_the_checked_one_first(
        windows: list[WindowOut], wishes: Wishes | None, ready: datetime | None) -> None:
    delivery = _delivery(windows, wishes, ready)
    plain = _delivery(windows, None, ready)
    featured = delivery.featured
    days = delivery.days
    lines = [c for d in days for c in d.choices]
    closed = [c for d in days for g in d.closed for c in g.choices]
    shown = [c.value for c in (*featured, *lines, *closed)]
    # Every window once, the same with wishes as without.
    assert sorted(shown) == sorted(c.value for c in delivery.choices)
    assert sorted(shown) == sorted(c.value for d in plain.days
                                   for group in (d.choices, *(g.choices for g in d.closed))
                                   for c in group)
    assert all(c.available for c in (*featured, *lines))
    assert not any(c.available for c in closed)
    # The best few first: all preferred (at most FEATURED), else the closest one alone.
    assert len(featured) <= FEATURED
    assert all(c.preferred for c in featured) or len(featured) == 1
    preferred = [c.value for c in delivery.choices if c.preferred]
    assert [c.value for c in featured if c.preferred] == preferred[:FEATURED]
    # The radio checked is the first the shopper meets.
    first = next(iter((*featured, *lines)), None)
    assert delivery.selected == (first.value if first else None)
    # Days in calendar order, each once; lines within a day by start time.
    assert [d.day for d in days] == sorted({d.day for d in days})
    for day in days:
        starts = [(c.starts_at, c.value) for c in day.choices]
        assert starts == sorted(starts)
        # By place, each place once and by start; together exactly the day's lines.
        places = day.places
        assert len({p.where for p in places}) == len(places)
        assert sorted(c.value for p in places for c in p.choices) == sorted(
            c.value for c in day.choices)
        for place in places:
            assert all(c.where == place.where for c in place.choices)
            assert list(place.choices) == sorted(place.choices,
                                                 key=lambda c: (c.starts_at, c.value))
        assert all(c.day == day.day for group in (day.choices, *(g.choices for g in day.closed))
                   for c in group)
