"""Settings: read once from the environment, never at import time of a handler."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, Field


class Settings(BaseModel):
    stage: str = "prod"  # "local" on the local stack, "test" in tests
    region: str = "eu-north-1"
    table_name: str = "urbaneta"
    event_bus_name: str = "urbaneta"
    event_source: str = "urbaneta.api"
    documents_bucket: str = "urbaneta-documents"
    uploads_bucket: str = "urbaneta-uploads"
    invoice_generation_queue_url: str = ""
    invoice_sending_queue_url: str = ""
    webhook_delivery_queue_url: str = ""
    webhook_delivery_dlq_url: str = ""
    webhook_retry_schedule: str = ""  # comma-separated seconds between attempts; empty = the default
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=10)
    app_secret_arn: str = ""
    provider_secret_arn: str = ""  # payment provider credentials (Paysera, MakeCommerce)
    mail_from: str = "no-reply@urbaneta.example"
    public_base_url: str = "http://127.0.0.1:3000/api"
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    idempotency_ttl_seconds: int = 86_400
    aws_endpoint_url: str | None = None
    ocr_engine: str = "textract"  # meters: textract | rapidocr (the local stack and tests always use rapidocr)
    textract_region: str = ""  # meters: Textract's region when the function's own has no Textract
    # auth: throttling and quotas (see docs/data-model.md, "auth")
    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=20, ge=1)
    login_failure_window_seconds: int = Field(default=900, ge=60)
    magic_links_per_email: int = Field(default=5, ge=1)  # per login_failure_window_seconds
    tenant_requests_per_minute: int = Field(default=6000, ge=1)
    refresh_token_ttl_seconds: int = Field(default=14 * 86_400, ge=900)  # idle lifetime of a session
    session_max_age_seconds: int = Field(default=30 * 86_400, ge=900)  # absolute lifetime of a session

    @property
    def is_local(self) -> bool:
        return self.stage in ("local", "test")


_ENV = {
    "stage": "STAGE",
    "region": "AWS_REGION",
    "table_name": "TABLE_NAME",
    "event_bus_name": "EVENT_BUS_NAME",
    "event_source": "EVENT_SOURCE",
    "documents_bucket": "DOCUMENTS_BUCKET",
    "uploads_bucket": "UPLOADS_BUCKET",
    "invoice_generation_queue_url": "INVOICE_GENERATION_QUEUE_URL",
    "invoice_sending_queue_url": "INVOICE_SENDING_QUEUE_URL",
    "webhook_delivery_queue_url": "WEBHOOK_DELIVERY_QUEUE_URL",
    "webhook_delivery_dlq_url": "WEBHOOK_DELIVERY_DLQ_URL",
    "webhook_retry_schedule": "WEBHOOK_RETRY_SCHEDULE",
    "webhook_timeout_seconds": "WEBHOOK_TIMEOUT_SECONDS",
    "app_secret_arn": "APP_SECRET_ARN",
    "provider_secret_arn": "PROVIDER_SECRET_ARN",
    "mail_from": "MAIL_FROM",
    "public_base_url": "PUBLIC_BASE_URL",
    "max_body_bytes": "MAX_BODY_BYTES",
    "idempotency_ttl_seconds": "IDEMPOTENCY_TTL_SECONDS",
    "aws_endpoint_url": "AWS_ENDPOINT_URL",
    "ocr_engine": "OCR_ENGINE",
    "textract_region": "TEXTRACT_REGION",
    "login_max_failures_per_account": "LOGIN_MAX_FAILURES_PER_ACCOUNT",
    "login_max_failures_per_address": "LOGIN_MAX_FAILURES_PER_ADDRESS",
    "login_failure_window_seconds": "LOGIN_FAILURE_WINDOW_SECONDS",
    "magic_links_per_email": "MAGIC_LINKS_PER_EMAIL",
    "tenant_requests_per_minute": "TENANT_REQUESTS_PER_MINUTE",
    "refresh_token_ttl_seconds": "REFRESH_TOKEN_TTL_SECONDS",
    "session_max_age_seconds": "SESSION_MAX_AGE_SECONDS",
}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    values = {field: os.environ[env] for field, env in _ENV.items() if os.environ.get(env)}
    return Settings.model_validate(values)
