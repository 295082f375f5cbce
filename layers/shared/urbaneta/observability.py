"""Logger, Metrics and Tracer, configured once (service name and namespace come from Globals env).

The Powertools Tracer imports the X-Ray SDK and botocore (about 100 ms on a cold start), so it is built
lazily and only when tracing is on (``POWERTOOLS_TRACE_DISABLED`` not "true"). Lambda's active tracing
records every invocation either way; the Tracer adds subsegments for the AWS calls inside."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics()

F = TypeVar("F", bound=Callable[..., Any])


def tracing_enabled() -> bool:
    return os.environ.get("POWERTOOLS_TRACE_DISABLED", "false").lower() != "true"


@cache
def get_tracer() -> Any:
    from aws_lambda_powertools import Tracer

    return Tracer()


def traced_handler(fn: F) -> F:
    """``Tracer.capture_lambda_handler`` when tracing is on; the handler itself otherwise."""
    if not tracing_enabled():
        return fn
    wrapped: F = get_tracer().capture_lambda_handler(capture_response=False)(fn)
    return wrapped


def sqs_worker(record_handler: Callable[[Any], None]) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """The Lambda handler of an SQS worker that reports partial batch failures: each record goes to
    ``record_handler`` (an ``SQSRecord``); one that raises is named in ``batchItemFailures`` (SQS delivers it
    again, then moves it to the dead-letter queue), the others are done. Logged with the request's context,
    metrics flushed."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    processor = BatchProcessor(event_type=EventType.SQS)

    @logger.inject_lambda_context(clear_state=True)
    @metrics.log_metrics
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return dict(process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                             context=context))

    return handler
