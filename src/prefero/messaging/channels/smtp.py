"""The e-mail channel: one message, one SMTP dialogue (stdlib ``smtplib``).

The Message-ID is ``<dedup key@the From's domain>``: a redelivery after a worker crash
carries the same Message-ID, which mail servers and clients use to drop the copy. The
payload's unsubscribe link becomes ``List-Unsubscribe`` with RFC 8058's one-click
``List-Unsubscribe-Post``, so the mail client's own "Unsubscribe" button works.

Without ``smtp_host`` but with ``mailbox_dir`` (the demo), each e-mail is written to a file
there instead (``<dedup key>.eml``; a redelivery overwrites its own file).
"""

from __future__ import annotations

import html
import smtplib
import ssl
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any

from prefero.config import Settings
from prefero.db.base import utcnow
from prefero.i18n.catalogues import translations
from prefero.messaging.channels.base import DeliveryFailed, RefusedForGood
from prefero.messaging.outbox import Claimed

__all__ = ["MailboxSender", "SmtpSender", "compose", "message_id"]


def message_id(dedup_key: str, *, mail_from: str) -> str:
    """The e-mail's Message-ID for a dedup key: the same key, the same Message-ID.

    >>> message_id("ab12", mail_from="Shop <news@shop.example>")
    '<ab12@shop.example>'
    """
    address = parseaddr(mail_from)[1]
    domain = address.rpartition("@")[2] or "prefero.invalid"
    return f"<{dedup_key}@{domain}>"


def _links(payload: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, url) of each product link; a link is a URL, or {"url", "title"}."""
    found: list[tuple[str, str]] = []
    for link in payload.get("links") or ():
        if isinstance(link, str):
            found.append((link, link))
        elif isinstance(link, dict) and isinstance(link.get("url"), str):
            found.append((str(link.get("title") or link["url"]), link["url"]))
    return found


def compose(message: Claimed, *, settings: Settings) -> EmailMessage:
    """The e-mail for a claimed message: plain text with an HTML alternative, both from the
    payload's ``subject``, ``body``, ``why``, ``links`` and ``unsubscribe_url``, with the
    few words of their own in the message's language."""
    payload = message.payload
    t: Callable[[str], str] = translations(message.locale).gettext
    subject = str(payload.get("subject") or "")
    body = str(payload.get("body") or "")
    why = str(payload.get("why") or "")
    unsubscribe = payload.get("unsubscribe_url")
    links = _links(payload)

    email = EmailMessage()
    email["From"] = settings.mail_from
    recipient = payload.get("email")
    email["To"] = (recipient if isinstance(recipient, str) and recipient
                   else settings.mail_to.format(customer_id=message.customer_id))
    email["Subject"] = subject
    email["Date"] = format_datetime(utcnow())
    email["Message-ID"] = message_id(message.dedup_key, mail_from=settings.mail_from)
    if isinstance(unsubscribe, str) and unsubscribe:
        email["List-Unsubscribe"] = f"<{unsubscribe}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"

    lines = [body, ""]
    lines += [f"{label}: {url}" if label != url else url for label, url in links]
    if why:
        lines += ["", f"{t('Why you got this')}: {why}"]
    if isinstance(unsubscribe, str) and unsubscribe:
        lines += [f"{t('Unsubscribe from these messages')}: {unsubscribe}"]
    email.set_content("\n".join(lines).strip() + "\n")

    parts = [f"<p>{html.escape(body)}</p>"]
    if links:
        parts.append("<ul>" + "".join(
            f'<li><a href="{html.escape(url)}">{html.escape(label)}</a></li>'
            for label, url in links) + "</ul>")
    if why:
        parts.append(f"<p><small>{html.escape(t('Why you got this'))}: "
                     f"{html.escape(why)}</small></p>")
    if isinstance(unsubscribe, str) and unsubscribe:
        parts.append(f'<p><small><a href="{html.escape(unsubscribe)}">'
                     f"{html.escape(t('Unsubscribe from these messages'))}</a></small></p>")
    language = html.escape(message.locale)
    email.add_alternative(
        f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
        f"<title>{html.escape(subject)}</title></head><body>{''.join(parts)}</body></html>",
        subtype="html")
    return email


class SmtpSender:
    """Sends through ``smtp_host``: a new connection per message, so that a failure never
    leaves a half-spoken dialogue for the next one."""

    def __init__(self, settings: Settings) -> None:
        if not settings.smtp_host:
            raise ValueError("SmtpSender needs PREFERO_SMTP_HOST")
        self._settings = settings
        self._host = settings.smtp_host

    def deliver(self, message: Claimed) -> None:
        settings = self._settings
        email = compose(message, settings=settings)
        try:
            with smtplib.SMTP(self._host, settings.smtp_port,
                              timeout=settings.message_send_timeout_seconds) as smtp:
                if settings.smtp_starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if settings.smtp_username:
                    smtp.login(settings.smtp_username, settings.smtp_password or "")
                smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _text in exc.recipients.values()]
            if all(code >= 500 for code in codes):
                raise RefusedForGood(f"SMTP refused the recipient: {exc.recipients}") from exc
            raise DeliveryFailed(f"SMTP deferred the recipient: {exc.recipients}") from exc
        except smtplib.SMTPDataError as exc:
            failure = RefusedForGood if exc.smtp_code >= 500 else DeliveryFailed
            raise failure(f"SMTP {exc.smtp_code}: {_text(exc)}") from exc
        except smtplib.SMTPResponseException as exc:
            # Only the server's verdict on this message (RCPT, DATA, above) is final. A 5xx
            # while connecting, greeting, at STARTTLS, AUTH (535: bad credentials) or MAIL
            # FROM is our configuration or the server's state: every message would meet it,
            # and burying them all in the dead letters would lose them once it is fixed.
            raise DeliveryFailed(f"SMTP {self._host}:{settings.smtp_port} "
                                 f"{exc.smtp_code}: {_text(exc)}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            # Connection refused, timed out, dropped: the server may be back next time.
            raise DeliveryFailed(f"SMTP {self._host}:{settings.smtp_port}: {exc}") from exc


def _text(exc: smtplib.SMTPResponseException) -> str:
    error = exc.smtp_error
    return error.decode(errors="replace") if isinstance(error, bytes) else str(error)


class MailboxSender:
    """The demo's mailbox: each e-mail as ``<dedup key>.eml`` in ``mailbox_dir``, written to
    a temporary name and renamed, so that a reader never sees half an e-mail."""

    def __init__(self, settings: Settings) -> None:
        if settings.mailbox_dir is None:
            raise ValueError("MailboxSender needs PREFERO_MAILBOX_DIR")
        self._settings = settings
        self._directory = Path(settings.mailbox_dir)

    def deliver(self, message: Claimed) -> None:
        email = compose(message, settings=self._settings)
        try:
            self._directory.mkdir(parents=True, exist_ok=True)
            final = self._directory / f"{message.dedup_key}.eml"
            partial = final.with_suffix(".part")
            partial.write_bytes(email.as_bytes())
            partial.replace(final)
        except OSError as exc:
            raise DeliveryFailed(f"mailbox {self._directory}: {exc}") from exc
