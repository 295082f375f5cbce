"""HTML for people: e-mail bodies and the hosted pages (server-rendered, no CDN, no external asset: the style
and the one small script are inline; the page's Content-Security-Policy allows exactly that script by its hash).

Every value is escaped here; callers pass plain text (catalogue messages and user data)."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

STYLE = ("body{font-family:system-ui,'DejaVu Sans',sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;"
         "color:#1d2733;line-height:1.5}h1{font-size:1.5rem}label{display:block;margin:.8rem 0 .2rem}"
         "input{font:inherit;width:100%;padding:.5rem;box-sizing:border-box}button,.button{font:inherit;"
         "margin-top:1rem;padding:.6rem 1.2rem;border:0;border-radius:4px;background:#1f5fa8;color:#fff;"
         "text-decoration:none;display:inline-block;cursor:pointer}.ok{color:#1c6b32}.error{color:#a32020}"
         "table{border-collapse:collapse;width:100%}td,th{padding:.3rem;border-bottom:1px solid #ddd;"
         "text-align:left}td.n,th.n{text-align:right}pre{white-space:pre-wrap;word-break:break-all;"
         "background:#f3f5f7;padding:.5rem}.total{font-size:1.2rem;font-weight:bold}")

SCRIPT = """(function () {
  var token = new URLSearchParams(location.search).get('token');
  if (token && history.replaceState) { history.replaceState(null, '', location.pathname); }
  var form = document.querySelector('form[data-api]');
  if (!form) { return; }
  var out = document.getElementById('outcome');
  var reasons = JSON.parse(form.getAttribute('data-reasons'));
  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var body = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name && el.value !== '') { body[el.name] = el.value; }
    });
    var button = form.querySelector('button');
    button.disabled = true;
    function failed(status) {
      button.disabled = false;
      out.className = 'error';
      out.textContent = reasons[String(status)] || reasons.other;
    }
    fetch(form.getAttribute('data-api'), {method: 'POST', credentials: 'omit',
      headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)})
      .then(function (r) { return r.text().then(function (t) { return {status: r.status, text: t}; }); })
      .then(function (r) {
        if (r.status < 200 || r.status > 299) { failed(r.status); return; }
        form.hidden = true;
        out.className = 'ok';
        out.textContent = form.getAttribute('data-done');
        var data = {};
        try { data = JSON.parse(r.text).data || {}; } catch (e) { data = {}; }
        if (data.accessToken) {
          document.getElementById('tokens').textContent = JSON.stringify({accessToken: data.accessToken,
            refreshToken: data.refreshToken, expiresIn: data.expiresIn}, null, 2);
          document.getElementById('for-apps').hidden = false;
        }
      }, function () { failed('other'); });
  });
})();"""

_SCRIPT_HASH = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
CSP = (f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{_SCRIPT_HASH}'; connect-src 'self'; "
       "img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'")
"""The hosted pages' Content-Security-Policy: nothing from elsewhere, only the inline script above."""


def e(value: object) -> str:
    return escape(str(value), quote=True)


def paragraphs(texts: Sequence[str], cls: str | None = None) -> str:
    attr = f' class="{e(cls)}"' if cls else ""
    return "".join(f"<p{attr}>{e(t)}</p>" for t in texts if t)


def page(language: str, title: str, body: str) -> str:
    """A whole page: ``body`` is HTML built with this module's helpers."""
    return (f'<!doctype html>\n<html lang="{e(language)}">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            '<meta name="referrer" content="no-referrer">\n'
            f"<title>{e(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n<h1>{e(title)}</h1>\n"
            f"{body}\n</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n")


@dataclass(frozen=True)
class Field:
    name: str  # the JSON field the API takes
    label: str
    kind: str = "text"  # text | password | email | hidden
    value: str = ""
    autocomplete: str = "off"


def api_form(api: str, fields: Sequence[Field], *, submit: str, done: str, reasons: Mapping[str, str],
             tokens_label: str | None = None) -> str:
    """A form the page's script sends as JSON to ``api`` (a URL relative to the page); on success it shows
    ``done`` (and, for a sign-in, the session tokens for an app); on failure the reason for the status."""
    inputs = []
    for f in fields:
        if f.kind == "hidden":
            inputs.append(f'<input type="hidden" name="{e(f.name)}" value="{e(f.value)}">')
            continue
        inputs.append(f'<label for="{e(f.name)}">{e(f.label)}</label><input id="{e(f.name)}" name="{e(f.name)}" '
                      f'type="{e(f.kind)}" value="{e(f.value)}" autocomplete="{e(f.autocomplete)}" required>')
    tokens = (f'<details id="for-apps" hidden><summary>{e(tokens_label)}</summary><pre id="tokens"></pre>'
              "</details>") if tokens_label else ""
    return (f'<form method="post" data-api="{e(api)}" data-done="{e(done)}" '
            f"data-reasons='{e(json.dumps(dict(reasons), ensure_ascii=False))}'>{''.join(inputs)}"
            f'<button type="submit">{e(submit)}</button></form><p id="outcome" role="status"></p>{tokens}')


def post_button(action: str, label: str, hidden: Mapping[str, str]) -> str:
    """A plain form (no script needed) that POSTs to ``action`` and follows the answer's redirect."""
    fields = "".join(f'<input type="hidden" name="{e(k)}" value="{e(v)}">' for k, v in hidden.items())
    return f'<form method="post" action="{e(action)}">{fields}<button type="submit">{e(label)}</button></form>'


def table(rows: Sequence[Sequence[str]], header: Sequence[str], numeric: Sequence[int] = ()) -> str:
    def cells(values: Sequence[str], tag: str) -> str:
        right = ' class="n"'
        return "".join(f"<{tag}{right if i in numeric else ''}>{e(v)}</{tag}>" for i, v in enumerate(values))

    body = "".join(f"<tr>{cells(r, 'td')}</tr>" for r in rows)
    return f"<table><thead><tr>{cells(header, 'th')}</tr></thead><tbody>{body}</tbody></table>"


def mail_html(language: str, subject: str, before: Sequence[str], action: tuple[str, str] | None,
              after: Sequence[str], hint: str) -> str:
    """An e-mail's HTML part: the same text as the plain part, with the link as a button (and its address)."""
    button = ""
    if action:
        label, url = action
        button = (f'<p><a class="button" href="{e(url)}" style="background:#1f5fa8;color:#fff;padding:10px 18px;'
                  f'border-radius:4px;text-decoration:none;display:inline-block">{e(label)}</a></p>'
                  f'<p style="font-size:small">{e(hint)}<br><a href="{e(url)}">{e(url)}</a></p>')
    return (f'<!doctype html><html lang="{e(language)}"><head><meta charset="utf-8"><title>{e(subject)}</title>'
            f"</head><body style=\"font-family:sans-serif;color:#1d2733\">{paragraphs(before)}{button}"
            f"{paragraphs(after)}</body></html>")
