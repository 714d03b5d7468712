"""Ordering delivery windows by the customer's wishes: known answers with their reasons in
English and Polish, and the properties — wishes only order the choices (the same windows,
available or not, with and without wishes), the preferred ones first, ties by start and id.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from prefero.delivery.ordering import order_windows
from prefero.delivery.schemas import HourRange, WindowOut, Wishes
from prefero.delivery.wording import reason_text

WARSAW = ZoneInfo("Europe/Warsaw")
# Monday 7 December 2026, 06:00 in Warsaw.
NOW = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)


def window(wid: str, *, day: int, start: int, end: int, method: str = "home",
           point: str | None = None, green: bool = False, capacity: int = 5,
           booked: int = 0) -> WindowOut:
    """A window on the ``day``-th day after Monday 7 December, hours on Warsaw's clock."""
    base = datetime(2026, 12, 7 + day, tzinfo=WARSAW)
    return WindowOut(id=wid, method=method, pickup_point_id=point,
                     pickup_point_name=f"Point {point}" if point else None,
                     starts_at=(base + timedelta(hours=start)).astimezone(UTC),
                     ends_at=(base + timedelta(hours=end)).astimezone(UTC),
                     capacity=capacity, booked=booked, price=Decimal("9.99"),
                     currency="PLN", green=green)


WEEK = [
    window("mon-morning", day=0, start=8, end=12),
    window("mon-evening", day=0, start=18, end=21),
    window("tue-pickup-a", day=1, start=10, end=20, method="pickup", point="a", green=True),
    window("sat-morning", day=5, start=8, end=12),
    window("sat-evening", day=5, start=18, end=21),
    window("sat-evening-full", day=5, start=18, end=21, booked=5),
    window("sun-pickup-b", day=6, start=10, end=20, method="pickup", point="b"),
]


def _ids(wishes: Wishes | None, *, ready: datetime | None = NOW) -> list[str]:
    return [p.window.id for p in order_windows(WEEK, wishes=wishes, zone=WARSAW, now=NOW,
                                               ready=ready)]


def test_without_wishes_the_windows_come_by_start_and_the_full_one_last() -> None:
    assert _ids(None) == ["mon-morning", "mon-evening", "tue-pickup-a", "sat-morning",
                          "sat-evening", "sun-pickup-b", "sat-evening-full"]
    placed = order_windows(WEEK, wishes=None, zone=WARSAW, now=NOW, ready=NOW)
    assert [p.reasons for p in placed if p.available] == [()] * 6
    assert placed[-1].available is False
    assert [code for code, _ in placed[-1].reasons] == ["full"]


def test_saturday_evenings_first_with_their_reasons_in_both_languages() -> None:
    wishes = Wishes(weekdays=[5], hours=[HourRange(start=17, end=22)])
    placed = order_windows(WEEK, wishes=wishes, zone=WARSAW, now=NOW, ready=NOW)
    assert [p.window.id for p in placed] == [
        "sat-evening",  # day and hours
        "sat-morning",  # day only (the day matters more than the hours)
        "mon-evening",  # hours only
        "tue-pickup-a",  # open during the hours (a pick-up point: any overlap will do)
        "sun-pickup-b",
        "mon-morning",  # neither
        "sat-evening-full"]
    first = placed[0]
    assert first.preferred and not placed[1].preferred
    texts = {lang: [reason_text(c, p, language=lang, zone=WARSAW) for c, p in first.reasons]
             for lang in ("en", "pl")}
    assert texts["en"] == ["On Saturday, a day you prefer",
                           "Between 5:00\u202fPM and 10:00\u202fPM, the hours you prefer"]
    assert texts["pl"] == ["W sobotę, w dzień, który wolisz",
                           "Między 17:00 a 22:00, w godzinach, które wolisz"]
    pickup = placed[3]
    assert [c for c, _ in pickup.reasons] == ["open_hours"]
    assert reason_text(*pickup.reasons[0], language="pl", zone=WARSAW) == \
        "Otwarte w godzinach, które wolisz (17:00–22:00)"


def test_the_chosen_pickup_point_and_green_rounds() -> None:
    wishes = Wishes(method="pickup", pickup_point_id="b", speed="green")
    placed = order_windows(WEEK, wishes=wishes, zone=WARSAW, now=NOW, ready=NOW)
    assert [p.window.id for p in placed][:3] == ["sun-pickup-b", "tue-pickup-a",
                                                 "mon-morning"]
    assert [c for c, _ in placed[0].reasons] == ["pickup_point"]
    assert reason_text(*placed[0].reasons[0], language="pl", zone=WARSAW) == \
        "Wybrany przez Ciebie punkt odbioru: Point b"
    assert [c for c, _ in placed[1].reasons] == ["green"]
    assert reason_text(*placed[1].reasons[0], language="en", zone=WARSAW) == \
        "Green delivery, as you asked"
    assert not placed[0].preferred  # not green: it misses one wish


