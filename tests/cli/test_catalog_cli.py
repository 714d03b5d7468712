"""``prefero import FILE``: summary, row errors, exit codes, all-or-nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from typer.testing import CliRunner

from prefero.catalog.models import Product
from prefero.cli.app import app
from prefero.cli.serve import _warn_foreign_prices
from prefero.config import get_settings

DATA = Path(__file__).parents[1] / "catalog" / "data"
# The sample feeds price in EUR, JPY, RUB and USD besides PLN, the shop's currency.
RATES = '{"EUR": 4.3, "JPY": 0.026, "RUB": 0.045, "USD": 3.95}'


@pytest.fixture
def db(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("PREFERO_DATABASE_URL", database_url)
    monkeypatch.setenv("PREFERO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "200")  # Rich tables at a width that does not wrap
    monkeypatch.setenv("PREFERO_CURRENCY_RATES", RATES)
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


def _products(url: str) -> list[tuple[str, str]]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(Product.id, Product.title).order_by(Product.id))
            return [(pid, title) for pid, title in rows]
    finally:
        engine.dispose()


def test_import_prints_a_summary(db: str) -> None:
    result = CliRunner().invoke(app, ["import", str(DATA / "messy_merchant.csv")])
    assert result.exit_code == 0, result.output
    assert "messy_merchant.csv: imported" in result.output
    assert re.search(r"│ created\s+│\s+4 │", result.output)
    assert "column 'shipping_weight' is neither a product field" in result.output
    assert [pid for pid, _ in _products(db)] == ["EN-004", "JP-002", "PL-001", "RU-003"]
    assert re.search(r"│ converted from JPY \(1 JPY = 0.026 PLN\)\s+│\s+1 │", result.output)
    assert re.search(r"│ converted from USD \(1 USD = 3.95 PLN\)\s+│\s+1 │", result.output)


def test_a_currency_without_a_rate_refuses_the_file(db: str, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFERO_CURRENCY_RATES", '{"USD": 3.95}')
    get_settings.cache_clear()
    feed = tmp_path / "mixed.csv"
    feed.write_bytes(b"id,title,g:price\nA,Fine,5 PLN\nB,Trail Runner,89.90 EUR\n"
                     b"C,Cap,10 USD\n")
    result = CliRunner().invoke(app, ["import", str(feed)])
    assert result.exit_code == 1, result.output
    assert "Refused: 1 problem(s) in 1 row(s); nothing was imported" in result.output
    assert re.search(r"│\s+3 │ g:price\s+│ B\s+│ the price is in EUR; the shop sells in PLN "
                     r"and PREFERO_CURRENCY_RATES has no EUR rate", result.output)
    assert _products(db) == []

    result = CliRunner().invoke(app, ["import", str(feed), "--skip-bad-rows"])
    assert result.exit_code == 0, result.output
    assert _products(db) == [("A", "Fine"), ("C", "Cap")]


def test_refused_import_lists_the_rows_and_exits_1(db: str, tmp_path: Path) -> None:
    feed = tmp_path / "bad.csv"
    feed.write_bytes(b"id,title,price\nA,Fine,5 PLN\nB,Broken,five\n,No id,6 PLN\n")
    result = CliRunner().invoke(app, ["import", str(feed)])
    assert result.exit_code == 1
    assert "Refused: 2 problem(s) in 2 row(s); nothing was imported" in result.output
    assert "Row errors (first 2 of 2)" in result.output
    assert re.search(r"│\s+3 │ price\s+│ B\s+│ 'five' is not a price", result.output)
    assert re.search(r"│\s+4 │ id\s+│\s+│ is required but empty", result.output)
    assert _products(db) == []


def test_skip_bad_rows_imports_the_good_ones(db: str, tmp_path: Path) -> None:
    feed = tmp_path / "bad.csv"
    feed.write_bytes(b"id,title,price\nA,Fine,5 PLN\nB,Broken,five\nC,Also fine,6 PLN\n")
    result = CliRunner().invoke(app, ["import", str(feed), "--skip-bad-rows"])
    assert result.exit_code == 0, result.output
    assert "Skipped rows (first 1 of 1)" in result.output
    assert _products(db) == [("A", "Fine"), ("C", "Also fine")]


def test_explicit_format_and_unreadable_file(db: str, tmp_path: Path) -> None:
    feed = tmp_path / "pantry.txt"
    feed.write_bytes((DATA / "pantry.jsonl").read_bytes())
    result = CliRunner().invoke(app, ["import", str(feed), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    assert len(_products(db)) == 3

    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<rss>\n<channel>\n</rss>")
    result = CliRunner().invoke(app, ["import", str(broken)])
    assert result.exit_code == 1
    assert "Refused: the feed cannot be read: line 3: the file is not well-formed XML" in (
        result.output)


def test_feeds_the_importer_cannot_read_are_refused_cleanly(db: str, tmp_path: Path) -> None:
    # Issue 10: a Shift_JIS XML feed ended in a traceback; a NUL in a cell broke PostgreSQL.
    xml = tmp_path / "jp.xml"
    xml.write_bytes(('<?xml version="1.0" encoding="Shift_JIS"?><rss><channel><item>'
                     '<id>p1</id><title>お茶</title><price>3 PLN</price></item></channel>'
                     '</rss>').encode("shift_jis"))
    result = CliRunner().invoke(app, ["import", str(xml)])
    assert result.exit_code == 1, result.output
    assert "Shift_JIS, an encoding the importer cannot read" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    csv = tmp_path / "nul.csv"
    csv.write_bytes(b"id,title,price\np1,Oat\x00bar,3 PLN\np2,Tea,2 PLN\n")
    result = CliRunner().invoke(app, ["import", str(csv)])
    assert result.exit_code == 1, result.output
    assert "must not contain NUL characters" in result.output
    assert _products(db) == []


def test_reprice_converts_what_an_older_import_left_in_another_currency(
        db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFERO_SHOP_CURRENCY", "EUR")  # the shop sold in euros then
    monkeypatch.setenv("PREFERO_CURRENCY_RATES", '{"JPY": 0.006, "RUB": 0.01, "USD": 0.92, '
                                                 '"PLN": 0.23}')
    get_settings.cache_clear()
    assert CliRunner().invoke(app, ["import", str(DATA / "messy_merchant.csv")]).exit_code == 0
    monkeypatch.setenv("PREFERO_SHOP_CURRENCY", "PLN")  # ... and now sells in złoty
    monkeypatch.setenv("PREFERO_CURRENCY_RATES", '{"EUR": 4.3}')
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["reprice"])
    assert result.exit_code == 0, result.output
    assert "4 products converted from EUR to PLN at 4.3." in result.output
    again = CliRunner().invoke(app, ["reprice"])
    assert "Every product is already priced in PLN." in again.output


def test_reprice_without_a_rate_names_the_currency_and_converts_nothing(
        db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert CliRunner().invoke(app, ["import", str(DATA / "messy_merchant.csv")]).exit_code == 0
    monkeypatch.setenv("PREFERO_SHOP_CURRENCY", "EUR")
    monkeypatch.setenv("PREFERO_CURRENCY_RATES", "{}")
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["reprice"])
    assert result.exit_code == 1
    assert "Refused: no exchange rate for PLN: nothing was converted" in result.output
    assert "currency: 4 products are priced in PLN; PREFERO_CURRENCY_RATES has no PLN rate" \
        in result.output


def test_serve_warns_about_products_in_another_currency(
        db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    assert CliRunner().invoke(app, ["import", str(DATA / "messy_merchant.csv")]).exit_code == 0
    _warn_foreign_prices(get_settings())
    assert capsys.readouterr().err == ""  # everything is in the shop's PLN
    monkeypatch.setenv("PREFERO_SHOP_CURRENCY", "EUR")
    monkeypatch.setenv("PREFERO_CURRENCY_RATES", "{}")
    get_settings.cache_clear()
    _warn_foreign_prices(get_settings())
    assert capsys.readouterr().err == (
        "Warning: products priced in another currency than the shop's EUR (4 in PLN); run "
        "`prefero reprice` to convert them with PREFERO_CURRENCY_RATES.\n")
