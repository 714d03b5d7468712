"""Web origins (``scheme://host[:port]``), compared the way browsers compare them."""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["origin_of", "parse_origin"]

_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of a URL, lower-case and without the scheme's default port,
    so that an ``Origin`` header, a ``Referer`` and a configured origin compare as equals;
    None for anything that is not an http(s) URL (``Origin: null`` included).

    >>> origin_of("HTTPS://Shop.Example:443/account?x=1")
    'https://shop.example'
    >>> origin_of("http://127.0.0.1:8000/")
    'http://127.0.0.1:8000'
    >>> origin_of("null") is None, origin_of("http://x:99999") is None
    (True, True)
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), parts.hostname
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    if ":" in host:  # IPv6 literal: urlsplit dropped the brackets
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def parse_origin(text: str) -> str:
    """A configured origin in its normal form; ValueError for anything that is not exactly an
    origin (a path, a query, credentials, a wildcard), since CORS, frame-ancestors and the
    CSRF check each compare it literally.

    >>> parse_origin("https://Shop.Example/")
    'https://shop.example'
    >>> parse_origin("https://shop.example/account")
    Traceback (most recent call last):
    ...
    ValueError: 'https://shop.example/account' is not an origin (scheme://host[:port])
    """
    origin = origin_of(text)
    parts = urlsplit(text.strip())
    if origin is None or parts.path not in ("", "/") or parts.query or parts.fragment \
            or parts.username is not None or "*" in text:
        raise ValueError(f"{text!r} is not an origin (scheme://host[:port])")
    return origin
