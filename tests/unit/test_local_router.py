"""The local stack's route matcher: API Gateway HTTP API's priority rules."""

from __future__ import annotations

import pytest

from local.router import Route, Router


def router(*routes: str) -> Router:
    return Router(Route.of(*r.split(" "), target=r) for r in routes)


def picked(r: Router, method: str, path: str) -> str | None:
    match = r.match(method, path)
    return match.route.target if match else None


def test_exact_path_beats_parameter_beats_greedy():
    # Given AWS's own example routes
    r = router("GET /pets/dog/1", "GET /pets/dog/{id}", "GET /pets/{proxy+}", "ANY /{proxy+}")

    # Then each request goes to the most specific one
    assert picked(r, "GET", "/pets/dog/1") == "GET /pets/dog/1"
    assert picked(r, "GET", "/pets/dog/2") == "GET /pets/dog/{id}"
    assert picked(r, "GET", "/pets/cat/1") == "GET /pets/{proxy+}"
    assert picked(r, "POST", "/pets/dog/1") == "ANY /{proxy+}"


def test_declaration_order_does_not_matter():
    # Given the same routes declared greedy first
    r = router("ANY /{proxy+}", "GET /pets/{proxy+}", "GET /pets/dog/{id}", "GET /pets/dog/1")
    assert picked(r, "GET", "/pets/dog/1") == "GET /pets/dog/1"
    assert picked(r, "GET", "/pets/dog/2") == "GET /pets/dog/{id}"


def test_explicit_method_beats_any_on_the_same_path():
    r = router("ANY /api/buildings", "GET /api/buildings")
    assert picked(r, "GET", "/api/buildings") == "GET /api/buildings"
    assert picked(r, "POST", "/api/buildings") == "ANY /api/buildings"


def test_literal_segment_further_left_wins():
    # Given two routes each with one parameter, in different places
    r = router("GET /a/{x}/c", "GET /a/b/{y}")
    assert picked(r, "GET", "/a/b/c") == "GET /a/b/{y}"
    assert picked(r, "GET", "/a/z/c") == "GET /a/{x}/c"


def test_longer_literal_prefix_beats_shorter_greedy():
    r = router("ANY /api/{proxy+}", "ANY /api/buildings/{proxy+}", "ANY /api/buildings")
    assert picked(r, "GET", "/api/buildings") == "ANY /api/buildings"
    assert picked(r, "GET", "/api/buildings/1/apartments") == "ANY /api/buildings/{proxy+}"
    assert picked(r, "GET", "/api/meters") == "ANY /api/{proxy+}"


def test_greedy_variable_needs_at_least_one_segment():
    r = router("ANY /api/buildings/{proxy+}")
    assert picked(r, "GET", "/api/buildings") is None
    assert picked(r, "GET", "/api/buildings/") is None
    assert picked(r, "GET", "/api/buildings/x") == "ANY /api/buildings/{proxy+}"


def test_path_parameters_are_decoded_and_greedy_takes_the_rest():
    r = router("ANY /api/buildings/{id}", "ANY /api/files/{key+}")
    match = r.match("GET", "/api/buildings/a%20b")
    assert match is not None and match.path_parameters == {"id": "a b"}
    match = r.match("GET", "/api/files/x/y%2Fz/w.pdf")
    assert match is not None and match.path_parameters == {"key": "x/y/z/w.pdf"}


def test_a_parameter_matches_one_segment_only():
    r = router("GET /api/buildings/{id}")
    assert picked(r, "GET", "/api/buildings/1/apartments") is None
    assert picked(r, "GET", "/api/buildings") is None


def test_method_must_match_unless_any():
    r = router("GET /api/docs")
    assert picked(r, "POST", "/api/docs") is None
    assert picked(r, "get", "/api/docs") == "GET /api/docs"


def test_default_route_takes_what_nothing_else_does():
    r = Router([Route.of("GET", "/api/x", "x"), Route.of("ANY", "$default", "fallback")])
    assert picked(r, "GET", "/api/x") == "x"
    assert picked(r, "DELETE", "/anything/else") == "fallback"
    match = r.match("GET", "/nope")
    assert match is not None and match.route.key == "$default" and match.path_parameters == {}


def test_no_match_without_default_route():
    assert picked(router("GET /api/x"), "GET", "/api/y") is None


def test_route_key_is_method_and_path():
    assert Route.of("any", "/api/{proxy+}", "f").key == "ANY /api/{proxy+}"


def test_a_greedy_variable_must_be_last():
    with pytest.raises(ValueError):
        Route.of("GET", "/api/{proxy+}/x", "f")


def test_the_same_route_twice_is_refused():
    with pytest.raises(ValueError, match="declared by both"):
        Router([Route.of("GET", "/api/x", "one"), Route.of("GET", "/api/x", "two")])
