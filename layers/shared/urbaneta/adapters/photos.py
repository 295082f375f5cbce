"""Meter photos in the uploads bucket, always under their tenant.

- ``tmp/<tenantId>/ocr/<photoId>.<ext>``: a photo read by POST /meters/ocr and not (yet) attached to a
  reading; the bucket's lifecycle rule expires ``tmp/`` after 7 days.
- ``meters/<tenantId>/<meterId>/<readingId>.<ext>``: the photo of a recorded reading, kept.
"""

from __future__ import annotations

import re

from urbaneta.adapters.aws import client, read_bounded
from urbaneta.adapters.ocr import JPEG
from urbaneta.settings import get_settings

_EXT = {JPEG: "jpg", "image/png": "png"}
_UPLOAD = re.compile(r"^tmp/(?P<tenant>[0-9A-Za-z-]{1,64})/ocr/[0-9a-f-]{36}\.(?P<ext>jpg|png)$")


def upload_key(tenant_id: str, photo_id: str, content_type: str) -> str:
    return f"tmp/{tenant_id}/ocr/{photo_id}.{_EXT[content_type]}"


def reading_key(tenant_id: str, meter_id: str, reading_id: str, content_type: str) -> str:
    return f"meters/{tenant_id}/{meter_id}/{reading_id}.{_EXT[content_type]}"


def upload_content_type(tenant_id: str, key: str) -> str | None:
    """The content type of an OCR upload key of this tenant, or None when the key is not one."""
    match = _UPLOAD.match(key)
    if match is None or match.group("tenant") != tenant_id:
        return None
    return JPEG if match.group("ext") == "jpg" else "image/png"


def put_photo(key: str, data: bytes, content_type: str, *, tenant_id: str) -> None:
    client("s3").put_object(Bucket=get_settings().uploads_bucket, Key=key, Body=data, ContentType=content_type,
                            Metadata={"tenant-id": tenant_id})


def exists(key: str) -> bool:
    s3 = client("s3")
    try:
        s3.head_object(Bucket=get_settings().uploads_bucket, Key=key)
    except s3.exceptions.ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True


def keep(source: str, target: str) -> None:
    """Copy an OCR upload to the kept place of its reading (the upload itself expires with ``tmp/``)."""
    bucket = get_settings().uploads_bucket
    client("s3").copy_object(Bucket=bucket, Key=target, CopySource={"Bucket": bucket, "Key": source},
                             MetadataDirective="COPY")


def remove(key: str) -> None:
    client("s3").delete_object(Bucket=get_settings().uploads_bucket, Key=key)


def read(key: str, *, max_bytes: int) -> bytes | None:
    """The bytes of a stored photo; None when there is none. A larger object is refused unread (ValueError)."""
    return read_bounded(get_settings().uploads_bucket, key, max_bytes=max_bytes)
