"""Webhook endpoints: /webhooks, /webhooks/{id} (get, change, delete), deliveries, test, redelivery and secret
rotation."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from urbaneta.auth.principal import BUILDING_ADMIN, READERS
from urbaneta.http.app import allow, create_app, make_handler, principal
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
from urbaneta.settings import require

require("webhooks")  # fails the cold start, naming any missing variable (settings.NEEDS)

app = create_app()

Id = Annotated[str, Path(min_length=1, max_length=64)]
Limit = Annotated[str | None, Query()]
Cursor = Annotated[str | None, Query(max_length=2048)]


@app.post("/webhooks", responses=doc(201, WebhookWithSecret), summary="Subscribe an endpoint (secret shown once)")
@allow(BUILDING_ADMIN)
def create_webhook(body: Annotated[WebhookCreate, Body()]):
    out = service.create_webhook(principal(), body)
    return created(out.wire(), location=f"/api/webhooks/{out.id}")


@app.get("/webhooks", responses=doc(200, WebhookOut, many=True), summary="List webhook endpoints")
@allow(READERS)
def list_webhooks(limit: Limit = None, cursor: Cursor = None):
    items, next_cursor = service.list_webhooks(principal(), limit=limit, cursor=cursor)
    return page([i.wire() for i in items], next_cursor)


@app.get("/webhooks/<webhook_id>", responses=doc(200, WebhookOut), summary="Get a webhook endpoint")
@allow(READERS)
def get_webhook(webhook_id: Id):
    return ok(service.get_webhook(principal(), webhook_id).wire())


@app.patch("/webhooks/<webhook_id>", responses=doc(200, WebhookOut),
           summary="Change, disable or re-enable a webhook endpoint")
@allow(BUILDING_ADMIN)
def update_webhook(webhook_id: Id, body: Annotated[WebhookUpdate, Body()]):
    return ok(service.update_webhook(principal(), webhook_id, body).wire())


@app.delete("/webhooks/<webhook_id>", responses=doc(204), summary="Delete a webhook endpoint")
@allow(BUILDING_ADMIN)
def delete_webhook(webhook_id: Id):
    service.delete_webhook(principal(), webhook_id)
    return no_content()


@app.post("/webhooks/<webhook_id>/rotate-secret", responses=doc(200, WebhookWithSecret),
          summary="Rotate the signing secret (the previous one keeps signing for graceHours)")
@allow(BUILDING_ADMIN)
def rotate_secret(webhook_id: Id, body: Annotated[SecretRotation | None, Body()] = None):
    return ok(service.rotate_secret(principal(), webhook_id, body or SecretRotation()).wire())


@app.get("/webhooks/<webhook_id>/deliveries", responses=doc(200, DeliveryOut, many=True),
         summary="List deliveries with every attempt, newest first")
@allow(READERS)
def list_deliveries(webhook_id: Id, limit: Limit = None, cursor: Cursor = None):
    items, next_cursor = service.list_deliveries(principal(), webhook_id, limit=limit, cursor=cursor)
    return page([i.wire() for i in items], next_cursor)


@app.post("/webhooks/<webhook_id>/test", responses=doc(202, DeliveryOut), summary="Send a webhook.test event")
@allow(BUILDING_ADMIN)
def send_test(webhook_id: Id):
    return accepted(service.send_test(principal(), webhook_id).wire())


@app.post("/webhooks/<webhook_id>/deliveries/<delivery_id>/redeliver", responses=doc(202, DeliveryOut),
          summary="Deliver a finished delivery again")
@allow(BUILDING_ADMIN)
def redeliver(webhook_id: Id, delivery_id: Id):
    return accepted(service.redeliver(principal(), webhook_id, delivery_id).wire())


handler = make_handler(app)
