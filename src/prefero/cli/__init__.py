"""The ``prefero`` command line (Typer + Rich)."""
