"""``prefero messages``: one worker round delivers due inbox messages, ``status`` counts by
status and channel and lists dead letters with their reasons, ``retry-dead`` requeues them;
the worker refuses the built-in webhook secret in production."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from outbox_rows import queue, statuses
from prefero.cli.app import app
from prefero.config import DEMO_WEBHOOK_SECRET, Settings, get_settings
from prefero.db.migrate import upgrade
from prefero.errors import UnsafeConfiguration
from prefero.runtime import Runtime

PAST = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("PREFERO_MODE", "demo")
    monkeypatch.setenv("PREFERO_DATA_DIR", str(tmp_path))
    for name in ("PREFERO_DATABASE_URL", "PREFERO_SMTP_HOST", "PREFERO_MAILBOX_DIR",
                 "PREFERO_PUSH_URL", "PREFERO_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_a_round_delivers_then_status_and_retry_dead_tell_and_mend(data_dir: Path) -> None:
    settings = Settings(data_dir=data_dir)
    upgrade(settings.effective_database_url)
    runtime = Runtime(settings)
    with runtime.session(write=True) as session:
        inbox = queue(session, count=2, at=PAST, prefix="i")
        [email] = queue(session, channel="email", at=PAST, prefix="e")
    runner = CliRunner()
    worked = runner.invoke(app, ["messages", "work", "--once"])
    assert worked.exit_code == 0, worked.output
    with runtime.session() as session:
        assert statuses(session) == {inbox[0]: "sent", inbox[1]: "sent", email: "dead"}
    shown = runner.invoke(app, ["messages", "status"], terminal_width=200)
    assert shown.exit_code == 0, shown.output
    assert "dead letters" in shown.output
    # The reason is listed (rich wraps the cell to the terminal's width).
    assert "PREFERO_MAILBOX_DIR" in shown.output
    requeued = runner.invoke(app, ["messages", "retry-dead", str(email)])
    assert requeued.exit_code == 0 and "1 dead letter(s) requeued" in requeued.output
    with runtime.session() as session:
        assert statuses(session, [email]) == {email: "pending"}
    runtime.close()


def test_production_refuses_the_built_in_webhook_secret_once_a_url_is_set() -> None:
    strong = "k" * 32

    def production(**messaging: str) -> Settings:
        # Everything named, so that no variable another test left in the environment
        # (a demo run sets PREFERO_* for its own workers) decides the outcome.
        values: dict[str, object] = {"webhook_secret": DEMO_WEBHOOK_SECRET, "push_url": None,
                                     "webhook_url": None, **messaging}
        return Settings(mode="production", admin_key=strong, session_secret=strong,
                        erasure_key=strong, token_keys=[strong],
                        **values)  # type: ignore[arg-type]

    production().refuse_unsafe()  # no push or webhook URL: nothing to sign
    with pytest.raises(UnsafeConfiguration) as refused:
        production(webhook_url="https://shop.example/send").refuse_unsafe()
    assert refused.value.variables == ["PREFERO_WEBHOOK_SECRET"]
    production(push_url="https://shop.example/push", webhook_secret="w" * 32).refuse_unsafe()
