"""Organisation logos in the documents bucket, always under their tenant:
``logo-uploads/<tenantId>/<uploadId>`` (what a client PUT through a presigned URL, not yet checked; the
bucket's lifecycle expires the prefix after a day) and ``tenants/<tenantId>/organization/logo/<uploadId>.<png|jpg>``
(the checked logo in use)."""

from __future__ import annotations

from urbaneta.adapters.aws import client, read_bounded
from urbaneta.adapters.uploads import UPLOAD_SECONDS
from urbaneta.settings import get_settings

LINK_SECONDS = 900


def upload_key(tenant_id: str, upload_id: str) -> str:
    return f"logo-uploads/{tenant_id}/{upload_id}"


def logo_key(tenant_id: str, upload_id: str, extension: str) -> str:
    return f"tenants/{tenant_id}/organization/logo/{upload_id}.{extension}"


def presigned_put(key: str, content_type: str) -> str:
    """A URL that lets a client PUT one object at ``key`` with this Content-Type (15 minutes)."""
    return str(client("s3").generate_presigned_url(
        "put_object", Params={"Bucket": get_settings().documents_bucket, "Key": key, "ContentType": content_type},
        ExpiresIn=UPLOAD_SECONDS))


def presigned_get(key: str) -> str:
    return str(client("s3").generate_presigned_url(
        "get_object", Params={"Bucket": get_settings().documents_bucket, "Key": key}, ExpiresIn=LINK_SECONDS))


def read(key: str, *, max_bytes: int) -> bytes | None:
    """The object's bytes; None when there is none. A larger object is refused unread (ValueError)."""
    return read_bounded(get_settings().documents_bucket, key, max_bytes=max_bytes)


def put(key: str, data: bytes, content_type: str) -> None:
    client("s3").put_object(Bucket=get_settings().documents_bucket, Key=key, Body=data, ContentType=content_type,
                            ServerSideEncryption="AES256")


def remove(key: str) -> None:
    client("s3").delete_object(Bucket=get_settings().documents_bucket, Key=key)
