"""A customer who searched (through the API with their token, and signed in on the shop's
search page and search box) and is then erased leaves nothing that names them: no cell of
any table (SQLite's full-text index and its shadow tables, PostgreSQL's search vectors and
the popular-search counts included) holds their id, e-mail, name or token, and no word of
the full-text indexes is theirs. What they typed about themselves is never counted as a
popular search, even when it found products."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.engine import make_url

from apikeys import TOKEN_KEY
from customer_tokens import bearer, open_exchange
from factories import add_products, product
from prefero.runtime import Runtime
from prefero.search.models import PopularSearch
from prefero.search.popular import MINIMUM

WHO = "ulla.quorvik-5521@example.com"
NAME = "Ulla Quorvik"
BYSTANDER = "bystander-8812"
# The SQLite full-text index and the tables FTS5 keeps it in.
FTS_TABLES = ("product_search", "product_search_data", "product_search_idx",
              "product_search_content", "product_search_docsize", "product_search_config")


def catalogue(runtime: Runtime) -> None:
    with runtime.session() as session:
        add_products(session, [
            product("linen", title="Linen Shirt", category="Fashion > Shirts",
                    brand="Nordlys", description="Breathable linen for summer."),
            product("rye", title="Rye Bread", category="Groceries > Bakery"),
            # A book whose description names someone and prints an address: a search for
            # them finds it, and still must not become a popular search.
            product("poems", title="Collected Poems", category="Books > Poetry",
                    description="Poems by Anna Nowak; letters to anna.nowak@example.com."),
        ])


def tables(engine: Engine) -> list[str]:
    """Every table the database has; on SQLite also the full-text index's own tables."""
    names = set(inspect(engine).get_table_names())
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            names |= set(connection.scalars(text(
                "SELECT name FROM sqlite_master WHERE type = 'table'")))
        assert set(FTS_TABLES) <= names
    return sorted(names)


def _holds(value: Any, needle: str) -> bool:
    if isinstance(value, bytes | bytearray | memoryview):
        return needle.casefold().encode() in bytes(value).lower()
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    return needle.casefold() in str(value).casefold()


def cells_naming(engine: Engine, needles: list[str]) -> list[str]:
    """Every cell of every table holding a needle (any case). SELECT *: the columns only
    migrations add (PostgreSQL's search_vector) and tables without a model are read too."""
    found = []
    with engine.connect() as connection:
        for name in tables(engine):
            for row in connection.execute(text(f'SELECT * FROM "{name}"')):
                found += [f"{name}: {needle!r} in {value!r}" for value in row
                          for needle in needles if value is not None and _holds(value, needle)]
    return found


def indexed_words(engine: Engine) -> set[str]:
    """Every word the full-text index holds: FTS5's vocabulary on SQLite, the lexemes of
    every product's search_vector on PostgreSQL."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(text("CREATE VIRTUAL TABLE temp.scan_words "
                                    "USING fts5vocab(main, product_search, row)"))
            try:
                return set(connection.scalars(text("SELECT term FROM temp.scan_words")))
            finally:
                connection.execute(text("DROP TABLE temp.scan_words"))
        return set(connection.scalars(text(
            "SELECT word FROM ts_stat('SELECT search_vector FROM products')")))


def file_bytes_naming(runtime: Runtime, needles: list[str]) -> list[str]:
    """On SQLite, the needles found in the raw database file, its -wal and -shm (free pages
    and old frames included); nothing to read on PostgreSQL."""
    url = make_url(runtime.settings.effective_database_url)
    if url.get_backend_name() != "sqlite":
        return []
    assert url.database is not None
    found = []
    for suffix in ("", "-wal", "-shm"):
        path = Path(url.database + suffix)
        data = path.read_bytes().lower() if path.exists() else b""
        found += [f"{path.name}: {n!r}" for n in needles if n.casefold().encode() in data]
    return found


def shopper(client: TestClient, who: str) -> tuple[str, str]:
    """The customer consents to tracking and gets a token: the token and the one-time
    sign-in link's code."""
    assert client.post(f"/v1/customers/{who}/consents",
                       json={"purpose": "tracking", "granted": True}).status_code == 201
    issued = client.post(f"/v1/customers/{who}/tokens", headers={"X-API-Key": TOKEN_KEY})
    assert issued.status_code == 201, issued.text
    body = issued.json()
    return body["token"], body["exchange_url"]