def test_fastest_names_the_earliest_available_window() -> None:
    placed = order_windows(WEEK, wishes=Wishes(speed="fastest"), zone=WARSAW, now=NOW,
                           ready=NOW + timedelta(hours=4))
    # Monday morning starts before the order can be ready: shown, not selectable.
    assert placed[0].window.id == "mon-evening"
    assert [c for c, _ in placed[0].reasons] == ["earliest"]
    assert reason_text("earliest", placed[0].reasons[0][1], language="pl",
                       zone=WARSAW) == "Najwcześniejszy dostępny termin"
    too_early = next(p for p in placed if p.window.id == "mon-morning")
    assert not too_early.available
    code, params = too_early.reasons[0]
    assert code == "not_ready"
    assert reason_text(code, params, language="en", zone=WARSAW) == \
        "Too early: your order can be ready from Mon, 7 Dec, 10:00\u202fAM"
    assert reason_text(code, params, language="pl", zone=WARSAW) == \
        "Za wcześnie: zamówienie może być gotowe od pon., 7 gru, 10:00"


def test_started_windows_are_left_out_and_an_unpromisable_cart_offers_none() -> None:
    later = NOW + timedelta(days=5, hours=9)  # Saturday 15:00 in Warsaw
    placed = order_windows(WEEK, wishes=None, zone=WARSAW, now=later, ready=None)
    assert [p.window.id for p in placed] == ["sat-evening", "sat-evening-full",
                                             "sun-pickup-b"]
    assert {c for p in placed for c, _ in p.reasons} == {"cart_unavailable", "full"}
    assert not any(p.available for p in placed)


# --------------------------------------------------------------------------- properties

_hours = st.builds(lambda s, length: HourRange(start=s, end=min(24, s + length)),
                   st.integers(0, 23), st.integers(1, 12))
wishes_strategy = st.builds(
    Wishes,
    weekdays=st.lists(st.integers(0, 6), max_size=7, unique=True),
    hours=st.lists(_hours, max_size=3),
    method=st.sampled_from([None, "home", "pickup"]),
    speed=st.sampled_from([None, "green", "fastest"]),
).map(lambda w: w.model_copy(update={"pickup_point_id": "a" if w.method == "pickup" else None}))


@st.composite
def windows_strategy(draw: st.DrawFn) -> list[WindowOut]:
    count = draw(st.integers(0, 25))
    found = []
    for i in range(count):
        method = draw(st.sampled_from(["home", "pickup"]))
        capacity = draw(st.integers(0, 3))
        found.append(window(
            f"w{i:02d}", day=draw(st.integers(-1, 8)), start=draw(st.integers(0, 22)),
            end=24, method=method,
            point=draw(st.sampled_from(["a", "b"])) if method == "pickup" else None,
            green=draw(st.booleans()), capacity=capacity,
            booked=draw(st.integers(0, capacity))))
    # Many windows share a start (whole hours, few days): the tie-break is then the id.
    return found


@settings(max_examples=300, deadline=None)
@given(windows=windows_strategy(), wishes=wishes_strategy,
       ready_hours=st.one_of(st.none(), st.integers(0, 72)))
def test_wishes_only_order_the_choices(windows: list[WindowOut], wishes: Wishes,
                                       ready_hours: int | None) -> None:
    ready = NOW + timedelta(hours=ready_hours) if ready_hours is not None else None
    plain = order_windows(windows, wishes=None, zone=WARSAW, now=NOW, ready=ready)
    wished = order_windows(windows, wishes=wishes, zone=WARSAW, now=NOW, ready=ready)
    # The same windows, each as (un)available as without wishes: nothing hidden.
    assert sorted((p.window.id, p.available) for p in wished) == \
        sorted((p.window.id, p.available) for p in plain)
    assert {p.window.id for p in plain} == {w.id for w in windows if w.starts_at > NOW}
    # Full windows are never offered, with or without wishes.
    for p in wished:
        if p.window.booked >= p.window.capacity:
            assert not p.available
    # Available first; among them the preferred first; the unavailable by (start, id).
    flags = [p.available for p in wished]
    assert flags == sorted(flags, reverse=True)
    offered = [p for p in wished if p.available]
    preferred = [p.preferred for p in offered]
    assert preferred == sorted(preferred, reverse=True)
    refused = [(p.window.starts_at, p.window.id) for p in wished if not p.available]
    assert refused == sorted(refused)
    # Without wishes: by (start, id), and nothing claims a preference.
    keys = [(p.window.starts_at, p.window.id) for p in plain if p.available]
    assert keys == sorted(keys)
    assert not any(p.preferred or p.reasons for p in plain if p.available)
    # Windows that meet the same wishes keep the order of (start, id).
    groups: dict[tuple[str, ...], list[tuple[datetime, str]]] = {}
    for p in offered:
        key = tuple(sorted(c for c, _ in p.reasons if c != "earliest"))
        groups.setdefault(key, []).append((p.window.starts_at, p.window.id))
    for members in groups.values():
        assert members == sorted(members)
