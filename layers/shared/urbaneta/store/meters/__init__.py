"""Meters and their readings in the single table.

- A meter: ``PK = T#<t>#M#<id>``, ``SK = METER``; listed per building (GSI1) and per apartment (GSI2).
- Its serial number is unique within its building through a guard item written in the same transaction.
- Its readings live in the meter's item collection (``SK = READING#<id>``) and are ordered by reading date in
  GSI1 (``T#<t>#M#<id>#READINGS``, ``<readingDate>#<createdAt>#<id>``), and per building in GSI2
  (``T#<t>#B#<b>#READINGS``, ``<readingDate>#<meterId>#<createdAt>#<id>``: a period's readings in one Query).
- The meter item keeps a pointer to its latest reading that is not rejected (``lastReadingId``/``Value``/
  ``Date``). Every reading write moves the pointer with a condition on its previous value, so two
  concurrent submissions can never both be computed against the same baseline.

Other capabilities use ``get_meter``, ``list_meters``, ``building_readings`` and ``list_readings`` (invoice
generation) and ``delete_meters_of_building`` (the building delete cascade).

Modules: ``items`` (mapping, the pointer condition), ``devices`` (meters), ``readings``; every public name is
importable from here."""

from urbaneta.store.meters.devices import (
    create_meter,
    delete_meters_of_building,
    get_meter,
    list_meters,
    list_meters_page,
    replace_meter,
    update_meter,
)
from urbaneta.store.meters.items import (
    CHANGED,
    SERIAL_TAKEN,
    meter_item,
    reading_item,
    reading_sort_key,
    serial_guard_item,
)
from urbaneta.store.meters.readings import (
    add_reading,
    building_readings,
    confirm_reading,
    get_reading,
    list_readings,
    list_readings_page,
    readings_after,
    readings_before,
    reject_reading,
)

__all__ = [
    "CHANGED",
    "SERIAL_TAKEN",
    "add_reading",
    "building_readings",
    "confirm_reading",
    "create_meter",
    "delete_meters_of_building",
    "get_meter",
    "get_reading",
    "list_meters",
    "list_meters_page",
    "list_readings",
    "list_readings_page",
    "meter_item",
    "reading_item",
    "reading_sort_key",
    "readings_after",
    "readings_before",
    "reject_reading",
    "replace_meter",
    "serial_guard_item",
    "update_meter",
]
