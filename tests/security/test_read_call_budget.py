"""Every read route's DynamoDB calls, authentication included, against a complete organisation: at most two.
The exceptions below are known and documented; a route that gets dearer fails here."""

from __future__ import annotations

from tests.security.world import build_world, read_route_calls

BUDGET = 2
# a building's meters: the building is read first, so an archived or unknown building is 404 (not empty)
# a statement: its header, then a page of its entries; a webhook's deliveries: the endpoint, then the page
# an account statement: the apartment (tenancy, building), its balance aggregate, the Query of its entries
# the debtor report: the building, a page of accounts, their apartment numbers, the totals (first page)
# the account check recomputes every account of the building from its entries (one Query each): a manager's tool
# the reminder dry run: the building, the Query of its invoices (then each apartment with a reminder due, once)
# every invoice of the organisation (no building, no apartment): the slim number index (GSI4, keys only), then the
# page's invoices (one BatchGetItem): the price of not writing each invoice again into that index (data-model.md)
KNOWN = {"GET /reports/reminders": 3, "GET /invoices": 3,
         "GET /meters": 3, "GET /bank-statements/{statement_id}": 3, "GET /webhooks/{webhook_id}/deliveries": 3,
         "GET /apartments/{apartment_id}/account": 4, "GET /reports/debtors": 5, "GET /reports/account-check": 4}


def test_every_read_route_stays_within_its_dynamodb_budget(aws):
    from tests.conftest import new_caller

    # Given a complete organisation / When every read route is called once (warm)
    counts = read_route_calls(build_world(new_caller))
    # Then each costs at most two DynamoDB calls, the known exceptions their documented figure
    over = {op: n for op, n in counts.items() if n > KNOWN.get(op, BUDGET)}
    assert not over, over
    assert len(counts) >= 20
