"""What makes a deployment operable and callable from a browser, read from template.yaml and samconfig.toml:
every function's log group and retention, an alarm topic behind every alarm, the alarms each function and
queue needs, CORS from a parameter, tags, and dev/prod settings that name only the template's parameters."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from cfn_tools import load_yaml

ROOT = Path(__file__).resolve().parents[2]
FUNCTION = "AWS::Serverless::Function"
ALARM = "AWS::CloudWatch::Alarm"
ASYNC_EVENTS = {"Schedule", "ScheduleV2", "EventBridgeRule", "CloudWatchEvent", "S3", "SNS"}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(json.dumps(load_yaml((ROOT / "template.yaml").read_text())))
    return loaded


def of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def alarms_on(template: dict[str, Any], namespace: str, metric: str) -> dict[str, dict[str, Any]]:
    """The alarms on one metric, by the resource their first dimension names (a Ref or a GetAtt)."""
    out: dict[str, dict[str, Any]] = {}
    for alarm in of_type(template, ALARM).values():
        props = alarm["Properties"]
        if props.get("Namespace") != namespace or props.get("MetricName") != metric:
            continue
        value = props["Dimensions"][0]["Value"]
        target = value.get("Ref") or value["Fn::GetAtt"][0]
        out[target] = props
    return out


def mentions(node: Any, name: str) -> bool:
    """True when ``name`` is used by a Ref, a GetAtt, a ${name} of Fn::Sub or a Condition anywhere in ``node``."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("Ref", "Condition") and value == name:
                return True
            if key == "Fn::Sub":
                text = value if isinstance(value, str) else value[0]
                if re.search(r"\$\{" + re.escape(name) + r"[.}]", text):
                    return True
            if mentions(value, name):
                return True
    elif isinstance(node, list):
        return any(mentions(v, name) for v in node)
    return False


# ---------------------------------------------------------------- logs


def test_every_function_logs_to_its_own_group_kept_log_retention_days(template):
    # Given every function and every log group of the template
    functions = of_type(template, FUNCTION)
    groups = of_type(template, "AWS::Logs::LogGroup")
    assert len(functions) >= 14
    used = []
    for logical, fn in functions.items():
        # When a function names its log group
        group = fn["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        used.append(group)
        # Then the group exists and is kept LogRetentionDays days
        assert group in groups, logical
        assert groups[group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, logical
    assert len(set(used)) == len(used), "two functions share a log group"
    # and so is every other log group (the API's access logs)
    for logical, group in groups.items():
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, logical


def test_log_retention_is_a_value_cloudwatch_accepts(template):
    param = template["Parameters"]["LogRetentionDays"]
    assert param["Default"] in param["AllowedValues"]
    assert set(param["AllowedValues"]) <= {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096,
                                           1827, 2192, 2557, 2922, 3288, 3653}


# ---------------------------------------------------------------- alarms


def test_every_alarm_notifies_the_alarm_topic_when_raised_and_when_cleared(template):
    alarms = of_type(template, ALARM)
    assert alarms
    for logical, alarm in alarms.items():
        props = alarm["Properties"]
        assert {"Ref": "AlarmTopic"} in props.get("AlarmActions", []), logical
        assert {"Ref": "AlarmTopic"} in props.get("OKActions", []), logical
        assert props.get("TreatMissingData") == "notBreaching", logical
        assert props.get("AlarmDescription"), logical


def test_alarm_email_subscribes_only_when_given(template):
    subs = of_type(template, "AWS::SNS::Subscription")
    assert len(subs) == 1
    (sub,) = subs.values()
    assert sub["Condition"] == "HasAlarmEmail"
    assert sub["Properties"] == {"TopicArn": {"Ref": "AlarmTopic"}, "Protocol": "email",
                                 "Endpoint": {"Ref": "AlarmEmail"}}
    assert template["Conditions"]["HasAlarmEmail"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]}
    assert template["Parameters"]["AlarmEmail"]["Default"] == ""


@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_every_function_has_an_alarm_on_its_errors_and_throttles(template, metric):
    alarms = alarms_on(template, "AWS/Lambda", metric)
    for logical in of_type(template, FUNCTION):
        props = alarms.get(logical)
        assert props is not None, f"{logical} has no {metric} alarm"
        assert props["Statistic"] == "Sum"
        assert props["Threshold"] == 1
        assert props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def dead_letter_queues(template: dict[str, Any]) -> set[str]:
    """Queues named as a redrive target, a function's DeadLetterQueue or a rule target's DeadLetterConfig."""
    out = set()
    for queue in of_type(template, "AWS::SQS::Queue").values():
        redrive = queue["Properties"].get("RedrivePolicy")
        if redrive:
            out.add(redrive["deadLetterTargetArn"]["Fn::GetAtt"][0])
    for fn in of_type(template, FUNCTION).values():
        dlq = fn["Properties"].get("DeadLetterQueue")
        if dlq:
            out.add(dlq["TargetArn"]["Fn::GetAtt"][0])
    for rule in of_type(template, "AWS::Events::Rule").values():
        for target in rule["Properties"].get("Targets", []):
            if "DeadLetterConfig" in target:
                out.add(target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0])
    return out


