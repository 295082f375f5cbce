"""The organisation's profile through the organisation handler against moto: legal details checked with their
check digits (EE, LV, LT), the default language, the logo uploaded through a presigned URL and checked by its
bytes, and ``services.organization.get_profile`` for the documents."""

from __future__ import annotations

import io
from typing import Any

import pytest

from tests.integration.test_residents import published
from tests.support import Result, call

FN = "organization"
EE = {"legalName": "Korteriühistu Kase 12", "registryCode": "80123455", "vatNumber": "EE100931558",
      "address": "Kase 12, 10111 Tallinn", "email": "Juhatus@Kase12.ee", "phone": "+372 5123 4567",
      "website": "https://kase12.ee", "defaultLanguage": "et"}


def patch(caller: Any, body: dict[str, Any]) -> Result:
    return call(FN, "PATCH", "/organization", token=caller.token, body=body)


def image(fmt: str = "PNG", size: tuple[int, int] = (120, 40)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (20, 90, 160)).save(out, format=fmt)
    return out.getvalue()


def upload(caller: Any, data: bytes, content_type: str = "image/png") -> tuple[Result, str]:
    """POST /organization/logo, then the client's PUT (straight to the emulated bucket), then confirm."""
    from urbaneta.adapters import logos
    from urbaneta.adapters.aws import client
    from urbaneta.settings import get_settings

    start = call(FN, "POST", "/organization/logo", token=caller.token, body={"contentType": content_type})
    assert start.status == 201, start
    upload_id = start.data["uploadId"]
    key = logos.upload_key(caller.tenant_id, upload_id)
    assert key in start.data["url"] and "X-Amz-Signature" in start.data["url"] and start.data["method"] == "PUT"
    client("s3").put_object(Bucket=get_settings().documents_bucket, Key=key, Body=data, ContentType=content_type)
    return call(FN, "POST", "/organization/logo/confirm", token=caller.token, body={"uploadId": upload_id}), key


def test_a_new_organisation_has_defaults_and_the_profile_is_set_field_by_field(make_caller):
    owner = make_caller("owner")
    # Given an organisation that never saved its profile / Then it reads with the defaults
    first = call(FN, "GET", "/organization", token=owner.token)
    assert first.status == 200 and first.data["defaultLanguage"] == "en" and first.data["legalName"] is None
    # When the owner sets the legal details
    with published() as events:
        res = patch(owner, EE)
    # Then they are kept (the e-mail in lower case, the country from the registry code) and the event names them
    assert res.status == 200, res
    assert (res.data["registryCode"], res.data["country"]) == ("80123455", "EE")
    assert res.data["email"] == "juhatus@kase12.ee"
    assert [e["event"] for e in events] == ["organization.updated"]
    assert set(events[0]["data"]["changed"]) == {"legalName", "registryCode", "vatNumber", "address", "email",
                                                  "phone", "website", "defaultLanguage"}
    # And a manager changes one field and clears another; the rest stays
    manager = make_caller("manager", tenant_id=owner.tenant_id)
    res = patch(manager, {"phone": None, "defaultLanguage": "ru"})
    assert res.status == 200 and res.data["phone"] is None and res.data["defaultLanguage"] == "ru"
    assert res.data["vatNumber"] == "EE100931558"
    # And the same values again change nothing and publish nothing
    with published() as events:
        assert patch(manager, {"defaultLanguage": "ru"}).status == 200
    assert events == []


@pytest.mark.parametrize("code,vat,country", [("40003009497", "LV40003009497", "LV"),
                                              ("188607912", "LT100001919017", "LT")])
def test_latvian_and_lithuanian_codes_are_accepted(make_caller, code, vat, country):
    owner = make_caller("owner")
    res = patch(owner, {"registryCode": code, "vatNumber": vat})
    assert res.status == 200 and res.data["country"] == country, res


