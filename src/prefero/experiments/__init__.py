"""Experiments: A/B/n tests and a long-term holdout, measured from events (issue 17)."""
