"""DynamoDB calls per request for every read route (GET in the OpenAPI document), authentication included,
counted with botocore event hooks against a complete organisation built through the API. Goal: <= 2.
The baseline is the cheapest conceivable authenticated read: the session check plus one GetItem (2 calls)."""

from __future__ import annotations

import os

from bench.common import Figure, report

GOAL_CALLS = 2


def main() -> None:
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    from tests.support import emulated_aws

    with emulated_aws(prefix="urbaneta-bench"):
        from tests.conftest import new_caller
        from tests.security.world import build_world, read_route_calls

        counts = read_route_calls(build_world(new_caller))
        figures = [Figure("read_calls", op_id, n, "DynamoDB calls", GOAL_CALLS, f"<= {GOAL_CALLS}")
                   for op_id, n in counts.items()]
        report("read_calls", figures)


if __name__ == "__main__":
    main()
