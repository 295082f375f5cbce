"""The single table: key builders (``keys``), low-level helpers (``table``) and one repository per aggregate."""
