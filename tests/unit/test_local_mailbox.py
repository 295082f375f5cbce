"""The mailbox's reading of what SES kept: raw MIME (the app's mail adapter) and simple messages."""

from __future__ import annotations

from types import SimpleNamespace

from local.mailbox import _entry
from urbaneta.adapters.mail import Attachment, build_message


def test_raw_mime_with_attachment_is_decoded():
    # Given the app's own MIME message, with a PDF attached and an HTML alternative
    msg = build_message(["a@x.ee"], "Arve — Õunapuu", "Tere, Žydrūnė!", html="<p>Tere</p>",
                        attachments=[Attachment("arve.pdf", "application/pdf", b"%PDF-1.4 abc")],
                        sender="no-reply@urbaneta.example")
    raw = SimpleNamespace(id="m-1", destinations=["a@x.ee", "a@x.ee"], raw_data=msg.as_bytes().decode())

    # When the mailbox reads it
    entry = _entry(raw)

    # Then subject, text and attachment come out decoded; each recipient once
    assert entry is not None
    assert entry["id"] == "m-1"
    assert entry["to"] == ["a@x.ee"]
    assert entry["subject"] == "Arve — Õunapuu"
    assert entry["text"].strip() == "Tere, Žydrūnė!"
    assert entry["html"].strip() == "<p>Tere</p>"
    assert entry["attachments"] == [{"filename": "arve.pdf", "contentType": "application/pdf", "size": 12}]


def test_simple_message_is_shown_too():
    simple = SimpleNamespace(id="m-2", source="s@x.ee", subject="Hi", body="Body",
                             destinations={"ToAddresses": ["b@x.ee"], "CcAddresses": ["c@x.ee"]})
    entry = _entry(simple)
    assert entry is not None
    assert entry["to"] == ["b@x.ee", "c@x.ee"] and entry["text"] == "Body" and entry["attachments"] == []
