"""Webhook delivery worker: one signed POST per message. Failures are hidden on the queue until their next
attempt is due (ChangeMessageVisibility) and reported as batch item failures, so the other messages of the
batch are never delivered twice."""

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from urbaneta.adapters.aws import start
from urbaneta.observability import logger, metrics
from urbaneta.services.webhooks import delivery as service

start("webhook_delivery_worker")  # refuses a missing setting; on Lambda builds the DynamoDB client in init


def _process(record: dict[str, Any]) -> str | None:
    """The message id when the message must come back later, else None."""
    try:
        step = service.deliver(service.DeliveryMessage.parse(record["body"]))
    except (ValueError, KeyError, TypeError):
        logger.exception("unreadable delivery message dropped", extra={"messageId": record.get("messageId")})
        return None
    except Exception:
        logger.exception("delivery failed unexpectedly", extra={"messageId": record["messageId"]})
        return str(record["messageId"])  # back after the queue's visibility timeout; DLQ after maxReceiveCount
    if step.action == "retry":
        try:
            service.postpone(record["receiptHandle"], step.delay)
        except Exception:
            logger.exception("could not postpone; the message returns after the queue's visibility timeout")
        return str(record["messageId"])
    return None


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = event.get("Records", [])
    with ThreadPoolExecutor(max_workers=min(10, max(1, len(records)))) as pool:
        results = list(pool.map(_process, records))
    return {"batchItemFailures": [{"itemIdentifier": r} for r in results if r]}
