"""The dashboard's pages show the shop's figures: numbers as the language writes them,
facet values in the storefront's words, funnels with known counts, every chart an
accessible inline SVG with no style or script of its own and a table beside it."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from dashboard_shop import quiz_sessions
from factories import add_products, consent, customer, product
from prefero.quizzes.publish import publish_library
from prefero.runtime import Runtime
from staff_accounts import staff_browser


def _shop(runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        add_products(session, [product(f"p{i}", category="Groceries > Sweets")
                               for i in range(1500)]
                     + [product("gone", category="Groceries > Sweets", brand="Lindt",
                                availability="out_of_stock")])
        customer(session, "c1", level="full", likes=[("brand", "lindt", 1.0)],
                 never=[("allergens", "gluten")])
        customer(session, "c2", never=[("allergens", "gluten")])
        customer(session, "anon-1")
        consent(session, "c1", "tracking", True)
        publish_library(session, schema=runtime.facet_schema)
        quiz_sessions(session, "grocery-setup", [0, 1, 6, 6])


def _cells(html: str) -> list[list[str]]:
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    return [[re.sub(r"<[^>]+>", "", cell).strip()
             for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)] for row in rows]


def test_the_overview_in_english_and_polish(client: TestClient, runtime: Runtime) -> None:
    _shop(runtime)
    web = staff_browser(client, runtime, "ola@shop.example", "read_only")
    english = web.get("/dashboard").text
    assert ["In stock", "1,500", "99.9%"] in _cells(english)
    assert ["Known customers", "2", "66.7%"] in _cells(english)
    assert ["Behavioural tracking", "1", "0", "2", "off", "33.3%"] in _cells(english)
    assert ["Full", "1", "33.3%"] in _cells(english)
    assert ["Left to the shop (now Balanced)", "2", "66.7%"] in _cells(english)
    web.cookies.set("lang", "pl")
    polish = web.get("/dashboard").text
    assert '<html lang="pl">' in polish
    assert ["Dostępny", "1\xa0500", "99,9%"] in _cells(polish)
    assert ["Śledzenie zachowań", "1", "0", "2", "wyłączona", "33,3%"] in _cells(polish)
    # No raw codes or English words of the frame.
    for raw in (">in_stock<", ">tracking<", ">None<", ">True<", "Overview"):
        assert raw not in polish, raw


def test_declared_values_are_worded_as_the_storefront_words_them(
        client: TestClient, runtime: Runtime) -> None:
    _shop(runtime)
    web = staff_browser(client, runtime, "ola@shop.example", "read_only")
    web.cookies.set("lang", "pl")
    html = web.get("/dashboard/declared").text
    cells = _cells(html)
    assert ["gluten", "0", "0", "2", "0"] in cells
    assert ["Lindt", "1", "0", "0", "0"] in cells
    assert "<h2 id=\"fig-facet-allergens\">Alergeny</h2>" in html
    assert "2 klienci coś o niej zadeklarowali." in html


def test_quiz_funnels_count_each_step(client: TestClient, runtime: Runtime) -> None:
    _shop(runtime)
    web = staff_browser(client, runtime, "ola@shop.example", "read_only")
    html = web.get("/dashboard/quizzes").text
    section = html[html.index('id="fig-quiz-grocery-setup"'):]
    section = section[:section.index("</section>")]
    rows = _cells(section)
    assert rows[1] == ["Started", "4", "100%"]
    assert rows[2][0].startswith("Question 1: ") and rows[2][1:] == ["3", "75%"]
    assert rows[3][1:] == ["2", "50%"]
    assert rows[-1] == ["Completed", "2", "50%"]


def test_every_chart_is_an_accessible_svg_without_style_or_script(
        client: TestClient, runtime: Runtime) -> None:
    _shop(runtime)
    web = staff_browser(client, runtime, "ola@shop.example", "admin")
    for path in ("/dashboard", "/dashboard/declared", "/dashboard/quizzes"):
        html = web.get(path).text
        charts = re.findall(r"<svg\b[^>]*>.*?</svg>", html, re.S)
        assert charts, path
        assert len(re.findall(r'<section class="figure"', html)) >= len(charts)
        for svg in charts:
            opening = svg[:svg.index(">")]
            assert 'role="img"' in opening
            label = re.search(r'aria-labelledby="([^"]+)"', opening)
            assert label and f'<title id="{label.group(1)}">' in svg
            assert "<style" not in svg and "<script" not in svg
        ids = re.findall(r'\bid="([^"]+)"', html)
        assert len(ids) == len(set(ids)), path
    css = web.get("/dashboard/charts.css")
    assert css.headers["content-type"].startswith("text/css")
    assert ".dash-chart .axis" in css.text and "#chart-" not in css.text


def test_an_empty_shop_says_so(client: TestClient, runtime: Runtime) -> None:
    web = staff_browser(client, runtime, "ola@shop.example", "read_only")
    assert web.get("/dashboard").status_code == 200
    assert "No customer has declared anything yet." in web.get("/dashboard/declared").text
    assert "The shop has no quizzes yet." in web.get("/dashboard/quizzes").text
