"""EventBridge's part the emulator does not play, and schedules on demand.

Pattern matching stays moto's: provisioning put every rule on its bus, and moto delivers matching events to
queue targets itself. A target moto cannot serve — a function, or a queue with ``Input``/``InputPath`` — gets
a relay queue as the rule's target instead; a relay pump takes up to ten events at a time from there, applies
the target's input, and invokes the function once per event (an asynchronous invocation, as EventBridge
makes), those of one batch in parallel up to the function's concurrency (or sends them to the queue, in one
batch). A failing invocation is retried as Lambda retries asynchronous invocations (three attempts in all),
then parked in the relay dead-letter queue.

Schedules are never fired by the clock: ``POST /_local/schedules/{name}`` runs the scheduled function now with
a Scheduled Event (events/schedule/scheduled.json) whose ``time`` the caller chooses.
"""

from __future__ import annotations

import copy
import json
import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from typing import Any

from local import template as tpl
from local.environments import Functions
from local.pumps import SqsPump
from local.template import ACCOUNT, REGION, ROOT, Names, RuleSpec, ScheduleSpec, Target

log = logging.getLogger("local.bus")

RELAY_VISIBILITY_SECONDS = 2
RELAY_ATTEMPTS = 3  # the first invocation and Lambda's two retries of an asynchronous invocation
RELAY_BATCH = 10  # SQS's most per ReceiveMessage


# EventBridge's event, field for field. moto's default target input leaves out "account"; the local stack
# restores it (moto's own paths map already names it).
EVENT_TEMPLATE = ('{"version": "0", "id": "<id>", "detail-type": "<detail-type>", "source": "<source>", '
                  '"account": "<account>", "time": <time>, "region": "<region>", "resources": <resources>, '
                  '"detail": <detail>}')


def complete_moto_events() -> None:
    """Make moto deliver the whole EventBridge event to targets (called once by the local stack)."""
    from moto.events.utils import EventTemplateParser

    EventTemplateParser.DEFAULT_EVENT_INPUT_TEMPLATE = EVENT_TEMPLATE


def select_path(event: Any, path: str) -> Any:
    """A JSONPath of the simple form EventBridge's InputPath takes: ``$``, ``$.detail``, ``$.detail.data.id``."""
    if path in ("$", ""):
        return event
    if not path.startswith("$."):
        raise ValueError(f"unsupported InputPath {path!r}")
    node = event
    for part in path[2:].split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def target_input(target: Target, event: dict[str, Any]) -> Any:
    """What the target receives: the constant Input, the part InputPath selects, or the event itself
    (moto has already applied an InputTransformer before the event reached the relay queue)."""
    if target.input is not None:
        return json.loads(target.input)
    if target.input_path is not None:
        return select_path(event, target.input_path)
    return event


@dataclass
class Relay:
    rule: RuleSpec
    target: Target
    queue_url: str
    queue_arn: str


