"""Every key of the single table is spelled here, one builder per entity. Nowhere else is a key written.

Conventions (see docs/data-model.md for the access-pattern table):
- Tenant data: every ``PK`` and every GSI partition key starts with ``T#<tenantId>``, so no key condition can
  ever reach another tenant's items.
- An entity lives at ``PK = T#<t>#<KIND>#<id>``, ``SK = <KIND>`` unless it is a child kept in its parent's
  item collection (``SK = <CHILD>#<id>``).
- Lists go through a generic index (GSI1..GSI3, whole items; GSI4/GSI5 slim, invoices only) whose partition key
  names the collection.
- Global lookups (e-mail, API key hash, one-time token hash, provider order) are pointers only; the reader
  then fetches the tenant-scoped item.
"""

from __future__ import annotations

Key = dict[str, str]

INDEXES = ("GSI1", "GSI2", "GSI3", "GSI4", "GSI5")

# GSI1..GSI3 project whole items: a list is one Query. GSI4 and GSI5 hold only invoices and project little: GSI4
# (by number) its keys, GSI5 (the due watch) its keys and status, which the overdue sweep filters on. An invoice is
# rewritten when it is sent and when it is paid; with whole projections each index wrote the 1.5 KB invoice again
# (2 units each), now neither change writes to GSI4 and only entering or leaving the watch writes to GSI5 (1
# unit). A query on them reads the invoices after the entries (``table.query_page``); template.yaml declares the
# same projections (a test holds them together).
SLIM_INDEXES = frozenset({"GSI4", "GSI5"})
SLIM_PROJECTIONS = {"GSI4": (), "GSI5": ("status",)}


def _t(tenant_id: str) -> str:
    return f"T#{tenant_id}"


def pk_sk(pk: str, sk: str) -> Key:
    return {"PK": pk, "SK": sk}


def gsi(index: str, pk: str, sk: str) -> Key:
    if index not in INDEXES:
        raise ValueError(f"unknown index {index}")
    return {f"{index}PK": pk, f"{index}SK": sk}


# --- tenants, users, sessions ---------------------------------------------------------------------------


def tenant(tenant_id: str) -> Key:
    return pk_sk(_t(tenant_id), "TENANT")


def user(tenant_id: str, user_id: str) -> Key:
    return pk_sk(f"{_t(tenant_id)}#U#{user_id}", "USER")


def users_index(tenant_id: str, email: str) -> Key:
    return gsi("GSI1", f"{_t(tenant_id)}#USERS", email)


def user_email(email: str) -> Key:
    """Global uniqueness of a login e-mail; points to (tenantId, userId)."""
    return pk_sk(f"EMAIL#{email.strip().lower()}", "EMAIL")


def staff_partition(tenant_id: str) -> str:
    return f"{_t(tenant_id)}#STAFF"


def staff_index(tenant_id: str, email: str, user_id: str) -> Key:
    """GSI2: the organisation's members (staff users only, never residents), by e-mail."""
    return gsi("GSI2", staff_partition(tenant_id), f"{email}#{user_id}")


def organization_profile(tenant_id: str) -> Key:
    """The organisation's profile (legal details, language, logo), next to its tenant item."""
    return pk_sk(_t(tenant_id), "PROFILE")


def member_invitation(tenant_id: str, invitation_id: str) -> Key:
    return pk_sk(f"{_t(tenant_id)}#MINV#{invitation_id}", "MEMBER_INVITATION")


def member_invitations_index(tenant_id: str, expires_at: str, invitation_id: str) -> Key:
    """GSI1: pending member invitations (removed on acceptance or cancellation), soonest expiry first."""
    return gsi("GSI1", member_invitations_partition(tenant_id), f"{expires_at}#{invitation_id}")


def member_invitations_partition(tenant_id: str) -> str:
    return f"{_t(tenant_id)}#MINVITATIONS"


def member_invitation_guard(tenant_id: str, email: str) -> Key:
    """Uniqueness guard: one pending staff invitation per organisation and e-mail."""
    return pk_sk(f"{_t(tenant_id)}#MINVGUARD#{email.strip().lower()}", "MEMBER_INVITATION_GUARD")


