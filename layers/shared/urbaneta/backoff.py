"""The one retry pause of the package: exponential, capped, optionally jittered.

Used wherever AWS hands work back (unprocessed batch items, refused entries, cancelled transactions) and where
a write lost an optimistic-lock race and is tried again. ``attempts`` bounds a loop and says when to give up.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator

from urbaneta.errors import ServiceUnavailable


def delay(attempt: int, *, base: float = 0.05, cap: float = 1.0, jitter: bool = False) -> float:
    """Seconds to wait before retry ``attempt + 1``: ``base * 2**attempt``, at most ``cap``; with ``jitter``,
    a factor in [0.5, 1.5) spreads writers that collided so they do not collide again."""
    wait = min(base * 2 ** min(attempt, 16), cap)
    return wait * (0.5 + random.random()) if jitter else wait


def pause(attempt: int, *, base: float = 0.05, cap: float = 1.0, jitter: bool = False) -> None:
    time.sleep(delay(attempt, base=base, cap=cap, jitter=jitter))


def attempts(limit: int, *, message: str = "The service is busy; try again.", base: float = 0.05,
             cap: float = 1.0, jitter: bool = False) -> Iterator[int]:
    """``for attempt in attempts(6): ... break``: yields 0..limit-1 with a pause between two attempts, and raises
    ServiceUnavailable(message) when the caller never broke out."""
    for attempt in range(limit):
        if attempt:
            pause(attempt - 1, base=base, cap=cap, jitter=jitter)
        yield attempt
    raise ServiceUnavailable(message)
