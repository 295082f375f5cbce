"""Settings: read once from the environment, never at import time of a handler."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, Field


class MissingSetting(RuntimeError):
    """A required environment variable is not set: the function's configuration is incomplete."""


class Settings(BaseModel):
    # required everywhere (template.yaml Globals, and AWS_REGION from Lambda): no defaults, a missing one fails
    region: str = Field(description="AWS_REGION, set by Lambda")
    table_name: str = Field(description="TABLE_NAME: the single DynamoDB table")
    event_bus_name: str = Field(description="EVENT_BUS_NAME: where domain events go")
    event_source: str = Field(description="EVENT_SOURCE: the events' source")
    documents_bucket: str = Field(description="DOCUMENTS_BUCKET: invoice PDFs, bank statements")
    uploads_bucket: str = Field(description="UPLOADS_BUCKET: meter photos")
    app_secret_arn: str = Field(description="APP_SECRET_ARN: signing keys and sealing keys derive from it")
    mail_from: str = Field(description="MAIL_FROM: the sender of every e-mail")
    public_base_url: str = Field(description="PUBLIC_BASE_URL: links in e-mails, provider callbacks")
    public_app_url: str | None = None  # PUBLIC_APP_URL: an organisation's own front end; e-mail links go there
    # required by some functions only (see NEEDS): None when not given; ``need(name)`` refuses None
    invoice_generation_queue_url: str | None = None
    invoice_sending_queue_url: str | None = None
    overdue_sweep_queue_url: str | None = None
    statement_import_queue_url: str | None = None
    webhook_delivery_queue_url: str | None = None
    webhook_delivery_dlq_url: str | None = None
    provider_secret_arn: str | None = None  # payment provider credentials (Paysera, MakeCommerce); none: test mode
    # tunables: safe defaults
    stage: str = "prod"  # "local" on the local stack, "test" in tests
    webhook_retry_schedule: str = ""  # comma-separated seconds between attempts; empty = the default
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=10)
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
    login_account_free_failures: int = Field(default=50, ge=1)  # then a progressive delay for unknown sources
    login_account_max_delay_seconds: int = Field(default=60, ge=1)
    known_source_days: int = Field(default=90, ge=1)
    tenant_requests_per_minute: int = Field(default=6000, ge=1)
    refresh_token_ttl_seconds: int = Field(default=14 * 86_400, ge=900)  # idle lifetime of a session
    session_max_age_seconds: int = Field(default=30 * 86_400, ge=900)  # absolute lifetime of a session

    @property
    def is_local(self) -> bool:
        return self.stage in ("local", "test")

    def need(self, field: str) -> str:
        """The value of a per-function setting, or MissingSetting naming its variable."""
        value = getattr(self, field)
        if not value:
            raise MissingSetting(f"{_ENV[field]} is not set; the function needs it (settings.NEEDS).")
        return str(value)


REQUIRED = ("AWS_REGION", "TABLE_NAME", "EVENT_BUS_NAME", "EVENT_SOURCE", "DOCUMENTS_BUCKET", "UPLOADS_BUCKET",
            "APP_SECRET_ARN", "MAIL_FROM", "PUBLIC_BASE_URL")
"""What every function needs (template.yaml's Globals; Lambda sets AWS_REGION)."""

