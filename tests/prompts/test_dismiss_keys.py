""""Don't show this again" names a prompt by its key: a key longer than any prompt's (64
characters) is "not found", never cut short to match another prompt. Runs on SQLite and
PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient

from prefero.prompts.caps import dismissed_keys
from prefero.prompts.definitions import create_prompt
from prefero.prompts.schemas import PromptIn
from prefero.runtime import Runtime
from prompt_helpers import prompt_body, prompt_shop
from webforms import me, shopper, submit

LONGEST = "k" * 64


def test_a_key_longer_than_any_prompts_is_not_found(client: TestClient,
                                                    runtime: Runtime) -> None:
    prompt_shop(runtime)
    with runtime.session(write=True) as session:
        create_prompt(session, PromptIn.model_validate(prompt_body(
            LONGEST, "dwell", slot="p-dwell", threshold=5)))
    web = shopper(client)
    for key in (f"{LONGEST}zz", f"{LONGEST}k", "x" * 500):
        answer = submit(web, f"/prompts/{key}/dismiss", {}, follow_redirects=False)
        assert answer.status_code == 404, key
    with runtime.session() as session:
        assert dismissed_keys(session, me(web)) == []
    done = submit(web, f"/prompts/{LONGEST}/dismiss", {}, follow_redirects=False)
    assert done.status_code == 303
    with runtime.session() as session:
        assert dismissed_keys(session, me(web)) == [LONGEST]
