"""The local stack's EventBridge parts: what a target receives, and the scheduled event."""

from __future__ import annotations

import pytest

from local.bus import EVENT_TEMPLATE, scheduled_event, select_path, target_input
from local.template import ScheduleSpec, Target
from tests.support import load_event

EVENT = {"version": "0", "id": "e-1", "detail-type": "invoice.paid", "source": "urbaneta.api",
         "account": "123456789012", "time": "2026-01-31T06:00:00Z", "region": "eu-north-1", "resources": [],
         "detail": {"tenantId": "t-1", "data": {"invoiceId": "i-1"}}}


def spec(kind: str = "Schedule", name: str = "overdue-sweep-function") -> ScheduleSpec:
    return ScheduleSpec(name, ("overdue-sweep",), "OverdueSweepFunction", "cron(0 6 * * ? *)", kind, None, True)


def test_select_path():
    assert select_path(EVENT, "$") is EVENT
    assert select_path(EVENT, "$.detail.data") == {"invoiceId": "i-1"}
    assert select_path(EVENT, "$.detail.missing") is None
    with pytest.raises(ValueError):
        select_path(EVENT, "detail")


def test_target_input_is_the_event_the_constant_or_the_selected_part():
    assert target_input(Target(arn="a"), EVENT) is EVENT
    assert target_input(Target(arn="a", input='{"fixed": true}'), EVENT) == {"fixed": True}
    assert target_input(Target(arn="a", input_path="$.detail.tenantId"), EVENT) == "t-1"


def test_scheduled_event_has_the_sample_shape_and_the_chosen_time():
    # Given the sample scheduled event / When the stack builds one / Then same keys, the given time
    sample = load_event("schedule/scheduled")
    event = scheduled_event(spec(), "2026-02-01T06:00:00Z", "urbaneta-local")
    assert set(event) == set(sample)
    assert event["time"] == "2026-02-01T06:00:00Z"
    assert event["detail-type"] == "Scheduled Event" and event["source"] == "aws.events"
    assert event["resources"] == ["arn:aws:events:eu-north-1:123456789012:rule/urbaneta-local-overdue-sweep-function"]
    assert event["id"] != sample["id"]


def test_scheduler_event_for_schedule_v2():
    event = scheduled_event(spec("ScheduleV2", "nightly"), "2026-02-01T06:00:00Z", "p")
    assert event["source"] == "aws.scheduler"
    assert event["resources"] == ["arn:aws:scheduler:eu-north-1:123456789012:schedule/default/nightly"]


def test_the_event_template_names_every_field_of_an_eventbridge_event():
    for field in ("version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"):
        assert f'"{field}"' in EVENT_TEMPLATE
