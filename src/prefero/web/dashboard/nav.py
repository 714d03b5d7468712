"""The dashboard's navigation: one registry of pages, each with its key, address, label and
the role it needs. The frame's menu lists the pages the signed-in person's role reaches, in
menu order; a page's routes check the same role (``access.require``), so the menu
never offers a page that would refuse.

A page module registers itself when imported::

    PAGE = register(NavPage(key="segments", path="/dashboard/segments",
                            label=N_("Segments"), role="read_only", order=40))
"""

from __future__ import annotations

from dataclasses import dataclass

from prefero.staff.roles import Role, allows

__all__ = ["NavPage", "pages", "register", "visible"]


@dataclass(frozen=True)
class NavPage:
    """One entry of the menu. ``label`` is a message id (mark it with ``N_``); ``role`` the
    least role that may open the page; ``order`` its place in the menu (lowest first:
    overview 10, declared 20, quizzes 30, staff 90; leave gaps)."""

    key: str
    path: str
    label: str
    role: Role = "read_only"
    order: int = 50


_PAGES: dict[str, NavPage] = {}


def register(page: NavPage) -> NavPage:
    """Add ``page`` to the menu (once: importing a module twice changes nothing, another
    page under a taken key is a programming error)."""
    found = _PAGES.get(page.key)
    if found is not None and found != page:
        raise ValueError(f"the dashboard already has a page {page.key!r}")
    _PAGES[page.key] = page
    return page


def pages() -> tuple[NavPage, ...]:
    """Every registered page, in menu order."""
    return tuple(sorted(_PAGES.values(), key=lambda page: (page.order, page.key)))


def visible(role: str) -> tuple[NavPage, ...]:
    """The pages an account with ``role`` may open.

    >>> [p.key for p in visible("read_only")]  # doctest: +SKIP
    ['overview', 'declared', 'quizzes']
    """
    return tuple(page for page in pages() if allows(role, page.role))
