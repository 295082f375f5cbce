"""Optimistic concurrency on every resource that can be changed: GET sends an ETag, PATCH with a stale
``If-Match`` is 412 and changes nothing, PATCH with the current one (or none, or ``*``) works and sends the
new ETag. The PATCH operations come from the OpenAPI document, so a new one without a body here fails."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from tests.security.operations import operations
from tests.security.world import build_world
from tests.support import call, unique

# a valid change of each changeable resource (unique, so every PATCH changes it)
CHANGES: dict[str, Any] = {
    "/buildings/{building_id}": lambda: {"name": unique("Pikk ")},
    "/buildings/{building_id}/apartments/{apartment_id}": lambda: {"ownerName": unique("Mari Maasikas ")},
    "/buildings/{building_id}/charges/{charge_id}": lambda: {"name": unique("Prügivedu ")},
    "/meters/{meter_id}": lambda: {"metadata": {"note": unique()}},
    "/maintenance-requests/{request_id}": lambda: {"comment": unique("Kraan tilgub ")},
    "/invoices/{invoice_id}": lambda: {"reference": unique("REF")},
    "/webhooks/{webhook_id}": lambda: {"description": unique("ERP ")},
    "/organization": lambda: {"phone": f"+372 5{unique()[:7].translate(str.maketrans('abcdef', '123456'))}"},
    "/organization/members/{user_id}": lambda: {"role": next(_ROLES)},  # the member's role, round the staff
}
_ROLES = itertools.cycle(["board", "manager", "accountant"])


def _patch_operations() -> list[Any]:
    return [op for op in operations() if op.method == "patch"]


def test_every_patch_operation_is_covered() -> None:
    # Given the OpenAPI document / Then every PATCH operation has a change here (and so is tested below)
    assert {op.path for op in _patch_operations()} == set(CHANGES)


@pytest.fixture(scope="module")
def world(aws):
    from tests.conftest import new_caller

    return build_world(new_caller)


@pytest.mark.parametrize("path", sorted(CHANGES))
def test_a_stale_if_match_is_412_and_the_current_one_works(world, path) -> None:
    op = next(o for o in _patch_operations() if o.path == path)
    url, token = op.url(world.ids), world.owner.token
    # Given a resource as its owner read it, with its ETag
    read = call(op.function, "GET", url, token=token)
    assert read.status == 200 and read.headers["etag"].startswith('"')
    seen = read.headers["etag"]
    # When someone else changes it (no If-Match: still allowed)
    other = call(op.function, "PATCH", url, token=token, body=CHANGES[path]())
    assert other.status == 200, other
    assert other.headers["etag"] != seen
    # Then a change conditional on the stale ETag is 412 and changes nothing
    mine = CHANGES[path]()
    stale = call(op.function, "PATCH", url, token=token, body=mine, headers={"If-Match": seen})
    assert stale.status == 412 and stale.error["code"] == "PRECONDITION_FAILED"
    now = call(op.function, "GET", url, token=token)
    assert now.data == other.data and now.headers["etag"] == other.headers["etag"]
    # And a weak tag never matches (If-Match compares strongly)
    weak = call(op.function, "PATCH", url, token=token, body=mine, headers={"If-Match": f"W/{now.headers['etag']}"})
    assert weak.status == 412
    # And the current ETag, or "*", lets the change through, answering the next ETag
    fresh = call(op.function, "PATCH", url, token=token, body=mine, headers={"If-Match": now.headers["etag"]})
    assert fresh.status == 200, fresh
    assert fresh.headers["etag"] not in (now.headers["etag"], seen)
    assert call(op.function, "GET", url, token=token).headers["etag"] == fresh.headers["etag"]
    star = call(op.function, "PATCH", url, token=token, body=CHANGES[path](), headers={"If-Match": "*"})
    assert star.status == 200
