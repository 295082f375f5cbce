"""Buildings, apartments and charges: /buildings, /buildings/{id}, /buildings/{id}/apartments[/{aptId}],
/buildings/{id}/charges[/{chargeId}]."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from urbaneta.adapters.aws import start
from urbaneta.auth.principal import BUILDING_ADMIN, EVERYONE, OWNERS, READERS
from urbaneta.http.app import allow, create_app, if_match, make_handler, principal
from urbaneta.http.responses import created, doc, no_content, ok, page
from urbaneta.models.buildings import (
    ApartmentCreate,
    ApartmentOut,
    ApartmentPatch,
    BuildingCreate,
    BuildingDelete,
    BuildingOut,
    BuildingPatch,
    ChargeCreate,
    ChargeOut,
    ChargePatch,
)
from urbaneta.services import buildings as service

start("buildings")  # refuses a missing setting; on Lambda builds the DynamoDB client in init

app = create_app()

Id = Annotated[str, Path(min_length=1, max_length=64)]
Limit = Annotated[str | None, Query(description="1..100, default 25")]
Cursor = Annotated[str | None, Query(max_length=2048, description="nextCursor of the previous page")]


# ---- buildings -----------------------------------------------------------------------------------------------


@app.post("/buildings", responses=doc(201, BuildingOut))
@allow(BUILDING_ADMIN)
def create_building(body: Annotated[BuildingCreate, Body()]):
    """Create a building.

    Billing settings default to dueDays 14 and vatRate 0; currency to EUR. Metadata: up to 20 keys (40
    characters), values up to 500 characters.
    """
    out = service.create_building(principal(), body)
    return created(out.wire(), location=f"/api/buildings/{out.id}")


@app.get("/buildings", responses=doc(200, BuildingOut, many=True))
@allow(EVERYONE)
def list_buildings(limit: Limit = None, cursor: Cursor = None):
    """List buildings.

    Staff: every active building of the organisation, in creation order. Residents: the buildings they live in.
    Archived buildings are not listed.
    """
    items, next_cursor = service.list_buildings(principal(), limit=limit, cursor=cursor)
    return page([i.wire() for i in items], next_cursor)


@app.get("/buildings/<building_id>", responses=doc(200, BuildingOut))
@allow(EVERYONE)
def get_building(building_id: Id):
    """Get a building.

    Residents may read the buildings they live in; any other building is 404.
    """
    return ok(service.get_building(principal(), building_id).wire())


@app.patch("/buildings/<building_id>", responses=doc(200, BuildingOut))
@allow(BUILDING_ADMIN)
def update_building(building_id: Id, body: Annotated[BuildingPatch, Body()]):
    """Change a building.

    Only the given fields change; in address and billing only the given keys. Metadata is replaced as a whole.
    Null clears billing.iban, bankName, invoicePrefix and lateInterestDailyRate; null for a required field is 422.
    """
    return ok(service.update_building(principal(), building_id, body, if_match()).wire())


@app.delete("/buildings/<building_id>", responses=doc(204, description="Deleted, or archived when it has invoices"))
@allow(OWNERS)
def delete_building(building_id: Id, body: Annotated[BuildingDelete | None, Body()] = None):
    """Delete or archive a building (owner, with their password).

    The body {password} must hold the caller's own password: missing or wrong is 403 and nothing changes;
    repeated failures are throttled (429). Accounting records are never destroyed: a building that has issued
    invoices is archived (gone from lists and from every building route, kept for audit and still reachable by
    its invoices); one without invoices is deleted with its apartments, charges and meters.
    """
    service.delete_building(principal(), building_id, body)
    return no_content()


# ---- apartments ----------------------------------------------------------------------------------------------


@app.post("/buildings/<building_id>/apartments", responses=doc(201, ApartmentOut))
@allow(BUILDING_ADMIN)
def create_apartment(building_id: Id, body: Annotated[ApartmentCreate, Body()]):
    """Create an apartment.

    The number is unique in the building (case-insensitive; 409 otherwise). The apartment gets a permanent 7-3-1
    payment reference number, unique in the organisation.
    """
    out = service.create_apartment(principal(), building_id, body)
    return created(out.wire(), location=f"/api/buildings/{building_id}/apartments/{out.id}")


@app.get("/buildings/<building_id>/apartments", responses=doc(200, ApartmentOut, many=True))
@allow(EVERYONE)
def list_apartments(building_id: Id, limit: Limit = None, cursor: Cursor = None):
    """List a building's apartments.

    In natural number order (1, 2, 2A, 10). Residents see their own apartments of the building only.
    """
    items, next_cursor = service.list_apartments(principal(), building_id, limit=limit, cursor=cursor)
    return page([i.wire() for i in items], next_cursor)


@app.get("/buildings/<building_id>/apartments/<apartment_id>", responses=doc(200, ApartmentOut))
@allow(EVERYONE)
def get_apartment(building_id: Id, apartment_id: Id):
    """Get an apartment.

    Residents may read their own apartments; any other is 404.
    """
    return ok(service.get_apartment(principal(), building_id, apartment_id).wire())


@app.patch("/buildings/<building_id>/apartments/<apartment_id>", responses=doc(200, ApartmentOut))
@allow(BUILDING_ADMIN)
def update_apartment(building_id: Id, apartment_id: Id, body: Annotated[ApartmentPatch, Body()]):
    """Change an apartment.

    Only the given fields change; a new number must be free in the building (409). The reference number never
    changes. Null clears ownerName and email; metadata is replaced as a whole.
    """
    return ok(service.update_apartment(principal(), building_id, apartment_id, body, if_match()).wire())


@app.delete("/buildings/<building_id>/apartments/<apartment_id>", responses=doc(204))
@allow(BUILDING_ADMIN)
def delete_apartment(building_id: Id, apartment_id: Id):
    """Delete an apartment.

    An apartment with invoices cannot be deleted (409). Its number is free again; its reference number is never
    given out again.
    """
    service.delete_apartment(principal(), building_id, apartment_id)
    return no_content()


# ---- charges -------------------------------------------------------------------------------------------------


@app.post("/buildings/<building_id>/charges", responses=doc(201, ChargeOut))
@allow(BUILDING_ADMIN)
def create_charge(building_id: Id, body: Annotated[ChargeCreate, Body()]):
    """Add a charge to a building's billing configuration.

    unitPrice takes up to 4 decimals (a price per m², person, apartment or meter unit); for shared_by_area it is
    the building total, an amount with at most 2 decimals. meterType is required for, and only allowed on, metered
    charges. vatRate null means the building's rate.
    """
    out = service.create_charge(principal(), building_id, body)
    return created(out.wire(), location=f"/api/buildings/{building_id}/charges/{out.id}")


@app.get("/buildings/<building_id>/charges", responses=doc(200, ChargeOut, many=True))
@allow(READERS)
def list_charges(building_id: Id, limit: Limit = None, cursor: Cursor = None):
    """List a building's charges

    The charges of the building's billing configuration, from which invoices are generated. An
    unknown or archived building is 404. Paged with `limit` (1..100, default 25) and `cursor` (the previous page's
    `nextCursor`).
    """
    items, next_cursor = service.list_charges(principal(), building_id, limit=limit, cursor=cursor)
    return page([i.wire() for i in items], next_cursor)


@app.get("/buildings/<building_id>/charges/<charge_id>", responses=doc(200, ChargeOut))
@allow(READERS)
def get_charge(building_id: Id, charge_id: Id):
    """Get a charge

    An unknown charge, or a charge of an unknown or archived building, is 404. The answer carries
    an `ETag` for PATCH.
    """
    return ok(service.get_charge(principal(), building_id, charge_id).wire())


@app.patch("/buildings/<building_id>/charges/<charge_id>", responses=doc(200, ChargeOut))
@allow(BUILDING_ADMIN)
def update_charge(building_id: Id, charge_id: Id, body: Annotated[ChargePatch, Body()]):
    """Change a charge.

    Only the given fields change; the result must still be consistent (meterType exactly for metered; a
    shared_by_area total in cents). Changing the type away from metered drops meterType.
    """
    return ok(service.update_charge(principal(), building_id, charge_id, body, if_match()).wire())


@app.delete("/buildings/<building_id>/charges/<charge_id>", responses=doc(204))
@allow(BUILDING_ADMIN)
def delete_charge(building_id: Id, charge_id: Id):
    """Remove a charge from a building's billing configuration

    Invoices generated from now on no longer carry it; invoices issued before keep their lines.
    Answers 204; an unknown charge is 404. Publishes `charge.deleted`.
    """
    service.delete_charge(principal(), building_id, charge_id)
    return no_content()


handler = make_handler(app)
