"""The local mailbox: every e-mail the stack sent through SES, read from moto's SES backend in this process
(the app sends raw MIME; messages sent with SendEmail are shown too)."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from local.emulator import EMULATOR_LOCK
from local.template import ACCOUNT, REGION


def _backend() -> Any:
    from moto.ses.models import ses_backends

    return ses_backends[ACCOUNT][REGION]


def _raw(message_id: str, destinations: list[str], raw: str | bytes) -> dict[str, Any]:
    data = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else raw
    msg = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(msg, EmailMessage)
    text_part = msg.get_body(preferencelist=("plain",))
    html_part = msg.get_body(preferencelist=("html",))
    attachments = []
    for part in msg.iter_attachments():
        payload = part.get_payload(decode=True)
        attachments.append({
            "filename": part.get_filename() or "",
            "contentType": part.get_content_type(),
            "size": len(payload) if isinstance(payload, bytes) else 0,
        })
    # moto records the envelope recipients and the header's; each address once, in order
    to = list(dict.fromkeys(destinations)) or [a.strip() for a in str(msg.get("To", "")).split(",") if a.strip()]
    return {
        "id": message_id,
        "from": str(msg.get("From", "")),
        "to": to,
        "subject": str(msg.get("Subject", "")),
        "text": text_part.get_content() if text_part is not None else "",
        "html": html_part.get_content() if html_part is not None else None,
        "attachments": attachments,
    }


def _entry(message: Any) -> dict[str, Any] | None:
    if hasattr(message, "raw_data"):
        return _raw(message.id, list(message.destinations or []), message.raw_data)
    if hasattr(message, "subject") and hasattr(message, "body"):
        dest = message.destinations or {}
        to = [*dest.get("ToAddresses", []), *dest.get("CcAddresses", []), *dest.get("BccAddresses", [])]
        return {"id": message.id, "from": message.source, "to": to, "subject": message.subject,
                "text": message.body, "html": None, "attachments": []}
    return None  # templated messages carry no rendered text


def messages() -> list[dict[str, Any]]:
    """Every sent e-mail, oldest first."""
    out = []
    with EMULATOR_LOCK:  # moto's state is read under the lock every request into moto holds
        sent = list(_backend().sent_messages)
    for message in sent:
        entry = _entry(message)
        if entry is not None:
            out.append(entry)
    return out


def clear() -> int:
    """Empty the mailbox; returns how many messages it held."""
    with EMULATOR_LOCK:
        backend = _backend()
        count = len(backend.sent_messages)
        backend.sent_messages.clear()
        backend.sent_message_count = 0
    return count
