"""Request and response rules of residents, invitations and maintenance requests (pure, no I/O)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from urbaneta.domain.residents import Invitation
from urbaneta.models.maintenance import MaintenanceRequestCreate, MaintenanceRequestUpdate
from urbaneta.models.residents import InvitationCreate, InvitationOut


def invitation(status: str = "pending") -> Invitation:
    return Invitation(id="i", tenant_id="t", apartment_id="a", building_id="b", apartment_number="1",
                      email="mari@example.ee", role="owner", status=status, token_hash="h" * 64, invited_by="u",
                      expires_at="2025-02-08T10:00:00Z", created_at="2025-02-01T10:00:00Z")


def test_pending_invitation_past_expiry_reads_as_expired():
    # Given a pending invitation / When read before and after its expiry / Then pending, then expired
    assert InvitationOut.of(invitation(), now="2025-02-08T09:59:59Z").status == "pending"
    assert InvitationOut.of(invitation(), now="2025-02-08T10:00:00Z").status == "expired"
    # And accepted or cancelled ones keep their status
    for status in ("accepted", "cancelled"):
        assert InvitationOut.of(invitation(status), now="2030-01-01T00:00:00Z").status == status


def test_invitation_out_never_carries_the_token_hash():
    wire = InvitationOut.of(invitation(), now="2025-02-01T10:00:00Z").wire()
    assert "tokenHash" not in wire and "h" * 64 not in str(wire)


def test_invitation_create_refuses_server_owned_fields_and_bad_roles():
    with pytest.raises(ValidationError) as err:
        InvitationCreate.model_validate({"apartmentId": "a", "email": "x@example.ee", "role": "manager",
                                         "status": "accepted"})
    assert {e["loc"][0] for e in err.value.errors()} == {"role", "status"}


@pytest.mark.parametrize("body", [{}, {"status": None}, {"comment": "x", "priority": None}, {"comment": ""}])
def test_maintenance_update_needs_something_and_refuses_nulls(body):
    with pytest.raises(ValidationError):
        MaintenanceRequestUpdate.model_validate(body)


def test_maintenance_update_accepts_a_comment_alone():
    update = MaintenanceRequestUpdate.model_validate({"comment": "  Plumber comes Monday.  "})
    assert update.comment == "Plumber comes Monday." and update.status is None


def test_maintenance_create_defaults_and_limits():
    made = MaintenanceRequestCreate.model_validate({"buildingId": "b", "title": "Lift", "description": "Stuck"})
    assert made.priority == "normal" and made.apartment_id is None and made.metadata is None
    with pytest.raises(ValidationError):
        MaintenanceRequestCreate.model_validate({"buildingId": "b", "title": "x" * 201, "description": "d"})
    with pytest.raises(ValidationError):
        MaintenanceRequestCreate.model_validate({"buildingId": "b", "title": "t", "description": "d",
                                                 "metadata": {f"k{i}": "v" for i in range(21)}})
