"""Overdue sweep worker: SQS messages of the daily sweep, one slice of one shard of the due index each (see
``urbaneta.services.invoicing.sweep``). A failing message is reported as a batch item failure; it comes back and
lands in the DLQ after maxReceiveCount. A redelivered slice changes nothing."""

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from urbaneta.adapters.aws import start
from urbaneta.observability import sqs_worker
from urbaneta.services.invoicing import sweep as service

start("overdue_sweep_worker")  # refuses a missing setting; on Lambda builds the DynamoDB client in init


def record_handler(record: SQSRecord) -> None:
    service.handle_sweep_message(record.body)


handler = sqs_worker(record_handler)
