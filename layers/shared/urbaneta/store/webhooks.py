"""Webhook endpoints and their deliveries in the single table (keys in store.keys, section "webhooks")."""

from __future__ import annotations

from typing import Any

from urbaneta.clock import parse_rfc3339
from urbaneta.domain.webhooks import Attempt, Delivery, DeliveryStatus, StoredSecret, Webhook
from urbaneta.errors import Conflict
from urbaneta.store import keys, table, transactions

DELIVERY_RETENTION_DAYS = 30
MAX_WEBHOOKS_PER_TENANT = 20  # bounds the fan-out's work per event


def _webhook_item(hook: Webhook) -> dict[str, Any]:
    return {
        **keys.webhook(hook.tenant_id, hook.id),
        **keys.webhooks_index(hook.tenant_id, hook.created_at, hook.id),
        "entity": "webhook",
        **hook.model_dump(by_alias=True, exclude_none=True),
    }


def create_webhook(hook: Webhook) -> None:
    """Create an endpoint, counted against the tenant's limit in the same transaction (Conflict when full)."""
    try:
        transactions.transact([
            transactions.tx_put(_webhook_item(hook)),
            transactions.tx_update(keys.webhook_counter(hook.tenant_id), "ADD #n :one", names={"#n": "count"},
                            vals={":one": 1, ":max": MAX_WEBHOOKS_PER_TENANT},
                            condition="attribute_not_exists(#n) OR #n < :max", label="limit"),
        ])
    except table.ConditionFailed as exc:
        if "limit" in exc.labels:
            raise Conflict(f"An organisation may have at most {MAX_WEBHOOKS_PER_TENANT} webhooks.") from exc
        raise


def get_webhook(tenant_id: str, webhook_id: str) -> Webhook | None:
    item = table.get(keys.webhook(tenant_id, webhook_id))
    return Webhook.model_validate(table.strip_keys(item)) if item else None


def list_webhooks(tenant_id: str, *, limit: int, start_key: dict[str, Any] | None
                  ) -> tuple[list[Webhook], dict[str, Any] | None]:
    items, last = table.query_page(keys.webhooks_partition(tenant_id), index="GSI1", limit=limit,
                                   start_key=start_key)
    return [Webhook.model_validate(table.strip_keys(i)) for i in items], last


def all_webhooks(tenant_id: str) -> list[Webhook]:
    """Every endpoint of a tenant (workers only: the fan-out)."""
    return [Webhook.model_validate(table.strip_keys(i))
            for i in table.query_all(keys.webhooks_partition(tenant_id), index="GSI1")]


def delete_webhook(tenant_id: str, webhook_id: str) -> bool:
    """Delete an endpoint and give its place back; False when it does not exist."""
    try:
        transactions.transact([
            transactions.tx_delete(keys.webhook(tenant_id, webhook_id), condition="attribute_exists(PK)"),
            transactions.tx_update(keys.webhook_counter(tenant_id), "ADD #n :minus", names={"#n": "count"},
                            vals={":minus": -1}),
        ])
    except table.ConditionFailed:
        return False
    return True


def update_webhook(tenant_id: str, webhook_id: str, changes: dict[str, Any], *, clear: list[str], now: str
                   ) -> Webhook | None:
    """Set ``changes`` (attribute → value) and remove ``clear``; None when the endpoint does not exist."""
    names = {f"#a{i}": name for i, name in enumerate(changes)}
    vals: dict[str, Any] = {f":v{i}": value for i, value in enumerate(changes.values())}
    sets = [f"#a{i} = :v{i}" for i in range(len(changes))] + ["updatedAt = :now"]
    vals[":now"] = now
    removes = [f"#r{i}" for i in range(len(clear))]
    names.update({f"#r{i}": name for i, name in enumerate(clear)})
    expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
    try:
        item = table.update(keys.webhook(tenant_id, webhook_id), expression, names=names, vals=vals,
                            condition="attribute_exists(PK)")
    except Conflict:
        return None
    return Webhook.model_validate(table.strip_keys(item)) if item else None


def replace_secrets(tenant_id: str, webhook_id: str, secrets: list[StoredSecret], *, expected_newest: str,
                    now: str) -> Webhook:
    """Swap the secret list, provided nobody rotated in between (Conflict otherwise)."""
    item = table.update(
        keys.webhook(tenant_id, webhook_id), "SET #s = :s, updatedAt = :now",
        names={"#s": "secrets"},
        vals={":s": [s.model_dump(by_alias=True, exclude_none=True) for s in secrets], ":now": now,
              ":expected": expected_newest},
        condition="attribute_exists(PK) AND #s[0].sealed = :expected",
        conflict_message="The webhook's secret changed meanwhile; try again.",
    )
    assert item is not None
    return Webhook.model_validate(table.strip_keys(item))


def disable_webhook(tenant_id: str, webhook_id: str, reason: str, *, now: str) -> None:
    try:
        table.update(keys.webhook(tenant_id, webhook_id),
                     "SET #st = :disabled, disabledReason = :reason, updatedAt = :now",
                     names={"#st": "status"}, vals={":disabled": "disabled", ":reason": reason, ":now": now},
                     condition="attribute_exists(PK)", return_new=False)
    except Conflict:
        return  # deleted meanwhile: nothing left to disable


# --- deliveries --------------------------------------------------------------------------------------


def _expiry(created_at: str) -> int:
    return int(parse_rfc3339(created_at).timestamp()) + DELIVERY_RETENTION_DAYS * 86_400


