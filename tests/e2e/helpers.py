"""What the end-to-end tests do over and over through the stack: sign up an organisation, wait for a job."""

from __future__ import annotations

import time
import uuid
from typing import Any

PASSWORD = "Hõbedane-Kuu-2025-aken"


def register(http: Any, body: dict[str, Any]) -> Any:
    """POST /api/auth/register and its e-mailed code to /api/auth/register/verify: the verify answer."""
    from local.signup import register as sign_up

    return sign_up(http, str(http.base_url).rstrip("/") + "/api", body)


def register_owner(http: Any, organization: str, name: str, *, password: str = PASSWORD) -> dict[str, str]:
    """A new organisation and its owner, through POST /api/auth/register; returns the bearer header."""
    email = f"owner-{uuid.uuid4().hex[:8]}@example.com"
    reg = register(http, {"organizationName": organization, "email": email, "password": password, "name": name})
    assert reg.status_code == 201, reg.text
    return {"Authorization": f"Bearer {reg.json()['data']['accessToken']}"}


def wait_for_job(http: Any, headers: dict[str, str], job_id: str, timeout: float = 60) -> dict[str, Any]:
    """Poll GET /api/jobs/{id} until the job has completed or failed (or the timeout passes)."""
    deadline = time.monotonic() + timeout
    while True:
        data: dict[str, Any] = http.get(f"/api/jobs/{job_id}", headers=headers).json()["data"]
        if data["status"] in ("completed", "failed") or time.monotonic() > deadline:
            return data
        time.sleep(0.2)
