"""Residents and invitations: /residents, /invitations, /invitations/{id}, /invitations/accept, and an apartment's
ownership changes (/apartments/{id}/ownership-changes)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from urbaneta.adapters.aws import start
from urbaneta.auth.principal import BUILDING_ADMIN, READERS
from urbaneta.http.app import allow, create_app, make_handler, not_replayable, principal, public
from urbaneta.http.responses import created, doc, html, no_content, ok, page
from urbaneta.models.residents import (
    AcceptedOut,
    InvitationAccept,
    InvitationCreate,
    InvitationOut,
    MoveOut,
    OwnershipChange,
    OwnershipChangeOut,
    ResidentOut,
)
from urbaneta.services import leaving
from urbaneta.services import residents as service
from urbaneta.services.hosted import accounts as hosted

start("residents")  # refuses a missing setting; on Lambda builds the DynamoDB client in init

app = create_app()

Id = Annotated[str, Path(min_length=1, max_length=64)]
Limit = Annotated[str | None, Query(description="1..100, default 25")]
Cursor = Annotated[str | None, Query(max_length=2048, description="nextCursor of the previous page")]


@app.get("/residents", responses=doc(200, ResidentOut, many=True),
         summary="List residents with their apartments",
         description="Without a filter: every resident with all their apartments, by e-mail. With `buildingId`: "
                     "one entry per residence in the building, by apartment number; with `apartmentId`: the "
                     "apartment's residents, by e-mail. A filtered entry's `apartments` holds the matching "
                     "residence only. An unknown id gives an empty list.")
@allow(READERS)
def list_residents(
    building_id: Annotated[str | None, Query(alias="buildingId", min_length=1, max_length=64)] = None,
    apartment_id: Annotated[str | None, Query(alias="apartmentId", min_length=1, max_length=64)] = None,
    limit: Limit = None,
    cursor: Cursor = None,
):
    items, next_cursor = service.list_residents(principal(), building_id=building_id, apartment_id=apartment_id,
                                                limit=limit, cursor=cursor)
    return page(items, next_cursor)


@app.post("/invitations", responses=doc(201, InvitationOut), summary="Invite a resident by e-mail",
          description="E-mails a one-time token valid 7 days (only its hash is stored). One pending invitation "
                      "per apartment and e-mail (409). Publishes `invitation.created`.")
@allow(BUILDING_ADMIN)
def create_invitation(body: Annotated[InvitationCreate, Body()]):
    out = service.create_invitation(principal(), body)
    return created(out, location=f"/api/invitations/{out.id}")


@app.get("/invitations", responses=doc(200, InvitationOut, many=True),
         summary="List pending invitations", description="Pending and unexpired, soonest expiry first.")
@allow(READERS)
def list_invitations(limit: Limit = None, cursor: Cursor = None):
    items, next_cursor = service.list_invitations(principal(), limit=limit, cursor=cursor)
    return page(items, next_cursor)


@app.get("/invitations/<invitation_id>", responses=doc(200, InvitationOut), summary="Get an invitation")
@allow(READERS)
def get_invitation(invitation_id: Id):
    """Get an invitation

    The invitation with its apartment, e-mail and `status` (pending, accepted, cancelled, or
    expired once a pending one is past `expiresAt`). Another organisation's id is 404.
    """
    return ok(service.get_invitation(principal(), invitation_id))


@app.delete("/invitations/<invitation_id>", responses=doc(204, description="Cancelled"),
            summary="Cancel a pending invitation",
            description="Its token fails from then on. A cancelled invitation is 404; an accepted one 409.")
@allow(BUILDING_ADMIN)
def cancel_invitation(invitation_id: Id):
    service.cancel_invitation(principal(), invitation_id)
    return no_content()


@app.get("/invitations/accept", include_in_schema=False)
@public
def invitation_page(token: Annotated[str, Query(max_length=512)] = ""):
    """The page the invitation e-mail links to: a form that POSTs to this address (below)."""
    out = hosted.invitation_page(token, app.current_event.get_header_value("accept-language"))
    return html(out.status, out.html)


@app.post("/invitations/accept", responses=doc(200, AcceptedOut), summary="Accept an invitation",
          description="Creates the resident user, or links the existing resident of the same organisation "
                      "(who gives the account's password; 401 otherwise), and returns tokens. A member of staff's "
                      "invitation (`POST /organization/members`) is accepted here too: the answer's `role` is "
                      "the staff role and `apartmentId` is null. Unknown token 404; "
                      "accepted, cancelled or expired invitation 409; an e-mail of another organisation's user "
                      "or of the organisation's staff 409.")
@public
@not_replayable
def accept_invitation(body: Annotated[InvitationAccept, Body()]):
    return ok(service.accept_invitation(body))


@app.post("/residents/<user_id>/move-out", responses=doc(204, description="The resident has left the apartment."),
          summary="A resident leaves an apartment",
          description="Takes the resident off the apartment as of the end date: every token they hold is refused "
                      "at once, and from then on they see nothing of the apartment, its invoices included. "
                      "Emits resident.moved_out. Another organisation's resident, or an apartment they do not "
                      "live in, is 404; an end date in the future 422.")
@allow(BUILDING_ADMIN)
def move_out(user_id: Id, body: Annotated[MoveOut, Body()]):
    leaving.move_out(principal(), user_id, body)
    return no_content()


@app.post("/apartments/<apartment_id>/ownership-changes", responses=doc(201, OwnershipChangeOut),
          summary="An apartment changes owners",
          description="One operation: the new owner is invited (the invitation e-mail, in `newOwner.language` or "
                      "the apartment's); the apartment's owner becomes the new owner from `date` (their first day; "
                      "today or up to 366 days back, after the apartment's last change; a future date is 422); "
                      "every resident of the apartment leaves it at once (tokens refused, `resident.moved_out` "
                      "each), and the apartment's other pending invitations are cancelled. With `formerOwners: "
                      "ownInvoices` each former resident still reads the apartment's "
                      "invoices whose billing period ended before `date`, their PDFs and payments, and nothing "
                      "else (no meters, account, maintenance, new invoices, no payment); with `none`, nothing. "
                      "Invoices of periods ending on or after `date` are the new owner's: drafts are addressed to "
                      "them, and sending and reminders e-mail them only; an issued invoice straddling the date "
                      "stays with the apartment as issued. The new owner, once accepted, reads invoices of "
                      "periods ending on or after `date` and the account from `date`. Emits "
                      "`apartment.owner_changed`. Another organisation's apartment is 404; a change on or before "
                      "the last one recorded meanwhile 409; a refused invitation address 422 (nothing changes).")
@allow(BUILDING_ADMIN)
def change_owner(apartment_id: Id, body: Annotated[OwnershipChange, Body()]):
    from urbaneta.services import ownership  # a rare operation: its imports stay out of the cold start

    out = ownership.change_owner(principal(), apartment_id, body)
    return created(out, location=f"/api/invitations/{out.invitation.id}")


handler = make_handler(app)
