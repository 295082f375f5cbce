"""The documents bucket: invoice PDFs (rendered once, then served from here) and imported bank statements."""

from __future__ import annotations

import re

from urbaneta.adapters.aws import client
from urbaneta.settings import get_settings


def invoice_pdf_key(tenant_id: str, invoice_id: str) -> str:
    return f"tenants/{tenant_id}/invoices/{invoice_id}.pdf"


def statement_key(tenant_id: str, statement_id: str, extension: str) -> str:
    return f"tenants/{tenant_id}/statements/{statement_id}.{extension}"


def statement_chunk_key(tenant_id: str, statement_id: str, chunk: int) -> str:
    """One chunk of a statement's lines, as the import planned them (read by the worker instead of the file)."""
    return f"tenants/{tenant_id}/statements/{statement_id}/chunks/{chunk}.json"


def read(key: str) -> bytes | None:
    """The object's bytes, or None when there is none."""
    found = read_with_metadata(key)
    return None if found is None else found[0]


def read_with_metadata(key: str) -> tuple[bytes, dict[str, str]] | None:
    """The object's bytes and its user metadata, or None when there is none."""
    s3 = client("s3")
    try:
        out = s3.get_object(Bucket=get_settings().documents_bucket, Key=key)
    except s3.exceptions.NoSuchKey:
        return None
    return bytes(out["Body"].read()), {str(k): str(v) for k, v in (out.get("Metadata") or {}).items()}


def put_pdf(key: str, content: bytes, *, invoice_number: str, language: str | None = None) -> None:
    metadata = {"invoice-number": invoice_number, **({"language": language} if language else {})}
    client("s3").put_object(Bucket=get_settings().documents_bucket, Key=key, Body=content,
                            ContentType="application/pdf", Metadata=metadata)


def put_statement(key: str, content: bytes, content_type: str) -> None:
    client("s3").put_object(Bucket=get_settings().documents_bucket, Key=key, Body=content, ContentType=content_type,
                            ServerSideEncryption="AES256")


# ---- statement uploads: tmp/<tenantId>/statements/<uploadId>.<xml|csv> in the uploads bucket (tmp/ expires) ------

_STATEMENT_UPLOAD = re.compile(r"^tmp/(?P<tenant>[0-9A-Za-z-]{1,64})/statements/[0-9a-f-]{36}\.(?P<ext>xml|csv)$")


def statement_upload_key(tenant_id: str, upload_id: str, extension: str) -> str:
    return f"tmp/{tenant_id}/statements/{upload_id}.{extension}"


def statement_upload_kind(tenant_id: str, key: str) -> str | None:
    """``xml`` or ``csv`` for a statement upload key of this tenant; None when the key is not one."""
    found = _STATEMENT_UPLOAD.match(key)
    if found is None or found.group("tenant") != tenant_id:
        return None
    return found.group("ext")


def upload_size(key: str) -> int | None:
    """The size of an upload, or None when there is none."""
    s3 = client("s3")
    try:
        head = s3.head_object(Bucket=get_settings().uploads_bucket, Key=key)
    except s3.exceptions.ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    return int(head.get("ContentLength", 0))


def read_upload(key: str) -> bytes | None:
    s3 = client("s3")
    try:
        return bytes(s3.get_object(Bucket=get_settings().uploads_bucket, Key=key)["Body"].read())
    except s3.exceptions.NoSuchKey:
        return None
