"""The shop's own numbers about Prefero: how recommendations are seen, clicked and bought."""
