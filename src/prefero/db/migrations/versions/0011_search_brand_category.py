"""search finds products by brand and category too ("pasta" finds the pasta aisle)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06

The full-text index covered titles and descriptions only. It now also holds each product's
brand and category path: SQLite's FTS5 table is rebuilt with two more columns (and its
triggers with them), PostgreSQL's generated tsvector gets them weighted between the title
and the description. Both are rebuilt from the products as they stand.
"""

from __future__ import annotations

from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

_TRIGGERS = ("products_search_ai", "products_search_ad", "products_search_au")


def _sqlite(columns: tuple[str, ...]) -> list[str]:
    listed = ", ".join(columns)
    values = ", ".join(f"coalesce(new.{column}, '')" for column in columns)
    return [
        *(f"DROP TRIGGER IF EXISTS {trigger}" for trigger in _TRIGGERS),
        "DROP TABLE IF EXISTS product_search",
        f"CREATE VIRTUAL TABLE product_search USING fts5(product_id UNINDEXED, {listed}, "
        "tokenize='unicode61 remove_diacritics 2')",
        f"INSERT INTO product_search(product_id, {listed}) SELECT id, "
        + ", ".join(f"coalesce({column}, '')" for column in columns) + " FROM products",
        "CREATE TRIGGER products_search_ai AFTER INSERT ON products BEGIN "
        f"INSERT INTO product_search(product_id, {listed}) VALUES (new.id, {values}); END",
        "CREATE TRIGGER products_search_ad AFTER DELETE ON products BEGIN "
        "DELETE FROM product_search WHERE product_id = old.id; END",
        f"CREATE TRIGGER products_search_au AFTER UPDATE OF {listed} ON products BEGIN "
        "DELETE FROM product_search WHERE product_id = old.id; "
        f"INSERT INTO product_search(product_id, {listed}) VALUES (new.id, {values}); END",
    ]


def _postgres(weighted: tuple[tuple[str, str], ...]) -> list[str]:
    vector = " || ".join(f"setweight(to_tsvector('simple', coalesce({column}, '')), '{weight}')"
                         for column, weight in weighted)
    return [
        "DROP INDEX IF EXISTS ix_products_search_vector",
        "ALTER TABLE products DROP COLUMN IF EXISTS search_vector",
        f"ALTER TABLE products ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({vector}) "
        "STORED",
        "CREATE INDEX ix_products_search_vector ON products USING gin (search_vector)",
    ]


def _apply(sqlite: list[str], postgres: list[str]) -> None:
    for statement in sqlite if op.get_bind().dialect.name == "sqlite" else postgres:
        op.execute(statement)


def upgrade() -> None:
    _apply(_sqlite(("title", "description", "brand", "category")),
           _postgres((("title", "A"), ("brand", "B"), ("category", "B"), ("description", "C"))))


def downgrade() -> None:
    _apply(_sqlite(("title", "description")),
           _postgres((("title", "A"), ("description", "B"))))
