"""A front end on another origin calls the API from a real browser (Debian's headless Chromium): the preflight
for an Authorization header is answered, and the page reads the organisation's buildings."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.helpers import register_owner
from tests.e2e.test_docs_page_browser import _run

pytestmark = pytest.mark.e2e

PAGE = """<!doctype html><html><body><pre id="out">waiting</pre><script>
fetch(%(url)s, {headers: {"Authorization": %(auth)s, "X-Request-ID": "browser-check-1"}})
  .then(r => r.json().then(body => ({status: r.status, body})))
  .then(x => { document.getElementById("out").textContent = "STATUS " + x.status + " " + JSON.stringify(x.body); })
  .catch(e => { document.getElementById("out").textContent = "FAILED " + e; });
</script></body></html>"""


@pytest.fixture
def front_end() -> Iterator[tuple[str, dict[str, bytes]]]:
    """A static file server on its own port: another origin than the API's."""
    pages: dict[str, bytes] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path, b"not found")
            self.send_response(200 if self.path in pages else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", pages
    finally:
        server.shutdown()
        server.server_close()


def test_a_page_on_another_origin_reads_the_buildings_with_a_token(stack, http, front_end):
    # Given an organisation with a building, and a page served from another origin holding its token
    headers = register_owner(http, "KÜ Brauser", "Mari Maasikas")
    created = http.post("/api/buildings", headers=headers, json={
        "name": "Brauseri 3", "address": {"street": "Brauseri 3", "city": "Tartu", "postalCode": "50104",
                                          "country": "EE"},
        "billing": {"dueDays": 14, "vatRate": 0, "iban": "EE061010220000000016", "bankName": "Swedbank"}})
    assert created.status_code == 201, created.text
    origin, pages = front_end
    pages["/app.html"] = (PAGE % {"url": json.dumps(f"{stack.api_url}/buildings"),
                                  "auth": json.dumps(headers["Authorization"])}).encode()

    # When Chromium opens the page and its script calls the API
    dom = _run(["--virtual-time-budget=10000", "--dump-dom", f"{origin}/app.html"])

    # Then the browser let the page read the answer: the organisation's building
    assert "STATUS 200" in dom, dom[-1500:]
    assert "Brauseri 3" in dom


def test_a_preflight_from_a_page_is_answered_by_the_gateway(stack):
    # Given a browser about to send an authorised GET from another origin
    # When it asks first (OPTIONS with Access-Control-Request-*)
    r = httpx.options(f"{stack.api_url}/buildings", headers={
        "Origin": "http://127.0.0.1:5173", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization,content-type"}, timeout=30)
    # Then the gateway allows it without calling a function
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] in ("*", "http://127.0.0.1:5173")
    assert "authorization" in r.headers["access-control-allow-headers"].lower()
