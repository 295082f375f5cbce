"""The local stack's CORS: API Gateway HTTP API's preflight answers and response headers, configured from the
template's HttpApi (any origin locally unless AllowedOrigins is given)."""

from __future__ import annotations

import json

import pytest
from cfn_tools import load_yaml

from local import cors
from local.cors import CorsConfig

APP = "https://app.urbaneta.ee"
PREFLIGHT = {"Origin": APP, "Access-Control-Request-Method": "PATCH",
             "Access-Control-Request-Headers": "authorization,content-type,if-match"}


@pytest.fixture(scope="module")
def template_config() -> CorsConfig:
    return CorsConfig.from_template()


def only(origins: str) -> CorsConfig:
    return CorsConfig.from_template({"AllowedOrigins": origins})


def as_dict(headers: list[tuple[str, str]]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers}


# ---------------------------------------------------------------- configuration read from template.yaml


def test_the_local_stack_allows_any_origin_with_the_templates_headers_and_methods(template_config):
    cfg = template_config
    assert cfg.enabled
    assert cfg.allow_origins == ("*",)
    assert set(cfg.allow_methods) == {"GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"}
    assert {h.lower() for h in cfg.allow_headers} == {"authorization", "content-type", "idempotency-key",
                                                      "if-match", "x-request-id"}
    assert set(cfg.expose_headers) == {"Location", "ETag", "Idempotent-Replayed", "Retry-After", "X-Request-ID"}
    assert cfg.max_age and cfg.max_age > 0
    assert not cfg.allow_credentials
    assert cors.local_config() == cfg


def test_the_templates_own_default_is_no_cors():
    assert not CorsConfig.from_template({"AllowedOrigins": ""}).enabled


def test_given_origins_are_split_at_commas():
    cfg = only("https://app.urbaneta.ee,https://admin.urbaneta.ee")
    assert cfg.allow_origins == ("https://app.urbaneta.ee", "https://admin.urbaneta.ee")


def mini(cors_yaml: str, parameters: str = "", globals_yaml: str = "") -> dict:
    text = f"""
Parameters:
  Origins: {{Type: CommaDelimitedList, Default: "https://a.ee,https://b.ee"}}
  Open: {{Type: String, Default: "yes"}}
{parameters}
Conditions:
  IsOpen: !Equals [!Ref Open, "yes"]
{globals_yaml}
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
{cors_yaml}
"""
    return json.loads(json.dumps(load_yaml(text)))


def test_sam_shorthand_true_allows_any_origin():
    cfg = CorsConfig.from_template(doc=mini("      CorsConfiguration: true"))
    assert cfg.allow_origins == ("*",)


def test_a_comma_delimited_list_parameter_and_conditions_resolve():
    doc = mini("""      CorsConfiguration: !If
        - IsOpen
        - {AllowOrigins: !Ref Origins, AllowMethods: [get, post], MaxAge: "300", AllowCredentials: true}
        - !Ref AWS::NoValue""")
    cfg = CorsConfig.from_template(doc=doc)
    assert cfg.allow_origins == ("https://a.ee", "https://b.ee")
    assert cfg.allow_methods == ("GET", "POST")
    assert cfg.max_age == 300
    assert cfg.allow_credentials
    assert not CorsConfig.from_template({"Open": "no"}, doc=doc).enabled


def test_globals_http_api_configuration_applies():
    doc = mini("      StageName: $default", globals_yaml="Globals:\n  HttpApi:\n    CorsConfiguration:\n"
                                                         "      AllowOrigins: [\"https://c.ee\"]")
    assert CorsConfig.from_template(doc=doc).allow_origins == ("https://c.ee",)


def test_no_configuration_means_no_cors():
    assert not CorsConfig.from_template(doc=mini("      StageName: $default")).enabled


def test_a_reference_to_a_resource_is_refused():
    with pytest.raises(ValueError, match="parameters"):
        CorsConfig.from_template(doc=mini("      CorsConfiguration: {AllowOrigins: [!Ref Api]}"))


# ---------------------------------------------------------------- preflight


def test_an_allowed_preflight_is_answered_204_with_the_access_control_headers(template_config):
    # Given the local stack's configuration, When a browser on another origin asks to PATCH with a token
    answer = cors.preflight("OPTIONS", "/api/buildings/b-1", PREFLIGHT, template_config)
    # Then API Gateway answers it itself
    assert answer is not None
    status, headers, body = answer
    assert (status, body) == (204, b"")
    h = as_dict(headers)
    assert h["access-control-allow-origin"] == "*"
    assert "PATCH" in h["access-control-allow-methods"].split(",")
    assert {"authorization", "content-type", "if-match"} <= set(h["access-control-allow-headers"].split(","))
    assert h["access-control-max-age"] == str(template_config.max_age)
    assert "access-control-allow-credentials" not in h


