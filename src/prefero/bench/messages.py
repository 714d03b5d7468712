"""Crash check of message delivery: kill -9 the worker mid-send, restart it, and count at
the receivers.

The outbox is filled with ``messages`` messages, half e-mail and half webhook/push. A real
SMTP server (aiosmtpd) and an HTTP receiver run in this process and record every
Message-ID and Idempotency-Key they get. The worker runs as a subprocess
(``prefero messages work``); at a quarter, half and three quarters of the deliveries the
receiver that is being delivered to SIGKILLs it *before answering* — the worst moment: the
message has arrived but the worker never learns it — and a new worker is started. Once the
outbox has drained:

- lost: queued but never received by anyone (must be 0: the lease brings back what a dead
  worker held);
- raw redeliveries: receptions beyond the first of a key (at-least-once: about one per kill);
- distinct messages delivered twice to a receiver that honours the key: messages that
  arrived under more than one key (must be 0: then a receiver that drops repeated keys
  acts on each message once).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, func, select

from prefero.bench.message_receivers import http_receiver, smtp_receiver
from prefero.config import Settings
from prefero.customers.models import ConsentRecord, Customer
from prefero.db.base import utcnow
from prefero.db.migrate import upgrade
from prefero.messaging.kinds import CHANNEL_PURPOSE, Channel, Trigger
from prefero.messaging.models import OutboxMessage
from prefero.messaging.offers import dedup_key
from prefero.runtime import Runtime

__all__ = ["bench_messages"]

PREFIX = "bench-msg-"
SECRET = "prefero-bench-messages-webhook-secret-0123456789"
#: Short, so that what a killed worker held comes back within seconds.
LEASE_SECONDS = 5
#: Each reception takes this long, so that the worker spends its time mid-send.
RECEIVE_DELAY_SECONDS = 0.01


def _fill(runtime: Runtime, *, messages: int, customers: int = 25) -> dict[str, str]:
    """Queue the messages (earlier benchmark rows removed first); dedup key -> the title
    that names the message at the receivers."""
    channels = (Channel.EMAIL, Channel.WEBHOOK, Channel.EMAIL, Channel.PUSH)
    titles: dict[str, str] = {}
    now = utcnow()
    with runtime.session(write=True) as session:
        session.execute(delete(OutboxMessage).where(OutboxMessage.customer_id.startswith(PREFIX)))
        session.execute(delete(Customer).where(Customer.id.startswith(PREFIX)))
        session.add_all(Customer(id=f"{PREFIX}{i}") for i in range(customers))
        session.flush()
        # Each channel's consent, which the worker reads again before sending.
        session.add_all(ConsentRecord(customer_id=f"{PREFIX}{i}",
                                      purpose=CHANNEL_PURPOSE[channel], granted=True,
                                      policy_version="bench")
                        for i in range(customers) for channel in set(channels))
        for n in range(messages):
            customer = f"{PREFIX}{n % customers}"
            channel = channels[n % len(channels)]
            title = f"bench message {n}"
            key = dedup_key(customer_id=customer, trigger=Trigger.PRICE_DROP,
                            subject_key=f"p-{n}", occasion="1", channel=channel)
            titles[key] = title
            session.add(OutboxMessage(
                dedup_key=key, customer_id=customer, channel=channel.value,
                trigger=Trigger.PRICE_DROP.value, subject_key=f"p-{n}",
                payload={"subject": title, "body": f"Body of {title}",
                         "why": "You asked to hear about price drops on items you like.",
                         "links": [f"https://shop.example/p/{n}"],
                         "unsubscribe_url": "https://shop.example/messages/unsubscribe"},
                send_at=now, next_attempt_at=now, created_at=now))
    return titles


def _remaining(runtime: Runtime) -> int:
    with runtime.session() as session:
        return int(session.scalar(
            select(func.count()).select_from(OutboxMessage)
            .where(OutboxMessage.customer_id.startswith(PREFIX),
                   OutboxMessage.status.in_(("pending", "sending")))) or 0)


def _final_statuses(runtime: Runtime) -> Counter[str]:
    with runtime.session() as session:
        return Counter(dict(session.execute(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.customer_id.startswith(PREFIX))
            .group_by(OutboxMessage.status)).all()))


class _Workers:
    """The worker subprocess, restarted after each kill."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None
        self.started = 0
        self.lock = threading.Lock()

    def start(self) -> None:
        with self.lock:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "prefero.cli.app", "messages", "work"],
                env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.started += 1

    def kill(self) -> None:
        with self.lock:
            if self.process is not None:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def stop(self) -> None:
        with self.lock:
            if self.process is not None and self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()


