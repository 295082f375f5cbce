"""Passwords: argon2id with OWASP's minimum parameters (m = 19 MiB, t = 2, p = 1), a strength policy, and a
dummy verification that makes an unknown e-mail cost the same as a wrong password."""

from __future__ import annotations

import itertools
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # argon2 is imported lazily: only the auth function needs it
    from argon2 import PasswordHasher

TIME_COST = 2
MEMORY_COST_KIB = 19_456
PARALLELISM = 1
MIN_LENGTH = 10
MAX_LENGTH = 128  # argon2 accepts more, but an unbounded input is a denial-of-service lever

# A hash of a random, forgotten password with the same parameters: verifying against it costs what verifying
# a real user's hash costs, so "unknown e-mail" and "wrong password" take about the same time.
_DUMMY_HASH = (
    "$argon2id$v=19$m=19456,t=2,p=1$eLv6bZvbixIOcWa7jPuoVQ$4aaGliSvV6oMjpjAepde21B5oTztzGq2Ln6b+6TucYk"
)

# The most common passwords of at least MIN_LENGTH characters (from public breach corpora, lower-cased).
_COMMON = frozenset(
    {
        "1234567890", "12345678910", "123456789a", "1q2w3e4r5t", "1qaz2wsx3edc", "0987654321", "1111111111",
        "qwertyuiop", "password12", "password123", "password1234", "passw0rd123", "iloveyou12", "qwerty1234",
        "qwerty12345", "asdfghjkl1", "zxcvbnm123", "1234qwerty", "abc1234567", "abcdefghij", "football12",
        "letmein123", "welcome123", "admin12345", "administrator", "monkey1234", "princess12", "sunshine12",
        "baseball12", "superman12", "trustno1234", "changeme123", "qazwsxedcrfv", "q1w2e3r4t5", "mypassword",
        "password!1", "password1!", "p@ssw0rd123", "p@ssword123", "welcome1234", "urbaneta123", "urbaneta2024",
        "urbaneta2025", "urbaneta2026", "parool1234", "salasana123", "slaptazodis", "parole1234",
    }
)


@cache
def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher, Type

    return PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_COST_KIB, parallelism=PARALLELISM,
                          hash_len=32, salt_len=16, type=Type.ID)


def weakness(password: str, *, email: str | None = None, name: str | None = None) -> str | None:
    """Why a password is too weak (a message for the ``password`` field), or None when it is acceptable.
    Length over composition rules (NIST SP 800-63B), plus the obvious guesses."""
    if len(password) < MIN_LENGTH:
        return f"must be at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"must be at most {MAX_LENGTH} characters"
    lowered = password.lower()
    if len(set(lowered)) < 4:
        return "is too repetitive"
    if lowered in _COMMON or lowered.rstrip("!.?") in _COMMON:
        return "is a commonly used password"
    if _is_sequence(lowered):
        return "is a simple sequence"
    letters = "".join(ch for ch in lowered if ch.isalpha())
    for personal in _personal_parts(email, name):
        # the password is essentially the e-mail's name or the person's name (with digits/punctuation around)
        if letters == personal or (personal in lowered and len(personal) * 2 > len(password)):
            return "must not be based on your e-mail address or name"
    return None


def _is_sequence(text: str) -> bool:
    steps = {ord(b) - ord(a) for a, b in itertools.pairwise(text)}
    return len(steps) == 1 and steps.pop() in (-1, 1)


def _personal_parts(email: str | None, name: str | None) -> list[str]:
    parts: list[str] = []
    if email:
        local = email.split("@", 1)[0].lower()
        parts.extend([local, "".join(ch for ch in local if ch.isalpha())])
    if name:
        parts.extend(p.lower() for p in name.split())
        parts.append("".join(ch for ch in name.lower() if ch.isalpha()))
    return [p for p in parts if len(p) >= 4]


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches. With ``stored_hash`` None (unknown user) a dummy hash is verified,
    so the answer takes about as long as for a real user; it is always False."""
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        matched = bool(_hasher().verify(stored_hash or _DUMMY_HASH, password))
    except (VerificationError, InvalidHashError):
        return False
    return matched and stored_hash is not None


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's (upgraded on the next login)."""
    return bool(_hasher().check_needs_rehash(stored_hash))
