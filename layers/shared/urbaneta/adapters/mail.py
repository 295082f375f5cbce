"""E-mail through SES (raw MIME so attachments travel). On the local stack SES is moto's, and the
local stack's mailbox (``GET /_local/mail``) shows what was sent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from urbaneta import backoff
from urbaneta.adapters.aws import client
from urbaneta.settings import get_settings

PERMANENT_REFUSALS = frozenset({"MessageRejected", "InvalidParameterValue"})
"""SES error codes that say this message, as built, will never be accepted: sending it again cannot help."""
THROTTLING = frozenset({"Throttling", "ThrottlingException", "TooManyRequestsException"})
"""SES's answers to sending faster than the account's rate (14 mails a second by default): wait and send again."""
THROTTLE_ATTEMPTS = 8
"""Tries of one e-mail while SES throttles (about 6 s of waiting in all), then MailThrottled."""


class MailThrottled(Exception):
    """SES kept throttling: the e-mail was not sent, and sending it later will work (never a permanent failure)."""


class MailRefused(Exception):
    """SES refused the message for good (a bad or unverified address, a message it will not take)."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # e.g. "application/pdf"
    content: bytes


def _one_line(value: str) -> str:
    """A header value on one line: line breaks and other control characters become single spaces (a name
    stored before names refused them must not break, or add, a header)."""
    return " ".join("".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in value).split())


def build_message(to: Sequence[str], subject: str, text: str, *, html: str | None = None,
                  attachments: Sequence[Attachment] = (), sender: str | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender or get_settings().mail_from
    msg["To"] = ", ".join(to)
    msg["Subject"] = _one_line(subject)
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = make_msgid(domain="urbaneta")
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    for att in attachments:
        maintype, _, subtype = att.content_type.partition("/")
        msg.add_attachment(att.content, maintype=maintype, subtype=subtype or "octet-stream", filename=att.filename)
    return msg


def send_email(to: Sequence[str], subject: str, text: str, *, html: str | None = None,
               attachments: Sequence[Attachment] = ()) -> str:
    """Send one e-mail; returns the SES message id. A refusal that will not change is ``MailRefused``; other
    SES errors propagate (callers decide what failed)."""
    from botocore.exceptions import ClientError

    msg = build_message(to, subject, text, html=html, attachments=attachments)
    data = msg.as_bytes()
    for attempt in range(THROTTLE_ATTEMPTS):
        if attempt:
            backoff.pause(attempt - 1, base=0.1, cap=2.0, jitter=True)
        try:
            out = client("ses").send_raw_email(Source=str(msg["From"]), Destinations=list(to),
                                               RawMessage={"Data": data})
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code in PERMANENT_REFUSALS:
                raise MailRefused(str(exc.response["Error"].get("Message") or "refused")) from exc
            if code in THROTTLING:
                continue
            raise
        return str(out["MessageId"])
    raise MailThrottled("SES kept throttling the sending rate")


def send_email_quietly(to: str, subject: str, text: str, *, what: str, html: str | None = None) -> None:
    """Send an account e-mail whose failure must not change the caller's answer (which would tell a stranger
    whether an address has an account). The failure is logged with ``what`` was being sent."""
    from urbaneta.observability import logger

    try:
        send_email([to], subject, text, html=html)
    except Exception:  # logged; the caller's answer is the same either way
        logger.exception("%s e-mail could not be sent", what)