def session(tenant_id: str, session_id: str) -> Key:
    """A login session = one refresh-token family; access tokens name it in their ``sid`` claim."""
    return pk_sk(f"{_t(tenant_id)}#SESSION#{session_id}", "SESSION")


# --- buildings, apartments, charges ---------------------------------------------------------------------


def building(tenant_id: str, building_id: str) -> Key:
    return pk_sk(f"{_t(tenant_id)}#B#{building_id}", "BUILDING")


def buildings_index(tenant_id: str, created_at: str, building_id: str) -> Key:
    return gsi("GSI1", f"{_t(tenant_id)}#BUILDINGS", f"{created_at}#{building_id}")


def buildings_partition(tenant_id: str) -> str:
    return f"{_t(tenant_id)}#BUILDINGS"


def apartment(tenant_id: str, apartment_id: str) -> Key:
    return pk_sk(f"{_t(tenant_id)}#A#{apartment_id}", "APARTMENT")


def ownership_change(tenant_id: str, apartment_id: str, change_date: str) -> Key:
    """One ownership change of an apartment (its date), in the apartment's item collection: its history."""
    return pk_sk(f"{_t(tenant_id)}#A#{apartment_id}", f"OWNER#{change_date}")


def building_apartment(tenant_id: str, building_id: str, apartment_id: str) -> Key:
    """Membership of an apartment in its building's item collection (a fixed-size item per apartment, written in
    the apartment's transaction): the strongly consistent list the delete cascade pages."""
    return pk_sk(building(tenant_id, building_id)["PK"], f"{building_apartments_prefix()}{apartment_id}")


def building_apartments_prefix() -> str:
    return "APT#"


def apartments_partition(tenant_id: str, building_id: str) -> str:
    return f"{_t(tenant_id)}#B#{building_id}#APARTMENTS"


def apartments_index(tenant_id: str, building_id: str, number: str) -> Key:
    """Apartments of a building, ordered by number (natural order: digits zero-padded)."""
    return gsi("GSI1", apartments_partition(tenant_id, building_id), natural_sort_key(number))


def apartment_number(tenant_id: str, building_id: str, number: str) -> Key:
    """Uniqueness guard: one apartment number per building."""
    return pk_sk(f"{_t(tenant_id)}#B#{building_id}#APTNO#{number.strip().upper()}", "APTNO")


def apartment_reference(tenant_id: str, reference: str) -> Key:
    """Payment reference number → apartment (reconciliation looks payments up by it)."""
    return pk_sk(f"{_t(tenant_id)}#REF#{reference}", "REF")


def charge(tenant_id: str, building_id: str, charge_id: str) -> Key:
    """Charges are children of their building's item collection."""
    return pk_sk(f"{_t(tenant_id)}#B#{building_id}", f"CHARGE#{charge_id}")


def charges_prefix() -> str:
    return "CHARGE#"


def natural_sort_key(value: str) -> str:
    """'2' < '10' < '10A': pad every digit run to 8 characters."""
    out, digits = [], ""
    for ch in value.strip().upper():
        if ch.isdigit():
            digits += ch
            continue
        if digits:
            out.append(digits.zfill(8))
            digits = ""
        out.append(ch)
    if digits:
        out.append(digits.zfill(8))
    return "".join(out)


# --- idempotency (Powertools persistence layer on the same table) ---------------------------------------


def idempotency_partition() -> str:
    return "IDEMPOTENCY"


# --- payments: payments, provider orders, apartment credit, bank statements and entries ------------------


def payment(tenant_id: str, payment_id: str) -> Key:
    return pk_sk(f"{_t(tenant_id)}#PAY#{payment_id}", "PAYMENT")


def payments_partition(tenant_id: str) -> str:
    return f"{_t(tenant_id)}#PAYMENTS"


def payments_index(tenant_id: str, paid_date: str, payment_id: str) -> Key:
    """Every payment of a tenant, by paid date (GET /payments?from=&to=)."""
    return gsi("GSI1", payments_partition(tenant_id), f"{paid_date}#{payment_id}")


def invoice_payments_partition(tenant_id: str, invoice_id: str) -> str:
    return f"{_t(tenant_id)}#INV#{invoice_id}#PAYMENTS"


