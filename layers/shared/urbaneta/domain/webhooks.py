"""Pure webhook rules: secrets, signatures (X-Urbaneta-Signature and Standard Webhooks), the retry schedule
with jitter, how an answer is classified, which addresses a webhook may reach, and delivery ids."""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import random
import secrets as _secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field

from urbaneta.domain.entity import Entity

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
MAX_VISIBILITY_DELAY = 43_200  # SQS: a message can be hidden for at most 12 hours per receive
DEFAULT_RETRY_SCHEDULE: tuple[int, ...] = (5, 300, 1_800, 7_200, 18_000, 36_000, 43_200, 43_200)
"""Seconds to wait before attempts 2..9: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 12 h, 12 h (41.6 h in all;
at least 33 h even when jitter shortens every wait)."""
JITTER = 0.2  # each wait is multiplied by a factor in [1 - JITTER, 1 + JITTER]
MAX_RETRY_AFTER = MAX_VISIBILITY_DELAY
EXCERPT_BYTES = 1024

# --- secrets and signatures --------------------------------------------------------------------------


def generate_secret() -> str:
    """A new signing secret, ``whsec_<base64 of 32 random bytes>`` (the Standard Webhooks format)."""
    return SECRET_PREFIX + base64.b64encode(_secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key of a Standard Webhooks secret: the base64 part, decoded."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def urbaneta_signature(secret: str, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256 of the raw body>``, keyed with the secret exactly as shown to the integrator."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def standard_signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256 of '{id}.{timestamp}.{body}'>`` keyed with the decoded secret."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(secret_key(secret), signed, hashlib.sha256).digest()).decode()


def signature_headers(active_secrets: Sequence[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The signature headers of one attempt. During a rotation ``active_secrets`` holds the new secret first
    and the previous one second: both signatures are sent (space-separated in ``webhook-signature`` as the
    Standard Webhooks specification says, comma-separated in ``X-Urbaneta-Signature``)."""
    if not active_secrets:
        raise ValueError("a webhook needs at least one secret")
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(standard_signature(s, msg_id, timestamp, body) for s in active_secrets),
        "X-Urbaneta-Signature": ",".join(urbaneta_signature(s, body) for s in active_secrets),
    }


# --- retry schedule ----------------------------------------------------------------------------------


def parse_schedule(raw: str | None) -> tuple[int, ...]:
    """``"5,300,1800"`` → (5, 300, 1800). Empty → the default. Every wait is 0..12 h (SQS's visibility limit)."""
    if not raw or not raw.strip():
        return DEFAULT_RETRY_SCHEDULE
    try:
        waits = tuple(int(part) for part in raw.split(",") if part.strip())
    except ValueError as exc:
        raise ValueError(f"retry schedule must be comma-separated seconds: {raw!r}") from exc
    if not waits or any(not 0 <= w <= MAX_VISIBILITY_DELAY for w in waits):
        raise ValueError("every retry wait must be between 0 and 43200 seconds")
    return waits


def max_attempts(schedule: Sequence[int]) -> int:
    return 1 + len(schedule)


def minimum_span(schedule: Sequence[int]) -> float:
    """The shortest time the whole schedule can take (every wait shortened by the jitter)."""
    return sum(schedule) * (1 - JITTER)


def retry_delay(schedule: Sequence[int], attempts_made: int, *, retry_after: int | None = None,
                rng: random.Random | None = None) -> int | None:
    """Seconds to wait before the next attempt, or None when the schedule is exhausted.

    ``attempts_made`` counts the attempts of this round so far (1 after the first). A ``Retry-After`` from a
    429 replaces the scheduled wait (capped at 12 h) but does not add attempts."""
    if attempts_made >= max_attempts(schedule):
        return None
    if retry_after is not None:
        return max(1, min(retry_after, MAX_RETRY_AFTER))
    base = schedule[attempts_made - 1]
    factor = 1 + JITTER * (2 * (rng or random).random() - 1)
    return int(min(MAX_VISIBILITY_DELAY, round(base * factor)))


def parse_retry_after(value: str | None, *, now_epoch: float) -> int | None:
    """``Retry-After`` as seconds (delta-seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return None
    return max(0, int(moment.timestamp() - now_epoch))


Verdict = Literal["succeeded", "retry", "gone"]


def classify(status_code: int | None) -> Verdict:
    """A 2xx is success; 410 Gone disables the endpoint; everything else (including no answer) is retried."""
    if status_code is not None and 200 <= status_code < 300:
        return "succeeded"
    if status_code == 410:
        return "gone"
    return "retry"


# --- destinations (SSRF rules) -----------------------------------------------------------------------

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254"),
             ipaddress.ip_address("169.254.170.2"), ipaddress.ip_address("100.100.100.200")}
_EXTRA_BLOCKED = [ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "198.18.0.0/15", "64:ff9b::/96", "64:ff9b:1::/48",
    "2001:db8::/32", "fc00::/7", "fe80::/10", "fec0::/10", "::/128", "::1/128")]
LOOPBACK_HTTP_HOST = "127.0.0.1"


class UnsafeDestination(ValueError):
    """A webhook URL or one of its addresses may not be reached."""


def address_problem(address: IPAddress) -> str | None:
    """Why an address may not be reached, or None. IPv4-mapped/compatible/6to4 IPv6 addresses are judged
    by the IPv4 address inside them."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour
        if inner is None and address.teredo:
            inner = address.teredo[1]
        if inner is not None:
            return address_problem(inner)
    if address in _METADATA:
        return "a cloud metadata address"
    checks = (("loopback", address.is_loopback), ("link-local", address.is_link_local),
              ("multicast", address.is_multicast), ("unspecified", address.is_unspecified),
              ("reserved", address.is_reserved), ("private", address.is_private),
              ("non-global", not address.is_global))
    for name, hit in checks:
        if hit:
            return f"a {name} address"
    if any(address in net for net in _EXTRA_BLOCKED):
        return "a reserved address"
    return None


@dataclass(frozen=True)
class Target:
    """A parsed webhook URL: what is resolved and where the request goes."""

    scheme: str
    host: str
    port: int
    loopback_http: bool  # the local stack's http://127.0.0.1 exception


def parse_target(url: str, *, allow_loopback_http: bool) -> Target:
    """Check the URL's form: https (or, on the local stack only, http://127.0.0.1), a host, no credentials."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeDestination("must be a valid URL") from exc
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise UnsafeDestination("must be an absolute URL with a host")
    if parts.username or parts.password:
        raise UnsafeDestination("must not contain credentials")
    if parts.fragment:
        raise UnsafeDestination("must not contain a fragment")
    if parts.scheme == "http" and allow_loopback_http and host == LOOPBACK_HTTP_HOST:
        return Target("http", host, port or 80, loopback_http=True)
    if parts.scheme != "https":
        raise UnsafeDestination("must use https")
    return Target("https", host, port or 443, loopback_http=False)


def check_addresses(target: Target, addresses: Sequence[IPAddress]) -> IPAddress:
    """Every resolved address must be public; returns the one to connect to (the first)."""
    if not addresses:
        raise UnsafeDestination("host does not resolve")
    if target.loopback_http:
        if any(a != ipaddress.ip_address(LOOPBACK_HTTP_HOST) for a in addresses):
            raise UnsafeDestination("must resolve to 127.0.0.1")
        return addresses[0]
    for address in addresses:
        problem = address_problem(address)
        if problem:
            raise UnsafeDestination(f"resolves to {problem}")
    return addresses[0]


# --- delivery ids ------------------------------------------------------------------------------------


def delivery_id(event_id: str, webhook_id: str, epoch_ms: int) -> str:
    """A UUIDv7 for the delivery of one event to one endpoint: time-ordered (the event's time), and the same
    every time the same event is fanned out to the same endpoint (so a repeated fan-out creates nothing)."""
    digest = int.from_bytes(hashlib.sha256(f"{event_id}/{webhook_id}".encode()).digest()[:10], "big")
    rand_a = digest >> 68 & 0xFFF
    rand_b = digest & ((1 << 62) - 1)
    value = (epoch_ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    return str(uuid.UUID(int=value))


def excerpt(body: bytes) -> str:
    """The short part of a response body that is kept (at most 1 KiB)."""
    return body[:EXCERPT_BYTES].decode("utf-8", errors="replace")


WebhookStatus = Literal["active", "disabled"]


DeliveryStatus = Literal["pending", "succeeded", "failed"]


AttemptStatus = Literal["succeeded", "failed"]


class StoredSecret(Entity):
    sealed: str  # the secret encrypted with the application key (see services.webhooks.common)
    created_at: str = Field(alias="createdAt")
    expires_at: str | None = Field(default=None, alias="expiresAt")


class Webhook(Entity):
    id: str
    tenant_id: str = Field(alias="tenantId")
    url: str
    events: list[str]
    description: str | None = None
    status: WebhookStatus = "active"
    disabled_reason: str | None = Field(default=None, alias="disabledReason")
    secrets: list[StoredSecret]  # newest first
    created_at: str = Field(alias="createdAt")
    updated_at: str = Field(alias="updatedAt")


class Attempt(Entity):
    attempt: int
    at: str
    status: AttemptStatus
    response_code: int | None = Field(default=None, alias="responseCode")
    latency_ms: int = Field(alias="latencyMs")
    error: str | None = None
    response_excerpt: str | None = Field(default=None, alias="responseExcerpt")
    next_attempt_at: str | None = Field(default=None, alias="nextAttemptAt")


class Delivery(Entity):
    id: str
    tenant_id: str = Field(alias="tenantId")
    webhook_id: str = Field(alias="webhookId")
    event_id: str = Field(alias="eventId")
    event: str
    body: str  # the exact bytes signed and sent (UTF-8 JSON), the same on every attempt
    status: DeliveryStatus = "pending"
    attempt_count: int = Field(default=0, alias="attemptCount")
    round_start: int = Field(default=0, alias="roundStart")  # attempts made before the current (re)delivery
    attempts: list[Attempt] = Field(default_factory=list)
    next_attempt_at: str | None = Field(default=None, alias="nextAttemptAt")
    failure_reason: str | None = Field(default=None, alias="failureReason")
    message_token: str = Field(default="", alias="messageToken")  # the one queue message that carries it
    created_at: str = Field(alias="createdAt")
    updated_at: str = Field(alias="updatedAt")
