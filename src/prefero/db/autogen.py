"""What Alembic's schema comparison may look at (used by migrations and by the test that
the migrated schema matches the models)."""

from __future__ import annotations

__all__ = ["include_object"]


def include_object(obj: object, name: str | None, type_: str, reflected: bool,
                   compare_to: object) -> bool:
    """Leave out the full-text index, which the migrations manage by hand (FTS5 shadow tables
    on SQLite, a generated tsvector column on PostgreSQL).

    >>> include_object(None, "product_search_idx", "table", True, None)
    False
    >>> include_object(None, "products", "table", True, None)
    True
    """
    if type_ == "table" and name is not None and name.startswith("product_search"):
        return False
    if type_ == "index" and name == "ix_products_search_vector":
        return False
    return not (type_ == "column" and name == "search_vector")
