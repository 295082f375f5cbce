"""Meters, readings and meter photos: /meters, /meters/{id}/readings, /meters/ocr."""

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from urbaneta.auth.principal import BUILDING_ADMIN, EVERYONE, RESIDENT_WRITERS
from urbaneta.http.app import allow, create_app, make_handler, principal
from urbaneta.http.responses import created, doc, ok, page
from urbaneta.models.meters import (
    MAX_OCR_BODY_BYTES,
    MeterCreate,
    MeterOut,
    MeterReplace,
    MeterUpdate,
    OcrOut,
    OcrRequest,
    PhotoUploadCreate,
    PhotoUploadOut,
    ReadingCreate,
    ReadingOut,
    ReadingReject,
)
from urbaneta.services import meters as service
from urbaneta.settings import require

require("meters")  # fails the cold start, naming any missing variable (settings.NEEDS)

app = create_app()

Id = Annotated[str, Path(min_length=1, max_length=64)]


@app.post("/meters", responses=doc(201, MeterOut))
@allow(BUILDING_ADMIN)
def create_meter(body: Annotated[MeterCreate, Body()]):
    out = service.create_meter(principal(), body)
    return created(out.wire(), location=f"/api/meters/{out.id}")


@app.get("/meters", responses=doc(200, MeterOut, many=True))
@allow(EVERYONE)
def list_meters(
    building_id: Annotated[str, Query(alias="buildingId", min_length=1, max_length=64)],
    apartment_id: Annotated[str | None, Query(alias="apartmentId", min_length=1, max_length=64)] = None,
    limit: Annotated[str | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
):
    items, next_cursor = service.list_meters(principal(), building_id=building_id, apartment_id=apartment_id,
                                             limit=limit, cursor=cursor)
    return page([i.wire() for i in items], next_cursor)


@app.post("/meters/ocr", responses=doc(200, OcrOut))
@allow(RESIDENT_WRITERS)
def read_photo(body: Annotated[OcrRequest, Body()]):
    return ok(service.read_photo(principal(), body).wire())


@app.post("/meters/photos", responses=doc(201, PhotoUploadOut))
@allow(RESIDENT_WRITERS)
def photo_upload(body: Annotated[PhotoUploadCreate, Body()]):
    return created(service.photo_upload(principal(), body).wire())


@app.get("/meters/<meter_id>", responses=doc(200, MeterOut))
@allow(EVERYONE)
def get_meter(meter_id: Id):
    return ok(service.get_meter(principal(), meter_id).wire())


@app.patch("/meters/<meter_id>", responses=doc(200, MeterOut))
@allow(BUILDING_ADMIN)
def update_meter(meter_id: Id, body: Annotated[MeterUpdate, Body()]):
    return ok(service.update_meter(principal(), meter_id, body).wire())


@app.post("/meters/<meter_id>/replace", responses=doc(201, MeterOut))
@allow(BUILDING_ADMIN)
def replace_meter(meter_id: Id, body: Annotated[MeterReplace, Body()]):
    out = service.replace_meter(principal(), meter_id, body)
    return created(out.wire(), location=f"/api/meters/{out.id}")


@app.post("/meters/<meter_id>/readings", responses=doc(201, ReadingOut))
@allow(RESIDENT_WRITERS)
def submit_reading(meter_id: Id, body: Annotated[ReadingCreate, Body()]):
    out = service.submit_reading(principal(), meter_id, body)
    return created(out.wire(), location=f"/api/meters/{meter_id}/readings/{out.id}")


@app.get("/meters/<meter_id>/readings", responses=doc(200, ReadingOut, many=True))
@allow(EVERYONE)
def list_readings(
    meter_id: Id,
    status: Annotated[Literal["submitted", "confirmed", "rejected"] | None, Query()] = None,
    limit: Annotated[str | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
):
    items, next_cursor = service.list_readings(principal(), meter_id, status=status, limit=limit, cursor=cursor)
    return page([i.wire() for i in items], next_cursor)


@app.get("/meters/<meter_id>/readings/<reading_id>", responses=doc(200, ReadingOut))
@allow(EVERYONE)
def get_reading(meter_id: Id, reading_id: Id):
    return ok(service.get_reading(principal(), meter_id, reading_id).wire())


@app.post("/meters/<meter_id>/readings/<reading_id>/confirm", responses=doc(200, ReadingOut))
@allow(BUILDING_ADMIN)
def confirm_reading(meter_id: Id, reading_id: Id):
    return ok(service.confirm_reading(principal(), meter_id, reading_id).wire())


@app.post("/meters/<meter_id>/readings/<reading_id>/reject", responses=doc(200, ReadingOut))
@allow(BUILDING_ADMIN)
def reject_reading(meter_id: Id, reading_id: Id, body: Annotated[ReadingReject | None, Body()] = None):
    return ok(service.reject_reading(principal(), meter_id, reading_id, body.reason if body else None).wire())


handler = make_handler(app, max_body_bytes=MAX_OCR_BODY_BYTES)