def invoice_payments_index(tenant_id: str, invoice_id: str, paid_date: str, payment_id: str) -> Key:
    """Payments of one invoice, by paid date (GET /payments?invoiceId=); the payment names its first invoice."""
    return gsi("GSI2", invoice_payments_partition(tenant_id, invoice_id), f"{paid_date}#{payment_id}")


def payment_dedupe(tenant_id: str, dedupe: str) -> Key:
    """Uniqueness guard of a recorded payment: an Idempotency-Key, a provider order, a bank entry identity."""
    return pk_sk(f"{_t(tenant_id)}#PAYKEY#{dedupe}", "PAYKEY")


def payment_signature_partition(tenant_id: str, signature: str) -> str:
    return f"{_t(tenant_id)}#PAYSIG#{signature}"


def payment_signature(tenant_id: str, signature: str, payment_id: str) -> Key:
    """Bank payments by (own IBAN, amount, payer, references): how a reversal finds the payment it undoes."""
    return pk_sk(payment_signature_partition(tenant_id, signature), f"PAY#{payment_id}")


def provider_order(provider: str, order_id: str) -> Key:
    """Global pointer from a payment provider's order id to (tenantId, paymentId): callbacks carry no tenant."""
    return pk_sk(f"ORDER#{provider}#{order_id}", "ORDER")


def apartment_credit(tenant_id: str, apartment_id: str) -> Key:
    """The apartment's credit balance (overpayments), in its item collection; invoice generation consumes it."""
    return pk_sk(f"{_t(tenant_id)}#A#{apartment_id}", "CREDIT")


def known_payer(tenant_id: str, iban: str) -> Key:
    """A payer IBAN seen paying for an apartment (reconciliation rule 3)."""
    return pk_sk(f"{_t(tenant_id)}#PAYER#{iban.replace(' ', '').upper()}", "PAYER")


def bank_statement(tenant_id: str, statement_id: str) -> Key:
    return pk_sk(f"{_t(tenant_id)}#STMT#{statement_id}", "STATEMENT")


def bank_entry(tenant_id: str, entry_id: str) -> Key:
    """A statement entry, keyed by its import identity: the same bank transaction is stored once."""
    return pk_sk(f"{_t(tenant_id)}#BANKTX#{entry_id}", "BANKTX")


def bank_fallback_slot(tenant_id: str, slot: str) -> Key:
    """The n-th line with one fallback key (account, date, direction, amount, currency, counterparty): which
    entry holds it and under which bank reference (cross-format deduplication, docs/bank-formats.md)."""
    return pk_sk(f"{_t(tenant_id)}#BANKALT#{slot}", "BANKALT")


def statement_entries_partition(tenant_id: str, statement_id: str) -> str:
    return f"{_t(tenant_id)}#STMT#{statement_id}#ENTRIES"


def statement_entries_index(tenant_id: str, statement_id: str, position: int, tx_index: int = 0) -> Key:
    """Entries of a statement in file order, the transactions of a batch in theirs (GET /bank-statements/{id})."""
    return gsi("GSI1", statement_entries_partition(tenant_id, statement_id), f"{position:07d}#{tx_index:04d}")


# --- residents, invitations, maintenance requests (area: residents) ------------------------------------


def invitation(tenant_id: str, invitation_id: str) -> Key:
    return pk_sk(f"{_t(tenant_id)}#INV#{invitation_id}", "INVITATION")


def invitations_partition(tenant_id: str) -> str:
    return f"{_t(tenant_id)}#INVITATIONS"


def invitations_index(tenant_id: str, expires_at: str, invitation_id: str) -> Key:
    """Pending invitations only (the attributes are removed on acceptance or cancellation), ordered by
    expiry, so ``GSI1SK >= now`` is the key condition of 'pending and still valid'."""
    return gsi("GSI1", invitations_partition(tenant_id), f"{expires_at}#{invitation_id}")


def invitation_token(token_hash: str) -> Key:
    """Global pointer: sha256 of an invitation's one-time token → (tenantId, invitationId)."""
    return pk_sk(f"INVTOKEN#{token_hash}", "INVTOKEN")


