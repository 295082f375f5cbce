"""The organisation's profile item (next to the tenant item, ``keys.organization_profile``), saved under its
version so that two concurrent PATCHes cannot both win."""

from __future__ import annotations

from urbaneta.domain.languages import pick
from urbaneta.domain.organization import Organization
from urbaneta.errors import Conflict
from urbaneta.store import keys, table

ENTITY = "organization_profile"


def get(tenant_id: str) -> Organization:
    """The profile; an organisation that never saved one has the defaults and its registered name."""
    items = table.batch_get([keys.tenant(tenant_id), keys.organization_profile(tenant_id)], consistent=True)
    by_sk = {str(i["SK"]): i for i in items}
    tenant, profile = by_sk.get("TENANT") or {}, by_sk.get("PROFILE")
    if profile is None:  # the language chosen when registering, else the product's default
        return Organization(tenant_id=tenant_id, name=str(tenant.get("name") or ""),
                            default_language=pick(tenant.get("defaultLanguage")))
    return Organization.model_validate({**table.strip_keys(profile), "name": str(tenant.get("name") or "")})


def save(org: Organization, *, expected_version: int) -> None:
    """Write the profile if nobody else saved it since ``expected_version`` was read (409 otherwise)."""
    item = {**keys.organization_profile(org.tenant_id), "entity": ENTITY, **org.stored()}
    item.pop("name", None)  # the registered name lives on the tenant item
    condition = "attribute_not_exists(PK)" if expected_version == 0 else "version = :v"
    try:
        table.put(item, condition=condition, vals={":v": expected_version} if expected_version else None)
    except table.ConditionFailed as exc:
        raise Conflict("The organisation's profile changed meanwhile; read it again and retry.") from exc
