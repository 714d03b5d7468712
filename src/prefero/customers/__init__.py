"""Customers: profile, declared preferences, personalization level, consent ledger, merge."""
