"""Security headers on every response, as a pure ASGI middleware.

Every response (API and pages) gets ``X-Content-Type-Options: nosniff``, a Referrer-Policy
and, while no other site may frame ours, ``X-Frame-Options: SAMEORIGIN``. HTML pages also get
a strict Content-Security-Policy (scripts and styles from this site only, no inline code, no
eval), ``Cross-Origin-Opener-Policy`` and a ``Permissions-Policy`` that turns off the
powerful features no page here uses. A response that sets its own CSP keeps it (``/docs``).

The header bytes are computed once; per response the middleware only looks at the
content type, so the API's hot path pays a few comparisons.

Referrer-Policy is ``strict-origin-when-cross-origin``: other sites learn at most our origin,
never a path (search words are in the path), and same-origin requests keep the full Referer
that the CSRF check falls back to. ``no-referrer`` or ``same-origin`` would also make
browsers send ``Origin: null`` on our own cross-origin form posts to the shop.
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from prefero.runtime import Runtime

__all__ = ["SecurityHeaders", "content_security_policy", "install_security_headers"]

Header = tuple[bytes, bytes]

REFERRER_POLICY = "strict-origin-when-cross-origin"
# Only features a browser knows (an unknown name is a console warning on every page).
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def content_security_policy(allowed_origins: Iterable[str] = (),
                            image_origins: Iterable[str] = ()) -> str:
    """The policy of every page: this site's scripts, styles and images only, plus product
    images from the shop's image hosts (``image_origins``); the shop's own sites
    (``allowed_origins``) may frame the pages (the embedded preference center).

    >>> content_security_policy(["https://shop.example"]).split("; ")[-1]
    "frame-ancestors 'self' https://shop.example"
    >>> content_security_policy(image_origins=["https://cdn.shop.example"]).split("; ")[3]
    "img-src 'self' data: https://cdn.shop.example"
    """
    frame_ancestors = " ".join(["'self'", *allowed_origins])
    images = " ".join(["'self'", "data:", *image_origins])
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        f"img-src {images}",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        f"frame-ancestors {frame_ancestors}",
    ])


def _encode(headers: dict[str, str]) -> list[Header]:
    return [(name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in headers.items()]


class SecurityHeaders:
    """Adds the headers; ``allowed_origins`` are the shop's sites that may frame our pages,
    ``image_origins`` the hosts its product images come from."""

    def __init__(self, app: ASGIApp, *, allowed_origins: Iterable[str] = (),
                 image_origins: Iterable[str] = ()) -> None:
        self.app = app
        origins = list(allowed_origins)
        always = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": REFERRER_POLICY}
        if not origins:
            # X-Frame-Options cannot name several origins; with allowed origins only
            # frame-ancestors (which every current browser honours) says who may frame us.
            always["X-Frame-Options"] = "SAMEORIGIN"
        self._always = _encode(always)
        self._csp = _encode({"Content-Security-Policy": content_security_policy(
            origins, image_origins)})
        self._page = _encode({"Cross-Origin-Opener-Policy": "same-origin",
                              "Permissions-Policy": PERMISSIONS_POLICY})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[Header] = list(message.get("headers", ()))
                html = has_csp = False
                for name, value in headers:
                    if name == b"content-type":
                        html = value.startswith(b"text/html")
                    elif name == b"content-security-policy":
                        has_csp = True
                headers += self._always
                if html:
                    headers += self._page
                    if not has_csp:
                        headers += self._csp
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_security_headers(app: FastAPI, runtime: Runtime) -> None:
    app.add_middleware(SecurityHeaders, allowed_origins=runtime.settings.allowed_origins,
                       image_origins=runtime.settings.image_origins)