def test_every_dead_letter_queue_alarms_on_its_first_message(template):
    dlqs = dead_letter_queues(template)
    assert len(dlqs) >= 5
    alarms = alarms_on(template, "AWS/SQS", "ApproximateNumberOfMessagesVisible")
    for dlq in dlqs:
        assert dlq in alarms, f"{dlq} has no depth alarm"
        assert alarms[dlq]["Threshold"] == 1
        assert alarms[dlq]["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_every_work_queue_alarms_on_the_age_of_its_oldest_message(template):
    work_queues = {k for k, v in of_type(template, "AWS::SQS::Queue").items() if "RedrivePolicy" in v["Properties"]}
    assert len(work_queues) == 6
    alarms = alarms_on(template, "AWS/SQS", "ApproximateAgeOfOldestMessage")
    assert set(alarms) == work_queues
    for queue, props in alarms.items():
        visibility = template["Resources"][queue]["Properties"]["VisibilityTimeout"]
        # a message that waits longer than one visibility timeout is not merely being worked on
        assert props["Threshold"] > visibility, queue
        assert props["Statistic"] == "Maximum"


def test_functions_invoked_asynchronously_keep_failed_events_in_a_dead_letter_queue(template):
    asynchronous = [k for k, v in of_type(template, FUNCTION).items()
                    if any(e["Type"] in ASYNC_EVENTS for e in (v["Properties"].get("Events") or {}).values())]
    assert asynchronous
    for logical in asynchronous:
        dlq = template["Resources"][logical]["Properties"].get("DeadLetterQueue")
        assert dlq and dlq["Type"] == "SQS", logical


def test_api_5xx_rate_alarm_divides_5xx_by_requests_of_the_http_api(template):
    (props,) = [a["Properties"] for a in of_type(template, ALARM).values() if "Metrics" in a["Properties"]]
    stats = {m["Id"]: m["MetricStat"]["Metric"] for m in props["Metrics"] if "MetricStat" in m}
    assert {s["MetricName"] for s in stats.values()} == {"5xx", "Count"}
    for stat in stats.values():
        assert stat["Namespace"] == "AWS/ApiGateway"
        assert stat["Dimensions"] == [{"Name": "ApiId", "Value": {"Ref": "HttpApi"}}]
    (expression,) = [m for m in props["Metrics"] if "Expression" in m]
    assert expression["ReturnData"] is True
    assert "errors / requests" in expression["Expression"]
    assert 0 < props["Threshold"] <= 10  # percent


# ---------------------------------------------------------------- CORS

ALLOWED_HEADERS = {"Authorization", "Content-Type", "Idempotency-Key", "If-Match", "X-Request-ID"}
EXPOSED_HEADERS = {"Location", "ETag", "Idempotent-Replayed", "Retry-After", "X-Request-ID"}


def test_cors_is_configured_from_the_allowed_origins_parameter_and_off_by_default(template):
    cors = template["Resources"]["HttpApi"]["Properties"]["CorsConfiguration"]
    condition, on, off = cors["Fn::If"]
    assert condition == "HasAllowedOrigins"
    assert off == {"Ref": "AWS::NoValue"}
    assert template["Conditions"]["HasAllowedOrigins"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "AllowedOrigins"}, ""]}]}
    assert template["Parameters"]["AllowedOrigins"]["Default"] == ""
    assert on["AllowOrigins"] == {"Fn::Split": [",", {"Ref": "AllowedOrigins"}]}
    assert set(on["AllowHeaders"]) == ALLOWED_HEADERS
    assert set(on["ExposeHeaders"]) == EXPOSED_HEADERS
    assert set(on["AllowMethods"]) == {"GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"}
    assert 0 < on["MaxAge"] <= 7200  # browsers cap the preflight cache at 2 hours (Chromium) or more
    assert not on.get("AllowCredentials")  # bearer tokens, never cookies: no credentialed CORS


