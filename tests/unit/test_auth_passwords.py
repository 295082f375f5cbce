"""Password hashing (argon2id, OWASP minimum parameters) and the strength policy."""

from __future__ import annotations

import pytest

from urbaneta.auth import passwords


def test_hash_is_argon2id_with_at_least_owasps_parameters():
    # Given a password / When it is hashed
    stored = passwords.hash_password("Kolm-Karu-Metsas-42")
    # Then the hash is argon2id with m >= 19 MiB, t >= 2, and a salt (two hashes differ)
    assert stored.startswith("$argon2id$v=19$")
    params = dict(p.split("=") for p in stored.split("$")[3].split(","))
    assert int(params["m"]) >= 19_456 and int(params["t"]) >= 2 and int(params["p"]) >= 1
    assert stored != passwords.hash_password("Kolm-Karu-Metsas-42")


def test_verify_matches_only_the_right_password():
    stored = passwords.hash_password("Kolm-Karu-Metsas-42")
    assert passwords.verify_password(stored, "Kolm-Karu-Metsas-42")
    assert not passwords.verify_password(stored, "kolm-karu-metsas-42")
    assert not passwords.verify_password("not a hash", "Kolm-Karu-Metsas-42")


def test_unknown_user_verifies_against_a_dummy_hash_of_the_same_cost_and_never_matches():
    # The dummy hash is made with today's parameters, so it costs what a real verification costs
    assert not passwords.needs_rehash(passwords._DUMMY_HASH)
    assert not passwords.verify_password(None, "")
    assert not passwords.verify_password(None, "Kolm-Karu-Metsas-42")


def test_weaker_hashes_are_flagged_for_rehash():
    from argon2 import PasswordHasher, Type

    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1, type=Type.ID).hash("Kolm-Karu-Metsas-42")
    assert passwords.needs_rehash(weak)
    assert passwords.verify_password(weak, "Kolm-Karu-Metsas-42")


@pytest.mark.parametrize("password", ["short", "x" * 9, "aaaaaaaaaaaa", "abababababab", "password123", "PASSWORD123!",
                                      "qwertyuiop", "abcdefghijkl", "9876543210", "y" * 129])
def test_weak_passwords_are_named(password):
    assert passwords.weakness(password) is not None


@pytest.mark.parametrize("password", ["Kolm-Karu-Metsas-42", "correct horse battery staple", "Urbaneta-Demo-2026!",
                                      "Õunapuu tänav 7, Tartu"])
def test_reasonable_passwords_pass(password):
    assert passwords.weakness(password, email="demo@urbaneta.example", name="Kadri Tamm") is None


def test_passwords_based_on_personal_data_are_refused():
    assert passwords.weakness("kristjan.kask1", email="kristjan.kask@example.com") is not None
    assert passwords.weakness("Kristjanpetersen", name="Kristjan Petersen") is not None
    assert passwords.weakness("kristjan2024!!", email="kristjan@example.com") is not None
