"""Lazily built boto3 clients, one per service per container, all from ONE boto3 Session (a Session loads the
endpoint and service data; a second one would load them again, about 35 ms of a cold start)."""

from __future__ import annotations

import os
import threading
from functools import cache
from typing import Any

from urbaneta.settings import NEEDS, get_settings, require

_building = threading.Lock()  # a Session is not safe to build clients from in two threads at once


@cache
def _session() -> Any:
    import boto3  # imported lazily: keeps cold starts of functions that never touch AWS small

    return boto3.session.Session()


def _new_client(service: str, **extra: Any) -> Any:
    settings = get_settings()
    kwargs: dict[str, Any] = {"region_name": settings.region, **extra}
    if settings.aws_endpoint_url:
        kwargs["endpoint_url"] = settings.aws_endpoint_url
    with _building:
        return _session().client(service, **kwargs)


@cache
def client(service: str) -> Any:
    return _new_client(service)


def start(function: str) -> None:
    """Called at the top of a function's module. Fails the cold start, naming every missing variable
    (``settings.require``). On Lambda, it also builds the DynamoDB client there, in the init phase, whose CPU boost
    pays for loading the service's model: every event of a function with a table reads or writes it (the gate
    alone, on every request). Elsewhere (tests, scripts) clients stay lazy, built by their first use."""
    require(function)
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME") and "TABLE_NAME" in NEEDS[function]:
        client("dynamodb")


@cache
def bulk_client(service: str) -> Any:
    """A client that skips botocore's client-side parameter validation (about 15 % of the generation worker's
    CPU), for bulk writes whose every value comes from a validated entity (workers' batch writes and
    transactions). The service still validates every request: a malformed one fails all the same, only later."""
    from botocore.config import Config

    return _new_client(service, config=Config(parameter_validation=False))


def reset_clients() -> None:
    """Tests and the local stack call this after changing the environment."""
    client.cache_clear()
    bulk_client.cache_clear()
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
