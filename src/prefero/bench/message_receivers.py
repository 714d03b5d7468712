"""Receivers that record what the messages worker delivers: a real SMTP server (aiosmtpd)
counting Message-IDs and an HTTP server counting Idempotency-Keys and checking each
signature. The channel tests and ``prefero bench messages`` start them in process.

Each counts *raw* receptions by key (a redelivery after a crash counts twice) and the
distinct keys a receiver that honours the key would have acted on (once each, whatever
the redeliveries).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prefero.messaging.channels.webhook import SIGNATURE_HEADER, verify

__all__ = ["HttpReceiver", "OnReceive", "SmtpReceiver", "free_port", "http_receiver",
           "smtp_receiver"]

#: Called with (dedup key, subject) for each message received, before it is answered: the
#: crash benchmark counts there, and kills the worker at chosen moments.
OnReceive = Callable[[str, str], None]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SmtpReceiver:
    """aiosmtpd's handler: every e-mail received, and how often each Message-ID came."""

    def __init__(self, on_receive: OnReceive | None = None) -> None:
        self.on_receive = on_receive
        self.lock = threading.Lock()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.keys: Counter[str] = Counter()
        self.port = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        email = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(email)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.keys[str(email["Message-ID"])] += 1
        if self.on_receive is not None:
            # <dedup key@domain> back to the dedup key.
            key = str(email["Message-ID"]).strip("<>").partition("@")[0]
            self.on_receive(key, str(email["Subject"]))
        return "250 Message accepted for delivery"


class HttpReceiver:
    """What the HTTP server got: bodies by Idempotency-Key, signatures checked."""

    def __init__(self, secret: str, *, fail_first: int = 0,
                 on_receive: OnReceive | None = None) -> None:
        self.secret = secret
        self.on_receive = on_receive
        self.lock = threading.Lock()
        self.keys: Counter[str] = Counter()
        self.bodies: dict[str, dict[str, Any]] = {}
        self.headers: list[dict[str, str]] = []
        self.bad_signatures = 0
        #: Answer 503 to this many requests first (a receiver that is briefly down).
        self.fail_first = fail_first
        self.url = ""


@contextmanager
def smtp_receiver(*, on_receive: OnReceive | None = None) -> Iterator[SmtpReceiver]:
    """A real SMTP server on a free local port for the block's duration."""
    from aiosmtpd.controller import Controller

    receiver = SmtpReceiver(on_receive)
    receiver.port = free_port()
    controller = Controller(receiver, hostname="127.0.0.1", port=receiver.port)
    controller.start()
    try:
        yield receiver
    finally:
        controller.stop()


def _handler(receiver: HttpReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            key = self.headers.get("Idempotency-Key") or ""
            signed = verify(body, self.headers.get(SIGNATURE_HEADER) or "",
                            secret=receiver.secret, now=time.time())
            with receiver.lock:
                receiver.headers.append(dict(self.headers.items()))
                if receiver.fail_first > 0:
                    receiver.fail_first -= 1
                    status = 503
                elif not signed:
                    receiver.bad_signatures += 1
                    status = 401
                else:
                    receiver.keys[key] += 1
                    # A receiver honouring the key keeps the first body and ignores repeats.
                    receiver.bodies.setdefault(key, json.loads(body))
                    status = 200
            if status == 200 and receiver.on_receive is not None:
                subject = receiver.bodies[key].get("message", {}).get("subject", "")
                receiver.on_receive(key, str(subject))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return None

    return Handler


@contextmanager
def http_receiver(secret: str, *, fail_first: int = 0,
                  on_receive: OnReceive | None = None) -> Iterator[HttpReceiver]:
    """A real HTTP server on a free local port for the block's duration."""
    receiver = HttpReceiver(secret, fail_first=fail_first, on_receive=on_receive)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/messages"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
