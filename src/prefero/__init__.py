"""Prefero: personalization in which the customer holds the helm."""

__version__ = "0.1.0"
__all__ = ["__version__"]
