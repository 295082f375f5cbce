"""Settings fail fast: required variables have no defaults, and a function missing one fails at its cold start."""

from __future__ import annotations

import pytest

from local import template
from urbaneta import settings


def test_each_function_needs_what_the_template_gives_it():
    # Given the template's Globals and each function's own variables
    for logical, resource in template.resources().items():
        if resource["Type"] != template.FUNCTION:
            continue
        name = resource["Properties"]["CodeUri"].strip("/").split("/")[-1]
        given = set(template.load()["Globals"]["Function"]["Environment"]["Variables"])
        given |= set(resource["Properties"].get("Environment", {}).get("Variables", {}))
        # Then every variable the function needs is set for it (AWS_REGION comes from Lambda)
        assert set(settings.NEEDS[name]) - given - {"AWS_REGION"} == set(), logical


def test_a_missing_variable_fails_the_cold_start_with_its_name(monkeypatch):
    # Given the invoices function's environment without its sending queue
    for name in settings.NEEDS["invoices"]:
        monkeypatch.setenv(name, "x")
    monkeypatch.delenv("INVOICE_SENDING_QUEUE_URL")
    # When the function checks its settings / Then it refuses, naming the variable
    with pytest.raises(settings.MissingSetting, match="INVOICE_SENDING_QUEUE_URL"):
        settings.require("invoices")


def test_required_settings_have_no_defaults(monkeypatch):
    # Given no TABLE_NAME
    for name in settings.REQUIRED:
        monkeypatch.setenv(name, "x")
    monkeypatch.delenv("TABLE_NAME")
    settings.get_settings.cache_clear()
    try:
        # When settings are read / Then they refuse instead of inventing a table name
        with pytest.raises(settings.MissingSetting, match="TABLE_NAME"):
            settings.get_settings()
    finally:
        settings.get_settings.cache_clear()


def test_a_per_function_setting_is_refused_where_it_is_needed_but_missing(monkeypatch):
    for name in settings.REQUIRED:
        monkeypatch.setenv(name, "x")
    monkeypatch.delenv("WEBHOOK_DELIVERY_DLQ_URL", raising=False)
    settings.get_settings.cache_clear()
    try:
        with pytest.raises(settings.MissingSetting, match="WEBHOOK_DELIVERY_DLQ_URL"):
            settings.get_settings().need("webhook_delivery_dlq_url")
    finally:
        settings.get_settings.cache_clear()
