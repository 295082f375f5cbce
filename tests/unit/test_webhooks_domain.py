"""Pure webhook rules: signatures, schedule, classification, SSRF address rules, delivery ids, IP pinning."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import random
import uuid

import httpx
import pytest
from standardwebhooks import Webhook as StandardWebhook

from urbaneta.adapters import webhook_http
from urbaneta.domain import event_types
from urbaneta.domain import webhooks as rules


def test_standard_webhooks_reference_vector():
    # Given the example of the Standard Webhooks specification
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    # When signed / Then the signature is the specification's
    assert rules.standard_signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body) == (
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")


def test_signature_headers_verify_with_the_reference_library():
    # Given a fresh secret and a body
    secret = rules.generate_secret()
    body = b'{"id":"e1","event":"invoice.paid"}'
    import time

    # When headers are made
    headers = rules.signature_headers([secret], "e1", int(time.time()), body)
    # Then the reference verifier accepts them, and X-Urbaneta-Signature is the hex HMAC of the body
    StandardWebhook(secret).verify(body, headers)
    assert headers["X-Urbaneta-Signature"] == "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert len(rules.secret_key(secret)) == 32 and secret.startswith("whsec_")


def test_both_secrets_sign_during_rotation():
    new, old = rules.generate_secret(), rules.generate_secret()
    headers = rules.signature_headers([new, old], "m", 1, b"{}")
    assert headers["webhook-signature"].count("v1,") == 2 and headers["X-Urbaneta-Signature"].count("sha256=") == 2
    with pytest.raises(ValueError):
        rules.signature_headers([], "m", 1, b"{}")


def test_default_schedule_spans_more_than_a_day_even_with_jitter():
    schedule = rules.parse_schedule("")
    assert rules.minimum_span(schedule) >= 24 * 3600
    assert all(w <= rules.MAX_VISIBILITY_DELAY for w in schedule)
    assert rules.max_attempts(schedule) == 9


def test_schedule_parsing_refuses_nonsense():
    assert rules.parse_schedule("1, 2,3") == (1, 2, 3)
    for raw in ("a,b", "-1", "50000", ","):
        with pytest.raises(ValueError):
            rules.parse_schedule(raw)


def test_retry_delay_is_jittered_backoff_then_exhausted():
    schedule = (10, 100, 1000)
    rng = random.Random(1)
    for made, base in ((1, 10), (2, 100), (3, 1000)):
        for _ in range(50):
            delay = rules.retry_delay(schedule, made, rng=rng)
            assert delay is not None and base * 0.8 - 1 <= delay <= base * 1.2 + 1
    assert rules.retry_delay(schedule, 4) is None
    # Retry-After replaces the wait, capped at 12 hours, at least 1 second; it adds no attempts
    assert rules.retry_delay(schedule, 1, retry_after=120) == 120
    assert rules.retry_delay(schedule, 1, retry_after=10**9) == 43_200
    assert rules.retry_delay(schedule, 1, retry_after=0) == 1
    assert rules.retry_delay(schedule, 4, retry_after=5) is None


def test_retry_after_forms():
    assert rules.parse_retry_after("120", now_epoch=0) == 120
    assert rules.parse_retry_after("Thu, 01 Jan 1970 00:01:00 GMT", now_epoch=30) == 30
    assert rules.parse_retry_after("soon", now_epoch=0) is None
    assert rules.parse_retry_after(None, now_epoch=0) is None


@pytest.mark.parametrize(("code", "verdict"), [(200, "succeeded"), (204, "succeeded"), (299, "succeeded"),
                                               (301, "retry"), (400, "retry"), (410, "gone"), (429, "retry"),
                                               (500, "retry"), (None, "retry")])
def test_classify(code, verdict):
    assert rules.classify(code) == verdict


@pytest.mark.parametrize("address", [
    "10.1.2.3", "172.16.0.1", "192.168.0.1", "127.0.0.1", "127.8.8.8", "0.0.0.0", "169.254.169.254", "169.254.1.1",
    "100.64.0.1", "224.0.0.251", "240.0.0.1", "255.255.255.255", "192.0.2.1", "198.18.0.1",
    "::1", "::", "fe80::1", "fc00::1", "fd00:ec2::254", "ff02::1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",
    "2002:7f00:1::", "64:ff9b::a00:1", "2001:db8::1"])
def test_non_public_addresses_are_refused(address):
    assert rules.address_problem(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "::ffff:93.184.216.34"])
def test_public_addresses_pass(address):
    assert rules.address_problem(ipaddress.ip_address(address)) is None


def test_url_form_rules():
    assert rules.parse_target("https://h.example/x", allow_loopback_http=False).port == 443
    assert rules.parse_target("http://127.0.0.1:9/x", allow_loopback_http=True).loopback_http
    for url, local in (("http://127.0.0.1:9/x", False), ("http://h.example/x", True), ("ftp://h.example", True),
                       ("https://u:p@h.example", True), ("https:///x", True), ("https://h.example:99999", True),
                       ("https://h.example/#frag", True)):
        with pytest.raises(rules.UnsafeDestination):
            rules.parse_target(url, allow_loopback_http=local)
    loop = rules.parse_target("http://127.0.0.1:9/x", allow_loopback_http=True)
    assert str(rules.check_addresses(loop, [ipaddress.ip_address("127.0.0.1")])) == "127.0.0.1"
    with pytest.raises(rules.UnsafeDestination):
        rules.check_addresses(rules.parse_target("https://h.example", allow_loopback_http=False), [])


def test_delivery_ids_are_deterministic_time_ordered_uuid7():
    a = rules.delivery_id("e1", "w1", 1_700_000_000_000)
    assert a == rules.delivery_id("e1", "w1", 1_700_000_000_000)
    assert a != rules.delivery_id("e1", "w2", 1_700_000_000_000)
    assert uuid.UUID(a).version == 7 and uuid.UUID(a).variant == uuid.RFC_4122
    assert rules.delivery_id("e9", "w9", 1_700_000_000_000) < rules.delivery_id("e0", "w0", 1_700_000_001_000)


def test_excerpt_keeps_at_most_one_kib():
    assert len(rules.excerpt(b"y" * 5000)) == 1024 and rules.excerpt(b"\xff") == "\ufffd"


def test_event_type_registry():
    assert event_types.is_known("invoice.paid") and not event_types.is_known("webhook.test")
    assert event_types.matches(["*"], "anything.new") and not event_types.matches(["invoice.paid"], "invoice.sent")
    assert all(t.name == name and t.description for name, t in event_types.EVENT_TYPES.items())


def test_connection_is_pinned_to_the_checked_address(monkeypatch):
    # Given a host that resolves to one public address, and a transport that records instead of connecting
    monkeypatch.setattr(webhook_http.socket, "getaddrinfo",
                        lambda host, port, **kw: [(2, 1, 6, "", ("93.184.216.34", port))])
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(307, headers={"Location": "https://169.254.169.254/"}, content=b"z" * 4000)

    # When a webhook is posted
    outcome = webhook_http.post("https://hooks.example.test:8443/in?x=1", b"{}", {"webhook-id": "m"},
                                allow_loopback_http=False, transport=httpx.MockTransport(record))
    # Then the request went to the checked IP, with the original Host and the TLS name of the host
    (request,) = seen
    assert request.url.host == "93.184.216.34" and request.url.port == 8443 and request.url.query == b"x=1"
    assert request.headers["host"] == "hooks.example.test:8443"
    assert request.extensions["sni_hostname"] == "hooks.example.test"
    # And the redirect was not followed, only 1 KiB of the body kept
    assert outcome.status_code == 307 and len(outcome.excerpt) == 1024


def test_ipv6_address_is_pinned_with_brackets(monkeypatch):
    monkeypatch.setattr(webhook_http.socket, "getaddrinfo",
                        lambda host, port, **kw: [(10, 1, 6, "", ("2606:4700:4700::1111", port, 0, 0))])
    seen: list[httpx.Request] = []
    webhook_http.post("https://v6.example.test/in", b"{}", {}, allow_loopback_http=False,
                      transport=httpx.MockTransport(lambda r: seen.append(r) or httpx.Response(204)))
    assert seen[0].url.host == "2606:4700:4700::1111" and seen[0].headers["host"] == "v6.example.test"


def test_unsafe_resolution_makes_no_request(monkeypatch):
    monkeypatch.setattr(webhook_http.socket, "getaddrinfo",
                        lambda host, port, **kw: [(2, 1, 6, "", ("93.184.216.34", port)),
                                                  (2, 1, 6, "", ("10.0.0.1", port))])

    def fail(request):
        raise AssertionError("no request may be made")

    outcome = webhook_http.post("https://hooks.example.test/in", b"{}", {}, allow_loopback_http=False,
                                transport=httpx.MockTransport(fail))
    assert outcome.status_code is None and "private" in (outcome.error or "")


def test_timeouts_and_connection_errors_become_outcomes(monkeypatch):
    monkeypatch.setattr(webhook_http.socket, "getaddrinfo",
                        lambda host, port, **kw: [(2, 1, 6, "", ("93.184.216.34", port))])

    def slow(request):
        raise httpx.ReadTimeout("slow", request=request)

    def refused(request):
        raise httpx.ConnectError("refused", request=request)

    assert webhook_http.post("https://h.example.test/", b"", {}, allow_loopback_http=False,
                             transport=httpx.MockTransport(slow)).error == "timeout"
    out = webhook_http.post("https://h.example.test/", b"", {}, allow_loopback_http=False,
                            transport=httpx.MockTransport(refused))
    assert out.status_code is None and "ConnectError" in (out.error or "")
    assert webhook_http._timeout(60).read == 10.0


def test_every_emitted_and_documented_event_type_can_be_subscribed():
    # Given the event types the code publishes (domain_event("x", ...)) and the ones docs/events.md lists
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    emitted = {m for f in (root / "layers").rglob("*.py")
               for m in re.findall(r'domain_event\(\s*"([a-z_]+\.[a-z_]+)"', f.read_text())}
    documented = set(re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \|", (root / "docs/events.md").read_text(), re.M))
    # Then each one is in the registry POST /webhooks validates against
    missing = sorted(e for e in emitted | documented if not event_types.is_known(e) and e != event_types.TEST_EVENT)
    assert missing == []


def test_slow_name_resolution_is_cut_short(monkeypatch):
    # Given a resolver that hangs
    import threading

    release = threading.Event()

    def hang(*args, **kwargs):
        release.wait(5)
        raise OSError("gave up")

    monkeypatch.setattr(webhook_http.socket, "getaddrinfo", hang)
    # When a URL on it is checked with a short deadline / Then it is refused as unresolvable in time
    with pytest.raises(rules.UnsafeDestination, match="in time"):
        webhook_http.vet("https://slow.example.test/", allow_loopback_http=False, timeout=0.05)
    release.set()
