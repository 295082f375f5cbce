"""Lazily built boto3 clients, one per service per container."""

from __future__ import annotations

from functools import cache
from typing import Any

from urbaneta.settings import get_settings


@cache
def client(service: str) -> Any:
    import boto3  # imported lazily: keeps cold starts of functions that never touch AWS small

    settings = get_settings()
    kwargs: dict[str, Any] = {"region_name": settings.region}
    if settings.aws_endpoint_url:
        kwargs["endpoint_url"] = settings.aws_endpoint_url
    return boto3.session.Session().client(service, **kwargs)  # type: ignore[call-overload]


def reset_clients() -> None:
    """Tests and the local stack call this after changing the environment."""
    client.cache_clear()
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
