"""Webhook endpoints: /webhooks, /webhooks/{id} (get, change, delete), deliveries, test, redelivery and secret
rotation."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from urbaneta.adapters.aws import start
from urbaneta.auth.principal import BUILDING_ADMIN, READERS
from urbaneta.errors import ValidationFailed
from urbaneta.http.app import allow, create_app, if_match, make_handler, principal
from urbaneta.http.responses import accepted, created, doc, no_content, ok, page
from urbaneta.models.webhooks import (
    DeliveryOut,
    SecretRotation,
    WebhookCreate,
    WebhookOut,
    WebhookUpdate,
    WebhookWithSecret,
)
from urbaneta.services.webhooks import endpoints as service

start("webhooks")  # refuses a missing setting; on Lambda builds the DynamoDB client in init

app = create_app()

Id = Annotated[str, Path(min_length=1, max_length=64)]
Limit = Annotated[str | None, Query()]
Cursor = Annotated[str | None, Query(max_length=2048)]


@app.post("/webhooks", responses=doc(201, WebhookWithSecret), summary="Subscribe an endpoint (secret shown once)")
@allow(BUILDING_ADMIN)
def create_webhook(body: Annotated[WebhookCreate, Body()]):
    """Subscribe an endpoint (secret shown once)

    `url` must use https and resolve to public addresses only (422 otherwise); `events` names up to
    50 event types, or `*` for all (an unknown type is 422). Answers 201 with the endpoint and its signing `secret`,
    shown only this once: keep it to verify each delivery's signature. Failed deliveries are retried with backoff; an
    endpoint that answers 410 Gone is disabled.
    """
    out = service.create_webhook(principal(), body)
    return created(out.wire(), location=f"/api/webhooks/{out.id}")


@app.get("/webhooks", responses=doc(200, WebhookOut, many=True), summary="List webhook endpoints")
@allow(READERS)
def list_webhooks(limit: Limit = None, cursor: Cursor = None):
    """List webhook endpoints

    The organisation's endpoints with their events and `status`, never their secrets. Paged with
    `limit` (1..100, default 25) and `cursor` (the previous page's `nextCursor`).
    """
    items, next_cursor = service.list_webhooks(principal(), limit=limit, cursor=cursor)
    return page([i.wire() for i in items], next_cursor)


@app.get("/webhooks/<webhook_id>", responses=doc(200, WebhookOut), summary="Get a webhook endpoint")
@allow(READERS)
def get_webhook(webhook_id: Id):
    """Get a webhook endpoint

    The endpoint with its events, `status`, `disabledReason` when disabled, and
    `previousSecretExpiresAt` during a secret rotation. Another organisation's id is 404.
    """
    return ok(service.get_webhook(principal(), webhook_id).wire())


@app.patch("/webhooks/<webhook_id>", responses=doc(200, WebhookOut),
           summary="Change, disable or re-enable a webhook endpoint")
@allow(BUILDING_ADMIN)
def update_webhook(webhook_id: Id, body: Annotated[WebhookUpdate, Body()]):
    """Change, disable or re-enable a webhook endpoint

    Only the given fields change: `url` (checked as on creation), `events`, `description` (null
    clears it) and `status`: `disabled` stops deliveries, `active` re-enables an endpoint disabled by a user or by a 410
    answer. With `If-Match` (the ETag you read) a stale change is 412. Unknown id 404.
    """
    return ok(service.update_webhook(principal(), webhook_id, body, if_match()).wire())


@app.delete("/webhooks/<webhook_id>", responses=doc(204), summary="Delete a webhook endpoint")
@allow(BUILDING_ADMIN)
def delete_webhook(webhook_id: Id):
    """Delete a webhook endpoint

    The endpoint receives no more events. Answers 204; an unknown id, or another organisation's, is
    404.
    """
    service.delete_webhook(principal(), webhook_id)
    return no_content()


@app.post("/webhooks/<webhook_id>/rotate-secret", responses=doc(200, WebhookWithSecret),
          summary="Rotate the signing secret (the previous one keeps signing for graceHours)")
@allow(BUILDING_ADMIN)
def rotate_secret(webhook_id: Id, body: Annotated[SecretRotation | None, Body()] = None):
    """Rotate the signing secret (the previous one keeps signing for graceHours)

    Answers the endpoint with its new `secret`, shown only this once. For `graceHours` (default 24,
    at most 168) every delivery carries signatures by both secrets, so the receiver can switch without missing events;
    `graceHours` 0 retires the previous secret at once. Unknown id 404.
    """
    if body is None and (app.current_event.body or "").strip():  # a body that is not an object (e.g. a list)
        raise ValidationFailed.one("body", "must be a JSON object, e.g. {\"graceHours\": 24}, or left out")
    return ok(service.rotate_secret(principal(), webhook_id, body or SecretRotation()).wire())


@app.get("/webhooks/<webhook_id>/deliveries", responses=doc(200, DeliveryOut, many=True),
         summary="List deliveries with every attempt, newest first")
@allow(READERS)
def list_deliveries(webhook_id: Id, limit: Limit = None, cursor: Cursor = None):
    """List deliveries with every attempt, newest first

    Each delivery of an event to this endpoint with its status and every attempt (time, outcome,
    response code, latency, error). Paged with `limit` (1..100, default 25) and `cursor` (the previous page's
    `nextCursor`). Unknown webhook 404.
    """
    items, next_cursor = service.list_deliveries(principal(), webhook_id, limit=limit, cursor=cursor)
    return page([i.wire() for i in items], next_cursor)


@app.post("/webhooks/<webhook_id>/test", responses=doc(202, DeliveryOut), summary="Send a webhook.test event")
@allow(BUILDING_ADMIN)
def send_test(webhook_id: Id):
    """Send a webhook.test event

    Queues a `webhook.test` event to this endpoint, whatever events it subscribes to, and answers
    202 with the delivery; follow it at GET /webhooks/{id}/deliveries. A disabled endpoint is 409; an unknown id 404.
    """
    return accepted(service.send_test(principal(), webhook_id).wire())


@app.post("/webhooks/<webhook_id>/deliveries/<delivery_id>/redeliver", responses=doc(202, DeliveryOut),
          summary="Deliver a finished delivery again")
@allow(BUILDING_ADMIN)
def redeliver(webhook_id: Id, delivery_id: Id):
    """Deliver a finished delivery again

    Sends the same body with the same `webhook-id` header in a new round of attempts and answers
    202 with the delivery, so receivers that deduplicate by that id see it once. 409 while the delivery still has an
    attempt pending or the endpoint is disabled; an unknown webhook or delivery is 404.
    """
    return accepted(service.redeliver(principal(), webhook_id, delivery_id).wire())


handler = make_handler(app)
