"""The organisation: its profile (/organization, /organization/logo) and its staff (/organization/members)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from urbaneta.adapters.aws import start
from urbaneta.auth.principal import BUILDING_ADMIN, OWNERS, READERS
from urbaneta.http.app import allow, create_app, if_match, make_handler, principal
from urbaneta.http.responses import created, doc, no_content, ok, page
from urbaneta.models.organization import (
    LogoConfirm,
    LogoUploadOut,
    LogoUploadRequest,
    MemberInvitationOut,
    MemberInvite,
    MemberOut,
    MemberRoleUpdate,
    OrganizationOut,
    OrganizationUpdate,
)
from urbaneta.services import members
from urbaneta.services import organization as service

start("organization")  # refuses a missing setting; on Lambda builds the DynamoDB client in init

app = create_app()

UserId = Annotated[str, Path(min_length=1, max_length=64)]
Limit = Annotated[str | None, Query(description="1..100, default 25")]
Cursor = Annotated[str | None, Query(max_length=2048, description="nextCursor of the previous page")]


@app.get("/organization", responses=doc(200, OrganizationOut), summary="Read the organisation's profile",
         description="The legal details every invoice, statement and reminder shows, the default language and the "
                     "logo (with a link valid for 15 minutes). An organisation that never saved its profile has "
                     "only its registered name and the language chosen when registering (else `en`).")
@allow(READERS)
def get_organization():
    return ok(service.read(principal()))


@app.patch("/organization", responses=doc(200, OrganizationOut), summary="Change the organisation's profile",
           description="Only the fields given change; `null` clears one (not `defaultLanguage`). `registryCode`: "
                       "EE 8 digits, LV 11, LT 9, with a valid check digit; `vatNumber`: an EE, LV or LT VAT number "
                       "of the same country. Emits `organization.updated` when something changed.")
@allow(BUILDING_ADMIN)
def update_organization(body: Annotated[OrganizationUpdate, Body()]):
    return ok(service.update(principal(), body, if_match()))


@app.post("/organization/logo", responses=doc(201, LogoUploadOut), summary="Start a logo upload",
          description="A presigned S3 URL to PUT a PNG or JPEG (at most 512 KB, 16 to 2000 pixels a side) with the "
                      "given headers within 15 minutes; then `POST /organization/logo/confirm`.")
@allow(BUILDING_ADMIN)
def start_logo_upload(body: Annotated[LogoUploadRequest, Body()]):
    return created(service.start_logo_upload(principal(), body))


@app.post("/organization/logo/confirm", responses=doc(200, OrganizationOut), summary="Use the uploaded logo",
          description="Checks the uploaded bytes: PNG or JPEG by their magic bytes (not the declared type), at most "
                      "512 KB, decodable, 16 to 2000 pixels a side; anything else is 422 (`logo`) and is deleted. "
                      "An unknown or used `uploadId` is 404. Emits `organization.updated`.")
@allow(BUILDING_ADMIN)
def confirm_logo(body: Annotated[LogoConfirm, Body()]):
    return ok(service.confirm_logo(principal(), body))


@app.post("/organization/members", responses=doc(201, MemberInvitationOut), summary="Invite a member of staff",
          description="E-mails a one-time invitation (valid 7 days) with a link to `/invitations/accept`; it is "
                      "accepted with `POST /invitations/accept` like a resident's. One pending invitation per "
                      "e-mail, and a current member's e-mail, are 409. Emits `member.invited`.")
@allow(OWNERS)
def invite_member(body: Annotated[MemberInvite, Body()]):
    return created(members.invite(principal(), body))


@app.get("/organization/members", responses=doc(200, MemberOut, many=True), summary="List the members of staff",
         description="Owners, managers, accountants and board members, by e-mail.")
@allow(READERS)
def list_members(limit: Limit = None, cursor: Cursor = None):
    items, next_cursor = members.list_members(principal(), limit=limit, cursor=cursor)
    return page(items, next_cursor)


@app.get("/organization/invitations", responses=doc(200, MemberInvitationOut, many=True),
         summary="List pending member invitations", description="Pending and unexpired, soonest expiry first.")
@allow(READERS)
def list_member_invitations(limit: Limit = None, cursor: Cursor = None):
    items, next_cursor = members.list_invitations(principal(), limit=limit, cursor=cursor)
    return page(items, next_cursor)


@app.delete("/organization/invitations/<invitation_id>", responses=doc(204, description="Cancelled"),
            summary="Cancel a pending member invitation",
            description="Its token fails from then on, and the e-mail may be invited again. A cancelled or another "
                        "organisation's invitation is 404; an accepted one 409.")
@allow(OWNERS)
def cancel_member_invitation(invitation_id: Annotated[str, Path(min_length=1, max_length=64)]):
    members.cancel_invitation(principal(), invitation_id)
    return no_content()


@app.get("/organization/members/<user_id>", responses=doc(200, MemberOut), summary="Read a member of staff",
         description="One member: e-mail, name, role and status, with an `ETag` for a conditional role change. "
                     "Another organisation's member, or a resident, is 404.")
@allow(READERS)
def get_member(user_id: UserId):
    return ok(members.get_member(principal(), user_id))


@app.patch("/organization/members/<user_id>", responses=doc(200, MemberOut), summary="Change a member's role",
           description="Every session and token of the member ends at once (they sign in again with the new "
                       "role). The last owner cannot be demoted (409). Another organisation's member, or a "
                       "resident, is 404. Emits `member.role_changed`.")
@allow(OWNERS)
def change_member_role(user_id: UserId, body: Annotated[MemberRoleUpdate, Body()]):
    return ok(members.change_role(principal(), user_id, body, if_match()))


@app.delete("/organization/members/<user_id>", responses=doc(204, description="The member has left the staff."),
            summary="Remove a member",
            description="Every session and token of the member ends at once. A member who lives in one of the "
                        "organisation's apartments stays its resident; anyone else's account is closed. The last "
                        "owner cannot be removed (409). Emits `member.removed`.")
@allow(OWNERS)
def remove_member(user_id: UserId):
    members.remove(principal(), user_id)
    return no_content()


handler = make_handler(app)
