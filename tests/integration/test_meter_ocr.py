"""POST /meters/ocr with photos the tests draw, read by the offline engine (RapidOCR), photos kept in S3 (moto)."""

from __future__ import annotations

import base64
import copy
import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from tests.integration.test_meters import FN, new_apartment, new_building, new_meter, readings, submit
from tests.meter_photos import blank_photo, meter_photo, noisy_photo
from tests.support import LambdaContext, Result, call, function_module, load_event

YESTERDAY = (date.today() - timedelta(days=1)).isoformat()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def s3_keys(prefix: str) -> list[str]:
    from urbaneta.adapters.aws import client
    from urbaneta.settings import get_settings

    out = client("s3").list_objects_v2(Bucket=get_settings().uploads_bucket, Prefix=prefix)
    return [o["Key"] for o in out.get("Contents", [])]


def s3_object(key: str) -> dict[str, Any]:
    from urbaneta.adapters.aws import client
    from urbaneta.settings import get_settings

    return dict(client("s3").get_object(Bucket=get_settings().uploads_bucket, Key=key))


@pytest.fixture
def home(make_caller: Any) -> dict[str, Any]:
    manager = make_caller("manager")
    building = new_building(manager)
    apartment = new_apartment(manager, building)
    resident = make_caller("resident", tenant_id=manager.tenant_id, apartment_ids=(apartment,))
    meter = new_meter(manager, building, apartmentId=apartment, initialReading=100,
                      initialReadingDate=(date.today() - timedelta(days=30)).isoformat())
    return {"manager": manager, "resident": resident, "building": building, "meter": meter}


def test_ocr_reads_the_register_and_keeps_the_photo(aws, home):
    # Given a drawn dial: register 00123 with red decimals 456, "S/N 98765432", "m³" and a label
    photo = meter_photo("00123", "456", serial="S/N 98765432", unit="m³")
    m = home["manager"]
    # When it is read
    res = call(FN, "POST", "/meters/ocr", token=m.token, body={"image": b64(photo)})
    # Then the exact register value comes back, not the serial, with what was read
    assert res.status == 200, res
    assert res.data["value"] == 123.456
    assert 0.6 <= res.data["confidence"] <= 1
    assert "98765432" in res.data["text"] and "WATER" in res.data["text"]
    # And the photo is kept under the tenant, byte for byte
    key = res.data["photoKey"]
    assert key.startswith(f"tmp/{m.tenant_id}/ocr/") and key.endswith(".png")
    stored = s3_object(key)
    assert stored["Body"].read() == photo and stored["ContentType"] == "image/png"


def test_ocr_reads_a_jpeg_without_decimals_by_its_bytes(aws, home):
    # Given a JPEG electricity dial "04711" with "No 55512345" and "kWh", sent as a data URL claiming PNG
    photo = meter_photo("04711", "", serial="No 55512345", unit="kWh", label="ELECTRICITY", fmt="JPEG")
    # When it is read
    res = call(FN, "POST", "/meters/ocr", token=home["resident"].token,
               body={"image": "data:image/png;base64," + b64(photo)})
    # Then the register is 4711 and the photo is kept as the JPEG it is
    assert res.status == 200, res
    assert res.data["value"] == 4711 and res.data["photoKey"].endswith(".jpg")


def test_ocr_submit_records_the_reading_with_its_photo(aws, home, make_caller):
    # Given the resident's meter at 100 and a photo of it showing 00123.456 (and a sample event)
    meter = home["meter"]
    event = copy.deepcopy(load_event("api/meters/ocr_submit"))
    event["body"] = event["body"].replace("{meterId}", meter["id"]).replace("{image}", b64(meter_photo()))
    event["headers"]["authorization"] = f"Bearer {home['resident'].token}"
    # When the resident sends it with submit
    res = Result(function_module(FN).handler(event, LambdaContext()))
    # Then the reading is recorded with the value read, its consumption and the kept photo
    assert res.status == 200, res
    reading = res.data["reading"]
    assert reading["value"] == 123.456 and reading["consumption"] == 23.456 and reading["status"] == "submitted"
    key = res.data["photoKey"]
    assert reading["photoKey"] == key == f"meters/{home['manager'].tenant_id}/{meter['id']}/{reading['id']}.png"
    assert s3_object(key)["ContentLength"] > 0
    assert readings(home["manager"], meter["id"])[0]["id"] == reading["id"]


