"""Popular searches: only searches that found something, in the catalogue's own words, are
counted (by day, nobody's name on them); the most searched complete what is typed once
searched often enough, in the window of days, and old days are pruned."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from prefero.db.base import utcnow
from prefero.privacy.maintenance import maintain
from prefero.runtime import Runtime
from prefero.search import popular
from prefero.search.fulltext import search_terms
from prefero.search.models import PopularSearch
from prefero.search.popular import (
    MINIMUM,
    RETENTION_DAYS,
    WINDOW_DAYS,
    count_search,
    countable_query,
    flush_searches,
    popular_completions,
    prune_popular,
    record_search,
)
from prefero.search.suggest import suggest
from prefero.search.vocabulary import Vocabulary, vocabulary_of

TODAY = date(2026, 11, 20)


def vocabulary(runtime: Runtime) -> Vocabulary:
    with runtime.session() as session:
        index, _model = runtime.recommender.snapshot(session)
    return vocabulary_of(index)


def count(runtime: Runtime, query: str, *, times: int = 1, found: int = 3,
          day: date | None = None) -> list[str | None]:
    known = vocabulary(runtime)
    with runtime.session(write=True) as session:
        return [record_search(session, query=query, found=found, vocabulary=known, day=day)
                for _ in range(times)]


def stored(runtime: Runtime) -> dict[tuple[str, date], int]:
    with runtime.session() as session:
        return {(row.query, row.day): row.count
                for row in session.scalars(select(PopularSearch))}


def completions(runtime: Runtime, typed: str, *, today: date | None = None,
                limit: int = 5, minimum: int = MINIMUM) -> list[str]:
    with runtime.session() as session:
        return popular_completions(session, prefix_terms=search_terms(typed), limit=limit,
                                   today=today, minimum=minimum)


def test_a_search_is_counted_by_its_words_and_day_only(shop: Runtime) -> None:
    assert count(shop, "  Apple MacBook!  ", day=TODAY) == ["apple macbook"]
    count(shop, "apple, macbook", times=2, day=TODAY)
    count(shop, "APPLE MACBOOK", day=TODAY - timedelta(days=1))
    assert stored(shop) == {("apple macbook", TODAY): 3,
                            ("apple macbook", TODAY - timedelta(days=1)): 1}
    columns = {column.name for column in PopularSearch.__table__.columns}
    assert columns == {"query", "day", "count"}  # nothing that could point to a person


def test_only_searches_that_found_something_count(shop: Runtime) -> None:
    assert count(shop, "macbook", found=0) == [None]
    assert stored(shop) == {}


def test_a_word_the_catalogue_does_not_have_keeps_the_query_out(shop: Runtime) -> None:
    refused = ["macbook jan.kowalski@example.com",  # an e-mail address
               "anna nowak linen",                   # a name
               "linen summer",     # found (a description's word) but not a catalogue word
               "mac",              # only the start of a catalogue word
               "macbok",           # a typo, as typed
               "+48 600 100 200",  # a phone number
               "!!! ..."]          # no words at all
    for query in refused:
        assert count(shop, query) == [None], query
    assert stored(shop) == {}


def test_a_query_longer_than_the_column_is_not_cut_but_refused() -> None:
    long_words = {f"{letter * 20}" for letter in "abcdefghijkl"}
    assert countable_query(" ".join(sorted(long_words)), found=1, known=long_words) is None
    assert countable_query("aaaa bbbb", found=1, known={"aaaa", "bbbb"}) == "aaaa bbbb"


def test_a_corrected_search_counts_what_was_searched_instead(shop: Runtime) -> None:
    assert count_search(shop, query="macbok air", corrected_query="macbook air",
                        found=2) == "macbook air"
    assert count_search(shop, query="macbook air", corrected_query=None,
                        found=0) is None
    assert count_search(shop, query="jan kowalski", corrected_query=None, found=4) is None
    assert [query for query, _day in stored(shop)] == ["macbook air"]


def test_a_query_is_offered_only_from_its_floor_on(shop: Runtime) -> None:
    count(shop, "linen shirt", times=MINIMUM - 1)
    assert completions(shop, "lin") == []
    count(shop, "linen shirt")
    assert completions(shop, "lin") == ["linen shirt"]
    # A process that never counted it reads the same from the database.
    fresh = Runtime(shop.settings)
    try:
        assert completions(fresh, "lin") == ["linen shirt"]
        assert completions(fresh, "lin", minimum=MINIMUM + 1) == []
    finally:
        fresh.close()


def test_only_the_window_of_days_counts_and_days_add_up(shop: Runtime) -> None:
    first_day = TODAY - timedelta(days=WINDOW_DAYS - 1)
    count(shop, "rye bread", times=MINIMUM, day=first_day - timedelta(days=1))
    count(shop, "dark bar", times=MINIMUM - 2, day=first_day)
    count(shop, "dark bar", times=2, day=TODAY)
    assert completions(shop, "rye", today=TODAY) == []
    assert completions(shop, "dark", today=TODAY) == ["dark bar"]
    # A day later the first day has left the window too.
    assert completions(shop, "dark", today=TODAY + timedelta(days=1)) == []
    # A day earlier, "rye bread" was within it.
    assert completions(shop, "rye", today=TODAY - timedelta(days=1)) == ["rye bread"]


def test_completions_start_with_what_is_typed_most_searched_first(shop: Runtime) -> None:
    count(shop, "apple macbook air", times=MINIMUM + 2)
    count(shop, "apple macbook pro", times=MINIMUM + 1)
    count(shop, "apple macbook", times=MINIMUM + 1)
    count(shop, "macbook pro", times=MINIMUM + 9)
    count(shop, "apple", times=MINIMUM)
    assert completions(shop, "apple mac") == ["apple macbook air", "apple macbook",
                                              "apple macbook pro"]
    assert completions(shop, "APPLE  MAC", limit=1) == ["apple macbook air"]
    assert completions(shop, "app") == ["apple macbook air", "apple macbook",
                                        "apple macbook pro", "apple"]
    assert completions(shop, "mac") == ["macbook pro"]
    assert completions(shop, "apple pro") == []
    assert completions(shop, "") == []


def test_suggestions_offer_popular_completions_first_each_once(shop: Runtime) -> None:
    with shop.session() as session:
        before = suggest(session, shop.recommender, query="mac", customer_id=None)
    assert before.completions == ["macbook"]
    count(shop, "macbook", times=MINIMUM + 3)
    count(shop, "macbook air", times=MINIMUM)
    with shop.session() as session:
        after = suggest(session, shop.recommender, query="mac", customer_id=None)
    assert after.completions == ["macbook", "macbook air"]


def test_the_floor_is_the_shops_setting(shop: Runtime) -> None:
    strict = Runtime(shop.settings.model_copy(update={"popular_search_minimum": 8}))
    try:
        count(strict, "linen shirt", times=7)
        with strict.session() as session:
            assert suggest(session, strict.recommender, query="lin",
                           customer_id=None).completions == ["linen"]
        count(strict, "linen shirt")
        with strict.session() as session:
            assert suggest(session, strict.recommender, query="lin",
                           customer_id=None).completions == ["linen shirt", "linen"]
    finally:
        strict.close()


def test_another_process_s_searches_arrive_when_the_copy_is_read_again(
        shop: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    assert completions(shop, "rye") == []  # this process now keeps a copy
    other = Runtime(shop.settings)  # another process: its counts never touch this copy
    try:
        count(other, "rye bread", times=MINIMUM)
    finally:
        other.close()
    assert completions(shop, "rye") == []  # the copy is young: served as it is
    monkeypatch.setattr(popular, "CACHE_SECONDS", 0.0)
    # Old now: still served while a thread reads the counts again, then the new copy.
    for _ in range(400):
        if completions(shop, "rye") == ["rye bread"]:
            break
        threading.Event().wait(0.05)
    monkeypatch.setattr(popular, "CACHE_SECONDS", 3600.0)
    assert completions(shop, "rye") == ["rye bread"]
    # The last reading may still be under way: let it end before the database goes.
    for thread in threading.enumerate():
        if thread.name == "prefero-popular-searches":
            thread.join(timeout=60)


def _waiting_on_a_lock(runtime: Runtime, other: threading.Thread) -> None:
    """On PostgreSQL, until ``other``'s upsert waits on the first session's row (so that
    the two really meet); SQLite has one writer at a time and needs no waiting for."""
    if runtime.engine.dialect.name != "postgresql":
        return
    with runtime.engine.connect() as connection:
        for _ in range(400):
            waiting = connection.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()"))
            if waiting or not other.is_alive():
                return
            threading.Event().wait(0.05)


def test_two_sessions_counting_one_query_at_once_lose_nothing(shop: Runtime) -> None:
    patient = Runtime(shop.settings.model_copy(update={"db_wait_seconds": 30.0}))
    known = vocabulary(patient)
    failures: list[BaseException] = []

    def second() -> None:
        try:
            with patient.session(write=True) as session:
                record_search(session, query="linen shirt", found=1, vocabulary=known,
                              day=TODAY)
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    try:
        with patient.session(write=True) as first:
            record_search(first, query="linen shirt", found=1, vocabulary=known, day=TODAY)
            other = threading.Thread(target=second)
            other.start()
            _waiting_on_a_lock(patient, other)
        other.join(timeout=120)
        assert not other.is_alive() and failures == []
        assert stored(shop) == {("linen shirt", TODAY): 2}

        threads = [threading.Thread(target=lambda: [second() for _ in range(10)])
                   for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert failures == []
        assert stored(shop) == {("linen shirt", TODAY): 42}
    finally:
        patient.close()


def test_maintenance_prunes_days_past_retention(shop: Runtime) -> None:
    now = utcnow()
    today = now.date()
    count(shop, "rye bread", times=2, day=today - timedelta(days=RETENTION_DAYS))
    count(shop, "rye bread", day=today - timedelta(days=RETENTION_DAYS + 40))
    count(shop, "dark bar", day=today - timedelta(days=RETENTION_DAYS - 1))
    count(shop, "dark bar", day=today)
    report = maintain(shop, now=now)
    assert report.popular_searches == 2
    assert stored(shop) == {("dark bar", today - timedelta(days=RETENTION_DAYS - 1)): 1,
                            ("dark bar", today): 1}
    assert prune_popular(shop.session, today=today) == 0


_FOREIGN = ["kowalski", "jan.kowalski@example.com", "anna", "summer", "zakwasie", "mac",
            "+48 600 100 200", "ul. Długa 5", "ąę"]
_CATALOGUE = ["apple", "macbook", "air", "13", "pasta", "linen", "shirt", "rye", "bread",
              "barilla", "chocolate", "500", "g"]


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(st.one_of(st.sampled_from(_CATALOGUE), st.sampled_from(_FOREIGN),
                                st.text(max_size=12)), max_size=8),
       separator=st.sampled_from([" ", "  ", ", ", "-", "\t", "/"]))
def test_whatever_is_typed_a_stored_query_holds_only_catalogue_words(
        shop: Runtime, parts: list[str], separator: str) -> None:
    known = vocabulary(shop)
    query = separator.join(parts)
    counted = count(shop, query)[0]
    terms = search_terms(query)
    assert (counted is not None) == (bool(terms) and all(t in known.count for t in terms)
                                     and any(c.isalpha() for t in terms for c in t))
    for stored_query, _day in stored(shop):
        words = stored_query.split(" ")
        assert all(word in known.count for word in words), stored_query
        assert search_terms(stored_query) == words  # normalised: as search reads it


def test_the_search_box_fragment_shows_popular_completions_in_both_languages(
        client: TestClient, shop: Runtime) -> None:
    count(shop, "linen shirt", times=MINIMUM - 1)
    english = client.get("/search/suggest", params={"q": "lin"}).text
    assert "linen shirt" not in english
    count(shop, "linen shirt")
    english = client.get("/search/suggest", params={"q": "lin"}).text
    polish = client.get("/search/suggest", params={"q": "lin"},
                        headers={"Accept-Language": "pl"}).text
    link = '<a href="/search?q=linen%20shirt" tabindex="-1">linen shirt</a>'
    assert link in english and link in polish
    assert english.count(link) == 1
    assert "suggestions</p>" in english and "podpowiedzi</p>" in polish
    assert "suggestions</p>" not in polish and "Category:" not in polish


def test_counts_wait_in_the_process_for_their_batch(shop: Runtime) -> None:
    batched = Runtime(shop.settings.model_copy(update={"popular_search_batch": 3}))
    try:
        for _ in range(2):
            assert count_search(batched, query="linen shirt", corrected_query=None,
                                found=3) == "linen shirt"
        assert stored(batched) == {}  # waiting
        count_search(batched, query="macbook air", corrected_query=None, found=1)
        assert {query: n for (query, _day), n in stored(batched).items()} == {
            "linen shirt": 2, "macbook air": 1}
        count_search(batched, query="linen shirt", corrected_query=None, found=3)
        assert flush_searches(batched) == 1  # what waits is written on demand too
        assert flush_searches(batched) == 0
        assert sum(n for (query, _day), n in stored(batched).items()
                   if query == "linen shirt") == 3
    finally:
        batched.close()
