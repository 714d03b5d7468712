"""A simulated visit storm (Hypothesis): many visits, random triggers, random caps,
dismissals, searches and consent changes at random points. ``decide`` must answer exactly
what the rules say, worked out here independently from the simulation's own record (not
from the database), so in particular it never shows more prompts than the caps allow,
never one after "Don't show me these", never a dismissed one, never one without consent.
Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from factories import consent, customer
from prefero.events.models import Event
from prefero.prompts.caps import dismiss, save_settings
from prefero.prompts.decide import CONSENT_FOR, decide
from prefero.prompts.schemas import PromptFacts, PromptSettingsIn
from prefero.runtime import Runtime
from prompt_helpers import PROMPTS, prompt_shop

START = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=30)
ORDER = sorted(PROMPTS, key=lambda k: (PROMPTS[k][3], k))

ask_step = st.tuples(st.just("ask"), st.sampled_from(["cart_exit", "cart_exit", "dwell",
                                                      "scroll", "return_after_search"]),
                     st.integers(0, 5), st.integers(10, 60), st.integers(40, 100))
step = st.one_of(
    ask_step, ask_step, ask_step,
    st.tuples(st.just("wait"), st.integers(1, 90)),
    st.tuples(st.just("new_visit"), st.integers(0, 120)),
    st.tuples(st.just("caps"), st.integers(0, 3), st.integers(0, 60),
              st.sampled_from([False, False, False, True])),
    st.tuples(st.just("dismiss"), st.sampled_from(sorted(PROMPTS))),
    st.tuples(st.just("consent"), st.sampled_from(["context", "tracking"]), st.booleans()),
    st.tuples(st.just("search"), st.sampled_from(["boots", "tea"])),
)


@dataclass
class Model:
    """What the simulation knows: the rules applied to its own record."""

    per_visit: int = 1
    gap: int = 30
    off: bool = False
    consents: dict[str, bool] = field(default_factory=lambda: {"context": False,
                                                               "tracking": False})
    dismissed: set[str] = field(default_factory=set)
    shown: list[tuple[datetime, str]] = field(default_factory=list)
    searches: list[datetime] = field(default_factory=list)

    def expected(self, trigger: str, *, now: datetime, visit: str, started: datetime,
                 cart: int, dwell: int, scroll: int) -> tuple[str | None, str | None]:
        """(prompt key, None) to show, or (None, why not)."""
        if self.off:
            return None, "switched_off"
        if not self.consents[CONSENT_FOR[trigger]]:  # type: ignore[index]
            return None, "no_consent"
        firing = []
        for key in ORDER:
            kind, threshold, _slot, _priority = PROMPTS[key]
            if kind != trigger:
                continue
            fires = {"cart_exit": cart >= max(threshold, 1), "dwell": dwell >= threshold,
                     "scroll": scroll >= threshold,
                     "return_after_search": any(
                         now - timedelta(days=threshold) <= at < started
                         for at in self.searches)}[kind]
            if fires:
                firing.append(key)
        if not firing:
            return None, "no_matching_prompt"
        open_ = [key for key in firing if key not in self.dismissed]
        if not open_:
            return None, "dismissed"
        this_visit = [at for at, v in self.shown if v == visit or at > now - WINDOW]
        if len(this_visit) >= self.per_visit:
            return None, "cap_reached"
        if self.shown and self.gap and now - max(at for at, _v in self.shown) < timedelta(
                minutes=self.gap):
            return None, "too_soon"
        return open_[0], None


@pytest.fixture
def storm_shop(runtime: Runtime) -> Runtime:
    prompt_shop(runtime)
    return runtime


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=30),
       granted=st.tuples(st.sampled_from([True, True, False]), st.booleans()))
def test_a_visit_storm_shows_exactly_what_the_caps_consent_and_dismissals_allow(
        storm_shop: Runtime, steps: list[tuple[Any, ...]],
        granted: tuple[bool, bool]) -> None:
    runtime = storm_shop
    cid = f"anon-{uuid.uuid4().hex}"  # each example a visitor of its own
    with runtime.session(write=True) as session:
        customer(session, cid)
        for purpose, given_ in zip(("context", "tracking"), granted, strict=True):
            consent(session, cid, purpose, given_)
    model = Model(consents={"context": granted[0], "tracking": granted[1]})
    now = START
    visit, started = "v0", START
    visits: dict[str, int] = {}
    for item in steps:
        kind = item[0]
        with runtime.session(write=True) as session:
            if kind == "wait":
                now += timedelta(minutes=int(item[1]))
            elif kind == "new_visit":
                now += timedelta(minutes=int(item[1]))
                visit, started = uuid.uuid4().hex[:16], now
            elif kind == "caps":
                _k, per_visit, gap, off = item
                save_settings(session, cid, PromptSettingsIn(
                    per_visit=per_visit, gap_minutes=gap, off=off), now=now, language="en")
                model.per_visit, model.gap, model.off = (int(per_visit), int(gap),
                                                         bool(off))
            elif kind == "dismiss":
                dismiss(session, cid, str(item[1]), now=now)
                model.dismissed.add(str(item[1]))
            elif kind == "consent":
                consent(session, cid, str(item[1]), bool(item[2]))
                model.consents[str(item[1])] = bool(item[2])
            elif kind == "search":
                at = now - timedelta(seconds=1)
                session.add(Event(customer_id=cid, type="search", query=str(item[1]),
                                  occurred_at=at))
                model.searches.append(at)
            else:
                _k, trigger, cart, dwell, scroll = item
                want = model.expected(str(trigger), now=now, visit=visit, started=started,
                                      cart=int(cart), dwell=int(dwell),
                                      scroll=int(scroll))
                answer = decide(session, customer_id=cid, trigger=trigger,
                                facts=PromptFacts(visit_id=visit, visit_started_at=started,
                                                  cart_items=cart, dwell_seconds=dwell,
                                                  scroll_percent=scroll),
                                now=now, settings=runtime.settings,
                                schema=runtime.facet_schema, language="en")
                got = (answer.prompt.key if answer.prompt else None, answer.none_because)
                assert got == want, (item, model)
                event(f"answer: {answer.none_because or 'shown'}")
                if answer.prompt is not None:
                    # The invariants the rules add up to, stated on their own.
                    assert not model.off
                    assert model.consents[CONSENT_FOR[answer.prompt.trigger]]
                    assert answer.prompt.key not in model.dismissed
                    model.shown.append((now, visit))
                    visits[visit] = visits.get(visit, 0) + 1
                    assert visits[visit] <= max(model.per_visit, 1)
                    assert answer.caps.shown_this_visit <= model.per_visit
                now += timedelta(seconds=5)
