"""Apartment accounts: posting entries with the changes that cause them, statements, the debtor report,
opening balances and the consistency check (docs/accounts.md)."""
