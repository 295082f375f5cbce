"""The maintenance request life cycle and who may move it (pure rules)."""

from __future__ import annotations

import pytest

from urbaneta.domain.maintenance import STATUSES, can_transition, check_transition
from urbaneta.errors import Conflict, Forbidden
from urbaneta.store import keys


@pytest.mark.parametrize(("current", "target"), [
    ("open", "in_progress"), ("in_progress", "resolved"), ("resolved", "closed"), ("resolved", "in_progress"),
])
def test_staff_may_make_every_life_cycle_step(current, target):
    # Given a step of the life cycle / When staff make it / Then nothing is raised
    assert can_transition(current, target)
    check_transition(current, target, is_staff=True)


@pytest.mark.parametrize(("current", "target"), [
    ("open", "resolved"), ("open", "closed"), ("in_progress", "open"), ("in_progress", "closed"),
    ("resolved", "open"), ("closed", "open"), ("closed", "in_progress"), ("closed", "resolved"),
])
def test_steps_outside_the_life_cycle_conflict_for_everyone(current, target):
    # Given a step the life cycle does not have / When anyone tries it / Then it is a conflict
    for is_staff in (True, False):
        with pytest.raises(Conflict):
            check_transition(current, target, is_staff=is_staff)


def test_residents_may_only_confirm_or_reopen_a_resolved_request():
    # Given a resident / When they move a resolved request to closed or back to in_progress / Then it is allowed
    check_transition("resolved", "closed", is_staff=False)
    check_transition("resolved", "in_progress", is_staff=False)
    # When they try the staff-only steps / Then it is forbidden
    for current, target in (("open", "in_progress"), ("in_progress", "resolved")):
        with pytest.raises(Forbidden):
            check_transition(current, target, is_staff=False)


def test_closed_is_final():
    # Given a closed request / Then no status follows it
    assert not any(can_transition("closed", s) for s in STATUSES)


def test_list_sort_keys_order_stages_then_oldest_first():
    # Given requests in several stages and times
    made = [("closed", "2025-01-01T00:00:00Z"), ("open", "2025-03-01T00:00:00Z"),
            ("resolved", "2025-01-02T00:00:00Z"), ("open", "2025-02-01T00:00:00Z"),
            ("in_progress", "2025-05-01T00:00:00Z")]
    # When their list sort keys are sorted
    sks = sorted((keys.maintenance_indexes("t", "b", "a", s, at, "r")["GSI1SK"], s, at) for s, at in made)
    # Then stages come open → in_progress → resolved → closed, oldest first within a stage
    assert [(s, at) for _, s, at in sks] == [
        ("open", "2025-02-01T00:00:00Z"), ("open", "2025-03-01T00:00:00Z"), ("in_progress", "2025-05-01T00:00:00Z"),
        ("resolved", "2025-01-02T00:00:00Z"), ("closed", "2025-01-01T00:00:00Z")]
    # And a stage prefix never matches another stage
    assert not keys.maintenance_indexes("t", "b", None, "in_progress", "x", "r")["GSI1SK"].startswith(
        keys.maintenance_status_prefix("open"))


def test_building_wide_requests_have_no_apartment_partition():
    # Given a request about the building as a whole / Then it is in the tenant and building lists only
    idx = keys.maintenance_indexes("t", "b", None, "open", "2025-01-01T00:00:00Z", "r")
    assert "GSI3PK" not in idx and idx["GSI2PK"].startswith("T#t#")
