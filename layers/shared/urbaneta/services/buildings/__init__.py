"""Buildings, apartments and charges: who may see what, the delete/archive rule, and the domain events
``building.*``, ``apartment.*`` and ``charge.*``.

Visibility: staff (owner, manager) see and manage every building of their organisation; a resident sees the
buildings they live in and, within them, only their own apartments (everything else is 404 to them). Routes
a resident may not call at all answer 403 before reaching this module.

Delete or archive (accounting records are never destroyed): ``DELETE /buildings/{id}`` needs the owner's
password. A building that has issued invoices is archived: it leaves every list and every building route
(404), and stays readable for its invoices (``store.buildings.get_building(..., include_archived=True)``) with
its apartments and charges. A building without invoices is deleted with its apartments (and their number and
reference guards), charges and meters (with their readings).

By use case: ``building`` (the buildings, delete or archive), ``apartments``, ``charges``; ``common`` holds the
events with who did it and PATCH changes. The buildings function uses them all, so they are importable from here.
"""

from urbaneta.services.buildings.apartments import (
    create_apartment,
    delete_apartment,
    get_apartment,
    list_apartments,
    update_apartment,
)
from urbaneta.services.buildings.building import (
    create_building,
    delete_building,
    get_building,
    list_buildings,
    update_building,
)
from urbaneta.services.buildings.charges import create_charge, delete_charge, get_charge, list_charges, update_charge

__all__ = [
    "create_apartment", "create_building", "create_charge", "delete_apartment", "delete_building", "delete_charge",
    "get_apartment", "get_building", "get_charge", "list_apartments", "list_buildings", "list_charges",
    "update_apartment", "update_building", "update_charge",
]
