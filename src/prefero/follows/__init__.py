"""Brands and categories a customer follows: a home section and alerts feed on them."""
