"""Batches bounded by count and by bytes, as AWS bounds its batch calls (SQS, EventBridge, DynamoDB)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")


def bounded(items: Sequence[T], *, max_count: int, max_bytes: int, size: Callable[[T], int],
            what: str = "an entry") -> Iterator[list[T]]:
    """Consecutive batches of at most ``max_count`` items and ``max_bytes`` bytes together. One item larger than
    ``max_bytes`` by itself is a ValueError (it could never be sent; the caller must make it smaller)."""
    batch: list[T] = []
    total = 0
    for item in items:
        n = size(item)
        if n > max_bytes:
            raise ValueError(f"{what} of {n} bytes is over the {max_bytes}-byte limit")
        if batch and (len(batch) == max_count or total + n > max_bytes):
            yield batch
            batch, total = [], 0
        batch.append(item)
        total += n
    if batch:
        yield batch
