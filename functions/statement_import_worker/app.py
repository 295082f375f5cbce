"""Statement import worker: SQS messages of an import job (the plan of an uploaded file, then chunks of entries).
A failing message is reported as a batch item failure; it comes back and lands in the DLQ after maxReceiveCount."""

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from urbaneta.adapters.aws import start
from urbaneta.observability import logger, metrics
from urbaneta.services import reconciliation

start("statement_import_worker")  # refuses a missing setting; on Lambda builds the DynamoDB client in init

processor = BatchProcessor(event_type=EventType.SQS)
_context: list[LambdaContext] = []  # the invocation's context: how much time is left for the next chunk


def record_handler(record: SQSRecord) -> None:
    reconciliation.handle_message(json.loads(record.body), _context[-1].get_remaining_time_in_millis)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    _context[:] = [context]
    return dict(process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                         context=context))
