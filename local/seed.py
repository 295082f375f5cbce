"""The demo organisation, created through the API itself (so it is exactly what a client could create).

Idempotent: when the demo credentials already log in, nothing is created. A call that fails (a route not
there yet, a validation the data does not pass) is reported as a warning naming the call; the calls that
depend on it are skipped and the rest go on. The seed never stops the stack.

Run on its own against a running stack: ``python -m local.seed [http://127.0.0.1:3000/api]``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

import httpx

DEMO_EMAIL = "demo@urbaneta.example"
DEMO_PASSWORD = "Urbaneta-Demo-2026!"
DEMO_NAME = "Kadri Tamm"
DEMO_ORGANISATION = "Korteriühistu Õunapuu 7"

INVOICE_PREFIX = "OUN"
BUILDING: dict[str, Any] = {
    "name": "Õunapuu 7",
    "address": {"street": "Õunapuu tänav 7", "city": "Tartu", "postalCode": "50411", "country": "EE"},
    "currency": "EUR",
    "billing": {"dueDays": 14, "vatRate": 0, "iban": "EE382200221020145685", "bankName": "Swedbank",
                "invoicePrefix": INVOICE_PREFIX},
    "metadata": {"seed": "demo"},
}

APARTMENTS = [
    {"number": "1", "area": 54.3, "residentsCount": 2, "ownerName": "Jüri Õunapuu", "email": "juri@urbaneta.example"},
    {"number": "2", "area": 71.8, "residentsCount": 4, "ownerName": "Mārtiņš Ķēniņš",
     "email": "martins@urbaneta.example"},
    {"number": "3", "area": 38.5, "residentsCount": 1, "ownerName": "Žydrūnė Čiurlionytė",
     "email": "zydrune@urbaneta.example"},
    {"number": "4", "area": 62.0, "residentsCount": 3, "ownerName": "Līga Bērziņa-Ļaudiņa",
     "email": "liga@urbaneta.example"},
    {"number": "5", "area": 45.7, "residentsCount": 2, "ownerName": "Kęstutis Šarūnas Ąžuolas",
     "email": "kestutis@urbaneta.example"},
    {"number": "6", "area": 80.2, "residentsCount": 5, "ownerName": "Tõnu Öpik-Käär",
     "email": "tonu@urbaneta.example"},
    {"number": "7", "area": 49.9, "residentsCount": 2, "ownerName": "Rūta Įsiūtė-Vaitkų",
     "email": "ruta@urbaneta.example"},
]

CHARGES = [
    {"name": "Haldustasu", "type": "per_area", "unitPrice": 0.45},
    {"name": "Prügivedu", "type": "per_apartment", "unitPrice": 6.50},
    {"name": "Lifti hooldus", "type": "per_resident", "unitPrice": 2.10},
    {"name": "Külm vesi", "type": "metered", "unitPrice": 2.85, "meterType": "cold_water"},
    {"name": "Soe vesi", "type": "metered", "unitPrice": 6.90, "meterType": "hot_water"},
    {"name": "Üldelekter", "type": "shared_by_area", "unitPrice": 184.60},
]

METERS_PER_APARTMENT = [("cold_water", "m3", "KV"), ("hot_water", "m3", "SV")]


@dataclass
class SeedReport:
    skipped: bool = False
    created: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def count(self, what: str) -> None:
        self.created[what] = self.created.get(what, 0) + 1


class _Api:
    def __init__(self, client: httpx.Client, report: SeedReport) -> None:
        self.client = client
        self.report = report
        self.token: str | None = None

    def register(self, body: dict[str, Any]) -> dict[str, Any] | None:
        """POST /auth/register, then the e-mailed code to POST /auth/register/verify (local.signup)."""
        from local.signup import register

        return self.call("POST", "/auth/register/verify", body,
                         send=lambda: register(self.client, str(self.client.base_url), body))

    def call(self, method: str, path: str, body: dict[str, Any], expect: int = 201,
             send: Any = None) -> dict[str, Any] | None:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            response = send() if send else self.client.request(method, path, json=body, headers=headers)
        except httpx.HTTPError as exc:
            self.report.warnings.append(f"{method} /api{path} failed: {type(exc).__name__}: {exc}")
            return None
        if response.status_code != expect:
            self.report.warnings.append(
                f"{method} /api{path} answered {response.status_code} (expected {expect}): {response.text[:300]}")
            return None
        try:
            payload = response.json()
        except ValueError:
            self.report.warnings.append(f"{method} /api{path} answered a body that is not JSON")
            return None
        data = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(data, dict):
            self.report.warnings.append(f"{method} /api{path} answered without a data object")
            return None
        return data


def seed(api_url: str, *, transport: httpx.BaseTransport | None = None) -> SeedReport:
    """Create the demo organisation through the API at ``api_url`` (``http://host:port/api``)."""
    report = SeedReport()
    with httpx.Client(base_url=api_url, timeout=60, transport=transport) as client:
        api = _Api(client, report)
        try:
            login = client.post("/auth/login", json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD})
        except httpx.HTTPError as exc:
            report.warnings.append(f"POST /api/auth/login failed: {type(exc).__name__}: {exc}")
            return report
        if login.status_code == 200:
            report.skipped = True
            return report
        registered = api.register({"organizationName": DEMO_ORGANISATION, "email": DEMO_EMAIL,
                                   "password": DEMO_PASSWORD, "name": DEMO_NAME})
        if registered is None or not registered.get("accessToken"):
            return report
        report.count("organisations")
        api.token = str(registered["accessToken"])
        building = api.call("POST", "/buildings", BUILDING)
        if building is None or "id" not in building:
            return report
        report.count("buildings")
        building_id = str(building["id"])
        for charge in CHARGES:
            if api.call("POST", f"/buildings/{building_id}/charges", charge) is not None:
                report.count("charges")
        for apartment in APARTMENTS:
            created = api.call("POST", f"/buildings/{building_id}/apartments", apartment)
            if created is None or "id" not in created:
                continue
            report.count("apartments")
            for meter_type, unit, code in METERS_PER_APARTMENT:
                meter = {"buildingId": building_id, "apartmentId": str(created["id"]), "type": meter_type,
                         "unit": unit, "serialNumber": f"{code}-{INVOICE_PREFIX}-"
                                                       f"{apartment['number']:0>3}", "initialReading": 100}
                if api.call("POST", "/meters", meter) is not None:
                    report.count("meters")
    return report


def describe(report: SeedReport) -> str:
    if report.skipped:
        return "demo organisation: already there (the demo credentials log in)"
    made = ", ".join(f"{n} {what}" for what, n in report.created.items()) or "nothing"
    lines = [f"demo organisation: created {made}"]
    lines += [f"  WARNING seed: {w}" for w in report.warnings]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    api_url = argv[1] if len(argv) > 1 else "http://127.0.0.1:3000/api"
    print(describe(seed(api_url)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
