"""The e-mail channel against a real SMTP server (aiosmtpd) started by the test."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from prefero.bench.message_receivers import SmtpReceiver, free_port, smtp_receiver
from prefero.config import Settings
from prefero.messaging.channels import DeliveryFailed, RefusedForGood
from prefero.messaging.channels.smtp import MailboxSender, SmtpSender, message_id
from prefero.messaging.outbox import Claimed

KEY = "a" * 64
PAYLOAD: dict[str, Any] = {
    "subject": "Cheaper now: Trail shoes",
    "body": "Trail shoes are down from 399 zł to 299 zł.",
    "why": "You asked to hear about price drops on items you like.",
    "links": ["https://shop.example/p/shoe-1"],
    "unsubscribe_url": "https://shop.example/messages/unsubscribe?token=abc",
}


def _claimed(payload: dict[str, Any], *, locale: str = "en") -> Claimed:
    return Claimed(id=1, attempt=1, dedup_key=KEY, customer_id="c-42", channel="email",
                   trigger="price_drop", subject_key="shoe-1", locale=locale,
                   payload=payload,
                   lease_until=datetime(2026, 12, 1, tzinfo=UTC) + timedelta(minutes=1))


def _settings(port: int, **extra: Any) -> Settings:
    return Settings(smtp_host="127.0.0.1", smtp_port=port,
                    mail_from="Prefero shop <news@shop.example>", **extra)


def _text(email: EmailMessage, subtype: str) -> str:
    part = email.get_body(preferencelist=(subtype,))
    assert part is not None
    return str(part.get_content())


def test_an_email_reaches_the_server_with_its_key_and_one_click_unsubscribe() -> None:
    with smtp_receiver() as receiver:
        SmtpSender(_settings(receiver.port)).deliver(_claimed(PAYLOAD))
    [email] = receiver.messages
    assert email["Message-ID"] == f"<{KEY}@shop.example>" == message_id(
        KEY, mail_from="news@shop.example")
    assert email["Subject"] == PAYLOAD["subject"]
    assert email["List-Unsubscribe"] == f"<{PAYLOAD['unsubscribe_url']}>"
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert receiver.envelopes == [("news@shop.example",
                                   ["c-42@customers.prefero.invalid"])]
    plain, html = _text(email, "plain"), _text(email, "html")
    for text in (plain, html):
        assert "399 zł to 299 zł" in text and "You asked to hear" in text
        assert "https://shop.example/p/shoe-1" in text
        assert PAYLOAD["unsubscribe_url"] in text
    assert "Why you got this" in plain
    assert '<html lang="en">' in html


def test_the_same_message_sent_twice_carries_the_same_message_id() -> None:
    with smtp_receiver() as receiver:
        sender = SmtpSender(_settings(receiver.port))
        sender.deliver(_claimed(PAYLOAD))
        sender.deliver(_claimed(PAYLOAD))
    assert receiver.keys == {f"<{KEY}@shop.example>": 2}


def test_the_email_speaks_the_messages_language_and_escapes_html() -> None:
    payload = {**PAYLOAD, "body": "<b>Buty</b> & skarpety", "unsubscribe_url": None}
    with smtp_receiver() as receiver:
        SmtpSender(_settings(receiver.port)).deliver(_claimed(payload, locale="pl"))
    [email] = receiver.messages
    html = _text(email, "html")
    assert "&lt;b&gt;Buty&lt;/b&gt; &amp; skarpety" in html
    assert "Dlaczego to dostajesz" in _text(email, "plain")
    # No unsubscribe link in the payload: no header promising one.
    assert email["List-Unsubscribe"] is None


def test_no_server_listening_is_a_failure_to_retry() -> None:
    sender = SmtpSender(_settings(free_port(), message_send_timeout_seconds=2))
    with pytest.raises(DeliveryFailed, match=r"SMTP 127\.0\.0\.1"):
        sender.deliver(_claimed(PAYLOAD))


@contextmanager
def _refusing_server(handler: Any) -> Iterator[int]:
    """A real aiosmtpd server that offers AUTH (without TLS, locally) and refuses every
    login with 535; its port."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    def refuse(*_: Any) -> AuthResult:
        return AuthResult(success=False, handled=False)

    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port,
                            authenticator=refuse, auth_require_tls=False)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def test_refused_credentials_are_a_failure_to_retry_not_a_dead_letter() -> None:
    # A 535 at login would meet every message: it is the shop's configuration, not the
    # message, and the messages must wait for it to be fixed rather than be buried.
    receiver = SmtpReceiver()
    with _refusing_server(receiver) as port:
        sender = SmtpSender(_settings(port, smtp_username="shop", smtp_password="wrong"))
        with pytest.raises(DeliveryFailed, match="535") as raised:
            sender.deliver(_claimed(PAYLOAD))
    assert not isinstance(raised.value, RefusedForGood)
    assert receiver.messages == []


class _RefusesData(SmtpReceiver):
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "554 Message rejected"


def test_a_refusal_of_the_message_itself_is_final() -> None:
    refused = pytest.raises(RefusedForGood, match="554")
    with _refusing_server(_RefusesData()) as port, refused:
        SmtpSender(_settings(port)).deliver(_claimed(PAYLOAD))


def test_the_mailbox_writes_one_file_per_key(tmp_path: Path) -> None:
    sender = MailboxSender(Settings(mailbox_dir=tmp_path / "mailbox"))
    sender.deliver(_claimed(PAYLOAD))
    sender.deliver(_claimed(PAYLOAD))  # a redelivery replaces its own file
    [written] = list((tmp_path / "mailbox").iterdir())
    assert written.name == f"{KEY}.eml"
    assert b"Message-ID: <" + KEY.encode() in written.read_bytes()
