"""Builders the payments tests and benchmark share: camt.053/054 documents, bank CSV exports, and an
organisation with buildings, apartments and open invoices to pay."""
