"""The ``data`` of every domain event: one pydantic model per shape (camelCase on the wire), one module per area
(``buildings``, ``auth``, ``meters``, ``residents``, ``invoicing``, ``webhooks``), so that a function imports
only the models it publishes, which keeps cold starts small.

A service builds one of these after its write and hands it to ``adapters.events.domain_event``; the registry
(``domain/event_types.py``), ``docs/events.md`` and the OpenAPI ``webhooks`` section are derived from them.
Money is a JSON number in major units with two decimals (``142.50``); meter quantities are decimal strings in
the meter's unit (``"123.456"``), so no precision is lost on the way.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class EventData(BaseModel):
    """The base of every event's ``data``: snake_case in Python, camelCase on the wire, nothing else allowed."""

    model_config = ConfigDict(defer_build=True, alias_generator=to_camel, populate_by_name=True, frozen=True,
                              extra="forbid")

    def wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)
