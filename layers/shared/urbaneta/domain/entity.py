"""The base of every stored entity: snake_case fields, camelCase aliases (the item's and the event's names)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Entity(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="ignore", populate_by_name=True)

    def stored(self) -> dict[str, Any]:
        """The entity as its item's attributes: camelCase, no empty optional fields."""
        return self.model_dump(by_alias=True, exclude_none=True)


class BuildingPart(Entity):
    """An entity that belongs to one building of one organisation: an apartment, a charge, a meter, a request."""

    id: str
    tenant_id: str = Field(alias="tenantId")
    building_id: str = Field(alias="buildingId")
