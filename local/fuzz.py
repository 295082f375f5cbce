"""`make fuzz`: schemathesis against the local stack's own /api/openapi.json, authenticated, every phase
(examples, coverage, fuzzing, stateful). Passes when no response is a 5xx and every response conforms to
the document (status code, content type, headers, schema) and invalid input is refused.

    python -m local.fuzz [--max-examples N] [--max-time SECONDS] [--url http://127.0.0.1:3000]

Without --url it starts its own stack on free ports and stops it afterwards."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
CHECKS = ",".join([
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
])


def sign_up(api_url: str) -> str:
    """A fresh organisation and its owner; returns an access token."""
    email = f"fuzz-{uuid.uuid4().hex[:10]}@example.com"
    body = {"organizationName": "Fuzz KÜ", "email": email, "password": "Kolm-Karu-Metsas-42", "name": "Schema Tester"}
    from local.signup import register

    with httpx.Client(timeout=30) as client:
        res = register(client, api_url, body)
    res.raise_for_status()
    token: str = res.json()["data"]["accessToken"]
    return token


def run(base_url: str, *, max_examples: int, max_time: int | None, workers: int = 1) -> int:
    api_url = f"{base_url}/api"
    token = sign_up(api_url)
    report_dir = ROOT / "artifacts"
    report_dir.mkdir(exist_ok=True)
    cmd = [
        str(Path(sys.executable).parent / "schemathesis"), "run", f"{api_url}/openapi.json",
        "--url", api_url,
        "--header", f"Authorization: Bearer {token}",
        "--checks", CHECKS,
        "--phases", "examples,coverage,fuzzing,stateful",
        "--max-examples", str(max_examples),
        "--workers", str(workers),
        "--suppress-health-check", "all",
        # logging out would end the session whose token the run authenticates with
        "--exclude-path", "/auth/logout",
        "--report", "junit", "--report-dir", str(report_dir),
        "--seed", os.environ.get("FUZZ_SEED", "20261121"),
    ]
    if max_time:
        cmd += ["--max-time", str(max_time)]
    return subprocess.call(cmd, cwd=ROOT)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running stack (default: start one)")
    parser.add_argument("--max-examples", type=int, default=50)
    parser.add_argument("--max-time", type=int, default=None)
    args = parser.parse_args()
    if args.url:
        return run(args.url.rstrip("/"), max_examples=args.max_examples, max_time=args.max_time)
    from local.stack import spawn_stack

    stack = spawn_stack(seed=False, timeout=120)
    try:
        return run(stack.base_url, max_examples=args.max_examples, max_time=args.max_time)
    finally:
        stack.stop()


if __name__ == "__main__":
    raise SystemExit(main())
