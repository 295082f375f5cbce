"""urbaneta.auth.jws (HS256 on the standard library) against PyJWT, the reference implementation, both ways; and
RFC 8725's rules: the verifier fixes the algorithm, compares signatures in constant time, and refuses anything
short of a perfect token with TokenError."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest

from urbaneta.auth import jws

KEY = b"k" * 32
NOW = 1_790_000_000
CLAIMS = {"iss": "urbaneta", "aud": "urbaneta-api", "sub": "u1", "typ": "access", "iat": NOW, "exp": NOW + 900}
REQUIRED = ["iss", "aud", "sub", "typ", "iat", "exp"]


def verify(token: str, **over) -> dict:
    kwargs = {"audience": "urbaneta-api", "issuer": "urbaneta", "required": REQUIRED, "now": NOW + 1, **over}
    return jws.verify(token, KEY, **kwargs)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_our_tokens_verify_with_pyjwt_and_pyjwts_with_ours():
    # Given the same claims signed by each implementation
    ours = jws.encode(CLAIMS, KEY, kid="k1")
    theirs = jwt.encode(CLAIMS, KEY, algorithm="HS256", headers={"kid": "k1"})
    # Then each verifies the other's, with the same header and claims
    assert jwt.decode(ours, KEY, algorithms=["HS256"], audience="urbaneta-api", issuer="urbaneta",
                      options={"verify_exp": False, "verify_iat": False}) == CLAIMS
    assert jwt.get_unverified_header(ours) == {"alg": "HS256", "kid": "k1", "typ": "JWT"}
    assert verify(theirs) == CLAIMS and jws.header(theirs)["kid"] == "k1"


@pytest.mark.parametrize("alg", ["none", "HS512", "RS256", "hs256", None])
def test_the_algorithm_is_the_verifiers_never_the_tokens(alg):
    # Given a token whose header names another algorithm (signed with the right key, for "alg confusion")
    head = b64(json.dumps({"alg": alg, "kid": "k1"}).encode())
    body = b64(json.dumps(CLAIMS).encode())
    import hashlib
    import hmac

    sig = b64(hmac.new(KEY, f"{head}.{body}".encode(), hashlib.sha256).digest())
    # Then it is refused before its signature matters
    with pytest.raises(jws.TokenError, match="algorithm"):
        verify(f"{head}.{body}.{sig}")
    with pytest.raises(jws.TokenError):
        verify(f"{head}.{body}.")


def test_a_changed_claim_or_another_key_breaks_the_signature():
    token = jws.encode(CLAIMS, KEY, kid="k1")
    head, body, sig = token.split(".")
    forged = b64(json.dumps({**CLAIMS, "sub": "admin"}).encode())
    for bad in (f"{head}.{forged}.{sig}", jws.encode(CLAIMS, b"x" * 32, kid="k1"), f"{head}.{body}.{sig[:-2]}AA"):
        with pytest.raises(jws.TokenError, match="signature"):
            verify(bad)


@pytest.mark.parametrize(("claims", "reason"), [
    ({**CLAIMS, "exp": NOW}, "expired"),
    ({**CLAIMS, "iat": NOW + 3600}, "iat in the future"),
    ({**CLAIMS, "nbf": NOW + 3600}, "nbf in the future"),
    ({k: v for k, v in CLAIMS.items() if k != "sub"}, "missing"),
    ({**CLAIMS, "aud": "urbaneta-refresh"}, "audience"),
    ({**CLAIMS, "iss": "someone"}, "issuer"),
    ({**CLAIMS, "exp": "tomorrow"}, "not a number"),
    ({**CLAIMS, "iat": True}, "not a number"),
])
def test_every_claim_rule_refuses(claims, reason):
    with pytest.raises(jws.TokenError, match=reason):
        verify(jws.encode(claims, KEY, kid="k1"))


@pytest.mark.parametrize("token", ["", "a.b", "a.b.c.d", "!!.@@.##", "e30.e30.", b64(b"[]") + ".e30.e30",
                                   b64(b"\xff\xfe") + ".e30.e30", "x" * 9000, "e30." + b64(b"not json") + ".AA"])
def test_malformed_tokens_are_a_token_error_never_another_exception(token):
    with pytest.raises(jws.TokenError):
        verify(token)


def test_an_audience_list_that_holds_ours_is_accepted():
    assert verify(jws.encode({**CLAIMS, "aud": ["other", "urbaneta-api"]}, KEY, kid="k1"))["sub"] == "u1"


def test_real_time_tokens_round_trip():
    now = int(time.time())
    claims = {**CLAIMS, "iat": now, "exp": now + 900}
    assert verify(jws.encode(claims, KEY, kid="k1"), now=time.time()) == claims
