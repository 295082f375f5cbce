"""Every key of the single table is spelled here, one builder per entity. Nowhere else is a key written.

Conventions (see docs/data-model.md for the access-pattern table):
- Tenant data: every ``PK`` and every GSI partition key starts with ``T#<tenantId>``, so no key condition can
  ever reach another tenant's items.
- An entity lives at ``PK = T#<t>#<KIND>#<id>``, ``SK = <KIND>`` unless it is a child kept in its parent's
  item collection (``SK = <CHILD>#<id>``).
- Lists go through a generic index (GSI1..GSI3) whose partition key names the collection.
- Global lookups (e-mail, API key hash, one-time token hash, provider order) are pointers only; the reader
  then fetches the tenant-scoped item.
"""

from __future__ import annotations

Key = dict[str, str]

INDEXES = ("GSI1", "GSI2", "GSI3")


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


def session(tenant_id: str, session_id: str) -> Key:
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
