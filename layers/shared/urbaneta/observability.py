"""Logger, Tracer and Metrics, configured once (service name and namespace come from Globals env)."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
tracer = Tracer()
metrics = Metrics()
