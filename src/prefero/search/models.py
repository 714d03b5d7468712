"""What the database keeps for search: the shop's synonyms, and how often each query was
searched per day (counts only: no row names or points to a person)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from prefero.db.base import Base, JsonDoc, utcnow

__all__ = ["PopularSearch", "SearchSynonym"]


class SearchSynonym(Base):
    """One synonym rule of the shop. ``source`` empty: every word or phrase of ``terms``
    finds what the others find. ``source`` set: a query holding ``source`` also finds what
    ``terms`` find, and not the other way round ("tablet" → "ipad")."""

    __tablename__ = "search_synonyms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str | None] = mapped_column(String(200))
    terms: Mapped[list[str]] = mapped_column(JsonDoc)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PopularSearch(Base):
    """How many searches for ``query`` (normalised words) found something on ``day``.
    Counts by day, so that "popular" can mean recently and old days can be dropped."""

    __tablename__ = "popular_searches"

    query: Mapped[str] = mapped_column(String(200), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    count: Mapped[int] = mapped_column(Integer)
