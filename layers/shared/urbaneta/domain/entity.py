"""The base of every stored entity: snake_case fields, camelCase aliases (the item's and the event's names)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Entity(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class BuildingPart(Entity):
    """An entity that belongs to one building of one organisation: an apartment, a charge, a meter, a request."""

    id: str
    tenant_id: str = Field(alias="tenantId")
    building_id: str = Field(alias="buildingId")
