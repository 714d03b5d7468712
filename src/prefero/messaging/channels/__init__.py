"""The channels a message can be delivered by, and which of them this deployment set up.

A channel whose receiver is not configured (no SMTP host or mailbox, no push or webhook
URL) is unavailable: ``configured_channels`` tells the messaging policy not to queue for
it, and a message that was queued anyway (the settings changed since) goes to the dead
letters with the reason, where ``prefero messages retry-dead`` can revive it once the
channel is configured.
"""

from __future__ import annotations

from prefero.config import Settings
from prefero.messaging.channels.base import DeliveryFailed, RefusedForGood, Sender
from prefero.messaging.channels.inbox import InboxSender
from prefero.messaging.channels.smtp import MailboxSender, SmtpSender
from prefero.messaging.channels.webhook import WebhookSender
from prefero.messaging.kinds import Channel

__all__ = ["DeliveryFailed", "RefusedForGood", "Sender", "configured_channels", "senders",
           "unconfigured_reason"]


def configured_channels(settings: Settings) -> frozenset[Channel]:
    """The channels this deployment can deliver by; the in-app inbox always.

    >>> sorted(configured_channels(Settings()))
    [<Channel.INBOX: 'inbox'>]
    >>> sorted(configured_channels(Settings(smtp_host="mail", webhook_url="http://x/")))
    [<Channel.EMAIL: 'email'>, <Channel.INBOX: 'inbox'>, <Channel.WEBHOOK: 'webhook'>]
    """
    found = {Channel.INBOX}
    if settings.smtp_host or settings.mailbox_dir is not None:
        found.add(Channel.EMAIL)
    if settings.push_url:
        found.add(Channel.PUSH)
    if settings.webhook_url:
        found.add(Channel.WEBHOOK)
    return frozenset(found)


def unconfigured_reason(channel: str) -> str:
    """The dead letter's reason for a message whose channel is not configured."""
    variables = {Channel.EMAIL.value: "PREFERO_SMTP_HOST (or PREFERO_MAILBOX_DIR)",
                 Channel.PUSH.value: "PREFERO_PUSH_URL",
                 Channel.WEBHOOK.value: "PREFERO_WEBHOOK_URL"}
    needed = variables.get(channel)
    if needed is None:
        return f"unknown channel {channel!r}"
    return f"the {channel} channel is not configured: set {needed}"


def senders(settings: Settings) -> dict[str, Sender]:
    """A sender for each configured channel, by channel name."""
    found: dict[str, Sender] = {Channel.INBOX.value: InboxSender()}
    if settings.smtp_host:
        found[Channel.EMAIL.value] = SmtpSender(settings)
    elif settings.mailbox_dir is not None:
        found[Channel.EMAIL.value] = MailboxSender(settings)
    timeout = settings.message_send_timeout_seconds
    if settings.push_url:
        found[Channel.PUSH.value] = WebhookSender(url=settings.push_url,
                                                  secret=settings.webhook_secret,
                                                  timeout_seconds=timeout)
    if settings.webhook_url:
        found[Channel.WEBHOOK.value] = WebhookSender(url=settings.webhook_url,
                                                     secret=settings.webhook_secret,
                                                     timeout_seconds=timeout)
    return found
