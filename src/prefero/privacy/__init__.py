"""Privacy: what we know about you, erasure with a minimal receipt."""
