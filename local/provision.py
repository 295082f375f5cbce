"""Create every AWS resource the template declares, against whatever endpoint boto3 is pointed at
(moto in-process for tests, moto's server for the local stack). Returns the names it gave them."""

from __future__ import annotations

import json
from typing import Any

import boto3

from local import template as tpl
from local.template import Names


def _table(client: Any, name: str, props: dict[str, Any]) -> None:
    kwargs: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
    }
    if props.get("GlobalSecondaryIndexes"):
        kwargs["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
    client.create_table(**kwargs)
    ttl = props.get("TimeToLiveSpecification")
    if ttl:
        client.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)


def provision(session: boto3.session.Session, *, prefix: str = "urbaneta-local",
              parameters: dict[str, str] | None = None, endpoint_url: str | None = None) -> Names:
    """Create table(s), buckets, secret, bus, queues (with their redrive policies), event rules and
    schedules. Rules deliver to queues through moto itself; deliveries to functions are the local
    stack's part (``local.bus``), as are schedules, which it fires only on demand."""
    names = Names(prefix=prefix, parameters=tpl.default_parameters({"Stage": "dev", **(parameters or {})}))
    kw: dict[str, Any] = {"region_name": tpl.REGION}
    if endpoint_url:
        kw["endpoint_url"] = endpoint_url
    ddb, s3, sm = session.client("dynamodb", **kw), session.client("s3", **kw), session.client("secretsmanager", **kw)
    sqs, events = session.client("sqs", **kw), session.client("events", **kw)

    for logical, res in tpl.resources("AWS::DynamoDB::Table").items():
        name = f"{prefix}-{logical}".lower()
        names.physical[logical] = name
        _table(ddb, name, res["Properties"])

    for logical in tpl.resources("AWS::S3::Bucket"):
        name = f"{prefix}-{logical}".lower()
        names.physical[logical] = name
        names.arns[logical] = f"arn:aws:s3:::{name}"
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": tpl.REGION},  # type: ignore[typeddict-item]
                         )

    ses = session.client("ses", **kw)
    ses.verify_email_identity(EmailAddress=names.parameters.get("MailFrom", "no-reply@urbaneta.example"))

    for logical, res in tpl.resources("AWS::SecretsManager::Secret").items():
        gen = res["Properties"].get("GenerateSecretString", {})
        value = json.loads(gen.get("SecretStringTemplate", "{}"))
        if gen.get("GenerateStringKey"):
            value[gen["GenerateStringKey"]] = sm.get_random_password(
                PasswordLength=int(gen.get("PasswordLength", 64)), ExcludePunctuation=True
            )["RandomPassword"]
        arn = sm.create_secret(Name=f"{prefix}-{logical}", SecretString=json.dumps(value))["ARN"]
        names.physical[logical] = arn
        names.arns[logical] = arn

    for logical, res in tpl.resources("AWS::Events::EventBus").items():
        name = str(tpl.resolve(res["Properties"]["Name"], names))
        names.physical[logical] = name
        names.arns[logical] = events.create_event_bus(Name=name)["EventBusArn"]

    queues = tpl.resources("AWS::SQS::Queue")
    # dead-letter queues first, so redrive policies can name them
    ordered = sorted(queues, key=lambda q: "RedrivePolicy" in queues[q].get("Properties", {}))
    for logical in ordered:
        props = queues[logical].get("Properties", {})
        name = f"{prefix}-{logical}"
        names.physical[logical] = name  # Ref of a queue is its URL: fixed below
        names.attrs[(logical, "QueueName")] = name
        attrs: dict[str, str] = {}
        if "VisibilityTimeout" in props:
            attrs["VisibilityTimeout"] = str(props["VisibilityTimeout"])
        if "MessageRetentionPeriod" in props:
            attrs["MessageRetentionPeriod"] = str(props["MessageRetentionPeriod"])
        if "RedrivePolicy" in props:
            attrs["RedrivePolicy"] = json.dumps(tpl.resolve(props["RedrivePolicy"], names))
        url = sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]  # type: ignore[arg-type]
        names.physical[logical] = url
        names.arns[logical] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"]

    for logical in tpl.resources(tpl.FUNCTION):
        names.arns[logical] = tpl.function_arn(logical, names)
        names.physical[logical] = f"{prefix}-{logical}"
    _rules(events, names)
    _schedules(events, names)
    return names


def _rules(events: Any, names: Names) -> None:
    """Pattern rules on their bus. Queue targets are attached (moto delivers matching events to them);
    a target with ``Input``/``InputPath`` or a function target is delivered by the local stack instead.
    A disabled rule is created without targets: moto would deliver to them regardless of its state."""
    for rule in tpl.rules(names):
        events.put_rule(Name=rule.name, EventBusName=rule.bus, EventPattern=json.dumps(rule.pattern),
                        State="ENABLED" if rule.enabled else "DISABLED")
        direct = [t for t in rule.targets if native_target(t)]
        if direct and rule.enabled:
            events.put_targets(Rule=rule.name, EventBusName=rule.bus, Targets=[
                {"Id": f"t{i}", "Arn": t.arn, **({"InputTransformer": t.input_transformer}
                                                 if t.input_transformer else {})}
                for i, t in enumerate(direct)
            ])


def native_target(target: tpl.Target) -> bool:
    """True when moto itself delivers to this target (a queue, with no Input/InputPath to apply)."""
    return target.function is None and ":sqs:" in target.arn and target.input is None and target.input_path is None


def _schedules(events: Any, names: Names) -> None:
    """Schedule rules are created (so they can be listed) but get no targets: moto would treat a rule
    without a pattern as matching every event. The local stack fires them on demand."""
    for sched in tpl.schedules(names):
        if sched.kind == "Schedule":
            events.put_rule(Name=f"{names.prefix}-{sched.name}"[:64], ScheduleExpression=sched.expression,
                            State="ENABLED" if sched.enabled else "DISABLED")
