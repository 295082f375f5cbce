"""Invoice sending worker: SQS messages of a sending job (the plan, then chunks of invoices): one e-mail per
invoice through SES with its PDF attached. A failed e-mail is reported in the job, not retried."""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from urbaneta.adapters.aws import start
from urbaneta.observability import logger, metrics
from urbaneta.services.invoicing import sending as service

start("invoice_sending_worker")  # refuses a missing setting; on Lambda builds the DynamoDB client in init

processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord, lambda_context: LambdaContext) -> None:
    # Powertools passes the invocation's context: a chunk late in a batch is queued again rather than timed out
    service.handle_sending_message(record.body, lambda_context.get_remaining_time_in_millis)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return dict(process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                         context=context))
