"""Session-wide AWS emulation: moto in-process, every resource created from template.yaml once.
Tests stay independent by using unique ids (a fresh tenant per test), never by resetting the world."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

os.environ.setdefault("AWS_DEFAULT_REGION", "eu-north-1")
os.environ.setdefault("AWS_REGION", "eu-north-1")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Urbaneta")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "urbaneta")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
os.environ.setdefault("POWERTOOLS_DEV", "false")


@pytest.fixture(scope="session")
def aws() -> Iterator[dict[str, str]]:
    """moto for the whole session; returns the environment the functions see (as the template sets it)."""
    import boto3
    from moto import mock_aws

    from local import provision, template
    from urbaneta.adapters import secrets
    from urbaneta.adapters.aws import reset_clients

    with mock_aws():
        names = provision.provision(boto3.session.Session(), prefix="urbaneta-test")
        env = {}
        for logical in template.resources("AWS::Serverless::Function") or {"_": None}:
            if logical != "_":
                env.update(template.function_environment(logical, names))
        env.update({"STAGE": "test", "TABLE_NAME": names.ref("Table"), "EVENT_BUS_NAME": names.ref("EventBus"),
                    "DOCUMENTS_BUCKET": names.ref("DocumentsBucket"), "UPLOADS_BUCKET": names.ref("UploadsBucket"),
                    "APP_SECRET_ARN": names.ref("AppSecret")})
        env.pop("AWS_ENDPOINT_URL", None)
        old = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        reset_clients()
        secrets.reset()
        yield env
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        reset_clients()


@dataclass(frozen=True)
class Caller:
    """A signed-in caller of some role in some tenant, with its bearer token."""

    tenant_id: str
    user_id: str
    role: str
    token: str
    apartment_ids: frozenset[str] = frozenset()


def new_caller(role: str = "manager", tenant_id: str | None = None, apartment_ids: tuple[str, ...] = ()) -> Caller:
    """A caller with a live session (needs the ``aws`` fixture active)."""
    from urbaneta.auth.principal import Role
    from urbaneta.auth.tokens import create_session, issue_access_token
    from urbaneta.clock import new_id

    tenant = tenant_id or new_id()
    principal = create_session(tenant, new_id(), Role(role), apartment_ids=frozenset(apartment_ids))
    return Caller(tenant, principal.user_id, role, issue_access_token(principal), frozenset(apartment_ids))


@pytest.fixture
def make_caller(aws):
    """make_caller(role="manager", tenant_id=None, apartment_ids=()) → Caller with a live session."""
    return new_caller
