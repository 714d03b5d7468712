"""The dashboard's content slot editor at ``/dashboard/content``: the shop's slots with how
often each variant was shown lately, a slot's variants in order, forms to create and edit
slots and variants (marketers and administrators), reordering, deleting after a
confirmation, and a preview of what a described visitor would see (docs/dashboard.md)."""

from __future__ import annotations

from prefero.web.dashboard.content.pages import PAGE, router

__all__ = ["PAGE", "router"]
