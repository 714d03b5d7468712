"""Keyword search with the customer's constraints applied, re-ranked by the pipeline."""
