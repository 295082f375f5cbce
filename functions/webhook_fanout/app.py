"""Webhook fan-out: bus events (EventBridge rule → SQS) become one queued delivery per subscribed endpoint.
Partial batch failures are reported, so one failing event never repeats the others."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from urbaneta.adapters.aws import start
from urbaneta.observability import logger, metrics
from urbaneta.services.webhooks import fanout as service

start("webhook_fanout")  # refuses a missing setting; on Lambda builds the DynamoDB client in init


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    import json

    failures: list[dict[str, str]] = []
    endpoints: dict[str, Any] = {}  # each tenant's endpoints, read once per batch
    for record in event.get("Records", []):
        try:
            domain_event = service.event_from_bus(json.loads(record["body"]))
        except (ValueError, KeyError, TypeError):
            logger.exception("unreadable bus event dropped", extra={"messageId": record.get("messageId")})
            continue  # never becomes readable: retrying it would only fill the dead-letter queue later
        try:
            queued = service.fan_out(domain_event, endpoints=endpoints)
            logger.info("event fanned out", extra={"eventId": domain_event.id, "event": domain_event.event,
                                                   "deliveries": queued})
        except Exception:
            logger.exception("fan-out failed", extra={"messageId": record["messageId"]})
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
