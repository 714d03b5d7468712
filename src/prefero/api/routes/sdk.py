"""The embeddable client: ``/sdk/prefero.js`` and its default styles, for the shop's own pages
(docs/sdk.md).

The shop's pages live on another origin and load the file with a plain ``<script src>``, so it
is served with ``Cross-Origin-Resource-Policy: cross-origin`` (only these two files: every
other answer keeps the browser's same-origin default), a short public cache (a new version
reaches every shop within minutes) and an ETag, so that a revalidation costs a 304.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, Request
from starlette.responses import Response

__all__ = ["CACHE_CONTROL", "FILES", "router"]

router = APIRouter(include_in_schema=False)

SDK_DIR = Path(__file__).resolve().parent.parent / "static" / "sdk"
CACHE_CONTROL = "public, max-age=300"


@dataclass(frozen=True)
class _Asset:
    body: bytes
    media_type: str
    etag: str

    @classmethod
    def read(cls, name: str, media_type: str) -> _Asset:
        body = (SDK_DIR / name).read_bytes()
        return cls(body=body, media_type=media_type,
                   etag=f'"{hashlib.sha256(body).hexdigest()[:32]}"')


# Read once at import: a request never touches the disk, and a package built without the
# files fails at start instead of answering 404 to every shop page.
FILES = {
    "prefero.js": _Asset.read("prefero.js", "text/javascript; charset=utf-8"),
    "prefero.css": _Asset.read("prefero.css", "text/css; charset=utf-8"),
}


def _matches(if_none_match: str, etag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``etag`` (weak comparison, as RFC 9110 asks
    for this header).

    >>> _matches('W/"a", "b"', '"a"'), _matches("*", '"a"'), _matches('"b"', '"a"')
    (True, True, False)
    """
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags


def _serve(request: Request, asset: _Asset) -> Response:
    headers = {"Cache-Control": CACHE_CONTROL, "ETag": asset.etag,
               "Cross-Origin-Resource-Policy": "cross-origin"}
    if _matches(request.headers.get("if-none-match", ""), asset.etag):
        return Response(status_code=304, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)


@router.api_route("/sdk/prefero.js", methods=["GET", "HEAD"])
async def script(request: Request) -> Response:
    """The client; ``<script src="https://prefero.example/sdk/prefero.js"></script>``."""
    return _serve(request, FILES["prefero.js"])


@router.api_route("/sdk/prefero.css", methods=["GET", "HEAD"])
async def stylesheet(request: Request) -> Response:
    """The client's default styles; the client links them itself unless told not to."""
    return _serve(request, FILES["prefero.css"])
