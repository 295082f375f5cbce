"""The security suite, generated from the OpenAPI document: for every operation, who may call it.

- without a token, and with forged tokens (alg none, a tampered signature, expired, another audience, a
  refresh token), every protected operation answers 401;
- the role matrix: every role (owner, manager, accountant, board, resident, and an API key of every staff role)
  gets the answer the document declares in ``x-roles``: a role that may not call the operation gets 403, one
  that may is let through;
- mass assignment: a body carrying server-owned fields the operation does not declare is refused (422).
Another organisation's ids are tried on every route in tests/security/test_tenancy.py.
"""

from __future__ import annotations

import base64
import json
import time

import pytest

from tests.security.operations import Operation, protected, with_json_body
from tests.support import call

ROLE_DENIED = "Your role may not do this."
SERVER_OWNED = ("id", "tenantId", "createdAt", "updatedAt", "createdBy", "status", "number", "amountPaid",
                "balanceDue", "referenceNumber", "secret", "role")


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@pytest.fixture(scope="module")
def forged(aws):
    """Bad tokens of every kind, made for a real session of a real caller."""
    from urbaneta.auth.principal import Role
    from urbaneta.auth.tokens import create_session, issue_access_token, issue_refresh_token
    from urbaneta.clock import new_id

    principal = create_session(new_id(), new_id(), Role.OWNER)
    good = issue_access_token(principal)
    header, payload, signature = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    now = int(time.time())
    return {
        "alg-none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.",
        "tampered": f"{header}.{_b64({**claims, 'tid': new_id()})}.{signature}",
        "expired": issue_access_token(principal, now=now - 3600),
        "wrong-audience": f"{header}.{_b64({**claims, 'aud': 'someone-else'})}.{signature}",
        "refresh-as-access": issue_refresh_token(principal.tenant_id, principal.user_id, principal.session_id,
                                                 new_id(), iat=now, exp=now + 3600),
        "garbage": "not-a-token",
    }


@pytest.mark.parametrize("op", protected(), ids=lambda o: o.id)
def test_no_token_is_401(aws, op: Operation):
    res = call(op.function, op.method, op.url(), body={})
    assert res.status == 401, res


@pytest.mark.parametrize("kind", ["alg-none", "tampered", "expired", "wrong-audience", "refresh-as-access", "garbage"])
def test_forged_tokens_are_401_everywhere(aws, forged, kind):
    for op in protected():
        res = call(op.function, op.method, op.url(), body={}, token=forged[kind])
        assert res.status == 401, (op.id, res)


@pytest.fixture
def callers(aws):
    """One caller per role in one organisation, and an API key principal of every staff role: fresh for every
    operation, since one of them is logout."""
    from urbaneta.auth.principal import Role
    from urbaneta.auth.tokens import create_session, issue_access_token
    from urbaneta.clock import new_id

    tenant = new_id()
    out = {}
    for role in Role:
        out[str(role)] = issue_access_token(create_session(tenant, new_id(), role))
        if role != Role.RESIDENT:
            out[f"api_key:{role}"] = issue_access_token(create_session(tenant, new_id(), role, kind="api_key"))
    return out


def _role_of(who: str) -> str:
    """The role a caller acts with: an API key acts with the role it was given."""
    return who.removeprefix("api_key:")


def test_every_role_is_tried(callers):
    from urbaneta.auth.principal import Role

    assert {_role_of(who) for who in callers} == {str(r) for r in Role}


def test_every_operation_declares_known_roles():
    from urbaneta.auth.principal import Role

    known = {str(r) for r in Role}
    for op in protected():
        assert op.roles and set(op.roles) <= known, op.id


@pytest.mark.parametrize("op", protected(), ids=lambda o: o.id)
def test_role_matrix(aws, callers, op: Operation):
    # Given each kind of caller / When it calls the operation (with ids that exist nowhere)
    for who, token in callers.items():
        res = call(op.function, op.method, op.url(), body={}, token=token)
        # Then a role outside x-roles is refused with 403, and a role inside is let through
        if _role_of(who) in op.roles:
            assert res.status != 401 and not (res.status == 403 and res.error["message"] == ROLE_DENIED), (who, res)
        else:
            assert res.status == 403 and res.error["code"] == "FORBIDDEN", (who, res)


@pytest.mark.parametrize("op", with_json_body(), ids=lambda o: o.id)
def test_mass_assignment_of_server_owned_fields_is_refused(aws, callers, op: Operation):
    # Given a body with a server-owned field the operation does not declare
    declared = set(op.body_schema["properties"])
    extra = [f for f in SERVER_OWNED if f not in declared]
    allowed_role = next(r for r in ("owner", "manager", "accountant", "board", "resident") if r in op.roles)
    for field in extra:
        # When it is sent
        res = call(op.function, op.method, op.url(), body={field: "attacker-chosen"}, token=callers[allowed_role])
        # Then it is refused and named
        assert res.status == 422, (field, res)
        assert field in {e["field"] for e in res.error.get("errors", [])}, (field, res)


def test_the_role_matrix_in_docs_security_md_is_the_documents():
    from pathlib import Path

    from tests.security.operations import role_matrix

    text = (Path(__file__).resolve().parents[2] / "docs" / "security.md").read_text()
    assert role_matrix() in text, "docs/security.md: paste the output of `python -m tests.security.operations`"