NEEDS: dict[str, tuple[str, ...]] = {
    "accounts": REQUIRED,
    "auth": REQUIRED,
    "buildings": REQUIRED,
    "docs": (),
    "invoices": (*REQUIRED, "INVOICE_GENERATION_QUEUE_URL", "INVOICE_SENDING_QUEUE_URL"),
    "invoice_generation_worker": (*REQUIRED, "INVOICE_GENERATION_QUEUE_URL"),
    "invoice_sending_worker": (*REQUIRED, "INVOICE_SENDING_QUEUE_URL"),
    "maintenance": REQUIRED,
    "meters": REQUIRED,
    "overdue_sweep": (*REQUIRED, "OVERDUE_SWEEP_QUEUE_URL"),
    "overdue_sweep_worker": (*REQUIRED, "OVERDUE_SWEEP_QUEUE_URL"),
    "payments": (*REQUIRED, "PROVIDER_SECRET_ARN", "STATEMENT_IMPORT_QUEUE_URL"),
    "statement_import_worker": (*REQUIRED, "STATEMENT_IMPORT_QUEUE_URL"),
    "organization": REQUIRED,
    "residents": REQUIRED,
    "webhooks": (*REQUIRED, "WEBHOOK_DELIVERY_QUEUE_URL"),
    "webhook_fanout": (*REQUIRED, "WEBHOOK_DELIVERY_QUEUE_URL"),
    "webhook_delivery_worker": (*REQUIRED, "WEBHOOK_DELIVERY_QUEUE_URL", "WEBHOOK_DELIVERY_DLQ_URL"),
}
"""Each function's required environment variables (template.yaml gives them; tests/test_settings.py checks)."""


def require(function: str) -> None:
    """Called at the top of a function's module: its cold start fails at once, naming every missing variable,
    instead of the first request failing later. Only presence is checked; values are read by get_settings()."""
    missing = [name for name in NEEDS[function] if not os.environ.get(name)]
    if missing:
        raise MissingSetting(f"function {function}: required environment variables are not set: {', '.join(missing)}")


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
    "overdue_sweep_queue_url": "OVERDUE_SWEEP_QUEUE_URL",
    "statement_import_queue_url": "STATEMENT_IMPORT_QUEUE_URL",
    "webhook_delivery_queue_url": "WEBHOOK_DELIVERY_QUEUE_URL",
    "webhook_delivery_dlq_url": "WEBHOOK_DELIVERY_DLQ_URL",
    "webhook_retry_schedule": "WEBHOOK_RETRY_SCHEDULE",
    "webhook_timeout_seconds": "WEBHOOK_TIMEOUT_SECONDS",
    "app_secret_arn": "APP_SECRET_ARN",
    "provider_secret_arn": "PROVIDER_SECRET_ARN",
    "mail_from": "MAIL_FROM",
    "public_base_url": "PUBLIC_BASE_URL",
    "public_app_url": "PUBLIC_APP_URL",
    "max_body_bytes": "MAX_BODY_BYTES",
    "idempotency_ttl_seconds": "IDEMPOTENCY_TTL_SECONDS",
    "aws_endpoint_url": "AWS_ENDPOINT_URL",
    "ocr_engine": "OCR_ENGINE",
    "textract_region": "TEXTRACT_REGION",
    "login_max_failures_per_account": "LOGIN_MAX_FAILURES_PER_ACCOUNT",
    "login_max_failures_per_address": "LOGIN_MAX_FAILURES_PER_ADDRESS",
    "login_failure_window_seconds": "LOGIN_FAILURE_WINDOW_SECONDS",
    "magic_links_per_email": "MAGIC_LINKS_PER_EMAIL",
    "login_account_free_failures": "LOGIN_ACCOUNT_FREE_FAILURES",
    "login_account_max_delay_seconds": "LOGIN_ACCOUNT_MAX_DELAY_SECONDS",
    "known_source_days": "KNOWN_SOURCE_DAYS",
    "tenant_requests_per_minute": "TENANT_REQUESTS_PER_MINUTE",
    "refresh_token_ttl_seconds": "REFRESH_TOKEN_TTL_SECONDS",
    "session_max_age_seconds": "SESSION_MAX_AGE_SECONDS",
}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    values = {field: os.environ[env] for field, env in _ENV.items() if os.environ.get(env)}
    missing = [_ENV[name] for name, info in Settings.model_fields.items() if info.is_required() and name not in values]
    if missing:
        raise MissingSetting(f"required environment variables are not set: {', '.join(missing)}")
    return Settings.model_validate(values)
