"""Invoices in the single table (see docs/data-model.md, "Invoicing").

- An invoice: ``PK = T#<t>#INV#<id>``, ``SK = INVOICE``, ONE item. Listed per building and apartment in GSI1
  (``T#<t>#INVOICES`` / ``B#<b>#A#<a>#<issueDate>#<number>``) and by number in the slim GSI4 (``T#<t>#INVNO``
  / ``<number>``: the lookup by number and the tenant-wide list).
- While it is sent or overdue and unpaid it also sits in the slim GSI5's sparse, sharded ``DUE#<n>`` partition
  (``<dueDate>#<t>#<id>``): the daily schedule's only way in (overdue sweep, reminders). Paying it or cancelling
  it removes it.
- Its id is derived from (tenant, apartment, period, revision): the identity of "this apartment's invoice for
  this period" is the item key itself, so a regenerated or redelivered chunk finds it (BatchGetItem) and never
  writes a second one. A credit note cancels revision r; the next generation creates revision r+1.
- Numbers come from ``INVCOUNTER#<prefix>``: one UpdateItem per generation chunk adds N to ``last`` and records
  the reservation (which apartments of which job chunk got which block) in the same item, conditioned on the chunk
  not having reserved before. A retried chunk re-reads its reservation and writes the same numbers again.

For payments: ``get_invoice``, ``find_invoice_by_number``, ``list_open_invoices_for_apartment``,
``transition_op`` (with ``domain.invoice_state.after_payment``);
for buildings: ``has_invoices_for_building``/``_for_apartment``.

Modules: ``items`` (mapping, ids), ``reads``, ``numbers`` (counter, reservations, new invoices, generation
lock), ``lifecycle`` (transitions, credit notes); every public name is importable from here."""

from urbaneta.store.invoices.items import CHANGED, NOT_FOUND, invoice_id_for, invoice_item
from urbaneta.store.invoices.lifecycle import (
    Stale,
    apply,
    credit_note_ops,
    lines_op,
    recipient_op,
    reminder_op,
    save_transition,
    save_transition_alone,
    transition_op,
)
from urbaneta.store.invoices.numbers import (
    Reservation,
    counter_op,
    counter_value,
    create_op,
    create_ops,
    find_reservation,
    generation_lock_holder,
    lock_generation,
    release_reservations,
    reserve_numbers,
    write_new,
)
from urbaneta.store.invoices.reads import (
    apartment_invoices,
    apartment_query,
    building_invoice_history,
    current_invoices,
    due_page,
    find_invoice_by_number,
    get_invoice,
    get_invoices,
    has_invoices_for_apartment,
    has_invoices_for_building,
    invoice_ids_by_number,
    invoices_of_building,
    list_invoices_page,
    list_open_invoices_for_apartment,
)

__all__ = [
    "CHANGED",
    "NOT_FOUND",
    "Reservation",
    "Stale",
    "apartment_invoices",
    "apartment_query",
    "apply",
    "building_invoice_history",
    "counter_op",
    "counter_value",
    "create_op",
    "create_ops",
    "credit_note_ops",
    "current_invoices",
    "due_page",
    "find_invoice_by_number",
    "find_reservation",
    "generation_lock_holder",
    "get_invoice",
    "get_invoices",
    "has_invoices_for_apartment",
    "has_invoices_for_building",
    "invoice_id_for",
    "invoice_ids_by_number",
    "invoice_item",
    "invoices_of_building",
    "lines_op",
    "list_invoices_page",
    "list_open_invoices_for_apartment",
    "lock_generation",
    "recipient_op",
    "release_reservations",
    "reminder_op",
    "reserve_numbers",
    "save_transition",
    "save_transition_alone",
    "transition_op",
    "write_new",
]
