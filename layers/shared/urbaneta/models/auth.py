"""Requests and responses of the auth endpoints (``/auth/*``, ``/api-keys``)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import EmailStr, Field

from urbaneta.domain.languages import Language
from urbaneta.models.common import ApiModel, Name, ResponseModel

# Lengths are bounded so that nothing unbounded reaches argon2 or the JWT parser; the password's real
# policy (length, common passwords, personal data) is checked by the service and answered with 422.
Password = Field(min_length=1, max_length=1024)
Token = Field(min_length=1, max_length=4096)


class RegisterRequest(ApiModel):
    organization_name: Name
    email: EmailStr
    password: str = Field(min_length=10, max_length=128, description="10-128 characters; not a common password, "
                          "a simple sequence or repetition, nor based on the e-mail address or name.")
    name: Name
    language: Language | None = Field(default=None, description="The language of the registration e-mail and "
                                      "page (et, lv, lt, ru, en); English when not given")


class LoginRequest(ApiModel):
    email: str = Field(min_length=1, max_length=320)
    password: str = Password


class RefreshRequest(ApiModel):
    refresh_token: str = Token


class LogoutRequest(ApiModel):
    refresh_token: str | None = Field(default=None, min_length=1, max_length=4096)


class MagicLinkRequest(ApiModel):
    email: EmailStr


class RegisterVerifyRequest(ApiModel):
    token: str = Field(min_length=1, max_length=512)
    password: str = Field(min_length=1, max_length=128, description="The password given when registering.")


class RegisterAccepted(ResponseModel):
    message: str = "Check your e-mail: the message there finishes the registration (valid for 24 hours)."


class MagicLinkVerifyRequest(ApiModel):
    token: str = Field(min_length=1, max_length=512)


class ApiKeyCreate(ApiModel):
    name: Annotated[Name, Field(max_length=100)]
    role: Literal["owner", "manager", "accountant", "board"] = Field(
        default="manager", description="The role the key acts with (docs/security.md, role matrix).")


class TokenExchangeRequest(ApiModel):
    api_key: str = Field(min_length=1, max_length=512)


class TokensOut(ResponseModel):
    access_token: str
    refresh_token: str
    expires_in: int = 900
    token_type: Literal["Bearer"] = "Bearer"


class RegisterOut(TokensOut):
    tenant_id: str
    user_id: str


class AccessTokenOut(ResponseModel):
    access_token: str
    expires_in: int = 900
    token_type: Literal["Bearer"] = "Bearer"


class MagicLinkAccepted(ResponseModel):
    message: str = "If the address belongs to an account, a sign-in link valid for 15 minutes is on its way."


class ApiKeyOut(ResponseModel):
    id: str
    name: str
    role: str
    prefix: str = Field(description="The first characters of the key, to recognise it; the key itself is "
                                    "shown only once, when it is created.")
    created_at: str
    created_by: str
    last_used_at: str | None = None


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The API key. Shown only in this response; store it now.")
