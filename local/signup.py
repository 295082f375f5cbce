"""Registering an organisation against the local stack, as a person would: POST /auth/register, the
e-mail from the stack's mailbox (``GET /_local/mail``), then POST /auth/register/verify with its code.
Used by the demo seed, the end-to-end helpers, the benchmarks and the fuzz set-up."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx

CODE = re.compile(r"Registration code for apps: (\S+)")


def registration_code(text: str) -> str | None:
    match = CODE.search(text or "")
    return match.group(1) if match else None


def register(client: httpx.Client, api_url: str, body: dict[str, Any], *, timeout: float = 10) -> httpx.Response:
    """Register and confirm; returns the answer of POST /auth/register/verify (201 with tokens), or the
    failing answer of POST /auth/register."""
    api = api_url.rstrip("/")
    started = client.post(f"{api}/auth/register", json=body)
    if started.status_code != 202:
        return started
    mail_url = api.removesuffix("/api") + "/_local/mail"
    deadline = time.monotonic() + timeout
    while True:
        sent = client.get(mail_url).json().get("data") or []
        codes = [registration_code(m.get("text") or "") for m in sent if str(body["email"]).lower() in
                 str(m.get("to")).lower()]
        code = next((c for c in reversed(codes) if c), None)
        if code or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    return client.post(f"{api}/auth/register/verify", json={"token": code or "-", "password": body["password"]})
