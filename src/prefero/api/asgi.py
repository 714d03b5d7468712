"""ASGI entry point for uvicorn/gunicorn workers: ``prefero.api.asgi:app``."""

from prefero.api.app import create_app

app = create_app(worker=True)