def invitation_guard(tenant_id: str, apartment_id: str, email: str) -> Key:
    """Uniqueness guard: one pending invitation per apartment and e-mail."""
    return pk_sk(f"{_t(tenant_id)}#A#{apartment_id}#INVITE#{email.strip().lower()}", "INVITE")


def resident(tenant_id: str, user_id: str) -> Key:
    """A resident's profile: the user's name, e-mail and apartments (with owner/tenant role)."""
    return pk_sk(f"{_t(tenant_id)}#RESIDENT#{user_id}", "RESIDENT")


def residents_partition(tenant_id: str) -> str:
    return f"{_t(tenant_id)}#RESIDENTS"


def residents_index(tenant_id: str, email: str, user_id: str) -> Key:
    return gsi("GSI1", residents_partition(tenant_id), f"{email.strip().lower()}#{user_id}")


def residency(tenant_id: str, user_id: str, apartment_id: str) -> Key:
    """One residence (resident x apartment) in the resident's item collection; listed per building and
    per apartment."""
    return pk_sk(f"{_t(tenant_id)}#RESIDENT#{user_id}", f"APT#{apartment_id}")


def building_residents_partition(tenant_id: str, building_id: str) -> str:
    return f"{_t(tenant_id)}#B#{building_id}#RESIDENTS"


def apartment_residents_partition(tenant_id: str, apartment_id: str) -> str:
    return f"{_t(tenant_id)}#A#{apartment_id}#RESIDENTS"


def residency_indexes(tenant_id: str, building_id: str, apartment_id: str, number: str, email: str,
                      user_id: str) -> Key:
    """GSI2: residences of a building by apartment number; GSI3: residents of an apartment by e-mail."""
    return {**gsi("GSI2", building_residents_partition(tenant_id, building_id),
                  f"{natural_sort_key(number)}#{apartment_id}#{user_id}"),
            **gsi("GSI3", apartment_residents_partition(tenant_id, apartment_id),
                  f"{email.strip().lower()}#{user_id}")}


MAINTENANCE_STAGES = ("open", "in_progress", "resolved", "closed")


def maintenance_request(tenant_id: str, request_id: str) -> Key:
    return pk_sk(f"{_t(tenant_id)}#MR#{request_id}", "REQUEST")


def maintenance_request_partition(tenant_id: str, request_id: str) -> str:
    """The request's item collection: the request (SK ``REQUEST``) and its history (SK ``HIST#...``)."""
    return f"{_t(tenant_id)}#MR#{request_id}"


def maintenance_history(tenant_id: str, request_id: str, seq: int) -> Key:
    """One history entry (creation, status change, comment); ``seq`` keeps them in order."""
    return pk_sk(maintenance_request_partition(tenant_id, request_id), f"HIST#{seq:05d}")


def maintenance_history_prefix() -> str:
    return "HIST#"


def maintenance_status_prefix(status: str) -> str:
    """Sort-key prefix of a life-cycle stage: lists come ordered open → in_progress → resolved → closed."""
    return f"{MAINTENANCE_STAGES.index(status)}{status}#"


def _maintenance_sk(status: str, created_at: str, request_id: str) -> str:
    return f"{maintenance_status_prefix(status)}{created_at}#{request_id}"


def maintenance_tenant_partition(tenant_id: str) -> str:
    return f"{_t(tenant_id)}#MRS"


def maintenance_building_partition(tenant_id: str, building_id: str) -> str:
    return f"{_t(tenant_id)}#B#{building_id}#MRS"


def maintenance_apartment_partition(tenant_id: str, apartment_id: str) -> str:
    return f"{_t(tenant_id)}#A#{apartment_id}#MRS"


def maintenance_indexes(tenant_id: str, building_id: str, apartment_id: str | None, status: str,
                        created_at: str, request_id: str) -> Key:
    """GSI1: every request of the tenant; GSI2: of a building; GSI3: of an apartment (absent for requests
    about the building as a whole). Each sorted by stage, then oldest first."""
    sk = _maintenance_sk(status, created_at, request_id)
    out = {**gsi("GSI1", maintenance_tenant_partition(tenant_id), sk),
           **gsi("GSI2", maintenance_building_partition(tenant_id, building_id), sk)}
    if apartment_id:
        out.update(gsi("GSI3", maintenance_apartment_partition(tenant_id, apartment_id), sk))
    return out


