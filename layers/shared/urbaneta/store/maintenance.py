"""Maintenance requests: the request item and its history (child items of the same item collection),
and the three list partitions (tenant, building, apartment) on GSI1..GSI3."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from urbaneta.domain.maintenance import MAX_HISTORY, HistoryEntry, MaintenanceRequest
from urbaneta.errors import Conflict, NotFound
from urbaneta.store import keys, table, transactions

ENTITY = "maintenance_request"
HISTORY_ENTITY = "maintenance_history"


def _item(req: MaintenanceRequest) -> dict[str, Any]:
    return {
        **keys.maintenance_request(req.tenant_id, req.id),
        **keys.maintenance_indexes(req.tenant_id, req.building_id, req.apartment_id, req.status, req.sort_time,
                                   req.id),
        "entity": ENTITY,
        **req.stored(),
    }


def _history_item(tenant_id: str, request_id: str, entry: HistoryEntry) -> dict[str, Any]:
    return {
        **keys.maintenance_history(tenant_id, request_id, entry.seq),
        "entity": HISTORY_ENTITY,
        **entry.model_dump(by_alias=True, exclude_none=True),
    }


def create(req: MaintenanceRequest, first: HistoryEntry) -> None:
    """The request and its first history entry, together."""
    transactions.transact([transactions.tx_put(_item(req), label="request"),
                           transactions.tx_put(_history_item(req.tenant_id, req.id, first), label="history")],
                          conflict_message="The maintenance request already exists.")


def load(tenant_id: str, request_id: str) -> tuple[MaintenanceRequest, list[HistoryEntry]]:
    """The request and its history in one Query on its item collection (history sorts before the request)."""
    items, _ = table.query_page(keys.maintenance_request_partition(tenant_id, request_id),
                                limit=MAX_HISTORY + 1, consistent=True)
    request: MaintenanceRequest | None = None
    history: list[HistoryEntry] = []
    for item in items:
        if item.get("entity") == ENTITY:
            request = MaintenanceRequest.model_validate(table.strip_keys(item))
        elif item.get("entity") == HISTORY_ENTITY:
            history.append(HistoryEntry.model_validate(table.strip_keys(item)))
    if request is None:
        raise NotFound("Maintenance request not found.")
    history.sort(key=lambda h: h.seq)
    return request, history


def save_change(before: MaintenanceRequest, after: MaintenanceRequest, entry: HistoryEntry) -> None:
    """Replace the request (its status moves it between list positions) and append one history entry.
    Optimistic: the history count is the version, so two concurrent changes cannot both win."""
    try:
        transactions.transact(
            [
                transactions.tx_put(_item(after), condition="attribute_exists(PK) AND historyCount = :n",
                             vals={":n": before.history_count}),
                transactions.tx_put(_history_item(after.tenant_id, after.id, entry)),
            ],
        )
    except table.ConditionFailed as exc:
        raise Conflict("The maintenance request was changed by someone else; reload it and try again.") from exc


def page(
    partition: str,
    *,
    index: str,
    status: str | None,
    limit: int,
    start_key: dict[str, Any] | None,
    building_id: str | None = None,
) -> tuple[list[MaintenanceRequest], dict[str, Any] | None]:
    """One Query on a list partition; ``status`` is a key condition (sort-key prefix); ``building_id``
    narrows an apartment partition (whose items all belong to one building) as a filter."""
    filter_kwargs: dict[str, Any] = {}
    if building_id is not None:
        filter_kwargs = {"filter_expression": "#bid = :bid", "filter_names": {"#bid": "buildingId"},
                         "filter_values": {":bid": building_id}}
    items, last = table.query_page(
        partition,
        index=index,
        sk_prefix=keys.maintenance_status_prefix(status) if status else None,
        limit=limit,
        start_key=start_key,
        **filter_kwargs,
    )
    return [MaintenanceRequest.model_validate(table.strip_keys(i)) for i in items], last


def partitions(tenant_id: str, *, building_id: str | None, apartment_id: str | None) -> tuple[str, str]:
    """(index, partition) serving a list: the narrowest partition the filters name."""
    if apartment_id:
        return "GSI3", keys.maintenance_apartment_partition(tenant_id, apartment_id)
    if building_id:
        return "GSI2", keys.maintenance_building_partition(tenant_id, building_id)
    return "GSI1", keys.maintenance_tenant_partition(tenant_id)


def apartment_partitions(tenant_id: str, apartment_ids: Sequence[str]) -> list[str]:
    return [keys.maintenance_apartment_partition(tenant_id, a) for a in apartment_ids]
