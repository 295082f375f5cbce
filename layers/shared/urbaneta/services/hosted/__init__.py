"""The hosted pages every e-mailed link opens: server-rendered HTML in the recipient's language, no CDN, working
offline. A page reveals nothing without its token: an unknown, used or expired one gets the same 404 page.

- ``accounts``: accept an invitation, finish a magic-link sign-in, finish a registration, ask for a sign-in link;
- ``invoices``: the invoice's hosted page (``/pay/{token}``), its PDF and its bank-link buttons."""

from urbaneta.services.hosted.common import HostedPage, not_found

__all__ = ["HostedPage", "not_found"]
