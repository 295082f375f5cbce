"""A small budget of `make fuzz` on every `make test`: schemathesis against the running stack's own
OpenAPI document, authenticated, all phases. No 5xx, every response conforming to the document."""

from __future__ import annotations

import os


def test_schemathesis_small_budget_finds_nothing(stack):
    from local.fuzz import run

    # Given the stack and its document / When schemathesis explores every operation briefly
    code = run(stack.base_url, max_examples=int(os.environ.get("FUZZ_EXAMPLES", "3")), max_time=120)
    # Then it finds no failure (its report is in artifacts/)
    assert code == 0, "schemathesis found failures: see its output above and artifacts/junit-*.xml"