# --- meters and readings (store.meters) ------------------------------------------------------------------


def meter(tenant_id: str, meter_id: str) -> Key:
    """A meter; its readings live in the same item collection (``SK = READING#<id>``)."""
    return pk_sk(f"{_t(tenant_id)}#M#{meter_id}", "METER")


def meter_collection(tenant_id: str, meter_id: str) -> str:
    return meter(tenant_id, meter_id)["PK"]


def meters_partition(tenant_id: str, building_id: str) -> str:
    return f"{_t(tenant_id)}#B#{building_id}#METERS"


def meters_index(tenant_id: str, building_id: str, created_at: str, meter_id: str) -> Key:
    """Meters of a building, oldest first (GET /meters?buildingId=)."""
    return gsi("GSI1", meters_partition(tenant_id, building_id), f"{created_at}#{meter_id}")


def apartment_meters_partition(tenant_id: str, apartment_id: str) -> str:
    return f"{_t(tenant_id)}#A#{apartment_id}#METERS"


def apartment_meters_index(tenant_id: str, apartment_id: str, created_at: str, meter_id: str) -> Key:
    """Meters of one apartment (GET /meters?buildingId=&apartmentId=)."""
    return gsi("GSI2", apartment_meters_partition(tenant_id, apartment_id), f"{created_at}#{meter_id}")


def meter_serial(tenant_id: str, building_id: str, serial_number: str) -> Key:
    """Uniqueness guard: one serial number per building (compared trimmed, upper case, without spaces)."""
    normal = "".join(serial_number.split()).upper()
    return pk_sk(f"{_t(tenant_id)}#B#{building_id}#METERSN#{normal}", "METERSN")


def reading(tenant_id: str, meter_id: str, reading_id: str) -> Key:
    return pk_sk(meter_collection(tenant_id, meter_id), f"READING#{reading_id}")


def readings_prefix() -> str:
    return "READING#"


def readings_partition(tenant_id: str, meter_id: str) -> str:
    return f"{_t(tenant_id)}#M#{meter_id}#READINGS"


def readings_sort(reading_date: str, created_at: str, reading_id: str) -> str:
    return f"{reading_date}#{created_at}#{reading_id}"


def readings_index(tenant_id: str, meter_id: str, reading_date: str, created_at: str, reading_id: str) -> Key:
    """Readings of a meter by reading date, then submission time (GET /meters/{id}/readings, billing)."""
    return gsi("GSI1", readings_partition(tenant_id, meter_id), readings_sort(reading_date, created_at, reading_id))


def building_readings_partition(tenant_id: str, building_id: str) -> str:
    return f"{_t(tenant_id)}#B#{building_id}#READINGS"


def building_readings_index(tenant_id: str, building_id: str, reading_date: str, meter_id: str, created_at: str,
                            reading_id: str) -> Key:
    """GSI2: every reading of a building by reading date (generation reads a period's in one paged Query)."""
    return gsi("GSI2", building_readings_partition(tenant_id, building_id),
               f"{reading_date}#{meter_id}#{created_at}#{reading_id}")


# --- buildings area: list heads, counters, collection ranges ------------------------------------------------


def building_partition(tenant_id: str, building_id: str) -> str:
    """The building's item collection (the building item, its charges and its apartments' memberships)."""
    return building(tenant_id, building_id)["PK"]


def building_with_charges_range() -> tuple[str, str]:
    """SK range of one Query returning the building item first, then its charges (``BUILDING`` < ``CHARGE#``)."""
    return ("BUILDING", "CHARGE#~")


def apartments_head(tenant_id: str, building_id: str) -> Key:
    """Head item of a building's apartment list: sorts before every apartment in GSI1 (numbers start with a
    letter or digit), so the list's first page also proves the building exists and is active."""
    return {
        **pk_sk(building_partition(tenant_id, building_id), "APARTMENTS"),
        **gsi("GSI1", apartments_partition(tenant_id, building_id), "!"),
    }


def apartment_reference_counter(tenant_id: str) -> Key:
    """Per-tenant counter behind the apartments' 7-3-1 reference numbers."""
    return pk_sk(f"{_t(tenant_id)}#COUNTER#APTREF", "COUNTER")


