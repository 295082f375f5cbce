"""Meters by use case: ``inventory`` (the meters themselves, replacement), ``readings`` (submit, confirm,
reject, list) and ``ocr`` (meter photos). The meters function uses them all, so they are importable from here."""

from urbaneta.services.meters.inventory import (
    create_meter,
    get_meter,
    list_meters,
    replace_meter,
    update_meter,
    visible_meter,
)
from urbaneta.services.meters.ocr import photo_upload, read_photo
from urbaneta.services.meters.readings import (
    Photo,
    confirm_reading,
    get_reading,
    list_readings,
    reject_reading,
    submit_reading,
)

__all__ = [
    "Photo", "confirm_reading", "create_meter", "get_meter", "get_reading", "list_meters", "list_readings",
    "photo_upload", "read_photo", "reject_reading", "replace_meter", "submit_reading", "update_meter",
    "visible_meter",
]
