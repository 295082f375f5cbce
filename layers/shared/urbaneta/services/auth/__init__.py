"""Authentication: organisations and users, login and its throttles, sessions with rotating refresh tokens,
logout, magic links and API keys.

By use case: ``registration`` (register, verify), ``sessions`` (login, refresh, logout), ``links`` (magic
links), ``keys`` (API keys) and ``users`` (the interfaces other capabilities use: ``create_user``,
``find_user_by_email``, ``add_apartment_to_user``, ``issue_tokens``); ``common`` holds the clock, throttles and
password rules. The auth function uses them all, so they are importable from here.
"""

from urbaneta.services.auth.common import API_KEY_PREFIX, MAGIC_LINK_TTL, public_user
from urbaneta.services.auth.keys import create_api_key, exchange_api_key, list_api_keys, revoke_api_key
from urbaneta.services.auth.links import request_magic_link, verify_magic_link
from urbaneta.services.auth.registration import register, verify_registration
from urbaneta.services.auth.sessions import login, logout, refresh
from urbaneta.services.auth.users import add_apartment_to_user, create_user, find_user_by_email, issue_tokens

__all__ = [
    "API_KEY_PREFIX", "MAGIC_LINK_TTL", "add_apartment_to_user", "create_api_key", "create_user",
    "exchange_api_key", "find_user_by_email", "issue_tokens", "list_api_keys", "login", "logout", "public_user",
    "refresh", "register", "request_magic_link", "revoke_api_key", "verify_magic_link", "verify_registration",
]
