"""Product pictures for the storefront's pages (``prefero.demo.pictures`` decides which)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from prefero.api.deps import DbSession, Rt
from prefero.demo.pictures import PICTURE_PREFIX, Linked, product_picture

__all__ = ["router"]

router = APIRouter()

# Pictures are the same for everyone, so any cache may keep them; an hour bounds how long a
# changed product shows its old picture, and the tag makes the check after that cheap.
CACHE = "public, max-age=3600"
# Opened on its own, the SVG is a document: it may load nothing and run nothing.
SVG_POLICY = "default-src 'none'"


@router.get(PICTURE_PREFIX + "{product_id:path}")
def product_image(request: Request, session: DbSession, runtime: Rt,
                  product_id: str) -> Response:
    picture = product_picture(session, product_id,
                              image_origins=runtime.settings.image_origins)
    if picture is None:
        return Response(status_code=404, headers={"Cache-Control": "no-store"})
    if isinstance(picture, Linked):
        return RedirectResponse(picture.url, status_code=302, headers={"Cache-Control": CACHE})
    headers = {"ETag": picture.etag, "Cache-Control": CACHE}
    if picture.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(picture.svg, media_type="image/svg+xml",
                    headers={**headers, "Content-Security-Policy": SVG_POLICY})