def test_a_listed_origin_is_echoed_and_varies_the_answer():
    answer = cors.preflight("OPTIONS", "/api/buildings", PREFLIGHT, only(f"{APP},https://admin.urbaneta.ee"))
    assert answer is not None
    h = as_dict(answer[1])
    assert h["access-control-allow-origin"] == APP
    assert h["vary"] == "Origin"


@pytest.mark.parametrize("change", [
    {"Origin": "https://evil.example"},
    {"Access-Control-Request-Method": "TRACE"},
    {"Access-Control-Request-Headers": "authorization,x-debug"},
])
def test_a_refused_preflight_is_still_204_but_without_access_control_headers(change):
    answer = cors.preflight("OPTIONS", "/api/buildings", {**PREFLIGHT, **change}, only(APP))
    assert answer == (204, [], b"")


def test_any_https_origin_with_a_scheme_wildcard():
    cfg = only("https://*")
    assert cors.preflight("OPTIONS", "/api/x", PREFLIGHT, cfg) is not None
    assert as_dict(cors.preflight("OPTIONS", "/api/x", PREFLIGHT, cfg)[1])["access-control-allow-origin"] == APP
    refused = cors.preflight("OPTIONS", "/api/x", {**PREFLIGHT, "Origin": "http://app.urbaneta.ee"}, cfg)
    assert refused == (204, [], b"")


def test_header_names_and_origins_compare_without_case():
    headers = {"origin": APP.upper().replace("HTTPS", "https"), "access-control-request-method": "patch",
               "access-control-request-headers": "Authorization, X-Request-ID"}
    answer = cors.preflight("options", "/api/buildings", headers, only(APP))
    assert answer is not None and answer[1]


def test_headers_may_be_given_as_pairs():
    answer = cors.preflight("OPTIONS", "/api/buildings", list(PREFLIGHT.items()), only(APP))
    assert answer is not None and as_dict(answer[1])["access-control-allow-origin"] == APP


@pytest.mark.parametrize("method, path, headers", [
    ("GET", "/api/buildings", PREFLIGHT),  # not OPTIONS
    ("OPTIONS", "/api/buildings", {"Origin": APP}),  # no Access-Control-Request-Method: an ordinary OPTIONS
    ("OPTIONS", "/api/buildings", {"Access-Control-Request-Method": "GET"}),  # no Origin
    ("OPTIONS", "/_local/mail", PREFLIGHT),  # the local stack's own endpoints are not the HTTP API
])
def test_requests_that_are_not_preflights_are_routed_as_usual(method, path, headers, template_config):
    assert cors.preflight(method, path, headers, template_config) is None


def test_without_cors_an_options_request_is_routed_as_usual():
    assert cors.preflight("OPTIONS", "/api/buildings", PREFLIGHT, only("")) is None


# ---------------------------------------------------------------- ordinary responses


def test_a_response_to_an_allowed_origin_gets_allow_origin_and_expose_headers(template_config):
    h = as_dict(cors.response_headers({"Origin": APP, "Authorization": "Bearer x"}, template_config))
    assert h["access-control-allow-origin"] == "*"
    assert set(h["access-control-expose-headers"].split(",")) == {
        "Location", "ETag", "Idempotent-Replayed", "Retry-After", "X-Request-ID"}
    assert "vary" not in h


def test_a_listed_origin_is_echoed_with_vary_origin():
    h = as_dict(cors.response_headers({"origin": APP}, only(APP)))
    assert h["access-control-allow-origin"] == APP
    assert h["vary"] == "Origin"


@pytest.mark.parametrize("headers, origins", [
    ({}, "*"),  # no Origin: not a cross-origin request
    ({"Origin": "https://evil.example"}, APP),
    ({"Origin": APP}, ""),  # CORS off
])
def test_no_cors_headers_otherwise(headers, origins):
    assert cors.response_headers(headers, only(origins)) == []


def test_apply_drops_the_functions_own_cors_headers_and_merges_vary():
    response = [("Content-Type", "application/json"), ("Access-Control-Allow-Origin", "https://other.example"),
                ("Vary", "Accept-Encoding")]
    out = cors.apply({"Origin": APP}, response, only(APP))
    assert ("Access-Control-Allow-Origin", "https://other.example") not in out
    h = as_dict(out)
    assert h["access-control-allow-origin"] == APP
    assert h["vary"] == "Accept-Encoding, Origin"
    assert [k for k, _ in out].count("Vary") == 1


def test_apply_leaves_responses_alone_without_cors():
    response = [("Access-Control-Allow-Origin", "https://other.example")]
    assert cors.apply({"Origin": APP}, response, only("")) == response
