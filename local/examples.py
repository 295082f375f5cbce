"""The OpenAPI document's examples, recorded from real answers: ``python -m local.examples`` builds a complete
organisation through the API's handlers (emulated AWS, as the tests do), calls every operation once, and keeps the
first successful request and answer of each in ``docs/openapi-examples.json``. Ids, tokens and secrets are
replaced by stable stand-ins, so the file changes only when an answer's shape does. ``local/openapi.py`` puts the
examples on the operations and on the models they use; spectral checks each one against its schema.

Run it again (and ``make openapi``) after changing a request or response model."""

from __future__ import annotations

import json
import os
import re
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "openapi-examples.json"

_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
_HEX = re.compile(r"\b[0-9a-f]{32,64}\b")
_UNIQUE_MAIL = re.compile(r"([A-Za-z._-]+?)[0-9a-f]{10}(@)")
_JWT = re.compile(r"\beyJ[\w-]+\.[\w-]+\.[\w-]+")
_SECRET_KEYS = ("token", "accessToken", "refreshToken", "secret", "key", "apiKey", "uploadUrl", "url")


def _stand_in_uuid(n: int) -> str:
    """The n-th id of the examples: a valid UUID that reads as an example (5e7a0000-…)."""
    return str(uuid.UUID(int=0x5E7A000000004000 << 64 | n))


class Stand_ins:
    """The same real value always becomes the same stand-in, so ids still agree across examples."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}

    def _stable(self, real: str, make: Callable[[int], str]) -> str:
        if real not in self.seen:
            self.seen[real] = make(len(self.seen) + 1)
        return self.seen[real]

    def text(self, value: str) -> str:
        value = _JWT.sub(lambda m: self._stable(m.group(0), lambda n: f"eyJhbGciOiJIUzI1NiJ9.example{n}.signature"),
                         value)
        value = _UUID.sub(lambda m: self._stable(m.group(0), _stand_in_uuid), value)
        value = _HEX.sub(lambda m: self._stable(m.group(0), lambda n: f"{n:032x}"), value)
        return _UNIQUE_MAIL.sub(r"\1\2", value)  # the tests' unique e-mails: juhataja3f9a1c2b4d@ -> juhataja@

    def value(self, value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: self.value(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v, key) for v in value[:2]]  # two items show a list's shape
        if isinstance(value, str):
            if key in ("secret",) and value.startswith("whsec_"):
                return "whsec_" + "A" * 32
            return self.text(value)
        return value


def record() -> dict[str, dict[str, Any]]:
    """Every operation's first 2xx request and answer, keyed ``"<METHOD> <path>"``."""
    sys.path[:0] = [str(ROOT / "layers" / "shared"), str(ROOT)]
    from local import openapi
    from tests.support import emulated_aws

    openapi.template_environment()
    paths = list(openapi.build()["paths"])
    templates = [(re.compile("^/api" + re.sub(r"\{[^}]+\}", "[^/]+", p) + "$"), p) for p in paths]
    seen: dict[str, dict[str, Any]] = {}

    def keep(event: dict[str, Any], result: dict[str, Any]) -> None:
        status = int(result.get("statusCode", 0))
        method = event["requestContext"]["http"]["method"]
        path = next((p for rx, p in templates if rx.match(event["rawPath"])), None)
        if path is None or not 200 <= status < 300:
            return
        op = f"{method} {path}"
        if op in seen and seen[op].get("response", {}).get("data") != []:
            return  # the first answer is kept, unless it was an empty list and this one shows items
        body, request = result.get("body") or "", event.get("body")
        seen[op] = {"status": str(status),
                    **({"response": json.loads(body)} if body.startswith("{") and not result.get("isBase64Encoded")
                       else {}),
                    **({"request": json.loads(request)} if request and request.startswith("{") else {})}

    os.environ.update(POWERTOOLS_LOG_LEVEL="ERROR", POWERTOOLS_METRICS_DISABLED="true")
    events: dict[str, dict[str, Any]] = {}
    with emulated_aws("urbaneta-examples"):
        _record_handlers(keep)
        _record_events(events)
        from local.example_scenario import run

        run()
    stand_ins = Stand_ins()
    found = {op: stand_ins.value(found) for op, found in sorted(seen.items())}
    found.update({f"EVENT {name}": stand_ins.value(event) for name, event in sorted(events.items())})
    return found


def _record_events(events: dict[str, dict[str, Any]]) -> None:
    """The first event of each type the scenario publishes (the webhooks section's examples), read from what
    goes to EventBridge."""
    from urbaneta.adapters import events as bus

    client = bus.client

    class Recording:
        def __init__(self, real: Any) -> None:
            self.real = real

        def put_events(self, **kwargs: Any) -> Any:
            for entry in kwargs.get("Entries", []):
                detail = json.loads(entry["Detail"])
                events.setdefault(detail["event"], detail)
            return self.real.put_events(**kwargs)

    bus.client = lambda name: Recording(client(name)) if name == "events" else client(name)  # type: ignore


def _record_handlers(keep: Callable[[dict[str, Any], dict[str, Any]], None]) -> None:
    """Every API function's handler, however often its module is loaded, records what it answered."""
    from urbaneta.http import app as http_app

    make_handler = http_app.make_handler

    def recording_make_handler(*args: Any, **kwargs: Any) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
        handler = make_handler(*args, **kwargs)

        def recording(event: dict[str, Any], context: Any) -> dict[str, Any]:
            result: dict[str, Any] = handler(event, context)
            keep(event, result)
            return result

        return recording

    http_app.make_handler = recording_make_handler  # type: ignore[assignment]


def main() -> None:
    examples = record()
    OUT.write_text(json.dumps(examples, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"{len(examples)} operations recorded in {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
