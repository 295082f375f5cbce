"""Shared by the building aggregate's repositories: messages, the active-building condition, item dumps and
the UpdateItem builder."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from urbaneta.domain.buildings import Apartment, Building, Charge
from urbaneta.store.table import Item

BUILDING_NOT_FOUND = "The building does not exist."


APARTMENT_NOT_FOUND = "The apartment does not exist."


CHARGE_NOT_FOUND = "The charge does not exist."


NUMBER_TAKEN = "An apartment with this number already exists in the building."


REFERENCE_BASE = 1_000_000  # first apartment of a tenant: base 1000001 → reference 10000016


ACTIVE = "attribute_exists(PK) AND #status = :active"


ACTIVE_NAMES = {"#status": "status"}


ACTIVE_VALS = {":active": "active"}


def dump_entity(model: Building | Apartment | Charge) -> Item:
    return model.model_dump(by_alias=True, mode="python", exclude_none=True)


class ItemUpdate:
    """SET/REMOVE expression over attribute paths (dotted for nested maps: ``billing.iban``)."""

    def __init__(self, sets: Mapping[str, Any], removes: Iterable[str] = ()) -> None:
        self.names: dict[str, str] = {}
        self.vals: dict[str, Any] = {}
        set_parts = []
        for attr, value in sets.items():
            alias = f":v{len(self.vals)}"
            self.vals[alias] = value
            set_parts.append(f"{self.path(attr)} = {alias}")
        self.expression = "SET " + ", ".join(set_parts)
        remove_parts = [self.path(attr) for attr in removes]
        if remove_parts:
            self.expression += " REMOVE " + ", ".join(remove_parts)

    def path(self, dotted: str) -> str:
        parts = []
        for part in dotted.split("."):
            alias = f"#n{len(self.names)}"
            self.names[alias] = part
            parts.append(alias)
        return ".".join(parts)

    def value(self, value: Any) -> str:
        alias = f":v{len(self.vals)}"
        self.vals[alias] = value
        return alias


def is_active(item: Item | None) -> bool:
    return item is not None and item.get("entity") == "building" and item.get("status") == "active"
