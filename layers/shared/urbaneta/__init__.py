"""Urbaneta API shared package: domain rules, data access, adapters and HTTP plumbing.

Rooms:
- ``domain``   pure rules (money, references, billing, invoice life cycle, reconciliation); no I/O.
- ``store``    the single DynamoDB table: ``keys`` (every key builder) and one repository per aggregate.
- ``adapters`` AWS services and third parties (EventBridge, S3, SES, Secrets Manager, OCR, providers).
- ``http``     resolver factory, error mapping, auth, pagination, idempotency.
- ``models``   pydantic request/response/event models.
"""
