"""Apartment credit → new invoices: on ``invoice.created`` (an EventBridge rule on the bus), the apartment's
credit from earlier overpayments pays the new invoice, once per invoice."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from urbaneta.observability import logger
from urbaneta.services import payments as service
from urbaneta.settings import require

require("payment_credit")  # fails the cold start, naming any missing variable (settings.NEEDS)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    detail = event["detail"]
    outcome = service.apply_credit_to_invoice(str(detail["tenantId"]), str(detail["data"]["invoiceId"]))
    logger.info("apartment credit", extra={"invoice": detail["data"]["invoiceId"], "outcome": outcome})
    return {"outcome": outcome}
