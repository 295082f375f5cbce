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
        from tests.security.operations import operations
        from tests.security.world import build_world
        from tests.support import call, count_calls

        world = build_world(new_caller)
        figures = []
        for op in operations():
            if op.method != "get" or op.public:
                continue
            query = {"buildingId": world.ids["building_id"]} if op.path in ("/meters",) else None
            call(op.function, "GET", op.url(world.ids), token=world.owner.token, query=query)  # warm
            with count_calls("dynamodb") as counter:
                res = call(op.function, "GET", op.url(world.ids), token=world.owner.token, query=query)
            assert res.status == 200, (op.id, res)
            figures.append(Figure("read_calls", op.id, counter.count(), "DynamoDB calls", GOAL_CALLS,
                                  f"<= {GOAL_CALLS}"))
        report("read_calls", figures)


if __name__ == "__main__":
    main()