# --- webhooks (endpoints, deliveries) ---------------------------------------------------------------------


def webhook(tenant_id: str, webhook_id: str) -> Key:
    return pk_sk(f"{_t(tenant_id)}#WH#{webhook_id}", "WEBHOOK")


def webhooks_partition(tenant_id: str) -> str:
    return f"{_t(tenant_id)}#WEBHOOKS"


def webhooks_index(tenant_id: str, created_at: str, webhook_id: str) -> Key:
    """A tenant's endpoints, oldest first (the list route and the fan-out both read it)."""
    return gsi("GSI1", webhooks_partition(tenant_id), f"{created_at}#{webhook_id}")


def webhook_delivery(tenant_id: str, webhook_id: str, delivery_id: str) -> Key:
    """Deliveries are children of their endpoint's item collection; ids are UUIDv7, so SK order is time order."""
    return pk_sk(f"{_t(tenant_id)}#WH#{webhook_id}", f"{webhook_deliveries_prefix()}{delivery_id}")


def webhook_deliveries_partition(tenant_id: str, webhook_id: str) -> str:
    return f"{_t(tenant_id)}#WH#{webhook_id}"


def webhook_deliveries_prefix() -> str:
    return "DELIVERY#"


def webhook_counter(tenant_id: str) -> Key:
    """How many endpoints a tenant has (moved in the same transaction as each create and delete)."""
    return pk_sk(f"{_t(tenant_id)}#WHCOUNT", "COUNTER")


# --- apartment accounts: ledger entries, balance aggregates, the daily consistency watch -------------------

ACCOUNT_CHECK_SHARDS = 8  # the consistency check's sparse index of accounts changed on a day


def ledger_partition(tenant_id: str, apartment_id: str) -> str:
    return f"{_t(tenant_id)}#A#{apartment_id}#LEDGER"


def ledger_sort(entry_date: str, entry_id: str) -> str:
    return f"E#{entry_date}#{entry_id}"


def ledger_entry(tenant_id: str, apartment_id: str, entry_date: str, entry_id: str) -> Key:
    """One entry of an apartment account, by date then its cause-derived id (statements query a date range)."""
    return pk_sk(ledger_partition(tenant_id, apartment_id), ledger_sort(entry_date, entry_id))


def accounts_partition(tenant_id: str, building_id: str) -> str:
    return f"{_t(tenant_id)}#B#{building_id}#ACCOUNTS"


def account_balance(tenant_id: str, building_id: str, apartment_id: str) -> Key:
    """The balance aggregate of an apartment, in its building's accounts collection (the debtor report reads the
    collection page by page; a statement reads one item)."""
    return pk_sk(accounts_partition(tenant_id, building_id), f"A#{apartment_id}")


def account_check_partition(shard: int) -> str:
    return f"ACCOUNTCHECK#{shard}"


def account_check_index(tenant_id: str, day: str, building_id: str, apartment_id: str) -> Key:
    """GSI3: accounts by the day they last changed (the daily consistency check re-adds those of a day)."""
    shard = sum(tenant_id.encode()) % ACCOUNT_CHECK_SHARDS
    return gsi("GSI3", account_check_partition(shard), f"{day}#{tenant_id}#{building_id}#{apartment_id}")


# --- invoicing: invoices, numbers, counters, due watch, generation locks, jobs ---------------------------

DUE_SHARDS = 8  # the overdue sweep's sparse index is spread over this many partitions


def invoice(tenant_id: str, invoice_id: str) -> Key:
    return pk_sk(f"{_t(tenant_id)}#INV#{invoice_id}", "INVOICE")


def invoice_id_of(entry: Key) -> str:
    """The invoice id an invoice's key (or an index entry of it) names."""
    return entry["PK"].rsplit("#INV#", 1)[1]


def invoices_partition(tenant_id: str) -> str:
    return f"{_t(tenant_id)}#INVOICES"


def invoices_index(tenant_id: str, building_id: str, apartment_id: str, issue_date: str, number: str) -> Key:
    """GSI1: a tenant's invoices by building, then apartment, then issue date and number."""
    return gsi("GSI1", invoices_partition(tenant_id), f"B#{building_id}#A#{apartment_id}#{issue_date}#{number}")