def test_ocr_submit_refuses_an_implausible_value_and_keeps_nothing(aws, home):
    # Given a meter already at 200 and a photo showing 123.456
    m = home["manager"]
    meter = new_meter(m, home["building"], initialReading=200,
                      initialReadingDate=(date.today() - timedelta(days=5)).isoformat())
    # When it is submitted
    res = call(FN, "POST", "/meters/ocr", token=m.token,
               body={"meterId": meter["id"], "image": b64(meter_photo()), "submit": True})
    # Then 422 (below the previous reading) and no reading nor photo was kept
    assert res.status == 422 and res.error["errors"][0]["field"] == "value"
    assert len(readings(m, meter["id"])) == 1
    assert s3_keys(f"meters/{m.tenant_id}/{meter['id']}/") == []


@pytest.mark.parametrize("photo", [blank_photo(), noisy_photo()], ids=["blank", "noisy"])
def test_photo_without_a_register_is_422_and_not_kept(aws, home, photo):
    # Given a blank or a noisy picture
    m = home["manager"]
    # When it is read
    res = call(FN, "POST", "/meters/ocr", token=m.token, body={"image": b64(photo)})
    # Then 422 with a clear message on the image, and nothing is stored
    assert res.status == 422, res
    assert res.error["errors"][0]["field"] == "image" and "register" in res.error["errors"][0]["message"]
    assert s3_keys(f"tmp/{m.tenant_id}/") == []


@pytest.mark.parametrize(("body", "field"), [
    ({"image": b64(b"GIF89a" + b"\x00" * 64)}, "image"),
    ({"image": "data:image/png;base64," + b64(b"%PDF-1.4 not a photo")}, "image"),
    ({"image": "!!not base64!!"}, "image"),
    ({"image": "OVER_5_MB"}, "image"),
    ({"image": b64(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + (20000).to_bytes(4, "big") * 2 + b"\x08\x02")},
     "image"),
    ({"image": b64(b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + b"\x13" * 40)}, "image"),
    ({"image": b64(b"\x89PNG\r\n\x1a\n"), "submit": True}, "meterId"),
    ({"image": b64(b"\x89PNG\r\n\x1a\n"), "extra": 1}, "extra"),
], ids=["gif", "pdf-named-png", "not-base64", "over-5mb", "400-megapixel-png", "damaged-jpeg", "submit-without-meter",
        "unknown-field"])
def test_bad_images_are_422(aws, home, body, field):
    # Given a request with a bad image or fields (the 5 MB one built here, not kept for the whole session)
    if body["image"] == "OVER_5_MB":
        body = {"image": b64(b"\x89PNG\r\n\x1a\n" + b"\x00" * (5 * 1024 * 1024))}
    # When it is sent
    res = call(FN, "POST", "/meters/ocr", token=home["manager"].token, body=body)
    # Then 422 names the field and nothing is stored
    assert res.status == 422, res
    assert field in {e["field"] for e in res.error["errors"]}
    assert s3_keys(f"tmp/{home['manager'].tenant_id}/") == []


def test_body_over_the_photo_limit_is_413(aws, home):
    # Given a body larger than a 5 MB photo in base64 / When it is sent / Then 413
    res = call(FN, "POST", "/meters/ocr", token=home["manager"].token, raw_body="x" * 7_600_000)
    assert res.status == 413


def test_reading_attaches_an_ocr_upload_of_the_same_tenant_only(aws, home, make_caller):
    # Given a photo read without submit, and another tenant's upload
    m = home["manager"]
    upload = call(FN, "POST", "/meters/ocr", token=m.token, body={"image": b64(meter_photo("00150", "5"))}).data
    stranger = make_caller("manager")
    foreign = call(FN, "POST", "/meters/ocr", token=stranger.token, body={"image": b64(meter_photo())}).data
    meter_id = home["meter"]["id"]
    # When readings refer to them
    theirs = submit(m, meter_id, 150.5, YESTERDAY, photoKey=foreign["photoKey"])
    made_up = submit(m, meter_id, 150.5, YESTERDAY, photoKey=f"tmp/{m.tenant_id}/ocr/{'0' * 8}-0000-0000-0000-"
                                                             f"{'0' * 12}.png")
    mine = submit(m, meter_id, upload["value"], YESTERDAY, photoKey=upload["photoKey"])
    # Then another tenant's or a missing photo is 422; the own upload is kept with the reading
    assert theirs.status == 422 and made_up.status == 422
    assert theirs.error["errors"][0]["field"] == "photoKey"
    assert mine.status == 201, mine
    kept = mine.data["photoKey"]
    assert kept == f"meters/{m.tenant_id}/{meter_id}/{mine.data['id']}.png"
    assert s3_object(kept)["Body"].read() == s3_object(upload["photoKey"])["Body"].read()


