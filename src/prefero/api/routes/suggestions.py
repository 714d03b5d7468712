"""Routes for suggestions (wired in api/app.py)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["suggestions"])
