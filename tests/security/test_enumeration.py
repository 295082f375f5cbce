"""Registration tells nobody whether an e-mail has an account (issue 17, smaller findings): the same answer
for new and known e-mails, the e-mail finishes it, and a stranger who registers someone else's address
cannot hand them an organisation whose password the stranger knows."""

from __future__ import annotations

from tests.integration.test_auth import PASSWORD, new_email, register, registration_code, send, sent_mail


def _register(email: str, password: str = PASSWORD):
    return send("POST", "/auth/register", body={"organizationName": "KÜ Kase 12", "email": email,
                                                "password": password, "name": "Kadri Tamm"})


def test_register_answers_the_same_for_a_known_and_a_new_email(aws):
    # Given an e-mail with an account and one without
    known, new = register()["email"], new_email()
    # When both register
    a, b = _register(known), _register(new)
    # Then status, headers that matter and body are the same
    assert a.status == b.status == 202
    assert a.json == b.json and "location" not in a.headers and "location" not in b.headers
    # And only the new address got a registration code; the known one a note
    assert registration_code(new) and "already has an account" in sent_mail(known)[-1]["text"]


def test_a_stranger_cannot_register_someone_elses_address_with_a_password_they_know(aws):
    # Given a stranger who registers the victim's address with the stranger's password
    victim = new_email()
    assert _register(victim, "Strangers-Own-Pass-77").status == 202
    code = registration_code(victim)
    # When the victim follows the e-mail with their own password
    res = send("POST", "/auth/register/verify", body={"token": code, "password": PASSWORD})
    # Then nothing is created, and the stranger's password signs in to nothing
    assert res.status == 401
    assert send("POST", "/auth/login", body={"email": victim, "password": "Strangers-Own-Pass-77"}).status == 401
