"""The daily overdue sweep (EventBridge schedule "overdue-sweep"): "today" is the scheduled event's time. The sweep
fans out: per shard of the due index, one overdue slice and one reminder slice go to the overdue sweep queue,
whose worker (functions/overdue_sweep_worker) marks the sent, unpaid invoices due before today overdue and sends
the payment reminders due today (once per invoice and level; a sent invoice is reminded like an overdue one, so
the two kinds of slices need no order). Then the apartment accounts that changed yesterday or today are checked
against their entries."""

from datetime import timedelta
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from urbaneta.adapters.aws import start
from urbaneta.clock import parse_rfc3339, utcnow
from urbaneta.observability import logger, metrics
from urbaneta.services.accounts import check
from urbaneta.services.invoicing import sweep as service

start("overdue_sweep")  # refuses a missing setting; on Lambda builds the DynamoDB client in init


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    moment = parse_rfc3339(event["time"]) if event.get("time") else utcnow()
    today = moment.date()
    slices = service.fan_out(moment)
    logger.info("overdue sweep and reminders queued", extra={"today": today.isoformat(), "slices": slices})
    checked = [check.check_changed(day) for day in (today - timedelta(days=1), today)]
    return {"today": today.isoformat(), "sweepSlicesQueued": slices, "reminderSlicesQueued": slices,
            "accountsChecked": sum(c.checked for c in checked), "accountsDrifting": sum(len(c.drift) for c in checked)}
