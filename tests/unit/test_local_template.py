"""What the local stack reads from a template: functions, routes, SQS sources, rules and schedule names."""

from __future__ import annotations

import json

import pytest
from cfn_tools import load_yaml

from local import template as tpl
from local.template import Names

DOC = """
Globals:
  Function:
    Handler: app.handler
    Timeout: 29
    Environment:
      Variables:
        TABLE_NAME: !Ref Table
Resources:
  Table: {Type: AWS::DynamoDB::Table}
  EventBus:
    Type: AWS::Events::EventBus
    Properties: {Name: bus}
  Jobs: {Type: AWS::SQS::Queue}
  Fanout:
    Type: AWS::Events::Rule
    Properties:
      EventBusName: !Ref EventBus
      EventPattern: {source: [urbaneta.api]}
      Targets:
        - {Id: q, Arn: !GetAtt Jobs.Arn}
        - {Id: f, Arn: !GetAtt WorkerFunction.Arn, InputPath: $.detail}
  Nightly:
    Type: AWS::Events::Rule
    Properties:
      ScheduleExpression: rate(1 day)
      Targets: [{Id: f, Arn: !GetAtt WorkerFunction.Arn}]
  BuildingsFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/buildings/
      Events:
        Root: {Type: HttpApi, Properties: {Path: /api/buildings, Method: any}}
        Rest: {Type: HttpApi, Properties: {Path: "/api/buildings/{proxy+}", Method: ANY}}
  WorkerFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/worker/
      Handler: jobs.main.run
      MemorySize: 1024
      Environment:
        Variables: {QUEUE: !Ref Jobs}
      Events:
        Queue:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
            BatchSize: 5
            MaximumBatchingWindowInSeconds: 3
            FunctionResponseTypes: [ReportBatchItemFailures]
        Paid:
          Type: EventBridgeRule
          Properties:
            EventBusName: !Ref EventBus
            Pattern: {detail-type: [invoice.paid]}
            State: DISABLED
  OverdueSweepFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/overdue/
      Events:
        Daily:
          Type: Schedule
          Properties: {Schedule: "cron(0 6 * * ? *)"}
  TwoSchedulesFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/two/
      Events:
        Morning: {Type: ScheduleV2, Properties: {ScheduleExpression: "cron(0 6 * * ? *)", Name: morning-run}}
        Evening: {Type: Schedule, Properties: {Schedule: "cron(0 18 * * ? *)", Enabled: false}}
"""


@pytest.fixture
def doc(monkeypatch):
    loaded = json.loads(json.dumps(load_yaml(DOC)))
    monkeypatch.setattr(tpl, "load", lambda: loaded)
    return loaded


@pytest.fixture
def names(doc):
    n = Names(prefix="p")
    n.physical["EventBus"] = "bus"
    n.arns["Jobs"] = "arn:aws:sqs:eu-north-1:123456789012:p-Jobs"
    for fn in tpl.resources(tpl.FUNCTION):
        n.arns[fn] = tpl.function_arn(fn, n)
    return n


@pytest.mark.parametrize("logical, expected", [
    ("OverdueSweepFunction", "overdue-sweep-function"),
    ("HTTPApiFunction", "http-api-function"),
    ("Daily", "daily"),
    ("E2eProbeFunction", "e2e-probe-function"),
])
def test_kebab(logical, expected):
    assert tpl.kebab(logical) == expected


def test_functions_take_globals_and_their_own_handler(doc):
    fns = tpl.functions()
    assert fns["BuildingsFunction"].module_file == tpl.ROOT / "functions" / "buildings" / "app.py"
    assert fns["BuildingsFunction"].handler_name == "handler"
    assert fns["BuildingsFunction"].timeout == 29
    assert fns["WorkerFunction"].module_file == tpl.ROOT / "functions" / "worker" / "jobs" / "main.py"
    assert fns["WorkerFunction"].handler_name == "run"
    assert fns["WorkerFunction"].memory == 1024


def test_http_routes_with_methods_upper_cased(doc):
    routes = {(r.method, r.path, r.function) for r in tpl.http_routes()}
    assert routes == {("ANY", "/api/buildings", "BuildingsFunction"),
                      ("ANY", "/api/buildings/{proxy+}", "BuildingsFunction")}


def test_sqs_sources(names):
    (source,) = tpl.sqs_sources(names)
    assert source.function == "WorkerFunction"
    assert source.queue_arn == "arn:aws:sqs:eu-north-1:123456789012:p-Jobs"
    assert (source.batch_size, source.window_seconds, source.report_failures) == (5, 3, True)


def test_rules_from_resources_and_function_events(names):
    rules = {r.logical: r for r in tpl.rules(names)}
    fanout = rules["Fanout"]
    assert fanout.bus == "bus" and fanout.pattern == {"source": ["urbaneta.api"]} and fanout.enabled
    queue, function = fanout.targets
    assert queue.function is None and queue.arn.endswith(":p-Jobs")
    assert function.function == "WorkerFunction" and function.input_path == "$.detail"
    paid = rules["WorkerFunctionPaid"]
    assert paid.targets[0].function == "WorkerFunction"
    assert paid.pattern == {"detail-type": ["invoice.paid"]}
    assert not paid.enabled
    assert "Nightly" not in rules  # a schedule, not a pattern rule


def test_schedule_names_and_aliases(names):
    by_name = {s.name: s for s in tpl.schedules(names)}
    sweep = by_name["overdue-sweep-function"]
    assert sweep.function == "OverdueSweepFunction" and sweep.kind == "Schedule"
    assert "overdue-sweep" in sweep.aliases
    assert sweep.expression == "cron(0 6 * * ? *)" and sweep.enabled
    morning = by_name["morning-run"]  # the Name property wins
    assert morning.kind == "ScheduleV2" and "two-schedules-morning" in morning.aliases
    evening = by_name["two-schedules-function-evening"]
    assert not evening.enabled and "two-schedules-evening" in evening.aliases
    nightly = by_name["nightly"]  # an AWS::Events::Rule with a schedule, targeting a function
    assert nightly.function == "WorkerFunction" and nightly.expression == "rate(1 day)"


def test_function_environment_is_globals_plus_own(names):
    assert tpl.function_environment("WorkerFunction", names) == {"TABLE_NAME": "p-Table", "QUEUE": "p-Jobs"}
    assert tpl.function_own_environment("WorkerFunction", names) == {"QUEUE": "p-Jobs"}