def create_delivery(delivery: Delivery) -> bool:
    """Record a new delivery; False when this event was already fanned out to this endpoint."""
    try:
        table.put_new({
            **keys.webhook_delivery(delivery.tenant_id, delivery.webhook_id, delivery.id),
            "entity": "webhook_delivery",
            "TTL": _expiry(delivery.created_at),
            **delivery.model_dump(by_alias=True, exclude_none=True),
        })
    except Conflict:
        return False
    return True


def get_delivery(tenant_id: str, webhook_id: str, delivery_id: str) -> Delivery | None:
    item = table.get(keys.webhook_delivery(tenant_id, webhook_id, delivery_id))
    return Delivery.model_validate(table.strip_keys(item)) if item else None


def get_delivery_with_webhook(tenant_id: str, webhook_id: str, delivery_id: str
                              ) -> tuple[Delivery | None, Webhook | None]:
    """The delivery and its endpoint in one strongly consistent BatchGetItem (the worker's read per attempt)."""
    wanted = [keys.webhook_delivery(tenant_id, webhook_id, delivery_id), keys.webhook(tenant_id, webhook_id)]
    found = table.batch_get(wanted, consistent=True)
    by_sk = {i["SK"]: table.strip_keys(i) for i in found}
    delivery = by_sk.get(wanted[0]["SK"])
    hook = by_sk.get(wanted[1]["SK"])
    return (Delivery.model_validate(delivery) if delivery else None,
            Webhook.model_validate(hook) if hook else None)


def list_deliveries(tenant_id: str, webhook_id: str, *, limit: int, start_key: dict[str, Any] | None
                    ) -> tuple[list[Delivery], dict[str, Any] | None]:
    """Newest first."""
    items, last = table.query_page(keys.webhook_deliveries_partition(tenant_id, webhook_id),
                                   sk_prefix=keys.webhook_deliveries_prefix(), limit=limit, start_key=start_key,
                                   forward=False)
    return [Delivery.model_validate(table.strip_keys(i)) for i in items], last


def record_attempt(delivery: Delivery, attempts: list[Attempt], *, status: DeliveryStatus, now: str,
                   next_attempt_at: str | None, failure_reason: str | None) -> bool:
    """Store one attempt's result, provided no other worker recorded this attempt first (False then)."""
    sets = ["#st = :status", "attemptCount = :count", "attempts = :attempts", "updatedAt = :now"]
    removes: list[str] = []
    vals: dict[str, Any] = {":status": status, ":count": delivery.attempt_count + 1, ":now": now,
                            ":attempts": [a.model_dump(by_alias=True, exclude_none=True) for a in attempts],
                            ":expected": delivery.attempt_count, ":pending": "pending",
                            ":token": delivery.message_token}
    for attr, value in (("nextAttemptAt", next_attempt_at), ("failureReason", failure_reason)):
        if value is None:
            removes.append(attr)
        else:
            sets.append(f"{attr} = :{attr}")
            vals[f":{attr}"] = value
    expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
    return _update_pending(delivery, expression, vals, _UNCHANGED)


def close_delivery(delivery: Delivery, reason: str, *, now: str) -> bool:
    """Mark a pending delivery failed without an attempt (its endpoint was disabled)."""
    expression = "SET #st = :failed, failureReason = :reason, updatedAt = :now REMOVE nextAttemptAt"
    return _update_pending(delivery, expression,
                           {":failed": "failed", ":reason": reason, ":now": now, ":pending": "pending",
                            ":expected": delivery.attempt_count, ":token": delivery.message_token}, _UNCHANGED)


def retoken(delivery: Delivery, token: str, *, now: str) -> bool:
    """Hand a never-attempted delivery to a new queue message (the earlier one, if any, becomes stale)."""
    return _update_pending(delivery, "SET messageToken = :token, updatedAt = :now",
                           {":token": token, ":now": now, ":pending": "pending", ":zero": 0},
                           "attemptCount = :zero AND #st = :pending")


_UNCHANGED = "attemptCount = :expected AND #st = :pending AND messageToken = :token"
"""The delivery is still pending, at the attempt and with the queue message this worker holds."""


def _update_pending(delivery: Delivery, expression: str, vals: dict[str, Any], condition: str) -> bool:
    """One conditional update of a delivery; False when another worker or message changed it first."""
    try:
        table.update(keys.webhook_delivery(delivery.tenant_id, delivery.webhook_id, delivery.id), expression,
                     names={"#st": "status"}, vals=vals, condition=condition, return_new=False)
    except Conflict:
        return False
    return True


def restart_delivery(tenant_id: str, webhook_id: str, delivery_id: str, *, token: str, now: str) -> Delivery:
    """Start a new round of attempts for a finished delivery (Conflict while one is still pending)."""
    item = table.update(
        keys.webhook_delivery(tenant_id, webhook_id, delivery_id),
        "SET #st = :pending, roundStart = attemptCount, nextAttemptAt = :now, updatedAt = :now, "
        "messageToken = :token, #ttl = :ttl REMOVE failureReason",
        names={"#st": "status", "#ttl": "TTL"},
        vals={":pending": "pending", ":now": now, ":ttl": _expiry(now), ":token": token},
        condition="attribute_exists(PK) AND #st <> :pending",
        conflict_message="The delivery is still being attempted; wait for it to finish.",
    )
    assert item is not None
    return Delivery.model_validate(table.strip_keys(item))
