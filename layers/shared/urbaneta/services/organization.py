"""The organisation's profile: its legal details, default language and logo.

``get_profile(tenant_id)`` is how the rest of the code (PDFs, e-mails, hosted pages) reads the association's
legal details: one BatchGetItem, no caller needed.
"""

from __future__ import annotations

import uuid

from urbaneta.adapters.events import domain_event, publish
from urbaneta.auth.principal import Principal
from urbaneta.clock import now_iso
from urbaneta.domain import organization as rules
from urbaneta.domain.events.auth import OrganizationUpdated
from urbaneta.domain.organization import Logo, Organization
from urbaneta.errors import NotFound, ValidationFailed
from urbaneta.models.common import require_match
from urbaneta.models.organization import (
    LogoConfirm,
    LogoUploadOut,
    LogoUploadRequest,
    OrganizationOut,
    OrganizationUpdate,
)
from urbaneta.store import organization as store

_FIELDS = {"legal_name": "legalName", "registry_code": "registryCode", "vat_number": "vatNumber",
           "address": "address", "email": "email", "phone": "phone", "website": "website",
           "default_language": "defaultLanguage"}


def get_profile(tenant_id: str) -> Organization:
    """The organisation's profile (defaults and the registered name when it never saved one)."""
    return store.get(tenant_id)


profile = get_profile


def _out(org: Organization) -> OrganizationOut:
    from urbaneta.adapters import logos

    return OrganizationOut.of(org, logo_url=logos.presigned_get(org.logo.key) if org.logo else None)


def read(caller: Principal) -> OrganizationOut:
    return _out(get_profile(caller.tenant_id))


def update(caller: Principal, body: OrganizationUpdate, if_match: str | None = None) -> OrganizationOut:
    """Set the fields given (``null`` clears one; the default language cannot be cleared). The registry code
    and the VAT number must be of the same country."""
    current = get_profile(caller.tenant_id)
    require_match(if_match, _out(current))
    changes = {name: getattr(body, name) for name in body.model_fields_set}
    if "default_language" in changes and changes["default_language"] is None:
        raise ValidationFailed.one("defaultLanguage", "cannot be cleared; give one of et, lv, lt, ru, en")
    if "email" in changes and changes["email"] is not None:
        changes["email"] = str(changes["email"]).lower()
    after = current.model_copy(update=changes)
    country = rules.registry_country(after.registry_code) if after.registry_code else None
    try:
        rules.check_vat_country(country, after.vat_number)
    except ValueError as exc:
        raise ValidationFailed.one("vatNumber", str(exc)) from exc
    changed = [_FIELDS[name] for name in sorted(changes) if getattr(current, name) != changes[name]]
    if not changed:
        return _out(current)
    after = after.model_copy(update={"country": country, "version": current.version + 1, "updated_at": now_iso()})
    store.save(after, expected_version=current.version)
    publish([domain_event("organization.updated", caller.tenant_id, OrganizationUpdated(
        changed=changed, updated_by=caller.user_id))])
    return _out(after)


def start_logo_upload(caller: Principal, body: LogoUploadRequest) -> LogoUploadOut:
    """A presigned PUT for one image under the organisation's prefix; ``confirm_logo`` checks it."""
    from urbaneta.adapters import logos

    upload_id = str(uuid.uuid4())
    url = logos.presigned_put(logos.upload_key(caller.tenant_id, upload_id), body.content_type)
    return LogoUploadOut(upload_id=upload_id, url=url, headers={"Content-Type": body.content_type},
                         expires_in=logos.UPLOAD_SECONDS)


def confirm_logo(caller: Principal, body: LogoConfirm) -> OrganizationOut:
    """Check the uploaded bytes (PNG or JPEG by their magic bytes, at most 512 KB, decoded, 16 to 2000 pixels a
    side) and make them the logo; anything else is 422 and the upload is deleted."""
    from urbaneta.adapters import logos

    upload = logos.upload_key(caller.tenant_id, body.upload_id)
    try:
        data = logos.read(upload, max_bytes=rules.LOGO_MAX_BYTES)
        if data is None:
            raise NotFound("No image was uploaded with this uploadId (or it was already used).")
        content_type, width, height = rules.logo_facts(data)
    except ValueError as exc:
        logos.remove(upload)
        reason = f"is larger than {rules.LOGO_MAX_BYTES // 1024} KB" if str(exc) == "too large" else str(exc)
        raise ValidationFailed.one("logo", reason) from exc
    key = logos.logo_key(caller.tenant_id, body.upload_id, rules.LOGO_TYPES[content_type])
    logos.put(key, data, content_type)
    logos.remove(upload)
    current = get_profile(caller.tenant_id)
    logo = Logo(key=key, content_type=content_type, width=width, height=height, size=len(data),
                uploaded_at=now_iso())
    after = current.model_copy(update={"logo": logo, "version": current.version + 1, "updated_at": logo.uploaded_at})
    store.save(after, expected_version=current.version)
    if current.logo:
        logos.remove(current.logo.key)
    publish([domain_event("organization.updated", caller.tenant_id, OrganizationUpdated(
        changed=["logo"], updated_by=caller.user_id))])
    return _out(after)
