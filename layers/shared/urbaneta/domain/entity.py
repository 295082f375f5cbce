"""The base of every stored entity: snake_case fields, camelCase aliases (the item's and the event's names)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Entity(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)
