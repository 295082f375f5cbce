"""Meters, readings and meter photos: /meters, /meters/{id}/readings, /meters/ocr."""

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from urbaneta.adapters.aws import start
from urbaneta.auth.principal import BUILDING_ADMIN, EVERYONE, RESIDENT_WRITERS
from urbaneta.http.app import allow, create_app, if_match, make_handler, principal
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

start("meters")  # refuses a missing setting; on Lambda builds the DynamoDB client in init

app = create_app()

Id = Annotated[str, Path(min_length=1, max_length=64)]


@app.post("/meters", responses=doc(201, MeterOut))
@allow(BUILDING_ADMIN)
def create_meter(body: Annotated[MeterCreate, Body()]):
    """Register a meter

    A meter of `buildingId`, of one apartment (`apartmentId`, which must be in the building: 422
    otherwise) or, without it, a common meter of the building. `type` and `unit` are fixed for the meter's life. An
    `initialReading` is recorded as a confirmed installation reading on `initialReadingDate` (default today; not in the
    future). Answers 201 with `Location`; an unknown building is 404.
    """
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
    """List a building's meters

    Everyone: owners and managers see every meter of the building (`buildingId`, required), residents only their
    apartments' meters. `apartmentId` narrows the list to one apartment; another resident's apartment, or an unknown
    building, is 404. Paged with `limit` (1..100, default 25) and `cursor` (the previous page's `nextCursor`).
    """
    items, next_cursor = service.list_meters(principal(), building_id=building_id, apartment_id=apartment_id,
                                             limit=limit, cursor=cursor)
    return page([i.wire() for i in items], next_cursor)


@app.post("/meters/ocr", responses=doc(200, OcrOut))
@allow(RESIDENT_WRITERS)
def read_photo(body: Annotated[OcrRequest, Body()]):
    """Read a meter's value from a photo

    Everyone; residents for their apartments' meters only (another meter is 404). Send the photo inline in `image`
    (base64 JPEG or PNG, at most 5 MB) or as `photoKey` from POST /meters/photos, exactly one. Answers the register's
    `value`, the recognition `confidence`, the text read and the `photoKey` the photo is kept under, to pass to POST
    /meters/{id}/readings. With `submit` and `meterId` the value is also recorded as a reading (`reading`, dated
    `readingDate` or today). A photo without a readable register is 422.
    """
    return ok(service.read_photo(principal(), body).wire())


@app.post("/meters/photos", responses=doc(201, PhotoUploadOut))
@allow(RESIDENT_WRITERS)
def photo_upload(body: Annotated[PhotoUploadCreate, Body()]):
    """Get an upload URL for a meter photo

    Answers 201 with a presigned S3 POST for one JPEG or PNG (`contentType`) of at most 5 MB, valid 15
    minutes: send `fields` plus the file (form field `file`, last) to `uploadUrl`, then read it with POST /meters/ocr
    and `photoKey`. For photos too large to send inline.
    """
    return created(service.photo_upload(principal(), body).wire())


@app.get("/meters/<meter_id>", responses=doc(200, MeterOut))
@allow(EVERYONE)
def get_meter(meter_id: Id):
    """Get a meter

    Everyone; residents may read their apartments' meters only. The meter with its last reading; another organisation's
    or another resident's meter is 404.
    """
    return ok(service.get_meter(principal(), meter_id).wire())


@app.patch("/meters/<meter_id>", responses=doc(200, MeterOut))
@allow(BUILDING_ADMIN)
def update_meter(meter_id: Id, body: Annotated[MeterUpdate, Body()]):
    """Change a meter

    Only the given fields change: `serialNumber` (not null), `apartmentId` (an apartment of the
    same building; null makes it a common meter) and `metadata` (replaced as a whole). `type` and `unit` never change:
    replace the meter instead. With `If-Match` (the ETag you read) a stale change is 412.
    """
    return ok(service.update_meter(principal(), meter_id, body, if_match()).wire())


@app.post("/meters/<meter_id>/replace", responses=doc(201, MeterOut))
@allow(BUILDING_ADMIN)
def replace_meter(meter_id: Id, body: Annotated[MeterReplace, Body()]):
    """Replace a meter with a new one

    Records the old meter's `finalReading` and the new meter's `initialReading` (default 0) on the
    same day, `replacedOn`; consumption continues across the swap. The old meter takes no more readings. Answers 201
    with the new meter and its `Location`. A meter replaced before is 409; a final reading below the previous one, or a
    date in the future or before the previous reading, is 422. Publishes `meter.replaced`.
    """
    out = service.replace_meter(principal(), meter_id, body)
    return created(out.wire(), location=f"/api/meters/{out.id}")


@app.post("/meters/<meter_id>/readings", responses=doc(201, ReadingOut))
@allow(RESIDENT_WRITERS)
def submit_reading(meter_id: Id, body: Annotated[ReadingCreate, Body()]):
    """Submit a meter reading

    Everyone; residents for their apartments' meters only (another meter is 404). The reading is `submitted` until a
    manager confirms or rejects it; it is flagged when its daily consumption is far above the meter's usual. A value
    below the previous reading, or a date in the future or before it, is 422; a replaced meter is 409. `photoKey`
    attaches a photo read by POST /meters/ocr. Answers 201 with `Location`; publishes `reading.submitted`.
    """
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
    """List a meter's readings

    Everyone; residents for their apartments' meters only (another meter is 404). Newest first, optionally only one
    `status` (submitted, confirmed or rejected). Paged with `limit` (1..100, default 25) and `cursor` (the previous
    page's `nextCursor`).
    """
    items, next_cursor = service.list_readings(principal(), meter_id, status=status, limit=limit, cursor=cursor)
    return page([i.wire() for i in items], next_cursor)


@app.get("/meters/<meter_id>/readings/<reading_id>", responses=doc(200, ReadingOut))
@allow(EVERYONE)
def get_reading(meter_id: Id, reading_id: Id):
    """Get a meter reading

    Everyone; residents may read their apartments' readings only. Another organisation's or another resident's reading
    is 404.
    """
    return ok(service.get_reading(principal(), meter_id, reading_id).wire())


@app.post("/meters/<meter_id>/readings/<reading_id>/confirm", responses=doc(200, ReadingOut))
@allow(BUILDING_ADMIN)
def confirm_reading(meter_id: Id, reading_id: Id):
    """Confirm a submitted reading

    A `submitted` reading becomes `confirmed`; a reading confirmed or rejected before is 409.
    Publishes `reading.confirmed`.
    """
    return ok(service.confirm_reading(principal(), meter_id, reading_id).wire())


@app.post("/meters/<meter_id>/readings/<reading_id>/reject", responses=doc(200, ReadingOut))
@allow(BUILDING_ADMIN)
def reject_reading(meter_id: Id, reading_id: Id, body: Annotated[ReadingReject | None, Body()] = None):
    """Reject a submitted reading

    With an optional `reason`. Only a `submitted` reading can be rejected (409 otherwise); the next
    reading's consumption is then counted from the reading before it. Publishes `reading.rejected`.
    """
    return ok(service.reject_reading(principal(), meter_id, reading_id, body.reason if body else None).wire())


handler = make_handler(app, max_body_bytes=MAX_OCR_BODY_BYTES)
