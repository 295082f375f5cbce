"""What a function loads at init and on its common first request: the accounts and payments functions load the
services of their rarer routes on those routes only (docs/benchmarks.md, cold start), and a date parameter loads
no use case. Each case runs in a fresh interpreter, as a cold start does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date

import pytest

from local import template as tpl
from urbaneta.errors import ValidationFailed
from urbaneta.services.params import query_date

PROBE = """
import json, sys
from tests.support import default_environment, function_module
default_environment()
module = function_module(sys.argv[1])
exec(sys.argv[2])
print(json.dumps(sorted(name for name in sys.modules if name.startswith("urbaneta"))))
"""


def loaded_after(function: str, then: str = "") -> set[str]:
    """The package's modules loaded once ``functions/<function>/app.py`` is, and ``then`` (Python) has run."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tpl.ROOT / "layers" / "shared"), str(tpl.ROOT)])}
    out = subprocess.run([sys.executable, "-c", PROBE, function, then], capture_output=True, text=True, env=env,
                         cwd=tpl.ROOT, check=True, timeout=120)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_cold_payments_function_loads_the_payment_reads_but_not_the_rarer_routes_services():
    # Given the payments function, whose common first request lists or reads payments
    # When its module is loaded (Lambda's init)
    loaded = loaded_after("payments")
    # Then the reads are there, and recording, bank links, statement import and the hosted page are not
    assert "urbaneta.services.payment_reads" in loaded
    assert not loaded & {"urbaneta.services.payments", "urbaneta.services.banklinks",
                         "urbaneta.services.reconciliation", "urbaneta.services.hosted.invoices",
                         "urbaneta.domain.reconciliation", "urbaneta.adapters.statements",
                         "urbaneta.models.accounts", "urbaneta.services.accounts.posting"}


def test_cold_accounts_function_loads_statements_and_debtors_but_not_opening_check_or_reminders():
    # Given the accounts function, whose common first request is a statement or the debtor report
    # When its module is loaded
    loaded = loaded_after("accounts")
    # Then those two services are there, and the opening-balance import, the check and the reminder plan are not
    assert {"urbaneta.services.accounts.statements", "urbaneta.services.accounts.debtors"} <= loaded
    assert not loaded & {"urbaneta.services.accounts.opening", "urbaneta.services.accounts.check",
                         "urbaneta.services.accounts.posting", "urbaneta.services.invoicing.reminders"}


def test_cold_accounts_date_parameters_load_no_invoice_module():
    # Given the accounts function loaded
    # When a statement period and a debtor report's day are parsed (what their first request does)
    loaded = loaded_after("accounts", "from urbaneta.services.accounts import debtors, statements\n"
                                      "statements.period('2026-01-01', '2026-01-31'); debtors._as_of('2026-02-01')")
    # Then the invoice list's module, its models and the invoice messages were not loaded for it
    assert not loaded & {"urbaneta.services.invoicing.queries", "urbaneta.services.invoicing.common",
                         "urbaneta.models.invoices", "urbaneta.models.messages"}


def test_cold_query_date_reads_a_day_and_treats_absent_or_empty_as_none():
    # Given dates as a query string carries them, When parsed, Then a day, or none when absent or empty
    assert query_date("2026-02-28", "asOf") == date(2026, 2, 28)
    assert query_date(None, "from") is None
    assert query_date("", "to") is None


@pytest.mark.parametrize("raw", ["2026-02-30", "28.02.2026", "tomorrow", "2026-2-1x"])
def test_cold_query_date_refuses_a_non_date_naming_the_field(raw):
    # Given a value that is no YYYY-MM-DD day
    # When parsed, Then 422 naming the parameter
    with pytest.raises(ValidationFailed) as refused:
        query_date(raw, "asOf")
    assert [e.field for e in refused.value.errors] == ["asOf"]
    assert "YYYY-MM-DD" in str(refused.value)


def test_cold_invoices_function_loads_the_reads_but_not_generation_sending_or_reminders():
    # Given the invoices function, whose common first request lists or reads invoices
    # When its module is loaded
    loaded = loaded_after("invoices")
    # Then the reads are there, and starting jobs, sending, one-off drafts, PDFs, transitions and reminders are not
    assert "urbaneta.services.invoicing.queries" in loaded
    assert not loaded & {f"urbaneta.services.invoicing.{m}" for m in (
        "starting", "sending", "oneoff", "documents", "lifecycle", "reminders", "generation")}
