"""Clients are built at init on Lambda, where the init phase's CPU boost pays for loading the service model, and
lazily elsewhere."""

from __future__ import annotations

import pytest

from urbaneta.adapters import aws
from urbaneta.settings import NEEDS, MissingSetting


@pytest.fixture
def environment(monkeypatch):
    for names in NEEDS.values():
        for name in names:
            monkeypatch.setenv(name, "https://example.invalid/x" if name.endswith("_URL") else "x")
    monkeypatch.setenv("AWS_REGION", "eu-north-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    aws.reset_clients()
    yield monkeypatch
    aws.reset_clients()


def test_on_lambda_a_function_with_a_table_builds_its_dynamodb_client_at_init(environment):
    # Given a Lambda execution environment
    environment.setenv("AWS_LAMBDA_FUNCTION_NAME", "urbaneta-MetersFunction")
    # When the function's module starts
    aws.start("meters")
    # Then the DynamoDB client exists before the first event
    assert aws.client.cache_info().currsize == 1
    assert aws.client("dynamodb").meta.service_model.service_name == "dynamodb"
    assert aws.client.cache_info().hits == 1


def test_the_docs_function_builds_no_client(environment):
    # Given a Lambda execution environment
    environment.setenv("AWS_LAMBDA_FUNCTION_NAME", "urbaneta-DocsFunction")
    # When the docs function starts (it never touches AWS)
    aws.start("docs")
    # Then no client was built
    assert aws.client.cache_info().currsize == 0


def test_outside_lambda_clients_stay_lazy(environment):
    # Given tests or a script (no Lambda environment)
    environment.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    # When a function's module starts
    aws.start("meters")
    # Then nothing is built until first use
    assert aws.client.cache_info().currsize == 0


def test_a_missing_setting_still_fails_the_cold_start(environment):
    # Given a function without its queue
    environment.setenv("AWS_LAMBDA_FUNCTION_NAME", "urbaneta-InvoicesFunction")
    environment.delenv("INVOICE_SENDING_QUEUE_URL")
    # When it starts, Then it fails naming the variable, before building anything
    with pytest.raises(MissingSetting, match="INVOICE_SENDING_QUEUE_URL"):
        aws.start("invoices")
    assert aws.client.cache_info().currsize == 0
