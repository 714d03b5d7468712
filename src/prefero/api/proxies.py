"""Which proxies' ``X-Forwarded-For`` to believe (``PREFERO_TRUSTED_PROXIES``).

Behind nginx every connection comes from nginx: without this, every shopper would be one
client address (one rate-limit bucket, one audit "from where"). uvicorn's
``ProxyHeadersMiddleware`` takes the address from ``X-Forwarded-For`` (and the scheme from
``X-Forwarded-Proto``) only when the connecting peer is in the list — addresses and CIDR
networks, IPv4 and IPv6 — walking the header from the right to the first untrusted hop, so
a shopper cannot forge their address by sending the header themselves. From any other peer
the headers are ignored. An empty list trusts nobody.

``prefero serve`` turns uvicorn's own proxy-header handling off (it trusts 127.0.0.1 by
default), so that this setting is the only one that decides.
"""

from __future__ import annotations

import ipaddress

from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from prefero.runtime import Runtime

__all__ = ["install_proxy_headers"]


def install_proxy_headers(app: FastAPI, runtime: Runtime) -> None:
    """Believe ``X-Forwarded-For``/``-Proto`` from ``settings.trusted_proxies`` only."""
    trusted = list(runtime.settings.trusted_proxies)
    for entry in trusted:
        # uvicorn would keep a mistyped entry as a literal that never matches: say so instead.
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ValueError(f"PREFERO_TRUSTED_PROXIES: {entry!r} is not an IP address or "
                             "network (e.g. 10.0.0.5 or 10.0.0.0/24)") from None
    if trusted:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=trusted)
