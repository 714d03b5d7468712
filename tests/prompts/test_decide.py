"""decide on a migrated database (SQLite and PostgreSQL): known answers for each check in
its order, the reasons and caps worded in English and Polish, the slot's targeting, the log
the caps count, the export and erasure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from factories import consent, customer
from prefero.config import Settings
from prefero.customers.models import Customer
from prefero.events.models import Event
from prefero.privacy.service import customer_data
from prefero.prompts.caps import dismiss, save_settings
from prefero.prompts.decide import decide
from prefero.prompts.models import PromptDismissal, PromptSetting, PromptShown
from prefero.prompts.schemas import PromptAnswer, PromptFacts, PromptSettingsIn, Trigger
from prefero.runtime import Runtime
from prompt_helpers import prompt_shop

NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


@pytest.fixture
def shop(runtime: Runtime) -> Runtime:
    prompt_shop(runtime)
    with runtime.session(write=True) as session:
        customer(session, "c1")
        consent(session, "c1", "context", True)
    return runtime


def ask(runtime: Runtime, trigger: Trigger, *, cid: str = "c1", now: datetime = NOW,
        language: str = "en", **facts: object) -> PromptAnswer:
    with runtime.session(write=True) as session:
        return decide(session, customer_id=cid, trigger=trigger,
                      facts=PromptFacts.model_validate({"visit_id": "v1", **facts}), now=now,
                      settings=runtime.settings, schema=runtime.facet_schema,
                      language=language)


def test_a_cart_exit_prompt_is_shown_explained_and_logged(shop: Runtime) -> None:
    answer = ask(shop, "cart_exit", cart_items=3)
    assert answer.prompt is not None and answer.none_because is None
    assert answer.prompt.key == "exit"
    assert answer.prompt.content.title == "everyone in English"
    assert [r.text for r in answer.prompt.reasons] == [
        "Shown because you are leaving with 3 items in your cart"]
    assert answer.caps.text == ("At most 1 suggestion like this per visit. "
                                "At least 30 minutes between two of them.")
    assert answer.caps.shown_this_visit == 1
    with shop.session() as session:
        rows = session.scalars(select(PromptShown)).all()
    assert [(r.customer_id, r.prompt_key, r.visit, r.trigger) for r in rows] == [
        ("c1", "exit", "v1", "cart_exit")]


def test_polish_words_for_reasons_and_caps(shop: Runtime) -> None:
    answer = ask(shop, "cart_exit", cart_items=2, language="pl")
    assert answer.prompt is not None
    assert answer.prompt.content.title == "everyone po polsku"
    assert answer.prompt.reasons[0].text == "Pokazujemy, bo wychodzisz z 2 produktami w koszyku"
    assert answer.caps.text == ("Najwyżej 1 taka podpowiedź na wizytę. "
                                "Co najmniej 30 minut między dwiema.")


def test_one_item_in_the_cart_is_said_in_the_singular(shop: Runtime) -> None:
    answer = ask(shop, "cart_exit", cart_items=1)
    assert answer.prompt is not None
    assert answer.prompt.reasons[0].text == ("Shown because you are leaving with 1 item in "
                                             "your cart")


def test_without_context_consent_nothing_and_withdrawal_counts_at_once(shop: Runtime) -> None:
    assert ask(shop, "dwell", cid="stranger", dwell_seconds=90).none_because == "no_consent"
    with shop.session(write=True) as session:
        consent(session, "c1", "context", False)
    answer = ask(shop, "dwell", dwell_seconds=90)
    assert answer.none_because == "no_consent"
    assert answer.none_text == "Not shown: it would use something you have not allowed."
    with shop.session() as session:
        assert session.scalar(select(func.count()).select_from(PromptShown)) == 0


def test_thresholds_decide_which_prompt_matches(shop: Runtime) -> None:
    assert ask(shop, "cart_exit", cart_items=0).none_because == "no_matching_prompt"
    assert ask(shop, "dwell", dwell_seconds=19).none_because == "no_matching_prompt"
    assert ask(shop, "scroll", scroll_percent=59).none_because == "no_matching_prompt"
    answer = ask(shop, "scroll", scroll_percent=60)
    assert answer.prompt is not None and answer.prompt.key == "scroll"
    assert answer.prompt.reasons[0].text == "Shown because you read far down this page"


def test_one_prompt_a_visit_by_default_and_the_gap_after(shop: Runtime) -> None:
    assert ask(shop, "cart_exit", cart_items=1).prompt is not None
    assert ask(shop, "dwell", dwell_seconds=40).none_because == "cap_reached"
    # A new visit id within half an hour is still this visit.
    later = NOW + timedelta(minutes=10)
    assert ask(shop, "dwell", dwell_seconds=40, visit_id="v2",
               now=later).none_because == "cap_reached"
    with shop.session(write=True) as session:
        save_settings(session, "c1", PromptSettingsIn(per_visit=2, gap_minutes=20), now=NOW,
                      language="en")
    assert ask(shop, "dwell", dwell_seconds=40, now=later).none_because == "too_soon"
    assert ask(shop, "dwell", dwell_seconds=40, now=NOW + timedelta(minutes=21)).prompt \
        is not None
    assert ask(shop, "scroll", scroll_percent=90,
               now=NOW + timedelta(minutes=50)).none_because == "cap_reached"
    # A new visit (its own id, more than half an hour on) may show one again.
    assert ask(shop, "scroll", scroll_percent=90, visit_id="v9",
               now=NOW + timedelta(minutes=52)).prompt is not None


def test_per_visit_zero_allows_none(shop: Runtime) -> None:
    with shop.session(write=True) as session:
        save_settings(session, "c1", PromptSettingsIn(per_visit=0), now=NOW, language="en")
    answer = ask(shop, "cart_exit", cart_items=3)
    assert answer.none_because == "cap_reached"
    assert answer.caps.text == "You allow no suggestions like this."


def test_dont_show_me_these_switches_every_prompt_off(shop: Runtime) -> None:
    with shop.session(write=True) as session:
        save_settings(session, "c1", PromptSettingsIn(off=True), now=NOW, language="en")
    for trigger, facts in (("cart_exit", {"cart_items": 5}), ("dwell", {"dwell_seconds": 99}),
                           ("scroll", {"scroll_percent": 100})):
        answer = ask(shop, trigger, **facts)  # type: ignore[arg-type]
        assert answer.none_because == "switched_off"
        assert answer.caps.text == "You have switched these suggestions off."


def test_a_dismissed_prompt_gives_way_to_the_next_then_to_none(shop: Runtime) -> None:
    with shop.session(write=True) as session:
        dismiss(session, "c1", "exit", now=NOW)
    assert ask(shop, "cart_exit", cart_items=1).none_because == "dismissed"
    answer = ask(shop, "cart_exit", cart_items=3)
    assert answer.prompt is not None and answer.prompt.key == "exit-big"
    with shop.session(write=True) as session:
        dismiss(session, "c1", "exit-big", now=NOW)
        dismiss(session, "c1", "exit-big", now=NOW)  # idempotent
    answer = ask(shop, "cart_exit", cart_items=3, visit_id="v5",
                 now=NOW + timedelta(hours=3))
    assert answer.none_because == "dismissed"
    assert answer.none_text == "You asked not to see this suggestion again."


def test_returning_after_a_search_needs_tracking_and_names_the_search(shop: Runtime) -> None:
    started = NOW - timedelta(minutes=1)
    with shop.session(write=True) as session:
        session.add(Event(customer_id="c1", type="search", query="boots",
                          occurred_at=NOW - timedelta(days=2)))
    assert ask(shop, "return_after_search",
               visit_started_at=started).none_because == "no_consent"
    with shop.session(write=True) as session:
        consent(session, "c1", "tracking", True)
    answer = ask(shop, "return_after_search", visit_started_at=started)
    assert answer.prompt is not None
    assert answer.prompt.reasons[0].text == ("Shown because you searched for “boots” last "
                                             "time")
    polish = ask(shop, "return_after_search", visit_started_at=started, visit_id="v7",
                 now=NOW + timedelta(hours=2), language="pl")
    assert polish.prompt is not None
    assert polish.prompt.reasons[0].text == ("Pokazujemy, bo przy ostatniej wizycie "
                                             "wyszukiwano „boots”")


def test_a_search_in_this_visit_or_too_long_ago_does_not_count(shop: Runtime) -> None:
    with shop.session(write=True) as session:
        consent(session, "c1", "tracking", True)
        session.add(Event(customer_id="c1", type="search", query="today",
                          occurred_at=NOW - timedelta(minutes=5)))
        session.add(Event(customer_id="c1", type="search", query="ancient",
                          occurred_at=NOW - timedelta(days=31)))
    answer = ask(shop, "return_after_search", visit_started_at=NOW - timedelta(minutes=10))
    assert answer.none_because == "no_matching_prompt"


def test_the_slots_targeting_chooses_the_variant_and_says_why(shop: Runtime) -> None:
    answer = ask(shop, "cart_exit", cart_items=2, returning=True)
    assert answer.prompt is not None and answer.prompt.content.key == "back"
    assert [r.text for r in answer.prompt.targeting] == [
        "Shown because you have visited us before"]
    fresh = ask(shop, "cart_exit", cart_items=2, returning=False, visit_id="v3",
                now=NOW + timedelta(hours=1))
    assert fresh.prompt is not None and fresh.prompt.content.key == "everyone"
    assert fresh.prompt.targeting == []


def test_export_lists_the_prompt_data_and_erasure_removes_it(shop: Runtime,
                                                             settings: Settings) -> None:
    ask(shop, "cart_exit", cart_items=2)
    with shop.session(write=True) as session:
        save_settings(session, "c1", PromptSettingsIn(gap_minutes=60), now=NOW, language="en")
        dismiss(session, "c1", "dwell", now=NOW)
    with shop.session() as session:
        data = customer_data(session, customer_id="c1", settings=settings).prompts
    assert data is not None and data.settings is not None
    assert (data.settings.per_visit, data.settings.gap_minutes) == (1, 60)
    assert [d.prompt for d in data.dismissed] == ["dwell"]
    assert [(s.prompt, s.trigger, s.reasons) for s in data.shown] == [
        ("exit", "cart_exit", ["cart_exit"])]
    with shop.session(write=True) as session:
        session.delete(session.get(Customer, "c1"))
    with shop.session() as session:
        for table in (PromptSetting, PromptDismissal, PromptShown):
            assert session.scalar(select(func.count()).select_from(table)) == 0
