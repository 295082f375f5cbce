"""Lazily built boto3 clients, one per service per container, all from ONE boto3 Session (a Session loads the
endpoint and service data; a second one would load them again, about 35 ms of a cold start)."""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

from urbaneta.settings import get_settings

_building = threading.Lock()  # a Session is not safe to build clients from in two threads at once


@cache
def _session() -> Any:
    import boto3  # imported lazily: keeps cold starts of functions that never touch AWS small

    return boto3.session.Session()


@cache
def client(service: str) -> Any:
    settings = get_settings()
    kwargs: dict[str, Any] = {"region_name": settings.region}
    if settings.aws_endpoint_url:
        kwargs["endpoint_url"] = settings.aws_endpoint_url
    with _building:
        return _session().client(service, **kwargs)


def reset_clients() -> None:
    """Tests and the local stack call this after changing the environment."""
    client.cache_clear()
    _session.cache_clear()
    get_settings.cache_clear()


def read_bounded(bucket: str, key: str, *, max_bytes: int) -> bytes | None:
    """An S3 object's bytes; None when there is none. A larger object is refused unread (ValueError)."""
    s3 = client("s3")
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
    except s3.exceptions.ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    if int(head.get("ContentLength", 0)) > max_bytes:
        raise ValueError("too large")
    return bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
