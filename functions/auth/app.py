"""Auth: register, login, refresh, logout, magic links, API keys and their exchange for access tokens."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from urbaneta.adapters.aws import start
from urbaneta.auth.principal import BUILDING_ADMIN, EVERYONE, OWNERS
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
from urbaneta.store.pages import parse_limit

start("auth")  # refuses a missing setting; on Lambda builds the DynamoDB client in init

app = create_app()


def _source_ip() -> str:
    return str(app.current_event.request_context.http.source_ip or "unknown")


@app.post("/auth/register", responses=doc(202, RegisterAccepted),
          description="The same 202 for a new and a known e-mail; the e-mail finishes it: a new address gets a "
                      "token for POST /auth/register/verify, a known one a note that it has an account.")
@public
@not_replayable
def register(body: Annotated[RegisterRequest, Body()]):
    """Register an organisation and its owner"""
    return accepted(service.register(body, source_ip=_source_ip()))


@app.post("/auth/register/verify", responses=doc(201, RegisterOut),
          description="The e-mailed registration token creates the organisation and its owner and signs in. "
                      "An unknown, used or expired token is 401; an e-mail registered meanwhile 409.")
@public
@not_replayable
def register_verify(body: Annotated[RegisterVerifyRequest, Body()]):
    """Finish a registration with the e-mailed token"""
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
    """Sign in with e-mail and password

    Public. Answers an access token (valid 15 minutes, `expiresIn`) and a refresh token for POST /auth/refresh. An
    unknown e-mail, a wrong password and a disabled account all give the same 401. Failed attempts are throttled per
    client address and per account: 429 with `Retry-After`. Every request runs: `Idempotency-Key` is ignored.
    """
    return ok(service.login(body, source_ip=_source_ip()))


@app.post("/auth/refresh", responses=doc(200, TokensOut))
@public
@not_replayable
def refresh(body: Annotated[RefreshRequest, Body()]):
    """Renew the tokens with a refresh token

    Public. The presented `refreshToken` is spent and a new access token and refresh token are answered (rotation). A
    refresh token presented a second time ends its whole session; that, an expired token, an ended session or a disabled
    user is 401, and the user signs in again. By default a session ends after 14 days without a refresh and 30 days
    after sign-in.
    """
    return ok(service.refresh(body))


@app.post("/auth/logout", responses=doc(204, description="The session has ended."))
@allow(EVERYONE)
def logout(body: Annotated[LogoutRequest | None, Body()] = None):
    """End the current session

    The caller's access and refresh tokens are refused at once; with
    `refreshToken` of another of the caller's sessions, that session ends too (a token that is not the caller's is 422).
    A token exchanged for an API key cannot log out (403): revoke the key instead. Answers 204.
    """
    service.logout(principal(), body)
    return no_content()


@app.post("/auth/magic-link", responses=doc(202, MagicLinkAccepted))
@public
def magic_link(body: Annotated[MagicLinkRequest, Body()]):
    """Request a magic sign-in link by e-mail

    Public. Always the same 202, whether or not the e-mail has an account. A known, active account gets an e-mail with a
    link and a code, valid 15 minutes and usable once, to finish at POST /auth/magic-link/verify. Requests are throttled
    per client address (429); each e-mail address gets only a few mails per window (the answer stays 202), and the links
    already sent stay valid.
    """
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
    """Finish a magic-link sign-in

    Public. Exchanges the `token` of the e-mailed link (or the code for apps) for an access token and a refresh token,
    like POST /auth/login. An unknown, used or expired token, or a disabled account, is 401; failures are throttled per
    client address (429).
    """
    return ok(service.verify_magic_link(body, source_ip=_source_ip()))


@app.post("/auth/token", responses=doc(200, AccessTokenOut))
@public
@not_replayable
def token(body: Annotated[TokenExchangeRequest, Body()]):
    """Exchange an API key for an access token

    Public. Answers a 15-minute access token with the organisation and role of the key in `apiKey`. There is no refresh
    token: exchange the key again when the token expires. An invalid or revoked key is 401; failed exchanges are
    throttled per client address (429).
    """
    return ok(service.exchange_api_key(body, source_ip=_source_ip()))


@app.post("/api-keys", responses=doc(201, ApiKeyCreated))
@allow(OWNERS)
@not_replayable
def create_api_key(body: Annotated[ApiKeyCreate, Body()]):
    """Create an API key

    Owners only, signed in as a user (a token from an API key is 403). The key acts with `role` `manager` (the default)
    or `owner`. Answers 201 with the key itself in `key`, shown only this once (lists show its `prefix`). Publishes
    `api_key.created`.
    """
    return created(service.create_api_key(principal(), body))


@app.get("/api-keys", responses=doc(200, ApiKeyOut, many=True))
@allow(OWNERS)
def list_api_keys(limit: Annotated[str | None, Query()] = None, cursor: Annotated[str | None, Query()] = None):
    """List the organisation's API keys

    Owners only, signed in as a user. The active keys with their name, role, `prefix`, creator and `lastUsedAt`; revoked
    keys, and the keys themselves, are never listed. Paged with `limit` (1..100, default 25) and `cursor` (the previous
    page's `nextCursor`).
    """
    items, next_cursor = service.list_api_keys(principal(), limit=parse_limit(limit), cursor=cursor)
    return page(items, next_cursor)


@app.delete("/api-keys/<key_id>", responses=doc(204, description="The key is revoked."))
@allow(OWNERS)
def revoke_api_key(key_id: str):
    """Revoke an API key

    Owners only, signed in as a user. The key can no longer be exchanged, and the access tokens already issued for it
    are refused at once. Answers 204; an unknown or already revoked key, or another organisation's, is 404. Publishes
    `api_key.revoked`.
    """
    service.revoke_api_key(principal(), key_id)
    return no_content()


@app.post("/auth/users/<user_id>/disable", responses=doc(204, description="The user is disabled."),
          summary="Disable a user",
          description="The user can no longer sign in; every session, access and refresh token of theirs ends at "
                      "once and the API keys they created are revoked. Emits user.disabled. Only an owner may "
                      "disable an owner; nobody disables themselves (409).")
@allow(BUILDING_ADMIN)
def disable_user(user_id: Annotated[str, Path(min_length=1, max_length=64)]):
    leaving.disable_user(principal(), user_id)
    return no_content()


handler = make_handler(app)