@pytest.mark.parametrize("value, accepted", [
    ("", True),
    ("*", True),
    ("https://app.urbaneta.ee", True),
    ("https://app.urbaneta.ee,https://admin.urbaneta.ee,http://localhost:5173", True),
    ("https://*", True),
    ("https://app.urbaneta.ee, https://admin.urbaneta.ee", False),  # a space would become part of an origin
    ("app.urbaneta.ee", False),  # an origin has a scheme
    ("https://app.urbaneta.ee,", False),
])
def test_allowed_origins_pattern(template, value, accepted):
    pattern = template["Parameters"]["AllowedOrigins"]["AllowedPattern"]
    assert (re.fullmatch(pattern, value) is not None) is accepted


# ---------------------------------------------------------------- parameters, tags, samconfig


def test_every_parameter_is_used(template):
    body = {k: v for k, v in template.items() if k != "Parameters"}
    for name in template["Parameters"]:
        assert mentions(body, name), f"parameter {name} is never used"


def test_functions_and_the_api_are_tagged_with_application_and_stage(template):
    expected = {"Application": "urbaneta", "Stage": {"Ref": "Stage"}}
    assert template["Globals"]["Function"]["Tags"] == expected
    assert template["Resources"]["HttpApi"]["Properties"]["Tags"] == expected


def overrides(text: str) -> dict[str, str]:
    return dict(item.split("=", 1) for item in text.split())


@pytest.fixture(scope="module")
def samconfig() -> dict[str, Any]:
    return tomllib.loads((ROOT / "samconfig.toml").read_text())


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_samconfig_environment_deploys_a_tagged_stack_of_its_stage(template, samconfig, env):
    deploy = samconfig[env]["deploy"]["parameters"]
    assert samconfig[env]["global"]["parameters"]["stack_name"] == f"urbaneta-{env}"
    assert deploy["capabilities"] == "CAPABILITY_IAM"
    assert deploy["resolve_s3"] is True
    params = overrides(deploy["parameter_overrides"])
    assert params["Stage"] == env
    assert set(params) <= set(template["Parameters"]), "samconfig names a parameter the template lacks"
    for name, value in params.items():
        spec = template["Parameters"][name]
        if "AllowedValues" in spec:
            assert value in [str(v) for v in spec["AllowedValues"]], name
        if "AllowedPattern" in spec:
            assert re.fullmatch(spec["AllowedPattern"], value), name
    assert overrides(deploy["tags"]) == {"Application": "urbaneta", "Stage": env}


def test_prod_has_no_cors_and_asks_before_changing(samconfig):
    prod = samconfig["prod"]["deploy"]["parameters"]
    assert "AllowedOrigins" not in overrides(prod["parameter_overrides"])
    assert prod["confirm_changeset"] is True


def test_samconfig_is_committed_not_ignored():
    ignored = (ROOT / ".gitignore").read_text().split()
    assert "samconfig.toml" not in ignored


# ---------------------------------------------------------------- linters' configuration


def test_every_skipped_checkov_check_and_ignored_cfn_lint_rule_says_why():
    for name, key in [(".checkov.yaml", "skip-check"), (".cfnlintrc.yaml", "ignore_checks")]:
        lines = (ROOT / name).read_text().splitlines()
        block = []
        for line in lines[lines.index(f"{key}:") + 1:]:
            if not line.startswith(" "):
                break
            block.append(line.strip())
        comments = " ".join(line for line in block if line.startswith("#"))
        skipped = [line[2:].strip() for line in block if line.startswith("- ")]
        assert skipped, name
        for rule in skipped:
            # each rule is named in the comment that gives the reason
            assert re.search(rf"\b{re.escape(rule)}\b", comments), f"{name}: {rule} is skipped without a reason"
