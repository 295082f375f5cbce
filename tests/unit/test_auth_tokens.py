"""Access/refresh tokens and the keyring, as pure functions (the keyring is passed in; no AWS)."""

from __future__ import annotations

import base64
import json
import time

import pytest

from urbaneta.auth import keyring, tokens
from urbaneta.auth.principal import Principal, Role
from urbaneta.errors import Unauthorized

K1 = "a" * 40
K2 = "b" * 40


def ring(active: str = "k1", **material: str) -> keyring.Keyring:
    return keyring.parse({"keys": material or {"k1": K1}, "activeKid": active})


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def access_token(r: keyring.Keyring, **overrides) -> str:
    principal = Principal("t1", "u1", Role.MANAGER, "s1", frozenset({"a1"}))
    claims = {**tokens.access_claims(principal, int(time.time())), **overrides}
    return tokens.encode(claims, r, "access")


def verify(token: str, r: keyring.Keyring) -> dict:
    return tokens.decode(token, r, "access", audience=tokens.AUDIENCE, required=tokens.REQUIRED)


# --- keyring ------------------------------------------------------------------------------------------------


def test_keyring_reads_the_templates_initial_form():
    r = keyring.parse({"kid": "k1", "signingKey": K1})
    assert r.active_kid == "k1" and set(r.material) == {"k1"}


def test_keyring_reads_the_rotation_form_and_derives_one_key_per_purpose_and_kid():
    r = keyring.parse({"keys": {"k1": K1, "k2": K2}, "activeKid": "k2", "signingKey": K1})
    assert r.active_key("access")[0] == "k2"
    keys = {r.key(k, p) for k in ("k1", "k2") for p in ("access", "refresh")}
    assert len(keys) == 4 and r.key("k3", "access") is None


@pytest.mark.parametrize("secret", [
    {"keys": {"k1": K1}, "activeKid": "k2"},
    {"kid": "k1"},
    {"keys": {"k1": "short"}, "activeKid": "k1"},
    {},
])
def test_keyring_refuses_unusable_secrets(secret):
    with pytest.raises(ValueError):
        keyring.parse(secret)


# --- access tokens ------------------------------------------------------------------------------------------


def test_access_token_round_trip_names_its_kid_and_every_claim():
    r = ring()
    token = access_token(r)
    claims = verify(token, r)
    assert set(claims) == set(tokens.REQUIRED) | {"ims"}  # ims: the issue time in ms (revoke_user)
    assert claims["exp"] - claims["iat"] == 900
    principal = tokens.principal_from_claims(claims)
    assert principal == Principal("t1", "u1", Role.MANAGER, "s1", frozenset({"a1"}), "user")


def test_tokens_of_a_previous_kid_verify_after_rotation():
    old = ring("k1", k1=K1)
    token = access_token(old)
    rotated = ring("k2", k1=K1, k2=K2)
    assert verify(token, rotated)["sub"] == "u1"
    assert json.loads(base64.urlsafe_b64decode(access_token(rotated).split(".")[0] + "=="))["kid"] == "k2"
    retired = ring("k2", k2=K2)
    with pytest.raises(Unauthorized):
        verify(token, retired)


def test_alg_none_and_algorithm_confusion_are_refused():
    r = ring()
    good = access_token(r)
    _head, payload, sig = good.split(".")
    for header in ({"alg": "none", "kid": "k1"}, {"alg": "HS512", "kid": "k1"}, {"alg": "RS256", "kid": "k1"},
                   {"alg": "HS256"}, {"alg": "HS256", "kid": 1}):
        with pytest.raises(Unauthorized):
            verify(f"{b64(header)}.{payload}.{sig if header['alg'] != 'none' else ''}", r)


def test_tampered_expired_wrong_audience_wrong_issuer_and_future_tokens_are_refused():
    r = ring()
    head, payload, sig = access_token(r).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    now = int(time.time())
    bad = [
        f"{head}.{b64({**claims, 'role': 'owner'})}.{sig}",
        access_token(r, iat=now - 2000, exp=now - 1100),
        access_token(r, aud="another-api"),
        access_token(r, iss="someone"),
        access_token(r, iat=now + 600, exp=now + 1500),
        "a.b.c",
        "",
    ]
    for token in bad:
        with pytest.raises(Unauthorized):
            verify(token, r)


@pytest.mark.parametrize("missing", tokens.REQUIRED)
def test_every_claim_is_required(missing):
    r = ring()
    principal = Principal("t1", "u1", Role.OWNER, "s1")
    claims = {k: v for k, v in tokens.access_claims(principal, int(time.time())).items() if k != missing}
    with pytest.raises(Unauthorized):
        tokens.principal_from_claims(verify(tokens.encode(claims, r, "access"), r))


def test_refresh_tokens_are_not_access_tokens_and_the_other_way_round():
    r = ring()
    now = int(time.time())
    refresh_claims = {"iss": tokens.ISSUER, "aud": tokens.REFRESH_AUDIENCE, "sub": "u1", "tid": "t1", "sid": "s1",
                      "jti": "j", "typ": "refresh", "iat": now, "exp": now + 3600}
    refresh = tokens.encode(refresh_claims, r, "refresh")
    with pytest.raises(Unauthorized):
        verify(refresh, r)
    # even with an access audience and type, a token signed with the refresh key is not an access token
    disguised = tokens.encode({**refresh_claims, "aud": tokens.AUDIENCE, "typ": "access"}, r, "refresh")
    with pytest.raises(Unauthorized):
        verify(disguised, r)
    with pytest.raises(Unauthorized):
        tokens.decode(access_token(r), r, "refresh", audience=tokens.REFRESH_AUDIENCE,
                      required=tokens.REFRESH_REQUIRED)
    # and a token of type "refresh" signed with the access key is refused by the access check
    with pytest.raises(Unauthorized):
        verify(access_token(r, typ="refresh"), r)


@pytest.mark.parametrize("overrides", [
    {"role": "admin"},
    {"knd": "robot"},
    {"apt": "a1"},
    {"apt": [1]},
    {"sub": ""},
    {"exp": int(time.time()) + 3600},
])
def test_claims_outside_the_contract_are_refused(overrides):
    r = ring()
    with pytest.raises(Unauthorized):
        tokens.principal_from_claims(verify(access_token(r, **overrides), r))


@pytest.mark.parametrize("header", [None, "", "Basic abc", "Bearer", "Bearer  ", "token abc"])
def test_bearer_header_is_required(header):
    with pytest.raises(Unauthorized):
        tokens.bearer(header)


def test_bearer_scheme_is_case_insensitive():
    assert tokens.bearer("bearer abc.def.ghi") == "abc.def.ghi"
