"""Meter photos: upload URLs, and reading a register from a photo (OCR), optionally submitting it."""

from __future__ import annotations

import base64
import binascii
import time

from urbaneta.adapters import photos, uploads
from urbaneta.auth.principal import Principal
from urbaneta.clock import new_id, today
from urbaneta.errors import FieldError, ValidationFailed
from urbaneta.models.meters import MAX_IMAGE_BYTES, OcrOut, OcrRequest, PhotoUploadCreate, PhotoUploadOut, ReadingOut
from urbaneta.observability import logger, metrics
from urbaneta.services.meters.inventory import visible_meter
from urbaneta.services.meters.readings import Photo, record_reading


def _decode_image(raw: str) -> tuple[bytes, str]:
    from urbaneta.adapters.ocr import image_type

    text = raw.strip()
    if text.startswith("data:") and "," in text:  # a data URL: the type it names is not trusted either
        text = text.split(",", 1)[1]
    if len(text) > (MAX_IMAGE_BYTES * 4) // 3 + 4:
        raise ValidationFailed.one("image", "must be at most 5 MB")
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValidationFailed.one("image", "is not valid base64") from exc
    if len(data) > MAX_IMAGE_BYTES:
        raise ValidationFailed.one("image", "must be at most 5 MB")
    content_type = image_type(data)
    if content_type is None:
        raise ValidationFailed.one("image", "must be a JPEG or PNG image (judged by its content)")
    _check_dimensions("image", data)
    return data, content_type


def _check_dimensions(field: str, data: bytes) -> None:
    from urbaneta.adapters.ocr import MAX_PIXELS, image_size

    size = image_size(data)
    if size is None or size[0] < 1 or size[1] < 1:
        raise ValidationFailed.one(field, "the image is damaged: no width and height found")
    if size[0] * size[1] > MAX_PIXELS:
        raise ValidationFailed.one(field, f"at most {MAX_PIXELS // 1_000_000} megapixels")


def read_photo(p: Principal, body: OcrRequest) -> OcrOut:
    """Read a meter photo, keep it, and (with submit) record the value as a reading of the meter."""
    from urbaneta.adapters.ocr import engine_name, get_engine
    from urbaneta.adapters.ocr.register import Unreadable, find_register, full_text

    errors: list[FieldError] = []
    if (body.image is None) == (body.photo_key is None):
        errors.append(FieldError("image", "send either image or photoKey (exactly one)"))
    if body.submit and not body.meter_id:
        errors.append(FieldError("meterId", "is required with submit"))
    if body.reading_date is not None and not body.submit:
        errors.append(FieldError("readingDate", "is only used with submit"))
    if errors:
        raise ValidationFailed("The request is invalid.", errors=errors)
    meter = visible_meter(p, body.meter_id) if body.meter_id else None
    if body.image is not None:
        data, content_type = _decode_image(body.image)
        uploaded = None
    else:
        uploaded = str(body.photo_key)
        data, content_type = _uploaded_image(p, uploaded)
    started = time.perf_counter()
    tokens = get_engine().read(data)
    elapsed_ms = round((time.perf_counter() - started) * 1000)
    logger.info("meter photo read", extra={"engine": engine_name(), "ms": elapsed_ms, "words": len(tokens),
                                           "bytes": len(data)})
    metrics.add_metric(name="MeterPhotosRead", unit="Count", value=1)
    text = full_text(tokens)
    try:
        register = find_register(tokens)
    except Unreadable as exc:
        raise ValidationFailed("The photo shows no readable meter register.", errors=[
            FieldError("image", str(exc))]) from exc
    if body.submit and meter is not None:
        photo = Photo(data=None, content_type=content_type, upload_key=uploaded) if uploaded else \
            Photo(data=data, content_type=content_type)
        reading = record_reading(p, meter, register.value, body.reading_date or today(), photo)
        assert reading.photo_key is not None
        return OcrOut(value=register.value, confidence=register.confidence, text=text, photo_key=reading.photo_key,
                      reading=ReadingOut.of(reading))
    if uploaded is not None:
        return OcrOut(value=register.value, confidence=register.confidence, text=text, photo_key=uploaded)
    key = photos.upload_key(p.tenant_id, new_id(), content_type)
    photos.put_photo(key, data, content_type, tenant_id=p.tenant_id)
    return OcrOut(value=register.value, confidence=register.confidence, text=text, photo_key=key)


def _uploaded_image(p: Principal, key: str) -> tuple[bytes, str]:
    """A photo uploaded with POST /meters/photos: of this tenant, present, at most 5 MB, and the type it was
    announced as — judged by its bytes."""
    from urbaneta.adapters.ocr import image_type

    announced = photos.upload_content_type(p.tenant_id, key)
    try:
        data = photos.read(key, max_bytes=MAX_IMAGE_BYTES) if announced else None
    except ValueError as exc:
        raise ValidationFailed.one("photoKey", "the photo must be at most 5 MB") from exc
    if announced is None or data is None:
        raise ValidationFailed.one("photoKey", "is not a photo uploaded by this organisation")
    if image_type(data) != announced:
        raise ValidationFailed.one("photoKey", f"the upload is not the {announced} it was announced as")
    _check_dimensions("photoKey", data)
    return data, announced


def photo_upload(p: Principal, body: PhotoUploadCreate) -> PhotoUploadOut:
    """A presigned S3 POST for one photo (at most 5 MB) under the tenant, to read with POST /meters/ocr."""
    key = photos.upload_key(p.tenant_id, new_id(), body.content_type)
    url, fields = uploads.presigned_post(key, body.content_type, max_bytes=MAX_IMAGE_BYTES)
    return PhotoUploadOut(photo_key=key, upload_url=url, fields=fields, expires_in=uploads.UPLOAD_SECONDS,
                          max_bytes=MAX_IMAGE_BYTES)
