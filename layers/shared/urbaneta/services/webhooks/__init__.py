"""Webhooks by use case: ``endpoints`` (the API), ``fanout`` (bus events to deliveries) and ``delivery`` (signed
POSTs with retries, the worker); ``common`` holds sealed secrets, the delivery record and the queue. Import the
module a function needs, not this package."""