def invoices_building_prefix(building_id: str) -> str:
    return f"B#{building_id}#"


def invoices_apartment_prefix(building_id: str, apartment_id: str) -> str:
    return f"B#{building_id}#A#{apartment_id}#"


def invoice_numbers_partition(tenant_id: str) -> str:
    return f"{_t(tenant_id)}#INVNO"


def invoice_number_index(tenant_id: str, number: str) -> Key:
    """GSI4 (slim): a tenant's invoices by number (lookup by number; the tenant-wide list in number order)."""
    return gsi("GSI4", invoice_numbers_partition(tenant_id), number)


def due_shard(tenant_id: str) -> int:
    return sum(tenant_id.encode()) % DUE_SHARDS


def due_partition(shard: int) -> str:
    """The daily schedule is the one cross-tenant reader: a sparse, sharded partition of GSI5 (slim) holding only
    invoices that are sent or overdue and unpaid (the overdue sweep and the reminder run). The item itself stays
    tenant-scoped."""
    return f"DUE#{shard}"


def due_index(tenant_id: str, due_date: str, invoice_id: str) -> Key:
    return gsi("GSI5", due_partition(due_shard(tenant_id)), f"{due_date}#{tenant_id}#{invoice_id}")


def invoice_counter(tenant_id: str, prefix: str) -> Key:
    """The gapless number counter of an organisation and prefix (``last``, plus the open reservations)."""
    return pk_sk(f"{_t(tenant_id)}#INVCOUNTER#{prefix}", "COUNTER")


def generation_lock(tenant_id: str, building_id: str, period_start: str, period_end: str) -> Key:
    """One generation job at a time per building and period (names the job holding it)."""
    return pk_sk(f"{_t(tenant_id)}#B#{building_id}#GENLOCK#{period_start}#{period_end}", "GENLOCK")


def job(tenant_id: str, job_id: str) -> Key:
    return pk_sk(f"{_t(tenant_id)}#JOB#{job_id}", "JOB")


# --- auth: gate (quota + revocations), API keys, magic links, login throttles -----------------------------


GATE_SHARDS = 8
"""An organisation's request gate is spread over this many items (partition keys), ~1,000 writes/s each."""


def tenant_gate(tenant_id: str, shard: int) -> Key:
    """One shard of an organisation's request gate: its share of the quota counter of the current minute, and
    every recently revoked session/API key/user (written to every shard). Every authenticated request makes one
    conditional UpdateItem on one shard, picked at random."""
    return pk_sk(f"{_t(tenant_id)}#GATE#{shard}", "GATE")


def api_key(tenant_id: str, key_id: str) -> Key:
    return pk_sk(f"{_t(tenant_id)}#APIKEY#{key_id}", "APIKEY")


def api_keys_partition(tenant_id: str) -> str:
    return f"{_t(tenant_id)}#APIKEYS"


def api_keys_index(tenant_id: str, created_at: str, key_id: str) -> Key:
    """Active API keys of an organisation, oldest first (revoked keys leave the index)."""
    return gsi("GSI1", api_keys_partition(tenant_id), f"{created_at}#{key_id}")


def api_key_hash(key_hash: str) -> Key:
    """Global pointer from the SHA-256 of an API key to its organisation and key id."""
    return pk_sk(f"APIKEYHASH#{key_hash}", "APIKEYHASH")


def registration(token_hash: str) -> Key:
    """A registration waiting for its e-mail to be confirmed, stored by the SHA-256 of its token only."""
    return pk_sk(f"REGISTRATION#{token_hash}", "REGISTRATION")


def magic_link(token_hash: str) -> Key:
    """A one-time login link, stored by the SHA-256 of its token only."""
    return pk_sk(f"MAGIC#{token_hash}", "MAGIC")


def throttle(purpose: str, subject: str, window: int) -> Key:
    """A counter of attempts for one purpose ("login-account", "login-address", ...) and one subject (an
    HMAC of the e-mail or address) in one fixed window; expires by TTL."""
    return pk_sk(f"THROTTLE#{purpose}#{subject}", f"W#{window}")
