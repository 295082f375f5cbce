"""An integrator's generated Python client (openapi-python-client, from the committed OpenAPI document) runs the
README's quick start against the local stack: sign-up, building, apartment, charge, generation job, invoices and
the PDF. A change to the document that breaks generated clients fails here."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import unique

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def client_package(tmp_path_factory: pytest.TempPathFactory) -> Any:
    out = tmp_path_factory.mktemp("client") / "urbaneta_client"
    bin_dir = Path(sys.executable).parent
    run = subprocess.run(
        [str(bin_dir / "openapi-python-client"), "generate", "--path", str(ROOT / "functions/docs/openapi.json"),
         "--meta", "none", "--output-path", str(out), "--config", str(ROOT / "local/client-config.yaml")],
        capture_output=True, text=True, timeout=300, env={"PATH": f"{bin_dir}:/usr/bin:/bin"})
    assert run.returncode == 0, run.stdout + run.stderr
    # Then nothing of the document was dropped (the PDF operation included)
    assert "Warning" not in run.stdout and "omitted" not in run.stdout, run.stdout
    sys.path.insert(0, str(out.parent))
    try:
        yield importlib.import_module("urbaneta_client")
    finally:
        sys.path.remove(str(out.parent))
        for name in [n for n in sys.modules if n == "urbaneta_client" or n.startswith("urbaneta_client.")]:
            del sys.modules[name]


def _ok(answer: Any, kind: str) -> Any:
    assert type(answer).__name__ == kind, answer
    return answer.data


def test_the_quick_start_runs_through_a_generated_client(stack, client_package) -> None:
    from urbaneta_client import AuthenticatedClient, Client  # type: ignore[import-not-found]
    from urbaneta_client.api.auth import login, register, register_verify  # type: ignore[import-not-found]
    from urbaneta_client.api.buildings import (  # type: ignore[import-not-found]
        create_apartment,
        create_building,
        create_charge,
    )
    from urbaneta_client.api.invoices import (  # type: ignore[import-not-found]
        generate_invoices,
        get_invoice_pdf,
        list_invoices,
    )
    from urbaneta_client.api.jobs import get_job  # type: ignore[import-not-found]
    from urbaneta_client.models import (  # type: ignore[import-not-found]
        AddressIn,
        ApartmentCreate,
        BillingIn,
        BuildingCreate,
        ChargeCreate,
        ChargeCreateType,
        GenerateBulk,
        LoginRequest,
        RegisterRequest,
        RegisterVerifyRequest,
    )

    # Given a new association's owner who signs up through the generated client
    email, password = f"{unique('juhataja')}@example.ee", "Pikk-Salas6na!"
    anonymous = Client(base_url=stack.api_url, raise_on_unexpected_status=True, timeout=httpx.Timeout(60))
    _ok(register.sync(client=anonymous, body=RegisterRequest(
        organization_name=unique("Kase 12 KÜ "), email=email, password=password, name="Mari Maasikas")),
        "RegisterAcceptedEnvelope")
    mail = httpx.get(f"{stack.base_url}/_local/mail", timeout=30).json()["data"]
    text = next(m["text"] for m in reversed(mail) if email in m["to"])
    code = re.search(r"Registration code for apps: (\S+)", text).group(1)  # type: ignore[union-attr]
    _ok(register_verify.sync(client=anonymous, body=RegisterVerifyRequest(token=code, password=password)),
        "RegisterOutEnvelope")
    tokens = _ok(login.sync(client=anonymous, body=LoginRequest(email=email, password=password)), "TokensOutEnvelope")
    api = AuthenticatedClient(base_url=stack.api_url, token=tokens.access_token, raise_on_unexpected_status=True,
                              timeout=httpx.Timeout(60))
    # When they create a building, an apartment and a charge
    building = _ok(create_building.sync(client=api, body=BuildingCreate(
        name="Kase 12", address=AddressIn(street="Kase 12", city="Tallinn", postal_code="10115", country="EE"),
        billing=BillingIn(due_days=14, vat_rate=0, iban="EE382200221020145685", bank_name="Swedbank",
                          invoice_prefix="KASE"))), "BuildingOutEnvelope")
    _ok(create_apartment.sync(building.id, client=api, body=ApartmentCreate(
        number="1", area=54.3, residents_count=2, owner_name="Jüri Õunapuu", email="jyri@example.ee")),
        "ApartmentOutEnvelope")
    _ok(create_charge.sync(building.id, client=api, body=ChargeCreate(
        name="Haldustasu", type_=ChargeCreateType.PER_AREA, unit_price=0.45)), "ChargeOutEnvelope")
    # And generate the month's invoices, following the job to its end
    job = _ok(generate_invoices.sync(client=api, body=GenerateBulk(
        building_id=building.id, period_start=date(2026, 10, 1), period_end=date(2026, 10, 31))), "JobAcceptedEnvelope")
    deadline = time.monotonic() + 120
    while (status := _ok(get_job.sync(job.job_id, client=api), "JobOutEnvelope").status) not in ("completed",
                                                                                                 "failed"):
        assert time.monotonic() < deadline, "the generation job did not finish"
        time.sleep(0.5)
    # Then the job completed, the invoice is listed with its money as numbers, and its PDF downloads as a PDF
    assert status == "completed"
    invoices = _ok(list_invoices.sync(client=api, building_id=building.id), "InvoiceOutPage")
    assert len(invoices) == 1 and invoices[0].total == 24.44  # 54.3 m² times 0.45 €, half-up
    pdf = get_invoice_pdf.sync(invoices[0].id, client=api)
    assert type(pdf).__name__ == "File", pdf
    assert pdf.payload.read(5) == b"%PDF-"
