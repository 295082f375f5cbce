"""Auth: register, login, refresh, logout, magic links, API keys and their exchange for access tokens."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from urbaneta.auth.principal import EVERYONE, STAFF, Role
from urbaneta.http.app import allow, create_app, make_handler, not_replayable, principal, public
from urbaneta.http.responses import accepted, created, doc, html, no_content, ok, page
from urbaneta.models.auth import (
    AccessTokenOut,
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyOut,
    LoginRequest,
    LogoutRequest,
    MagicLinkAccepted,
    MagicLinkRequest,
    MagicLinkVerifyRequest,
    RefreshRequest,
    RegisterAccepted,
    RegisterOut,
    RegisterRequest,
    RegisterVerifyRequest,
    TokenExchangeRequest,
    TokensOut,
)
from urbaneta.services import auth as service
from urbaneta.services import leaving
from urbaneta.services.hosted import accounts as hosted
from urbaneta.settings import require
from urbaneta.store.pages import parse_limit

require("auth")  # fails the cold start, naming any missing variable (settings.NEEDS)

app = create_app()


def _source_ip() -> str:
    return str(app.current_event.request_context.http.source_ip or "unknown")


@app.post("/auth/register", responses=doc(202, RegisterAccepted),
          description="The same 202 for a new and a known e-mail; the e-mail finishes it: a new address gets a "
                      "token for POST /auth/register/verify, a known one a note that it has an account.")
@public
@not_replayable
def register(body: Annotated[RegisterRequest, Body()]):
    return accepted(service.register(body, source_ip=_source_ip()))


@app.post("/auth/register/verify", responses=doc(201, RegisterOut),
          description="The e-mailed registration token creates the organisation and its owner and signs in. "
                      "An unknown, used or expired token is 401; an e-mail registered meanwhile 409.")
@public
@not_replayable
def register_verify(body: Annotated[RegisterVerifyRequest, Body()]):
    return created(service.verify_registration(body, source_ip=_source_ip()))


def _language() -> str | None:
    return app.current_event.get_header_value("accept-language")


PageToken = Annotated[str, Query(max_length=512)]


@app.get("/auth/register/verify", include_in_schema=False)
@public
def register_page(token: PageToken = ""):
    """The page the registration e-mail links to: the password again, POSTed to this address."""
    out = hosted.registration_page(token, _language())
    return html(out.status, out.html)


@app.get("/auth/sign-in", include_in_schema=False)
@public
def sign_in_page():
    """A page that asks for a sign-in link by e-mail (POST /auth/magic-link)."""
    out = hosted.sign_in_page(_language())
    return html(out.status, out.html)


@app.post("/auth/login", responses=doc(200, TokensOut))
@public
@not_replayable
def login(body: Annotated[LoginRequest, Body()]):
    return ok(service.login(body, source_ip=_source_ip()))


@app.post("/auth/refresh", responses=doc(200, TokensOut))
@public
@not_replayable
def refresh(body: Annotated[RefreshRequest, Body()]):
    return ok(service.refresh(body))


@app.post("/auth/logout", responses=doc(204, description="The session has ended."))
@allow(EVERYONE)
def logout(body: Annotated[LogoutRequest | None, Body()] = None):
    service.logout(principal(), body)
    return no_content()


@app.post("/auth/magic-link", responses=doc(202, MagicLinkAccepted))
@public
def magic_link(body: Annotated[MagicLinkRequest, Body()]):
    return accepted(service.request_magic_link(body, source_ip=_source_ip()))


@app.get("/auth/magic-link/verify", include_in_schema=False)
@public
def magic_link_page(token: PageToken = ""):
    """The page the sign-in e-mail links to: one button that POSTs the token to this address."""
    out = hosted.magic_link_page(token, _language())
    return html(out.status, out.html)


@app.post("/auth/magic-link/verify", responses=doc(200, TokensOut))
@public
@not_replayable
def magic_link_verify(body: Annotated[MagicLinkVerifyRequest, Body()]):
    return ok(service.verify_magic_link(body, source_ip=_source_ip()))


@app.post("/auth/token", responses=doc(200, AccessTokenOut))
@public
@not_replayable
def token(body: Annotated[TokenExchangeRequest, Body()]):
    return ok(service.exchange_api_key(body, source_ip=_source_ip()))


@app.post("/api-keys", responses=doc(201, ApiKeyCreated))
@allow(Role.OWNER)
@not_replayable
def create_api_key(body: Annotated[ApiKeyCreate, Body()]):
    return created(service.create_api_key(principal(), body))


@app.get("/api-keys", responses=doc(200, ApiKeyOut, many=True))
@allow(Role.OWNER)
def list_api_keys(limit: Annotated[str | None, Query()] = None, cursor: Annotated[str | None, Query()] = None):
    items, next_cursor = service.list_api_keys(principal(), limit=parse_limit(limit), cursor=cursor)
    return page(items, next_cursor)


@app.delete("/api-keys/<key_id>", responses=doc(204, description="The key is revoked."))
@allow(Role.OWNER)
def revoke_api_key(key_id: str):
    service.revoke_api_key(principal(), key_id)
    return no_content()


@app.post("/auth/users/<user_id>/disable", responses=doc(204, description="The user is disabled."),
          summary="Disable a user",
          description="The user can no longer sign in; every session, access and refresh token of theirs ends at "
                      "once and the API keys they created are revoked. Emits user.disabled. Only an owner may "
                      "disable an owner; nobody disables themselves (409).")
@allow(STAFF)
def disable_user(user_id: Annotated[str, Path(min_length=1, max_length=64)]):
    leaving.disable_user(principal(), user_id)
    return no_content()


handler = make_handler(app)
