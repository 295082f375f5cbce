"""Overdue sweep worker: SQS messages of the daily sweep, one slice of one shard of the due index each (see
``urbaneta.services.invoicing.sweep``). A failing message is reported as a batch item failure; it comes back and
lands in the DLQ after maxReceiveCount. A redelivered slice changes nothing."""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from urbaneta.observability import logger, metrics
from urbaneta.services.invoicing import sweep as service
from urbaneta.settings import require

require("overdue_sweep_worker")  # fails the cold start, naming any missing variable (settings.NEEDS)

processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    service.handle_sweep_message(record.body)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return dict(process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                         context=context))
