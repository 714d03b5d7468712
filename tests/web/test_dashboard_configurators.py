"""The console's configurators page (read-only): every configurable product of the shop's
definitions file with its base price, groups and options (price, stock left: the live count
of ``configurator_stock`` over the file's), and its rules in words, in English and Polish;
open to every role, with no form. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from html import unescape

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from prefero.configurators.models import OptionStock
from prefero.runtime import Runtime
from prefero.web.dashboard import configurators
from staff_accounts import staff_browser

PAGE = "/dashboard/configurators"


def _option_row(html: str, label: str) -> str:
    return html.split(f'<th scope="row">{label}</th>')[1].split("</tr>")[0]


def _cells(row: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]


def test_each_configurator_is_listed_with_prices_stock_and_rules(client: TestClient,
                                                                  runtime: Runtime) -> None:
    with runtime.session(write=True) as session:
        session.add(OptionStock(product_id="cfg-laptop-14", group_key="memory",
                                option_key="ram-64", remaining=3))
        session.add(OptionStock(product_id="cfg-laptop-14", group_key="storage",
                                option_key="ssd-2tb", remaining=0))
    web = staff_browser(client, runtime, "ro@shop.example", "read_only")
    html = unescape(web.get(PAGE).text)
    assert "Prefero Build 14 laptop" in html and "Made-to-order Oxford shirt" in html
    assert "PLN\xa03,999.00" in html  # the laptop's base price
    assert "PREFERO_CONFIGURATORS_FILE" in html and "uses the packaged file" in html
    # Live stock overrides the file's; the file's count before any sale; unlimited.
    assert _cells(_option_row(html, "64 GB RAM"))[:2] == ["+PLN\xa01,400.00", "3"]
    two_tb = _cells(_option_row(html, "2 TB SSD"))
    assert two_tb[1].startswith("0") and "Out of stock" in two_tb[1]
    assert _cells(_option_row(html, "Ocean blue"))[1] == "40"
    core = _cells(_option_row(html, "Intel Core i5 (10 cores)"))
    assert core[:2] == ["Included", "Unlimited"] and "usual choice" in core[2]
    assert "+7 days to build" in _cells(_option_row(html, "NVIDIA GeForce RTX 4070"))[2]
    assert "Exactly one must be chosen" in html and "Several may be chosen" in html
    # Rules in words, with the shop's own wording where it has one.
    assert "NVIDIA GeForce RTX 4060 needs 180 W adapter or 240 W adapter" in html
    assert "Shoppers read: “The RTX 4070 draws up to 140 W" in html
    assert "cannot be combined with" in html
    assert "<form" not in html.split('<main')[1].split("</main>")[0]
    for raw in ("rtx-4060", "ram-64", "graphics.", ">True<", ">None<", "1400.00"):
        assert raw not in html


def test_the_page_reads_in_polish(client: TestClient, runtime: Runtime) -> None:
    web = staff_browser(client, runtime, "pl@shop.example", "marketer")
    html = unescape(web.get(PAGE, headers={"Accept-Language": "pl"}).text)
    assert "Konfiguratory" in html and "Laptop Prefero Build 14" in html
    assert "3999,00\xa0zł" in html or "3\xa0999,00\xa0zł" in html
    assert "Zasilacz 180 W lub Zasilacz 240 W" in html
    assert "W cenie" in html and "Pozostały zapas" in html
    for english in ("Included", "Unlimited", "Stock left", "Base price", "needs",
                    "Exactly one must be chosen", "Shoppers read"):
        assert english not in html


def test_the_page_has_no_writes() -> None:
    assert all((route.methods or set()) == {"GET"} for route in configurators.router.routes
               if isinstance(route, APIRoute))
