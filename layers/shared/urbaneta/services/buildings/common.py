"""Shared by the buildings use cases: events with who did it, request values as stored, PATCH changes."""

from __future__ import annotations

from typing import Any

from urbaneta.adapters.events import domain_event, publish
from urbaneta.auth.principal import Principal
from urbaneta.clock import now_iso
from urbaneta.domain import event_types
from urbaneta.models.buildings import ApartmentPatch, ChargePatch


def emit(caller: Principal, event: str, data: dict[str, Any]) -> None:
    """The event's model (``domain/events.py``) from ``data`` plus who did it: ``created_by``, ``updated_by``,
    ``archived_by`` or ``deleted_by``."""
    model = event_types.of(event).data
    actor = f"{event.split('.')[1]}_by"
    publish([domain_event(event, caller.tenant_id, model(**data, **{actor: caller.user_id}))])


def dump(model: Any) -> Any:
    """A request value as stored (camelCase keys, Decimal numbers)."""
    return model.model_dump(by_alias=True, mode="python", exclude_none=True) if hasattr(model, "model_dump") else model


def patch_changes(body: ApartmentPatch | ChargePatch, names: set[str]) -> tuple[dict[str, Any], list[str]]:
    """A PATCH as item changes: given values are set (by their wire names), explicit nulls removed."""
    sets: dict[str, Any] = {"updatedAt": now_iso()}
    removes: list[str] = []
    for name in names:
        alias = type(body).model_fields[name].alias or name
        value = getattr(body, name)
        if value is None:
            removes.append(alias)
        else:
            sets[alias] = value
    return sets, removes
