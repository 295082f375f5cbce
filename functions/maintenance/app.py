"""Maintenance requests: /maintenance-requests and /maintenance-requests/{id}."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from urbaneta.adapters.aws import start
from urbaneta.auth.principal import EVERYONE, RESIDENT_WRITERS
from urbaneta.domain.maintenance import MaintenanceStatus
from urbaneta.http.app import allow, create_app, if_match, make_handler, principal
from urbaneta.http.responses import created, doc, ok, page
from urbaneta.models.maintenance import MaintenanceRequestCreate, MaintenanceRequestOut, MaintenanceRequestUpdate
from urbaneta.services import maintenance as service

start("maintenance")  # refuses a missing setting; on Lambda builds the DynamoDB client in init

app = create_app()

Id = Annotated[str, Path(min_length=1, max_length=64)]


@app.post("/maintenance-requests", responses=doc(201, MaintenanceRequestOut), summary="Open a maintenance request",
          description="Residents: for one of their apartments (`apartmentId` required; another apartment is 404). "
                      "Staff: for any apartment of the organisation, or the building as a whole (no `apartmentId`). "
                      "Publishes `maintenance.created`.")
@allow(RESIDENT_WRITERS)
def create_request(body: Annotated[MaintenanceRequestCreate, Body()]):
    out = service.create_request(principal(), body)
    return created(out.wire(), location=f"/api/maintenance-requests/{out.id}")


@app.get("/maintenance-requests", responses=doc(200, MaintenanceRequestOut, many=True),
         summary="List maintenance requests",
         description="Ordered by stage (open, in_progress, resolved, closed), oldest first within a stage. "
                     "Filters are key conditions; an unknown id gives an empty list. Residents see their "
                     "apartments' requests only (one apartment per page at most; a page may be shorter than "
                     "`limit` while `nextCursor` leads on).")
@allow(EVERYONE)
def list_requests(
    building_id: Annotated[str | None, Query(alias="buildingId", min_length=1, max_length=64)] = None,
    apartment_id: Annotated[str | None, Query(alias="apartmentId", min_length=1, max_length=64)] = None,
    status: Annotated[MaintenanceStatus | None, Query()] = None,
    limit: Annotated[str | None, Query(description="1..100, default 25")] = None,
    cursor: Annotated[str | None, Query(max_length=2048, description="nextCursor of the previous page")] = None,
):
    items, next_cursor = service.list_requests(principal(), building_id=building_id, apartment_id=apartment_id,
                                               status=status, limit=limit, cursor=cursor)
    return page([i.wire() for i in items], next_cursor)


@app.get("/maintenance-requests/<request_id>", responses=doc(200, MaintenanceRequestOut),
         summary="Get a maintenance request with its history")
@allow(EVERYONE)
def get_request(request_id: Id):
    """Get a maintenance request with its history

    Everyone; residents may read their apartments' requests only. The request with its `history`, one entry per change.
    Another organisation's or another resident's request is 404.
    """
    return ok(service.get_request(principal(), request_id).wire())


@app.patch("/maintenance-requests/<request_id>", responses=doc(200, MaintenanceRequestOut),
           summary="Change status, comment, priority or metadata",
           description="Life cycle: open → in_progress → resolved → closed, and resolved → in_progress (reopen); "
                       "any other step, or the current status again, is 409. Residents may comment and, on a "
                       "resolved request, close or reopen it; anything else is 403. Each change is one history "
                       "entry and a `maintenance.updated` event.")
@allow(RESIDENT_WRITERS)
def update_request(request_id: Id, body: Annotated[MaintenanceRequestUpdate, Body()]):
    return ok(service.update_request(principal(), request_id, body, if_match()).wire())


handler = make_handler(app)