class Bus:
    """Relay queues and pumps for the rules' function targets."""

    def __init__(self, *, sqs: Any, events: Any, functions: Functions, names: Names) -> None:
        self.sqs = sqs
        self.events = events
        self.functions = functions
        self.names = names
        self.relays: list[Relay] = []
        self.pumps: list[SqsPump] = []

    def setup(self) -> list[Relay]:
        from local.provision import native_target

        pending = [(r, i, t) for r in tpl.rules(self.names) if r.enabled
                   for i, t in enumerate(r.targets) if not native_target(t)]
        if not pending:
            return []
        dlq_url = self.sqs.create_queue(QueueName=f"{self.names.prefix}-relay-dlq")["QueueUrl"]
        dlq_arn = self._arn(dlq_url)
        for rule, index, target in pending:
            name = f"{self.names.prefix}-relay-{rule.logical}-{index}"[:80]
            url = self.sqs.create_queue(QueueName=name, Attributes={
                "VisibilityTimeout": str(RELAY_VISIBILITY_SECONDS),
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": RELAY_ATTEMPTS}),
            })["QueueUrl"]
            arn = self._arn(url)
            self.events.put_targets(Rule=rule.name, EventBusName=rule.bus, Targets=[{
                "Id": f"relay{index}", "Arn": arn,
                **({"InputTransformer": target.input_transformer} if target.input_transformer else {}),
            }])
            self.relays.append(Relay(rule, target, url, arn))
        return self.relays

    def _arn(self, url: str) -> str:
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
        return str(attrs["QueueArn"])

    def start(self) -> list[SqsPump]:
        for relay in self.relays:
            self.pumps.append(SqsPump(
                sqs=self.sqs, queue_url=relay.queue_url, queue_arn=relay.queue_arn,
                handler=self._deliverer(relay), batch_size=RELAY_BATCH, report_failures=True,
                name=f"rule {relay.rule.logical} -> {relay.target.function or relay.target.arn}",
            ).start())
        return self.pumps

    def _deliverer(self, relay: Relay) -> Any:
        function = relay.target.function
        parallel = self.functions.limit(function) if function is not None else 1
        pool = ThreadPoolExecutor(max_workers=parallel, thread_name_prefix=f"relay-{relay.rule.logical}")

        def invoke(record: dict[str, Any]) -> str | None:
            """The record's message id when its delivery failed (it comes back for another attempt)."""
            try:
                payload = target_input(relay.target, json.loads(record["body"]))
                self.functions.invoke(function, payload)  # type: ignore[arg-type]
            except Exception as exc:
                log.warning("rule %s: %s failed (attempt %s of %d): %s", relay.rule.logical, function,
                            record["attributes"].get("ApproximateReceiveCount", "?"), RELAY_ATTEMPTS, exc)
                return str(record["messageId"])
            return None

        def to_queue(records: list[dict[str, Any]]) -> None:
            queue_name = relay.target.arn.rsplit(":", 1)[-1]
            url = self.sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
            self.sqs.send_message_batch(QueueUrl=url, Entries=[
                {"Id": str(i), "MessageBody": json.dumps(target_input(relay.target, json.loads(r["body"])))}
                for i, r in enumerate(records)])

        def deliver(sqs_event: dict[str, Any]) -> dict[str, Any]:
            records = sqs_event["Records"]
            if function is None:
                to_queue(records)
                return {"batchItemFailures": []}
            failed = [mid for mid in pool.map(invoke, records) if mid is not None]
            return {"batchItemFailures": [{"itemIdentifier": mid} for mid in failed]}

        return deliver

    def stop(self) -> None:
        for pump in self.pumps:
            pump.signal_stop()
        for pump in self.pumps:
            pump.stop()


# ---------------------------------------------------------------------------------------------- schedules


@cache
def _scheduled_base() -> dict[str, Any]:
    base: dict[str, Any] = json.loads((ROOT / "events" / "schedule" / "scheduled.json").read_text())
    return base


def scheduled_event(spec: ScheduleSpec, time: str, prefix: str) -> dict[str, Any]:
    """The event EventBridge gives a scheduled function (EventBridge Scheduler's for ScheduleV2)."""
    event = copy.deepcopy(_scheduled_base())
    event["id"] = str(uuid.uuid4())
    event["time"] = time
    event["account"] = ACCOUNT
    event["region"] = REGION
    if spec.kind == "ScheduleV2":
        event["source"] = "aws.scheduler"
        event["resources"] = [f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/default/{spec.name}"]
    else:
        event["resources"] = [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{prefix}-{spec.name}"]
    return event


class UnknownSchedule(LookupError):
    pass


class Schedules:
    def __init__(self, specs: list[ScheduleSpec], functions: Functions, prefix: str) -> None:
        self.specs = specs
        self.functions = functions
        self.prefix = prefix

    def find(self, name: str) -> ScheduleSpec:
        for spec in self.specs:
            if spec.name == name:
                return spec
        for spec in self.specs:
            if name in spec.aliases:
                return spec
        raise UnknownSchedule(name)

    def fire(self, name: str, time: str) -> tuple[ScheduleSpec, Any]:
        """Run the schedule's function now; returns (the schedule, the handler's result)."""
        spec = self.find(name)
        event = json.loads(spec.input) if spec.input is not None else scheduled_event(spec, time, self.prefix)
        log.info("schedule %s fired at %s -> %s", spec.name, time, spec.function)
        return spec, self.functions.invoke(spec.function, event)
