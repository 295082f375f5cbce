"""Auth: what authentication costs, and whether login timing tells accounts apart.

- DynamoDB calls per authenticated request (the gate's one conditional UpdateItem: session revocation check
  and per-organisation quota together); goal: 1.
- Authenticated request latency (token verification + the gate) against the same route made public, in the
  same run (moto in-process, so the figure is the code's overhead, not network time).
- Login with an unknown e-mail against login with a wrong password (both 401): the medians should be about
  equal, ratio 0.9-1.1 — both verify one argon2id hash and make the same database calls.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

from bench.common import ROOT, Figure, median, quick, report

sys.path[:0] = [str(ROOT / "layers" / "shared"), str(ROOT)]

PASSWORD = "Kolm-Karu-Metsas-42"


def _environment() -> None:
    from tests.support import start_emulated_aws

    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    start_emulated_aws("urbaneta-bench", extra_env={"LOGIN_MAX_FAILURES_PER_ADDRESS": "1000000",
                                                    "LOGIN_MAX_FAILURES_PER_ACCOUNT": "1000000"})


def _timed(fn: Callable[[], Any], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    _environment()
    from tests.support import LambdaContext, Result, api_event, call, count_calls
    from urbaneta.auth.principal import EVERYONE
    from urbaneta.http.app import allow, create_app, make_handler, public
    from urbaneta.http.responses import ok

    app = create_app()

    @app.get("/private")
    @allow(EVERYONE)
    def private() -> Any:
        return ok({"ok": True})

    @app.get("/public")
    @public
    def open_route() -> Any:
        return ok({"ok": True})

    handler = make_handler(app)
    runs = 30 if quick() else 300
    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    from local import mailbox
    from local.signup import registration_code

    assert call("auth", "POST", "/auth/register", body={"organizationName": "Bench", "email": email,
                                                        "password": PASSWORD, "name": "Bench Owner"}).status == 202
    mails = [m["text"] for m in reversed(mailbox.messages()) if email in m["to"]]
    code = next(c for c in map(registration_code, mails) if c)
    registered = call("auth", "POST", "/auth/register/verify", body={"token": code, "password": PASSWORD})
    assert registered.status == 201, registered
    token = registered.data["accessToken"]

    def get(path: str, auth: str | None) -> Result:
        return Result(handler(api_event("GET", path, token=auth), LambdaContext()))

    assert get("/private", token).status == 200
    with count_calls("dynamodb") as counter:
        for _ in range(20):
            assert get("/private", token).status == 200
    calls_per_request = counter.count() / 20

    authed = _timed(lambda: get("/private", token), runs)
    public_ = _timed(lambda: get("/public", None), runs)

    login_runs = 10 if quick() else 60

    def wrong() -> None:
        assert call("auth", "POST", "/auth/login", body={"email": email, "password": "Wrong-Password-1"}).status == 401

    def unknown() -> None:
        body = {"email": f"nobody-{uuid.uuid4().hex[:8]}@example.com", "password": "Wrong-Password-1"}
        assert call("auth", "POST", "/auth/login", body=body).status == 401

    wrong(), unknown()  # warm both paths
    wrong_samples, unknown_samples = [], []
    for _ in range(login_runs):  # interleaved, so drifts of the machine hit both alike
        wrong_samples += _timed(wrong, 1)
        unknown_samples += _timed(unknown, 1)

    report("auth", [
        Figure("auth", "DynamoDB calls per authenticated request", calls_per_request, "calls", None, "1"),
        Figure("auth", "authenticated request vs public route (median)", median(authed) * 1000, "ms",
               median(public_) * 1000, "informative (moto in-process)"),
        Figure("auth", "login 401: unknown e-mail vs wrong password", median(unknown_samples) * 1000, "ms",
               median(wrong_samples) * 1000, "ratio 0.9-1.1"),
    ])


if __name__ == "__main__":
    main()
