"""Payment reminders (issue 14 item 4) through the handlers: the building's levels, the daily schedule (each level
once, idempotent on a second run the same day, paused apartments skipped), the account entries, the debtor
report's level, a reminder by hand, the dry run, languages, roles and tenancy."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.integration.accounts_helpers import full_statement
from tests.integration.invoicing_helpers import (
    generate,
    invoices_of,
    new_apartment,
    new_building,
    new_charge,
    run_sweep_slices,
    sent_mail,
)
from tests.integration.invoicing_helpers import (
    load_event_sweep as sweep,
)
from tests.support import call

LEVELS = [{"daysAfterDue": 7, "message": "Palun tasuge võlg. Pay now, please!"},
          {"daysAfterDue": 21, "message": "Teine meeldetuletus", "attachStatement": True}]


def patch_building(caller: Any, building_id: str, billing: dict[str, Any]) -> Any:
    return call("buildings", "PATCH", f"/buildings/{building_id}", token=caller.token, body={"billing": billing})


def remind(caller: Any, invoice_id: str) -> Any:
    return call("invoices", "POST", f"/invoices/{invoice_id}/remind", token=caller.token)


def dry_run(caller: Any, building_id: str, as_of: str) -> Any:
    return call("accounts", "GET", "/reports/reminders", token=caller.token,
                query={"buildingId": building_id, "asOf": as_of})


def mails_to(apartment: dict[str, Any], since: int) -> list[dict[str, Any]]:
    return [m for m in sent_mail()[since:] if apartment["email"] in m["to"]]


def mailed(reminded: dict[str, Any], since: int) -> int:
    """How many e-mails this test's apartments received since ``since`` (other tests' tenants share the table)."""
    return sum(len(mails_to(a, since)) for a in reminded["apartments"])


@pytest.fixture
def reminded(make_caller) -> dict[str, Any]:
    """Given a building with two reminder levels (7 and 21 days after due) and two apartments, one Estonian, whose
    January invoices (due 2025-02-15) are sent."""
    mgr = make_caller("manager")
    tag = uuid.uuid4().hex[:8]
    b = new_building(mgr)
    assert patch_building(mgr, b["id"], {"reminders": LEVELS}).status == 200
    a1 = new_apartment(mgr, b["id"], "1", email=f"mari-{tag}@example.ee", ownerName="Mari Mägi", language="et")
    a2 = new_apartment(mgr, b["id"], "2", email=f"john-{tag}@example.com", ownerName="John Smith", language="en")
    new_charge(mgr, b["id"], "Haldus", "per_apartment", 80)
    generate(mgr, b["id"], issueDate="2025-02-01", dueDate="2025-02-15")
    invoices = {i["apartmentId"]: i for i in invoices_of(mgr, buildingId=b["id"])}
    for inv in invoices.values():
        assert call("invoices", "PATCH", f"/invoices/{inv['id']}", token=mgr.token,
                    body={"status": "sent"}).status == 200
    return {"mgr": mgr, "building": b, "apartments": [a1, a2], "invoices": [invoices[a1["id"]], invoices[a2["id"]]]}


def test_rem_01_levels_are_configured_on_the_building_and_validated(reminded, make_caller):
    mgr, b = reminded["mgr"], reminded["building"]
    # When the building is read
    got = call("buildings", "GET", f"/buildings/{b['id']}", token=mgr.token).data["billing"]
    # Then the levels are numbered, the message kept as typed, billReadings defaults to submitted
    assert [(lv["level"], lv["daysAfterDue"], lv["attachStatement"]) for lv in got["reminders"]] == [
        (1, 7, False), (2, 21, True)]
    assert got["reminders"][0]["message"] == LEVELS[0]["message"] and got["billReadings"] == "submitted"
    # And bad levels are 422 naming the field; an accountant (finance, not a building admin) is 403
    for bad in ([{"daysAfterDue": 9, "message": "a"}, {"daysAfterDue": 9, "message": "b"}],
                [{"daysAfterDue": 0, "message": "a"}], [{"daysAfterDue": 3, "message": ""}], None,
                [{"daysAfterDue": d, "message": "x"} for d in range(1, 7)]):
        res = patch_building(mgr, b["id"], {"reminders": bad})
        assert res.status == 422 and "billing.reminders" in str(res.error), (bad, res)
    assert patch_building(mgr, b["id"], {"billReadings": "approved"}).status == 422
    accountant = make_caller("accountant", tenant_id=mgr.tenant_id)
    assert patch_building(accountant, b["id"], {"reminders": []}).status == 403


def test_rem_02_schedule_sends_each_level_once_and_a_second_run_sends_nothing(reminded, monkeypatch):
    from urbaneta.services.invoicing import reminders

    mgr, b, (i1, i2) = reminded["mgr"], reminded["building"], reminded["invoices"]
    a1, a2 = reminded["apartments"]
    before = len(sent_mail())
    # When the schedule runs the day after the due date: overdue, but no level is reached yet
    sweep("2025-02-16T01:00:00Z")
    assert mailed(reminded, before) == 0
    # When it runs 7 days after the due date, twice the same day
    first = sweep("2025-02-22T01:00:00Z")
    after_first = mailed(reminded, before)
    announced: list = []
    with monkeypatch.context() as m:  # this organisation's announcements (others share the table)
        m.setattr(reminders, "publish", lambda events: announced.extend(events) or 0)
        second = sweep("2025-02-22T13:00:00Z")
    # Then level 1 went to each apartment once (from the reminder slices the schedule queued), and the second run
    # sent (and announced) nothing
    assert first["reminderSlicesQueued"] == second["reminderSlicesQueued"] == 8
    assert mailed(reminded, before) == after_first == 2
    assert not [e for e in announced if e.tenantId == mgr.tenant_id]
    assert len(mails_to(a1, before)) == 1 and len(mails_to(a2, before)) == 1
    # And the Estonian one is in Estonian with the manager's text as typed
    et = mails_to(a1, before)[0]
    assert "Maksemeeldetuletus 1" in et["subject"] and LEVELS[0]["message"] in et["text"] and not et["attachments"]
    # When the schedule runs 21 days after (and days were missed in between)
    sweep("2025-03-10T01:00:00Z")
    assert mailed(reminded, before) == 4
    # Then level 2 went out with the account statement attached
    second_level = mails_to(a2, before)[-1]
    assert "reminder 2" in second_level["subject"] and second_level["attachments"][0][1] == "application/pdf"
    # And the account lists both reminders as zero-amount entries; the balance is the invoice's
    doc = full_statement(mgr, i1["apartmentId"])
    assert [(e["type"], e["amount"]) for e in doc["entries"]] == [("invoice", 80.0), ("reminder", 0.0),
                                                                    ("reminder", 0.0)]
    assert doc["closingBalance"] == 80.0
    check = call("accounts", "GET", "/reports/account-check", token=mgr.token, query={"buildingId": b["id"]})
    assert check.data["drift"] == []
    # And the debtor report shows the highest level sent
    rows = call("accounts", "GET", "/reports/debtors", token=mgr.token, query={"buildingId": b["id"]}).data
    assert {r["apartmentId"]: r["reminderLevel"] for r in rows["apartments"]} == {
        i1["apartmentId"]: 2, i2["apartmentId"]: 2}
    # And nothing more goes out later (every level sent)
    sweep("2025-04-10T01:00:00Z")
    assert mailed(reminded, before) == 4


def test_rem_03_paused_and_paid_are_skipped_and_the_dry_run_says_why(reminded):
    mgr, b = reminded["mgr"], reminded["building"]
    (a1, _), (i1, i2) = reminded["apartments"], reminded["invoices"]
    # Given apartment 1 paused (a payment plan) and apartment 2's invoice paid
    res = call("buildings", "PATCH", f"/buildings/{b['id']}/apartments/{a1['id']}", token=mgr.token,
               body={"remindersPaused": True})
    assert res.status == 200 and res.data["remindersPaused"] is True
    # When the dry run asks about the 7th day
    plan = dry_run(mgr, b["id"], "2025-02-22")
    # Then it lists apartment 1's level 1 as paused
    assert plan.status == 200, plan
    assert [(r["number"], r["level"], r["status"], r["daysOverdue"]) for r in plan.data["reminders"]] == [
        (i1["number"], 1, "paused", 7), (i2["number"], 1, "would_send", 7)]
    call("invoices", "PATCH", f"/invoices/{i2['id']}", token=mgr.token, body={"status": "paid"})
    assert [r["status"] for r in dry_run(mgr, b["id"], "2025-02-22").data["reminders"]] == ["paused"]
    # When the schedule runs: nothing goes out
    before = len(sent_mail())
    sweep("2025-02-22T01:00:00Z")
    assert mailed(reminded, before) == 0
    # When the pause is lifted, the next run sends it
    call("buildings", "PATCH", f"/buildings/{b['id']}/apartments/{a1['id']}", token=mgr.token,
         body={"remindersPaused": False})
    sweep("2025-02-23T01:00:00Z")
    assert len(mails_to(a1, before)) == 1 and mailed(reminded, before) == 1
    assert dry_run(mgr, b["id"], "2025-02-23").data["reminders"] == []


def test_rem_04_a_reminder_by_hand_sends_the_next_level_then_409(reminded):
    mgr, (i1, _) = reminded["mgr"], reminded["invoices"]
    before = len(sent_mail())
    # When a manager sends reminders by hand, three times
    results = [remind(mgr, i1["id"]) for _ in range(3)]
    # Then levels 1 and 2 went out, the third is 409 (every level sent)
    assert [r.status for r in results] == [200, 200, 409]
    assert [r.data["level"] for r in results[:2]] == [1, 2] and results[1].data["statementAttached"] is True
    a1, a2 = reminded["apartments"]
    assert len(mails_to(a1, before)) == 2
    # And the schedule does not send them again: only apartment 2's level 2 goes out
    sweep("2025-03-10T01:00:00Z")
    assert len(mails_to(a1, before)) == 2 and len(mails_to(a2, before)) == 1


def test_rem_05_refusals_roles_and_tenancy(reminded, make_caller):
    mgr, b, (i1, _) = reminded["mgr"], reminded["building"], reminded["invoices"]
    stranger = make_caller("manager")
    resident = make_caller("resident", tenant_id=mgr.tenant_id, apartment_ids=(i1["apartmentId"],))
    board = make_caller("board", tenant_id=mgr.tenant_id)
    # Another organisation's invoice and building: 404; a resident or the board: 403
    assert remind(stranger, i1["id"]).status == 404
    assert dry_run(stranger, b["id"], "2025-02-22").status == 404
    assert remind(resident, i1["id"]).status == 403 and dry_run(resident, b["id"], "2025-02-22").status == 403
    assert remind(board, i1["id"]).status == 403
    # No building, a bad date: 422
    assert call("accounts", "GET", "/reports/reminders", token=mgr.token).status == 422
    assert dry_run(mgr, b["id"], "2025-13-40").status == 422
    # A paid invoice: 409; a building without levels: 409
    call("invoices", "PATCH", f"/invoices/{i1['id']}", token=mgr.token, body={"status": "paid"})
    assert remind(mgr, i1["id"]).status == 409
    assert patch_building(mgr, b["id"], {"reminders": []}).status == 200
    assert remind(mgr, reminded["invoices"][1]["id"]).status == 409


def test_rem_06_a_refused_address_is_409_and_the_schedule_run_goes_on(reminded, monkeypatch):
    from urbaneta.adapters import mail

    mgr, i1 = reminded["mgr"], reminded["invoices"][0]
    a1, a2 = reminded["apartments"]
    real = mail.send_email

    def refuse_mari(to, *args, **kwargs):
        if a1["email"] in to:
            raise mail.MailRefused("Address blacklisted")
        return real(to, *args, **kwargs)

    monkeypatch.setattr(mail, "send_email", refuse_mari)
    # When a manager reminds apartment 1 by hand and SES refuses its address
    res = remind(mgr, i1["id"])
    # Then the answer is 409 naming the address (never 5xx); the reminder stays recorded (at most once)
    assert res.status == 409 and "refused" in res.error["message"], res
    assert [e["type"] for e in full_statement(mgr, i1["apartmentId"])["entries"]] == ["invoice", "reminder"]
    # When the schedule runs 7 days after the due date: apartment 2 still gets its reminder
    before = len(sent_mail())
    sweep("2025-02-22T01:00:00Z")
    assert len(mails_to(a2, before)) == 1


def test_rem_07_the_schedule_fans_reminders_out_per_shard_in_slices_and_a_redelivery_sends_nothing(make_caller,
                                                                                                  monkeypatch):
    from urbaneta.models.messages import ReminderSlice
    from urbaneta.services.invoicing import reminders
    from urbaneta.services.invoicing import sweep as sweeping
    from urbaneta.store import keys

    # Given four organisations, each a building with two levels and three apartments whose invoices are sent,
    # and reminder slices of 2 index entries (so a shard takes several slices)
    monkeypatch.setattr(reminders, "REMINDER_SLICE", 2)
    apartments, shards = [], set()
    for _ in range(4):
        mgr = make_caller("manager")
        tag = uuid.uuid4().hex[:8]
        b = new_building(mgr)
        assert patch_building(mgr, b["id"], {"reminders": LEVELS}).status == 200
        apartments += [new_apartment(mgr, b["id"], str(n), email=f"r{n}-{tag}@example.ee") for n in (1, 2, 3)]
        new_charge(mgr, b["id"], "Haldus", "per_apartment", 10)
        generate(mgr, b["id"], issueDate="2025-02-01", dueDate="2025-02-15")
        for inv in invoices_of(mgr, buildingId=b["id"]):
            call("invoices", "PATCH", f"/invoices/{inv['id']}", token=mgr.token, body={"status": "sent"})
        shards.add(keys.due_shard(mgr.tenant_id))
    before = len(sent_mail())
    # When the schedule runs 7 days after the due date and its slices are fed to the worker
    result = sweep("2025-02-22T01:00:00Z")
    # Then every apartment got its level 1 reminder exactly once
    assert result["reminderSlicesQueued"] == 8
    assert sorted(len(mails_to(a, before)) for a in apartments) == [1] * 12
    # When a reminder slice of each of their shards is delivered again
    after = len(sent_mail())
    for shard in shards:
        sweeping.handle_sweep_message(ReminderSlice(day="2025-02-22", shard=shard).model_dump_json(by_alias=True))
    assert not run_sweep_slices()  # and the continuations they queued
    # Then nothing more is sent
    assert len(sent_mail()) == after
    # And a slice of a shard that does not exist is refused (the message fails, then goes to the dead-letter queue)
    with pytest.raises(ValueError):
        sweeping.handle_sweep_message({"kind": "reminder-slice", "day": "2025-02-22", "shard": 99})
