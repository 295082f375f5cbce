"""Maintenance requests: request bodies, the stored item and the responses."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field, model_validator

from urbaneta.domain.maintenance import HistoryEntry, MaintenanceRequest, MaintenanceStatus, Priority
from urbaneta.models.common import ApiModel, Metadata, Name, ResponseModel, plain_text


class MaintenanceRequestCreate(ApiModel):
    building_id: str = Field(min_length=1, max_length=64)
    apartment_id: str | None = Field(default=None, min_length=1, max_length=64)
    title: Name
    description: Annotated[str, Field(min_length=1, max_length=5000), AfterValidator(plain_text)]
    priority: Priority = "normal"
    metadata: Metadata | None = None


class MaintenanceRequestUpdate(ApiModel):
    """A status change, a comment, or both (a comment alone is how a resident follows up)."""

    status: MaintenanceStatus | None = None
    comment: Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(plain_text)] | None = None
    priority: Priority | None = None
    metadata: Metadata | None = None

    @model_validator(mode="after")
    def _something(self) -> MaintenanceRequestUpdate:
        nulls = sorted(name for name in self.model_fields_set if getattr(self, name) is None)
        if nulls:
            raise ValueError(f"{', '.join(nulls)} must not be null; leave a field out to keep it")
        if self.status is None and self.comment is None and self.priority is None and self.metadata is None:
            raise ValueError("give at least one of status, comment, priority or metadata")
        return self






class HistoryEntryOut(ResponseModel):
    type: str
    at: str
    by: str
    by_role: str
    from_status: str | None = None
    to_status: str | None = None
    comment: str | None = None

    @classmethod
    def of(cls, entry: HistoryEntry) -> HistoryEntryOut:
        return cls(type=entry.type, at=entry.at, by=entry.by, by_role=entry.by_role,
                   from_status=entry.from_status, to_status=entry.to_status, comment=entry.comment)


class MaintenanceRequestOut(ResponseModel):
    id: str
    building_id: str
    apartment_id: str | None
    title: str
    description: str
    priority: Priority
    status: MaintenanceStatus
    metadata: dict[str, str]
    created_by: str
    created_at: str
    updated_at: str
    history: list[HistoryEntryOut] | None = Field(
        default=None, description="Status changes and comments, oldest first (on single-request answers).")

    @classmethod
    def of(cls, req: MaintenanceRequest, history: list[HistoryEntry] | None = None) -> MaintenanceRequestOut:
        return cls(
            id=req.id, building_id=req.building_id, apartment_id=req.apartment_id, title=req.title,
            description=req.description, priority=req.priority, status=req.status, metadata=req.metadata,
            created_by=req.created_by, created_at=req.created_at, updated_at=req.updated_at,
            history=[HistoryEntryOut.of(h) for h in history] if history is not None else None,
        )

    def wire(self) -> dict[str, Any]:
        out = self.model_dump(mode="json", by_alias=True)
        if self.history is None:
            out.pop("history")
        return out
