"""Charges of a building: create, list, read, change, delete."""

from __future__ import annotations

from typing import Any

from urbaneta.auth.principal import Principal
from urbaneta.clock import new_id, now_iso
from urbaneta.domain.buildings import Charge
from urbaneta.errors import NotFound
from urbaneta.models.buildings import ChargeCreate, ChargeOut, ChargePatch, check_charge
from urbaneta.models.common import require_match
from urbaneta.services.buildings.common import emit, patch_changes
from urbaneta.store import buildings as store
from urbaneta.store.pages import Page, PageRequest


def _charge_data(c: Charge) -> dict[str, Any]:
    return {"id": c.id, "building_id": c.building_id, "name": c.name, "type": c.type}


def create_charge(caller: Principal, building_id: str, body: ChargeCreate) -> ChargeOut:
    check_charge(body.type, body.meter_type, body.unit_price)
    now = now_iso()
    charge = Charge(
        id=new_id(), tenant_id=caller.tenant_id, building_id=building_id, name=body.name, type=body.type,
        unit_price=body.unit_price, vat_rate=body.vat_rate, meter_type=body.meter_type, created_at=now, updated_at=now,
    )
    store.create_charge(charge)
    emit(caller, "charge.created", _charge_data(charge))
    return ChargeOut.of(charge)


def list_charges(caller: Principal, building_id: str, *, limit: str | None, cursor: str | None) -> Page[ChargeOut]:
    req = PageRequest.parse(caller.tenant_id, f"buildings/{building_id}/charges", limit=limit, cursor=cursor)
    charges, last = store.page_charges(caller.tenant_id, building_id, limit=req.limit, start_key=req.start)
    return req.page([ChargeOut.of(c) for c in charges], last)


def _charge(caller: Principal, building_id: str, charge_id: str) -> Charge:
    building, charge = store.get_building_and_charge(caller.tenant_id, building_id, charge_id)
    if not store.is_active(building):
        raise NotFound(store.BUILDING_NOT_FOUND)
    if charge is None:
        raise NotFound(store.CHARGE_NOT_FOUND)
    return charge


def get_charge(caller: Principal, building_id: str, charge_id: str) -> ChargeOut:
    return ChargeOut.of(_charge(caller, building_id, charge_id))


def update_charge(caller: Principal, building_id: str, charge_id: str, body: ChargePatch,
                  if_match: str | None = None) -> ChargeOut:
    """Only the given fields change (``vatRate`` null: the building's rate). The result must still be a
    consistent charge: ``meterType`` exactly for ``metered``; a ``shared_by_area`` total in cents."""
    before = _charge(caller, building_id, charge_id)
    require_match(if_match, ChargeOut.of(before))
    given = body.model_fields_set
    meter_type = body.meter_type if "meter_type" in given else before.meter_type
    if "type" in given and body.type != "metered" and "meter_type" not in given:
        meter_type = None  # leaving "metered": the meter type goes with it
    type_ = body.type if body.type is not None else before.type
    unit_price = body.unit_price if body.unit_price is not None else before.unit_price
    check_charge(type_, meter_type, unit_price)
    sets, removes = patch_changes(body, given - {"meter_type"})
    if meter_type is None:
        if before.meter_type is not None:
            removes.append("meterType")
    elif meter_type != before.meter_type:
        sets["meterType"] = meter_type
    after = store.update_charge(before, sets, removes)
    changes = sorted((set(sets) | set(removes)) - {"updatedAt"})
    emit(caller, "charge.updated", {**_charge_data(after), "changes": changes})
    return ChargeOut.of(after)


def delete_charge(caller: Principal, building_id: str, charge_id: str) -> None:
    charge = _charge(caller, building_id, charge_id)
    store.delete_charge(charge)
    emit(caller, "charge.deleted", _charge_data(charge))
