"""Buildings, apartments and charges: /buildings, /buildings/{id}, /buildings/{id}/apartments[/{aptId}],
/buildings/{id}/charges[/{chargeId}]."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from urbaneta.auth.principal import EVERYONE, STAFF, Role
from urbaneta.http.app import allow, create_app, make_handler, principal
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

app = create_app()

Id = Annotated[str, Path(min_length=1, max_length=64)]
Limit = Annotated[str | None, Query(description="1..100, default 25")]
Cursor = Annotated[str | None, Query(max_length=2048, description="nextCursor of the previous page")]


# ---- buildings -----------------------------------------------------------------------------------------------


@app.post("/buildings", responses=doc(201, BuildingOut))
@allow(STAFF)
def create_building(body: Annotated[BuildingCreate, Body()]):
    out = service.create_building(principal(), body)
    return created(out.wire(), location=f"/api/buildings/{out.id}")


@app.get("/buildings", responses=doc(200, BuildingOut, many=True))
@allow(EVERYONE)
def list_buildings(limit: Limit = None, cursor: Cursor = None):
    items, next_cursor = service.list_buildings(principal(), limit=limit, cursor=cursor)
    return page([i.wire() for i in items], next_cursor)


@app.get("/buildings/<building_id>", responses=doc(200, BuildingOut))
@allow(EVERYONE)
def get_building(building_id: Id):
    return ok(service.get_building(principal(), building_id).wire())


@app.patch("/buildings/<building_id>", responses=doc(200, BuildingOut))
@allow(STAFF)
def update_building(building_id: Id, body: Annotated[BuildingPatch, Body()]):
    return ok(service.update_building(principal(), building_id, body).wire())


@app.delete("/buildings/<building_id>", responses=doc(204, description="Deleted, or archived when it has invoices"))
@allow(Role.OWNER)
def delete_building(building_id: Id, body: Annotated[BuildingDelete | None, Body()] = None):
    service.delete_building(principal(), building_id, body)
    return no_content()


# ---- apartments ----------------------------------------------------------------------------------------------


@app.post("/buildings/<building_id>/apartments", responses=doc(201, ApartmentOut))
@allow(STAFF)
def create_apartment(building_id: Id, body: Annotated[ApartmentCreate, Body()]):
    out = service.create_apartment(principal(), building_id, body)
    return created(out.wire(), location=f"/api/buildings/{building_id}/apartments/{out.id}")


@app.get("/buildings/<building_id>/apartments", responses=doc(200, ApartmentOut, many=True))
@allow(EVERYONE)
def list_apartments(building_id: Id, limit: Limit = None, cursor: Cursor = None):
    items, next_cursor = service.list_apartments(principal(), building_id, limit=limit, cursor=cursor)
    return page([i.wire() for i in items], next_cursor)


@app.get("/buildings/<building_id>/apartments/<apartment_id>", responses=doc(200, ApartmentOut))
@allow(EVERYONE)
def get_apartment(building_id: Id, apartment_id: Id):
    return ok(service.get_apartment(principal(), building_id, apartment_id).wire())


@app.patch("/buildings/<building_id>/apartments/<apartment_id>", responses=doc(200, ApartmentOut))
@allow(STAFF)
def update_apartment(building_id: Id, apartment_id: Id, body: Annotated[ApartmentPatch, Body()]):
    return ok(service.update_apartment(principal(), building_id, apartment_id, body).wire())


@app.delete("/buildings/<building_id>/apartments/<apartment_id>", responses=doc(204))
@allow(STAFF)
def delete_apartment(building_id: Id, apartment_id: Id):
    service.delete_apartment(principal(), building_id, apartment_id)
    return no_content()


# ---- charges -------------------------------------------------------------------------------------------------


@app.post("/buildings/<building_id>/charges", responses=doc(201, ChargeOut))
@allow(STAFF)
def create_charge(building_id: Id, body: Annotated[ChargeCreate, Body()]):
    out = service.create_charge(principal(), building_id, body)
    return created(out.wire(), location=f"/api/buildings/{building_id}/charges/{out.id}")


@app.get("/buildings/<building_id>/charges", responses=doc(200, ChargeOut, many=True))
@allow(STAFF)
def list_charges(building_id: Id, limit: Limit = None, cursor: Cursor = None):
    items, next_cursor = service.list_charges(principal(), building_id, limit=limit, cursor=cursor)
    return page([i.wire() for i in items], next_cursor)


@app.get("/buildings/<building_id>/charges/<charge_id>", responses=doc(200, ChargeOut))
@allow(STAFF)
def get_charge(building_id: Id, charge_id: Id):
    return ok(service.get_charge(principal(), building_id, charge_id).wire())


@app.patch("/buildings/<building_id>/charges/<charge_id>", responses=doc(200, ChargeOut))
@allow(STAFF)
def update_charge(building_id: Id, charge_id: Id, body: Annotated[ChargePatch, Body()]):
    return ok(service.update_charge(principal(), building_id, charge_id, body).wire())


@app.delete("/buildings/<building_id>/charges/<charge_id>", responses=doc(204))
@allow(STAFF)
def delete_charge(building_id: Id, charge_id: Id):
    service.delete_charge(principal(), building_id, charge_id)
    return no_content()


handler = make_handler(app)
