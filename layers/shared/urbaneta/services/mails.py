"""Every e-mail the product sends, composed from the message catalogue in the recipient's language: the
subject, a plain-text part and an HTML part saying the same, with the one link as a button."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from urbaneta.i18n import Texts

if TYPE_CHECKING:  # annotations only: the functions that mail no invoice (sign-up, staff) never load the model
    from urbaneta.domain.invoices import Invoice

PRODUCT = "Urbaneta"


@dataclass(frozen=True)
class MailContent:
    subject: str
    text: str
    html: str


def compose(tx: Texts, subject: str, before: Sequence[str], *, action: tuple[str, str] | None = None,
            after: Sequence[str] = (), sender: str = PRODUCT) -> MailContent:
    from urbaneta.adapters.html import mail_html

    closing = [*after, tx.t("mail.signature", sender=sender)]
    link = [f"{action[0]}:\n{action[1]}"] if action else []
    text = "\n\n".join([*before, *link, *closing]) + "\n"
    html = mail_html(tx.language, subject, before, action, closing, tx.t("mail.button_hint"))
    return MailContent(subject, text, html)


def _hello(tx: Texts, name: str | None, first: str) -> str:
    greeting = tx.t("mail.hello_name", name=name) if name else tx.t("mail.hello")
    return f"{greeting}\n{first}"


def invoice_mail(tx: Texts, inv: Invoice, *, association: str, iban: str | None, pay_url: str,
                 original_number: str | None = None) -> MailContent:
    total = tx.money(inv.total_cents, inv.currency)
    if inv.credit_note_of:
        body = tx.t("mail.credit.body", number=inv.number, original=original_number or "", amount=total)
        return compose(tx, tx.t("mail.credit.subject", number=inv.number, association=association),
                       [_hello(tx, inv.recipient.name, body)], sender=association)
    facts = [tx.t("mail.invoice.amount", amount=total), tx.t("mail.invoice.due", due=tx.date(inv.due_date)),
             tx.t("mail.invoice.reference", reference=inv.reference_number)]
    if iban:
        facts.append(tx.t("mail.invoice.account", iban=iban))
    body = tx.t("mail.invoice.body", number=inv.number, start=tx.date(inv.period_start), end=tx.date(inv.period_end))
    return compose(tx, tx.t("mail.invoice.subject", number=inv.number, association=association),
                   [_hello(tx, inv.recipient.name, body), "\n".join(facts)],
                   action=(tx.t("mail.invoice.action"), pay_url), sender=association)


def reminder_mail(tx: Texts, inv: Invoice, *, level: int, message: str, association: str, iban: str | None,
                  pay_url: str, statement: bool = False) -> MailContent:
    """A payment reminder: the manager's text as typed (user data, never translated), then the invoice's facts."""
    body = tx.t("mail.reminder.body", number=inv.number, due=tx.date(inv.due_date))
    facts = [tx.t("mail.reminder.open", amount=tx.money(inv.balance_due_cents, inv.currency)),
             tx.t("mail.invoice.reference", reference=inv.reference_number)]
    if iban:
        facts.append(tx.t("mail.invoice.account", iban=iban))
    after = [tx.t("mail.reminder.statement")] if statement else []
    return compose(tx, tx.t("mail.reminder.subject", level=level, number=inv.number, association=association),
                   [_hello(tx, inv.recipient.name, body), message, "\n".join(facts)],
                   action=(tx.t("mail.invoice.action"), pay_url), after=after, sender=association)


def invitation_mail(tx: Texts, *, building: str, apartment: str, role: str, expires: date, url: str,
                    association: str) -> MailContent:
    body = tx.t("mail.invitation.body", building=building, apartment=apartment, role=tx.t(f"role.{role}"))
    return compose(tx, tx.t("mail.invitation.subject", building=building, apartment=apartment),
                   [_hello(tx, None, body)], action=(tx.t("mail.invitation.action"), url),
                   after=[tx.t("mail.invitation.expiry", date=tx.date(expires))], sender=association)


def member_invitation_mail(tx: Texts, *, organization: str, role: str, expires: date, url: str) -> MailContent:
    """An invitation to the organisation's staff, in the organisation's language."""
    body = tx.t("mail.member.body", organization=organization, role=tx.t(f"role.{role}"))
    return compose(tx, tx.t("mail.member.subject", organization=organization), [_hello(tx, None, body)],
                   action=(tx.t("mail.invitation.action"), url),
                   after=[tx.t("mail.invitation.expiry", date=tx.date(expires))], sender=organization)


def magic_link_mail(tx: Texts, *, url: str, token: str) -> MailContent:
    return compose(tx, tx.t("mail.magic.subject"), [_hello(tx, None, tx.t("mail.magic.body"))],
                   action=(tx.t("mail.magic.action"), url),
                   after=[tx.t("mail.magic.expiry"), tx.t("mail.magic.code", token=token), tx.t("mail.magic.ignore")])


def registration_mail(tx: Texts, *, url: str, token: str | None) -> MailContent:
    """A new address: the link that finishes the registration; a known one (``token`` None): a note that it
    already has an account, linking to the page that sends a sign-in link."""
    if token is None:
        return compose(tx, tx.t("mail.registration.subject"), [_hello(tx, None, tx.t("mail.registration.known"))],
                       action=(tx.t("mail.registration.known_action"), url),
                       after=[tx.t("mail.registration.known_ignore")])
    return compose(tx, tx.t("mail.registration.subject"), [_hello(tx, None, tx.t("mail.registration.body"))],
                   action=(tx.t("mail.registration.action"), url),
                   after=[tx.t("mail.registration.expiry"), tx.t("mail.registration.code", token=token),
                          tx.t("mail.registration.ignore")])
