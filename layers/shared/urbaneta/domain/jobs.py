"""Asynchronous jobs (bulk generation and sending, bank statement imports): the entity and its status set."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from urbaneta.domain.entity import Entity


class ImportTally(Entity):
    """How a statement import's entries went, counted as they are done (a job and a statement keep them)."""

    matched: int = 0
    suggested: int = 0
    unmatched: int = 0
    ignored: int = 0
    reversed: int = 0
    duplicates: int = 0
    unusable: int = 0


class Job(ImportTally):
    id: str
    tenant_id: str = Field(alias="tenantId")
    type: Literal["invoice_generation", "invoice_sending", "statement_import"]
    status: Literal["queued", "running", "completed", "failed"] = "queued"
    total: int = 0
    processed: int = 0
    created: int = 0
    skipped: int = 0
    failed: int = 0
    errors: list[dict[str, str]] = Field(default_factory=list)
    # invoicing: what the job works on
    building_id: str | None = Field(default=None, alias="buildingId")
    period_start: date | None = Field(default=None, alias="periodStart")
    period_end: date | None = Field(default=None, alias="periodEnd")
    params: dict[str, str] = Field(default_factory=dict)  # e.g. issueDate, dueDate of a generation
    # statement import: total = entries read from the file, processed = entries done so far (the tally: how)
    statement_id: str | None = Field(default=None, alias="statementId")
    created_at: str = Field(alias="createdAt")
    updated_at: str = Field(alias="updatedAt")
