"""The documents bucket: invoice PDFs (rendered once, then served from here) and imported bank statements."""

from __future__ import annotations

from urbaneta.adapters.aws import client
from urbaneta.settings import get_settings


def invoice_pdf_key(tenant_id: str, invoice_id: str) -> str:
    return f"tenants/{tenant_id}/invoices/{invoice_id}.pdf"


def statement_key(tenant_id: str, statement_id: str, extension: str) -> str:
    return f"tenants/{tenant_id}/statements/{statement_id}.{extension}"


def read(key: str) -> bytes | None:
    """The object's bytes, or None when there is none."""
    s3 = client("s3")
    try:
        body: bytes = s3.get_object(Bucket=get_settings().documents_bucket, Key=key)["Body"].read()
    except s3.exceptions.NoSuchKey:
        return None
    return body


def put_pdf(key: str, content: bytes, *, invoice_number: str) -> None:
    client("s3").put_object(Bucket=get_settings().documents_bucket, Key=key, Body=content,
                            ContentType="application/pdf", Metadata={"invoice-number": invoice_number})


def put_statement(key: str, content: bytes, content_type: str) -> None:
    client("s3").put_object(Bucket=get_settings().documents_bucket, Key=key, Body=content, ContentType=content_type,
                            ServerSideEncryption="AES256")
