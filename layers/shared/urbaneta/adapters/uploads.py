"""Presigned POSTs into the uploads bucket: a client puts one file of a bounded size and type at one key."""

from __future__ import annotations

from urbaneta.adapters.aws import client
from urbaneta.settings import get_settings

UPLOAD_SECONDS = 900
"""How long an upload URL stays valid (15 minutes)."""


def presigned_post(key: str, content_type: str, *, max_bytes: int) -> tuple[str, dict[str, str]]:
    """(URL, form fields) that let a client POST one file of ``content_type`` and 1 to ``max_bytes`` bytes."""
    out = client("s3").generate_presigned_post(
        Bucket=get_settings().uploads_bucket, Key=key, Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
        ExpiresIn=UPLOAD_SECONDS)
    return str(out["url"]), {k: str(v) for k, v in out["fields"].items()}