def test_textract_engine_reads_through_detect_document_text(aws):
    # Given Textract answering one photo with words and refusing another
    from botocore.stub import Stubber

    from urbaneta.adapters.ocr.register import find_register
    from urbaneta.adapters.ocr.textract import TextractEngine, _client
    from urbaneta.errors import ValidationFailed

    photo = meter_photo()
    words = [("00123", 0.2, 0.4, 0.3, 0.15), ("456", 0.51, 0.41, 0.15, 0.14), ("S/N98765432", 0.2, 0.7, 0.3, 0.05)]
    answer = {"Blocks": [{"BlockType": "WORD", "Text": text, "Confidence": 99.0, "Id": str(i),
                          "Geometry": {"BoundingBox": {"Left": left, "Top": top, "Width": w, "Height": h}}}
                         for i, (text, left, top, w, h) in enumerate(words)]}
    with Stubber(_client()) as stub:
        stub.add_response("detect_document_text", answer, {"Document": {"Bytes": photo}})
        stub.add_client_error("detect_document_text", "UnsupportedDocumentException", http_status_code=400)
        # When both are read
        tokens = TextractEngine().read(photo)
        with pytest.raises(ValidationFailed) as refused:
            TextractEngine().read(b"\x89PNG\r\n\x1a\n")
    # Then the register comes from Textract's words, and an undecodable image is a 422 on the image
    assert find_register(tokens).value == Decimal("123.456")
    assert refused.value.errors[0].field == "image"


def put_upload(key: str, data: bytes) -> None:
    """What the client's POST to the presigned URL does (moto runs in-process here)."""
    from urbaneta.adapters.aws import client
    from urbaneta.settings import get_settings

    client("s3").put_object(Bucket=get_settings().uploads_bucket, Key=key, Body=data)


def test_large_photos_go_through_a_presigned_upload(aws, home, make_caller):
    # Given an upload URL for a PNG (photos near 5 MB exceed Lambda's 6 MB request limit once in base64)
    m = home["resident"]
    res = call(FN, "POST", "/meters/photos", token=m.token, body={"contentType": "image/png"})
    assert res.status == 201, res
    up = res.data
    key = up["photoKey"]
    assert key.startswith(f"tmp/{m.tenant_id}/ocr/") and key.endswith(".png") and up["fields"]["key"] == key
    policy = json.loads(base64.b64decode(up["fields"]["policy"]))
    assert ["content-length-range", 1, 5 * 1024 * 1024] in policy["conditions"]
    assert up["uploadUrl"] and up["maxBytes"] == 5 * 1024 * 1024 and up["expiresIn"] == 900
    # When the photo is uploaded there and read with submit for the resident's meter
    put_upload(key, meter_photo())
    read = call(FN, "POST", "/meters/ocr", token=m.token,
                body={"photoKey": key, "meterId": home["meter"]["id"], "submit": True})
    # Then the register is read and the reading keeps a copy of the upload
    assert read.status == 200, read
    assert read.data["value"] == 123.456 and read.data["reading"]["consumption"] == 23.456
    assert read.data["photoKey"].startswith(f"meters/{m.tenant_id}/{home['meter']['id']}/")
    # And without submit the upload itself is the photoKey
    again = call(FN, "POST", "/meters/ocr", token=m.token, body={"photoKey": key})
    assert again.status == 200 and again.data["photoKey"] == key


def test_uploaded_photo_is_checked_by_its_bytes_and_its_owner(aws, home, make_caller):
    # Given a PNG upload that holds a JPEG, another tenant's upload, and a key never uploaded
    m = home["manager"]
    wrong = call(FN, "POST", "/meters/photos", token=m.token, body={"contentType": "image/png"}).data["photoKey"]
    put_upload(wrong, meter_photo(fmt="JPEG"))
    stranger = make_caller("manager")
    foreign = call(FN, "POST", "/meters/photos", token=stranger.token,
                   body={"contentType": "image/png"}).data["photoKey"]
    put_upload(foreign, meter_photo())
    never = call(FN, "POST", "/meters/photos", token=m.token, body={"contentType": "image/jpeg"}).data["photoKey"]
    # When they are read
    answers = [call(FN, "POST", "/meters/ocr", token=m.token, body={"photoKey": k}) for k in (wrong, foreign, never)]
    both = call(FN, "POST", "/meters/ocr", token=m.token, body={"photoKey": never, "image": b64(meter_photo())})
    bad_type = call(FN, "POST", "/meters/photos", token=m.token, body={"contentType": "image/gif"})
    # Then each is 422 on photoKey (or on the request shape), and an unknown type is refused
    assert [a.status for a in answers] == [422, 422, 422]
    assert {a.error["errors"][0]["field"] for a in answers} == {"photoKey"}
    assert both.status == 422 and bad_type.status == 422