def searches(client: TestClient, who: str, name: str, token: str, exchange_url: str
             ) -> None:
    """What the customer does: searches through the shop's API with their own token (their
    own name and address among the searches), the shop reports their searches as events,
    and they search signed in on the web's search page and search box."""
    # Clients of their own: the suite's carries the admin key, which would search as nobody.
    api = TestClient(client.app)
    for query in ["linen shirt"] * MINIMUM + [name, who, f"linen {name}", "rye bread"]:
        answer = api.get("/v1/search", params={"q": query}, headers=bearer(token))
        assert answer.status_code == 200, answer.text
        assert answer.json()["customer_id"] == who
    events = [{"event_id": f"{who}-search-{i}", "type": "search", "customer_id": who,
               "query": query} for i, query in enumerate([name, "linen shirt"])]
    assert client.post("/v1/events", json={"events": events}).status_code == 200

    browser = TestClient(client.app)
    assert open_exchange(browser, exchange_url).status_code == 200
    for query in ("linen shirt", name, who):
        assert browser.get("/search", params={"q": query}).status_code == 200
    for typed in ("lin", name.casefold()[:-2], who[:12]):
        assert browser.get("/search/suggest", params={"q": typed}).status_code == 200


def popular(runtime: Runtime) -> set[str]:
    with runtime.session() as session:
        return set(session.scalars(select(PopularSearch.query)))


def test_an_erased_searcher_leaves_no_trace_in_any_table_or_index(
        client: TestClient, runtime: Runtime) -> None:
    catalogue(runtime)
    token, exchange_url = shopper(client, WHO)
    code = parse_qs(urlsplit(exchange_url).query)["code"][0]
    searches(client, WHO, NAME, token, exchange_url)
    other_token, other_url = shopper(client, BYSTANDER)
    searches(client, BYSTANDER, "Berit Oksvold", other_token, other_url)
    needles = [WHO, NAME, "quorvik", token, token.split(".")[-1], code]
    # The scan is not blind: before erasure it finds the customer (consents, events).
    assert cells_naming(runtime.engine, [WHO, NAME])

    erased = client.delete(f"/v1/customers/{WHO}")
    assert erased.status_code == 200, erased.text

    assert cells_naming(runtime.engine, needles) == []
    assert file_bytes_naming(runtime, needles) == []
    words = indexed_words(runtime.engine)
    assert "linen" in words  # the index was read
    assert not {word for word in words for part in ("quorvik", "ulla", "5521")
                if part in word}
    # What stays of the searches is anonymous: catalogue words and counts, no one's name.
    assert popular(runtime) == {"linen shirt", "rye bread"}
    # The bystander is untouched (and the scan still sees what is there).
    assert all(cells_naming(runtime.engine, [n]) for n in (BYSTANDER, "Berit Oksvold"))


def test_a_search_for_oneself_is_never_a_popular_search(client: TestClient,
                                                        runtime: Runtime) -> None:
    catalogue(runtime)
    token, _url = shopper(client, "anna.nowak@example.com")
    api = TestClient(client.app)  # not the suite's client: that one carries the admin key
    # Each finds the book (words of its description): finding something is not enough.
    finding = ("Anna Nowak", "poems anna nowak", "Nowak poems", "collected poems")
    # PostgreSQL's parser reads an address as one word, SQLite's as four: found or not.
    for query in (*finding, "anna.nowak@example.com"):
        for _ in range(MINIMUM + 1):
            answer = api.get("/v1/search", params={"q": query}, headers=bearer(token))
            assert answer.status_code == 200, answer.text
            assert answer.json()["customer_id"] == "anna.nowak@example.com"
            if query in finding:
                assert answer.json()["total_hits"] == 1, query
    assert popular(runtime) == {"collected poems"}
    typed = api.get("/v1/search/suggest", params={"q": "anna"}, headers=bearer(token))
    assert not [text for text in typed.json()["completions"] if "anna" in text or "nowak" in text]