def bench_messages(database_url: str, *, messages: int = 500, kills: int = 3,
                   timeout_seconds: float = 300.0,
                   say: Callable[[str], object] = print) -> dict[str, Any]:
    """Fill, deliver with ``kills`` SIGKILLs of the worker mid-send, drain, count."""
    upgrade(database_url)
    runtime = Runtime(Settings(database_url=database_url))
    titles = _fill(runtime, messages=messages)
    thresholds = [messages * (k + 1) // (kills + 1) for k in range(kills)]
    received = Counter[str]()
    keys_of_title: dict[str, set[str]] = defaultdict(set)
    lock = threading.Lock()
    kill_requests: list[float] = []
    workers: _Workers

    def on_receive(key: str, title: str) -> None:
        """Count one reception; at a threshold, kill the worker before answering it."""
        time.sleep(RECEIVE_DELAY_SECONDS)
        with lock:
            received[key] += 1
            keys_of_title[title].add(key)
            total = sum(received.values())
            due = len(kill_requests) < len(thresholds) and total >= thresholds[
                len(kill_requests)]
            if due:
                kill_requests.append(time.monotonic())
        if due:
            workers.kill()
            say(f"kill -9 of the worker after {total} receptions")
            workers.start()

    started = time.monotonic()
    with smtp_receiver(on_receive=on_receive) as smtp, \
            http_receiver(SECRET, on_receive=on_receive) as hooks:
        env = {**os.environ,
               "PREFERO_MODE": "demo",
               "PREFERO_DATABASE_URL": database_url,
               "PREFERO_SMTP_HOST": "127.0.0.1", "PREFERO_SMTP_PORT": str(smtp.port),
               "PREFERO_MAIL_FROM": "Bench <bench@bench.example>",
               "PREFERO_WEBHOOK_URL": hooks.url, "PREFERO_PUSH_URL": hooks.url,
               "PREFERO_WEBHOOK_SECRET": SECRET,
               "PREFERO_MESSAGE_LEASE_SECONDS": str(LEASE_SECONDS),
               "PREFERO_MESSAGE_BATCH": "20",
               "PREFERO_MESSAGE_POLL_SECONDS": "0.2",
               "PREFERO_MESSAGE_BACKOFF_SECONDS": "1",
               "PREFERO_MESSAGE_SCAN_SECONDS": "3600"}
        workers = _Workers(env)
        workers.start()
        deadline = time.monotonic() + timeout_seconds
        try:
            while time.monotonic() < deadline:
                time.sleep(0.5)
                if len(kill_requests) == len(thresholds) and _remaining(runtime) == 0:
                    break
        finally:
            workers.stop()
        bad_signatures = hooks.bad_signatures
    seconds = time.monotonic() - started
    statuses = _final_statuses(runtime)
    runtime.close()

    queued = set(titles)
    delivered = set(received) & queued
    return {
        "database": database_url.split("://", 1)[0].split("+", 1)[0],
        "messages_queued": len(queued),
        "kills": len(kill_requests),
        "workers_started": workers.started,
        "delivered": len(delivered),
        "lost": len(queued - delivered),
        "raw_redeliveries": sum(count - 1 for key, count in received.items() if key in queued),
        "distinct_delivered_twice_to_an_honouring_receiver": sum(
            1 for keys in keys_of_title.values() if len(keys) > 1),
        "unknown_keys": len(set(received) - queued),
        "bad_signatures": bad_signatures,
        "outbox_sent": statuses.get("sent", 0),
        "outbox_dead": statuses.get("dead", 0),
        "outbox_left": statuses.get("pending", 0) + statuses.get("sending", 0),
        "seconds": round(seconds, 1),
        "lease_seconds": LEASE_SECONDS,
    }
