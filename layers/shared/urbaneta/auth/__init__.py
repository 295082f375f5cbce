"""Authentication: access tokens, sessions, passwords, API keys."""
