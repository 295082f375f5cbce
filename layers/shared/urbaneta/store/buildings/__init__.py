"""Repository of buildings, apartments and charges (the building aggregate). Other capabilities read through
``get_building``, ``get_apartment``, ``list_apartments``, ``find_apartment_by_reference`` and ``list_charges``.

Items (keys in ``store.keys``):
- building ``T#t#B#b / BUILDING`` in GSI1 ``T#t#BUILDINGS`` (creation order) while active; its size does not
  depend on its apartments (a resident's buildings come from their apartments' items);
- apartment membership ``T#t#B#b / APT#a`` in the building's collection (the delete cascade's consistent list);
- apartment list head ``T#t#B#b / APARTMENTS`` in GSI1 ``T#t#B#b#APARTMENTS`` with sort key ``!``: it sorts
  before every apartment, so the first page of the apartment list proves the building exists and is active;
- apartment ``T#t#A#a / APARTMENT`` in GSI1 ``T#t#B#b#APARTMENTS`` (natural number order), with the guards
  ``...#APTNO#<number>`` (number unique in the building) and ``T#t#REF#<ref>`` (reference → apartment);
- charge ``T#t#B#b / CHARGE#c`` in the building's item collection;
- counter ``T#t#COUNTER#APTREF`` behind the apartments' reference numbers.

One module per entity (``building``, ``apartments``, ``charges``), shared pieces in ``common``; every public name
is importable from here."""

from urbaneta.store.buildings.apartments import (
    apartment_item,
    create_apartment,
    delete_apartment,
    find_apartment_by_reference,
    get_apartment,
    get_building_and_apartments,
    list_apartments,
    membership_item,
    page_apartments,
    update_apartment,
)
from urbaneta.store.buildings.building import (
    archive_building,
    building_item,
    buildings_of_apartments,
    create_building,
    delete_building_cascade,
    get_building,
    get_building_item,
    is_being_deleted,
    keep_archived,
    page_buildings,
    update_building,
)
from urbaneta.store.buildings.charges import (
    charge_item,
    create_charge,
    delete_charge,
    get_building_and_charge,
    list_charges,
    page_charges,
    update_charge,
)
from urbaneta.store.buildings.common import (
    APARTMENT_NOT_FOUND,
    BUILDING_NOT_FOUND,
    CHARGE_NOT_FOUND,
    NUMBER_TAKEN,
    REFERENCE_BASE,
    is_active,
)

__all__ = [
    "APARTMENT_NOT_FOUND",
    "BUILDING_NOT_FOUND",
    "CHARGE_NOT_FOUND",
    "NUMBER_TAKEN",
    "REFERENCE_BASE",
    "apartment_item",
    "archive_building",
    "building_item",
    "buildings_of_apartments",
    "charge_item",
    "create_apartment",
    "create_building",
    "create_charge",
    "delete_apartment",
    "delete_building_cascade",
    "delete_charge",
    "find_apartment_by_reference",
    "get_apartment",
    "get_building",
    "get_building_and_apartments",
    "get_building_and_charge",
    "get_building_item",
    "is_active",
    "is_being_deleted",
    "keep_archived",
    "list_apartments",
    "list_charges",
    "membership_item",
    "page_apartments",
    "page_buildings",
    "page_charges",
    "update_apartment",
    "update_building",
    "update_charge",
]
