"""``python -m prefero`` runs the CLI."""

from prefero.cli.app import main

main()
