"""The daily overdue sweep (EventBridge schedule "overdue-sweep"): "today" is the scheduled event's time. After
the sweep, the payment reminders due today go out (once per invoice and level), then the apartment accounts that
changed yesterday or today are checked against their entries."""

from datetime import timedelta
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from urbaneta.clock import parse_rfc3339, utcnow
from urbaneta.observability import logger, metrics
from urbaneta.services.accounts import check
from urbaneta.services.invoicing import reminders
from urbaneta.services.invoicing import sweep as service
from urbaneta.settings import require

require("overdue_sweep")  # fails the cold start, naming any missing variable (settings.NEEDS)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    moment = parse_rfc3339(event["time"]) if event.get("time") else utcnow()
    result = service.sweep_overdue(moment)
    logger.info("overdue sweep done", extra={"today": result.today.isoformat(), "examined": result.examined,
                                             "marked": result.marked})
    reminded = reminders.run_reminders(moment)
    logger.info("reminders done", extra={"sent": reminded.sent, "alreadySent": reminded.already_sent,
                                         "paused": reminded.paused, "noAddress": reminded.no_address,
                                         "failed": reminded.failed})
    checked = [check.check_changed(day) for day in (result.today - timedelta(days=1), result.today)]
    return {"today": result.today.isoformat(), "examined": result.examined, "marked": result.marked,
            "remindersSent": reminded.sent, "remindersAlreadySent": reminded.already_sent,
            "remindersPaused": reminded.paused, "remindersFailed": reminded.failed,
            "accountsChecked": sum(c.checked for c in checked), "accountsDrifting": sum(len(c.drift) for c in checked)}
