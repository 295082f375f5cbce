"""Outbound webhook HTTP with SSRF safety.

The host is resolved once (``socket.getaddrinfo``), every address is checked (domain.webhooks rules), and the
connection goes to the checked address: the URL's host is replaced by the IP while the original ``Host``
header and TLS SNI/certificate name (httpcore's ``sni_hostname`` extension) are kept, so a DNS answer that
changes between the check and the connection (rebinding) cannot redirect the request. Redirects are not
followed, the timeout is at most 10 seconds, and only a 1 KiB excerpt of the response body is read.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from urbaneta.domain.webhooks import (
    EXCERPT_BYTES,
    IPAddress,
    Target,
    UnsafeDestination,
    check_addresses,
    excerpt,
    parse_target,
)

if TYPE_CHECKING:
    import httpx

MAX_TIMEOUT = 10.0
USER_AGENT = "Urbaneta-Webhooks/1.0"


RESOLVE_TIMEOUT = 5.0


def _lookup(host: str, port: int, timeout: float) -> list[Any]:
    """``getaddrinfo`` with a deadline: it has no timeout of its own, so it runs in a daemon thread that is
    abandoned (never joined) when the resolver is slow."""
    box: dict[str, Any] = {}
    done = threading.Event()

    def work() -> None:
        try:
            box["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except Exception as exc:  # handed to the caller
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=work, name="webhook-dns", daemon=True).start()
    if not done.wait(timeout):
        raise UnsafeDestination("host did not resolve in time")
    if "error" in box:
        raise UnsafeDestination("host does not resolve") from box["error"]
    infos: list[Any] = box["infos"]
    return infos


def resolve(host: str, port: int, *, timeout: float = RESOLVE_TIMEOUT) -> list[IPAddress]:
    """Every address the host resolves to (a literal IP resolves to itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    infos = _lookup(host, port, timeout)
    seen: dict[str, IPAddress] = {}
    for info in infos:
        raw = str(info[4][0]).split("%", 1)[0]  # drop an IPv6 zone id
        seen.setdefault(raw, ipaddress.ip_address(raw))
    return list(seen.values())


def vet(url: str, *, allow_loopback_http: bool, timeout: float = RESOLVE_TIMEOUT) -> tuple[Target, IPAddress]:
    """Check a webhook URL and its addresses now; returns the target and the address to connect to."""
    target = parse_target(url, allow_loopback_http=allow_loopback_http)
    return target, check_addresses(target, resolve(target.host, target.port, timeout=timeout))


@dataclass(frozen=True)
class Outcome:
    """What one attempt produced. ``status_code`` is None when no answer came (timeout, refused, unsafe)."""

    status_code: int | None
    latency_ms: int
    error: str | None = None
    excerpt: str = ""
    retry_after: str | None = None


def pinned_request(client: httpx.Client, url: str, target: Target, address: IPAddress, body: bytes,
                   headers: dict[str, str]) -> httpx.Request:
    """A POST to ``address`` that still names the original host (Host header, SNI, certificate check)."""
    import httpx

    original = httpx.URL(url)
    ip_host = str(address)
    request = client.build_request(
        "POST", original.copy_with(host=ip_host), content=body,
        headers={**headers, "Host": original.netloc.decode("ascii"), "Content-Type": "application/json",
                 "User-Agent": USER_AGENT},
    )
    if target.scheme == "https":
        request.extensions["sni_hostname"] = target.host
    return request


@cache
def _tls() -> ssl.SSLContext:
    """One verifying TLS context per container (loading the CA bundle is the expensive part of a client).
    Connections themselves are never pooled across attempts: a connection is bound to the address that was
    checked and the host it was verified for."""
    import httpx

    return httpx.create_ssl_context()


def _timeout(seconds: float) -> httpx.Timeout:
    import httpx

    limit = min(max(seconds, 0.5), MAX_TIMEOUT)
    return httpx.Timeout(limit, connect=min(limit, 5.0))


def post(url: str, body: bytes, headers: dict[str, str], *, allow_loopback_http: bool, timeout: float = MAX_TIMEOUT,
         transport: Any = None) -> Outcome:
    """Deliver one signed body. Unsafe destinations and network failures become an Outcome, never an exception."""
    import httpx

    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    limit = min(timeout, MAX_TIMEOUT)
    deadline = started + limit
    try:  # name resolution counts towards the attempt's time limit
        target, address = vet(url, allow_loopback_http=allow_loopback_http, timeout=min(RESOLVE_TIMEOUT, limit / 2))
    except UnsafeDestination as exc:
        return Outcome(None, took(), error=f"refused: {exc}")
    limit = max(0.5, deadline - time.monotonic())
    with httpx.Client(timeout=_timeout(limit), follow_redirects=False, trust_env=False, verify=_tls(),
                      transport=transport) as client:
        request = pinned_request(client, url, target, address, body, headers)
        try:
            response = client.send(request, stream=True)
        except httpx.TimeoutException:
            return Outcome(None, took(), error="timeout")
        except httpx.HTTPError as exc:
            return Outcome(None, took(), error=f"connection failed: {type(exc).__name__}")
        kept = b""
        try:
            for chunk in response.iter_bytes():
                kept += chunk
                if len(kept) >= EXCERPT_BYTES or time.monotonic() > deadline:
                    break
        except httpx.HTTPError:
            pass  # the status line arrived: a broken body does not change the verdict
        finally:
            response.close()
        return Outcome(response.status_code, took(), excerpt=excerpt(kept),
                       retry_after=response.headers.get("retry-after"))