@pytest.mark.parametrize("body,field", [
    ({"registryCode": "80123454"}, "registryCode"),  # EE check digit
    ({"registryCode": "1234567"}, "registryCode"),  # no country has 7 digits
    ({"registryCode": "30003009497"}, "registryCode"),  # a Latvian personal code, not a legal entity
    ({"registryCode": "188607913"}, "registryCode"),  # LT check digit
    ({"vatNumber": "EE100931559"}, "vatNumber"),
    ({"vatNumber": "DE136695976"}, "vatNumber"),  # valid, but not a Baltic VAT number
    ({"registryCode": "80123455", "vatNumber": "LV40003009497"}, "vatNumber"),  # two countries
    ({"defaultLanguage": "fi"}, "defaultLanguage"),
    ({"defaultLanguage": None}, "defaultLanguage"),
    ({"website": "javascript:alert(1)"}, "website"),
    ({"legalName": "KÜ\nBcc: x@example.com"}, "legalName"),
    ({"email": "not-an-email"}, "email"),
])
def test_invalid_details_are_422_naming_the_field_and_change_nothing(make_caller, body, field):
    owner = make_caller("owner")
    assert patch(owner, {"legalName": "KÜ Kask"}).status == 200
    res = patch(owner, body)
    assert res.status == 422, res
    assert field in {e["field"] for e in res.error["errors"]}, res
    assert call(FN, "GET", "/organization", token=owner.token).data["registryCode"] is None


def test_get_profile_gives_the_documents_the_legal_details(make_caller):
    from urbaneta.domain.organization import Organization
    from urbaneta.services.organization import get_profile

    owner = make_caller("owner")
    assert patch(owner, EE).status == 200
    profile = get_profile(owner.tenant_id)
    assert isinstance(profile, Organization)
    assert (profile.display_name, profile.registry_code, profile.vat_number, profile.default_language) == (
        "Korteriühistu Kase 12", "80123455", "EE100931558", "et")
    assert get_profile(make_caller("owner").tenant_id).legal_name is None


def test_a_png_or_jpeg_logo_is_checked_and_shown_with_a_link(make_caller):
    owner = make_caller("owner")
    # When a PNG is uploaded and confirmed
    with published() as events:
        res, key = upload(owner, image("PNG"))
    # Then it is the logo, with its facts and a link, and the upload itself is gone
    assert res.status == 200, res
    logo = res.data["logo"]
    assert (logo["contentType"], logo["width"], logo["height"]) == ("image/png", 120, 40) and logo["url"]
    assert events[0]["data"]["changed"] == ["logo"]
    from urbaneta.adapters import logos

    assert logos.read(key, max_bytes=10) is None
    # And a JPEG declared as PNG is recognised by its bytes, and replaces it
    res, _ = upload(owner, image("JPEG"), "image/png")
    assert res.status == 200 and res.data["logo"]["contentType"] == "image/jpeg", res
    assert call(FN, "GET", "/organization", token=owner.token).data["logo"]["contentType"] == "image/jpeg"


@pytest.mark.parametrize("data,reason", [
    (b"GIF89a" + b"\x00" * 100, "PNG or JPEG"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "PNG or JPEG"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "readable"),  # a PNG header and nothing else
    ("big", "512 KB"),
    ("wide", "pixels"),
])
def test_other_files_are_422_and_deleted(make_caller, data, reason):
    from urbaneta.adapters import logos

    owner = make_caller("owner")
    if data == "big":
        data = image("PNG", (100, 100)) + b"\x00" * (512 * 1024)
    elif data == "wide":
        data = image("PNG", (3000, 20))
    res, key = upload(owner, data)
    assert res.status == 422 and res.error["errors"][0]["field"] == "logo", res
    assert reason in res.error["errors"][0]["message"]
    assert logos.read(key, max_bytes=1 << 20) is None
    assert call(FN, "GET", "/organization", token=owner.token).data["logo"] is None


def test_an_unknown_or_another_organisations_upload_is_404(make_caller):
    owner, other = make_caller("owner"), make_caller("owner")
    start = call(FN, "POST", "/organization/logo", token=owner.token, body={"contentType": "image/png"})
    upload_id = start.data["uploadId"]
    from urbaneta.adapters import logos
    from urbaneta.adapters.aws import client
    from urbaneta.settings import get_settings

    client("s3").put_object(Bucket=get_settings().documents_bucket, Key=logos.upload_key(owner.tenant_id, upload_id),
                            Body=image())
    # When another organisation confirms it / Then 404 (the key is under the caller's own tenant)
    res = call(FN, "POST", "/organization/logo/confirm", token=other.token, body={"uploadId": upload_id})
    assert res.status == 404, res
    never = call(FN, "POST", "/organization/logo/confirm", token=owner.token,
                 body={"uploadId": "00000000-0000-0000-0000-000000000000"})
    assert never.status == 404
