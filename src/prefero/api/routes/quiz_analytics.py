"""Routes for quiz_analytics (wired in api/app.py)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["quiz_analytics"])
